// SPDX-License-Identifier: MIT
// timer_wheel driven by synthetic millisecond clocks: when timers fire (never early, at the latest
// on the first tick boundary at or after their deadline), cancel, lazy and eager re-arming, wheel
// revolutions, callbacks that arm timers, long stalls and the bookkeeping the reactor relies on.
#include <corio/core/timer_wheel.hpp>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace {

using corio::timer;
using corio::timer_wheel;

constexpr std::uint32_t tick = 10;

// The synthetic clock the test is driving; probes record it when they fire.
std::uint64_t clock_ms = 0;

// A timer that counts its firings and remembers when the last one happened.
struct probe : timer {
    probe() noexcept : timer(&on_fire) {}
    explicit probe(callback custom) noexcept : timer(custom) {}

    int fired = 0;
    std::uint64_t fired_at = 0;

    static void on_fire(timer& t) {
        auto& p = static_cast<probe&>(t);
        ++p.fired;
        p.fired_at = clock_ms;
    }
};

// The latest moment a timer may fire: the first tick boundary at or after its deadline.
std::uint64_t round_up(std::uint64_t deadline) {
    return (deadline + tick - 1) / tick * tick;
}

// Advances `wheel` one millisecond at a time from `from` to `to` inclusive; returns how many fired.
std::size_t step(timer_wheel& wheel, std::uint64_t from, std::uint64_t to) {
    std::size_t fired = 0;
    for (clock_ms = from; clock_ms <= to; ++clock_ms)
        fired += wheel.advance(clock_ms);
    clock_ms = to;
    return fired;
}

TEST(timer_wheel, fires_at_or_after_deadline_never_before) {
    for (std::uint64_t deadline = 1; deadline <= 45; ++deadline) {
        timer_wheel wheel(0, tick, 16);
        probe p;
        wheel.schedule(p, deadline);
        step(wheel, 0, deadline - 1);
        EXPECT_EQ(p.fired, 0) << "deadline " << deadline << " fired early";
        step(wheel, deadline, 100);
        EXPECT_EQ(p.fired, 1) << "deadline " << deadline;
        EXPECT_GE(p.fired_at, deadline);
        EXPECT_LE(p.fired_at, round_up(deadline)) << "deadline " << deadline << " fired late";
        EXPECT_FALSE(p.armed());
    }
}

TEST(timer_wheel, tick_aligned_deadline_fires_exactly_then) {
    timer_wheel wheel(1000, tick, 16);
    probe p;
    wheel.schedule(p, 1050);
    EXPECT_EQ(wheel.advance(1049), 0U);
    clock_ms = 1050;
    EXPECT_EQ(wheel.advance(1050), 1U);
    EXPECT_EQ(p.fired_at, 1050U);
}

TEST(timer_wheel, one_large_jump_fires_a_due_timer) {
    timer_wheel wheel(0, tick, 16);
    probe p;
    wheel.schedule(p, 25);
    EXPECT_EQ(wheel.advance(25), 1U); // ticks 1 and 2 in one call; the deadline is reached
    EXPECT_EQ(p.fired, 1);
}

TEST(timer_wheel, deadline_inside_an_already_processed_tick_fires_at_the_next_boundary) {
    // Tick granularity: once tick 2 (20..29 ms) has been processed at 24 ms, a deadline of 25 ms
    // waits for the boundary at 30 ms; the reactor wakes there (next_timeout_ms).
    timer_wheel wheel(0, tick, 16);
    probe p;
    wheel.schedule(p, 25);
    EXPECT_EQ(wheel.advance(24), 0U);
    EXPECT_EQ(wheel.advance(29), 0U);
    EXPECT_EQ(wheel.next_timeout_ms(29), 1);
    EXPECT_EQ(wheel.advance(30), 1U);
}

TEST(timer_wheel, deadline_in_the_past_fires_on_the_next_tick) {
    timer_wheel wheel(500, tick, 16);
    probe p;
    wheel.schedule(p, 100);
    EXPECT_TRUE(p.armed());
    EXPECT_EQ(step(wheel, 500, 510), 1U);
    EXPECT_EQ(p.fired, 1);
}

TEST(timer_wheel, cancel_prevents_firing) {
    timer_wheel wheel(0, tick, 16);
    probe a;
    probe b;
    wheel.schedule(a, 30);
    wheel.schedule(b, 30);
    EXPECT_EQ(wheel.size(), 2U);
    wheel.cancel(a);
    EXPECT_FALSE(a.armed());
    EXPECT_EQ(wheel.size(), 1U);
    wheel.cancel(a); // harmless when not armed
    EXPECT_EQ(wheel.size(), 1U);
    EXPECT_EQ(step(wheel, 0, 200), 1U);
    EXPECT_EQ(a.fired, 0);
    EXPECT_EQ(b.fired, 1);
    EXPECT_EQ(wheel.size(), 0U);
}

TEST(timer_wheel, rescheduling_later_fires_only_at_the_new_deadline) {
    timer_wheel wheel(0, tick, 16);
    probe p;
    wheel.schedule(p, 30);
    step(wheel, 0, 20);
    wheel.schedule(p, 95); // lazy path: the node stays in the slot of 30
    EXPECT_EQ(wheel.size(), 1U);
    step(wheel, 21, 94);
    EXPECT_EQ(p.fired, 0);
    step(wheel, 95, 300);
    EXPECT_EQ(p.fired, 1);
    EXPECT_GE(p.fired_at, 95U);
    EXPECT_LE(p.fired_at, round_up(95));
}

TEST(timer_wheel, rescheduling_later_by_several_revolutions) {
    timer_wheel wheel(0, tick, 8); // one revolution is 80 ms
    probe p;
    wheel.schedule(p, 30);
    const std::uint64_t later = 30 + 5 * 8 * tick + 3;
    wheel.schedule(p, later);
    step(wheel, 0, later - 1);
    EXPECT_EQ(p.fired, 0);
    step(wheel, later, later + 100);
    EXPECT_EQ(p.fired, 1);
    EXPECT_LE(p.fired_at, round_up(later));
}

TEST(timer_wheel, keep_alive_pattern_rearms_many_times) {
    // Each "request" pushes the idle timeout out again; the timer fires once, after the last one.
    timer_wheel wheel(0, tick, 16);
    probe p;
    std::uint64_t deadline = 0;
    for (std::uint64_t now = 0; now <= 1000; now += 7) {
        clock_ms = now;
        wheel.advance(now);
        deadline = now + 100;
        wheel.schedule(p, deadline);
        ASSERT_EQ(p.fired, 0) << "fired at " << now;
    }
    EXPECT_EQ(wheel.size(), 1U);
    step(wheel, 1001, deadline + 50);
    EXPECT_EQ(p.fired, 1);
    EXPECT_GE(p.fired_at, deadline);
    EXPECT_LE(p.fired_at, round_up(deadline));
}

TEST(timer_wheel, rescheduling_earlier_fires_at_the_new_deadline_once) {
    timer_wheel wheel(0, tick, 16);
    probe p;
    wheel.schedule(p, 500);
    wheel.schedule(p, 40);
    EXPECT_EQ(wheel.size(), 1U);
    step(wheel, 0, 39);
    EXPECT_EQ(p.fired, 0);
    step(wheel, 40, 1000);
    EXPECT_EQ(p.fired, 1);
    EXPECT_LE(p.fired_at, 40U);
}

TEST(timer_wheel, later_then_earlier_again) {
    timer_wheel wheel(0, tick, 16);
    probe p;
    wheel.schedule(p, 30);
    wheel.schedule(p, 200); // lazy
    wheel.schedule(p, 55);  // earlier than 200: moved
    step(wheel, 0, 54);
    EXPECT_EQ(p.fired, 0);
    step(wheel, 55, 400);
    EXPECT_EQ(p.fired, 1);
    EXPECT_LE(p.fired_at, round_up(55));
}

TEST(timer_wheel, many_timers_across_revolutions) {
    constexpr std::uint32_t slots = 8;
    timer_wheel wheel(0, tick, slots);
    std::mt19937 rng(12345);
    std::uniform_int_distribution<std::uint64_t> when(1, 30 * slots * tick);
    std::vector<std::unique_ptr<probe>> probes;
    std::vector<std::uint64_t> deadlines;
    for (int i = 0; i < 500; ++i) {
        probes.push_back(std::make_unique<probe>());
        deadlines.push_back(when(rng));
        wheel.schedule(*probes.back(), deadlines.back());
    }
    EXPECT_EQ(wheel.size(), 500U);
    const std::uint64_t end = 30 * slots * tick + 2 * tick;
    EXPECT_EQ(step(wheel, 0, end), 500U);
    EXPECT_EQ(wheel.size(), 0U);
    for (std::size_t i = 0; i < probes.size(); ++i) {
        EXPECT_EQ(probes[i]->fired, 1) << "deadline " << deadlines[i];
        EXPECT_GE(probes[i]->fired_at, deadlines[i]);
        EXPECT_LE(probes[i]->fired_at, round_up(deadlines[i]));
    }
}

TEST(timer_wheel, irregular_clock_steps_never_fire_early) {
    constexpr std::uint32_t slots = 8;
    timer_wheel wheel(0, tick, slots);
    std::mt19937 rng(777);
    std::uniform_int_distribution<std::uint64_t> when(1, 20 * slots * tick);
    std::uniform_int_distribution<std::uint64_t> gap(0, 37);
    std::vector<std::unique_ptr<probe>> probes;
    std::vector<std::uint64_t> deadlines;
    for (int i = 0; i < 300; ++i) {
        probes.push_back(std::make_unique<probe>());
        deadlines.push_back(when(rng));
        wheel.schedule(*probes.back(), deadlines.back());
    }

    std::vector<std::uint64_t> first_boundary_seen(probes.size(), 0);
    clock_ms = 0;
    while (clock_ms < 20 * slots * tick + 100) {
        clock_ms += gap(rng);
        wheel.advance(clock_ms);
        for (std::size_t i = 0; i < probes.size(); ++i) {
            if (first_boundary_seen[i] == 0 && clock_ms >= round_up(deadlines[i])) first_boundary_seen[i] = clock_ms;
        }
    }
    for (std::size_t i = 0; i < probes.size(); ++i) {
        ASSERT_EQ(probes[i]->fired, 1) << "deadline " << deadlines[i];
        EXPECT_GE(probes[i]->fired_at, deadlines[i]);
        EXPECT_LE(probes[i]->fired_at, first_boundary_seen[i]) << "deadline " << deadlines[i];
    }
}

// A timer whose callback arms another one (a periodic job, a retry).
struct chained : probe {
    chained(timer_wheel& w, probe& n, std::uint64_t d) noexcept : probe(&on_chain), wheel(&w), next(&n), delay(d) {}
    timer_wheel* wheel;
    probe* next;
    std::uint64_t delay;

    static void on_chain(timer& t) {
        auto& c = static_cast<chained&>(t);
        probe::on_fire(t);
        c.wheel->schedule(*c.next, clock_ms + c.delay);
    }
};

TEST(timer_wheel, callback_schedules_another_timer) {
    timer_wheel wheel(0, tick, 16);
    probe second;
    chained first(wheel, second, 50);
    wheel.schedule(first, 20);
    step(wheel, 0, 20);
    EXPECT_EQ(first.fired, 1);
    EXPECT_TRUE(second.armed());
    EXPECT_EQ(wheel.size(), 1U);
    step(wheel, 21, 69);
    EXPECT_EQ(second.fired, 0);
    step(wheel, 70, 200);
    EXPECT_EQ(second.fired, 1);
    EXPECT_LE(second.fired_at, 70U);
}

TEST(timer_wheel, callback_schedules_an_already_due_timer) {
    // Armed into the slot being processed: it must not be lost, and fires by the next tick.
    timer_wheel wheel(0, tick, 16);
    probe second;
    chained first(wheel, second, 0);
    wheel.schedule(first, 20);
    step(wheel, 0, 20);
    EXPECT_EQ(first.fired, 1);
    step(wheel, 21, 30);
    EXPECT_EQ(second.fired, 1);
}

TEST(timer_wheel, callback_rearms_itself_periodically) {
    timer_wheel wheel(0, tick, 8);
    struct periodic : probe {
        explicit periodic(timer_wheel& w) noexcept : probe(&on_tick), wheel(&w) {}
        timer_wheel* wheel;
        static void on_tick(timer& t) {
            auto& p = static_cast<periodic&>(t);
            probe::on_fire(t);
            if (p.fired < 10) p.wheel->schedule(p, clock_ms + 100);
        }
    };
    periodic p(wheel);
    wheel.schedule(p, 100);
    step(wheel, 0, 2000);
    EXPECT_EQ(p.fired, 10);
    EXPECT_EQ(p.fired_at, 1000U);
    EXPECT_EQ(wheel.size(), 0U);
}

// A callback that cancels another timer due in the same slot: the cancelled one must not fire.
struct canceller : probe {
    canceller(timer_wheel& w, probe& v) noexcept : probe(&on_cancel), wheel(&w), victim(&v) {}
    timer_wheel* wheel;
    probe* victim;
    static void on_cancel(timer& t) {
        auto& c = static_cast<canceller&>(t);
        probe::on_fire(t);
        c.wheel->cancel(*c.victim);
    }
};

TEST(timer_wheel, callback_cancels_a_timer_due_in_the_same_slot) {
    timer_wheel wheel(0, tick, 16);
    probe victim;
    canceller c(wheel, victim);
    // Slot lists are LIFO: arming the victim first puts it after the canceller in the slot's list.
    wheel.schedule(victim, 30);
    wheel.schedule(c, 30);
    clock_ms = 30;
    EXPECT_EQ(wheel.advance(30), 1U);
    EXPECT_EQ(c.fired, 1);
    EXPECT_EQ(victim.fired, 0);
    EXPECT_FALSE(victim.armed());
    EXPECT_EQ(wheel.size(), 0U);
}

TEST(timer_wheel, advance_after_long_stall_fires_everything_due) {
    constexpr std::uint32_t slots = 8;
    timer_wheel wheel(0, tick, slots);
    std::vector<std::unique_ptr<probe>> due;
    for (std::uint64_t d = 5; d <= 10'000; d += 37) {
        due.push_back(std::make_unique<probe>());
        wheel.schedule(*due.back(), d);
    }
    probe later;
    wheel.schedule(later, 10'500);
    const std::size_t armed = wheel.size();
    clock_ms = 10'000;
    EXPECT_EQ(wheel.advance(10'000), due.size()); // 1,000 ticks: many revolutions in one call
    for (const auto& p : due)
        EXPECT_EQ(p->fired, 1);
    EXPECT_EQ(later.fired, 0);
    EXPECT_EQ(wheel.size(), armed - due.size());
    step(wheel, 10'001, 10'499);
    EXPECT_EQ(later.fired, 0);
    step(wheel, 10'500, 10'600);
    EXPECT_EQ(later.fired, 1);
    EXPECT_EQ(later.fired_at, 10'500U);
}

// Regression: during an advance() over more than one revolution, a timer armed by a callback for
// a deadline already reached went into a slot the pass had visited and waited a whole revolution.
TEST(timer_wheel, timer_armed_by_callback_during_stall_is_not_a_revolution_late) {
    constexpr std::uint32_t slots = 8;
    timer_wheel wheel(0, tick, slots);
    probe second;
    chained first(wheel, second, 0); // arms `second` for clock_ms, the stalled "now"
    wheel.schedule(first, 70);       // slot 7: processed after the slot of tick 100 (slot 4)
    clock_ms = 1000;
    wheel.advance(1000);
    EXPECT_EQ(first.fired, 1);
    step(wheel, 1001, 1010);
    EXPECT_EQ(second.fired, 1) << "fired a revolution late";
}

TEST(timer_wheel, size_bookkeeping) {
    timer_wheel wheel(0, tick, 16);
    probe a;
    probe b;
    probe c;
    EXPECT_EQ(wheel.size(), 0U);
    wheel.schedule(a, 10);
    wheel.schedule(b, 20);
    wheel.schedule(c, 1000);
    EXPECT_EQ(wheel.size(), 3U);
    wheel.schedule(a, 15); // re-arm later: still one timer
    wheel.schedule(c, 30); // re-arm earlier: still one timer
    EXPECT_EQ(wheel.size(), 3U);
    wheel.cancel(b);
    EXPECT_EQ(wheel.size(), 2U);
    step(wheel, 0, 20);
    EXPECT_EQ(wheel.size(), 1U);
    EXPECT_TRUE(c.armed());
    step(wheel, 21, 30);
    EXPECT_EQ(wheel.size(), 0U);
    EXPECT_EQ(a.fired + b.fired + c.fired, 2);
}

TEST(timer_wheel, next_timeout_ms) {
    timer_wheel wheel(1000, tick, 16);
    EXPECT_EQ(wheel.next_timeout_ms(1000), -1);
    probe p;
    wheel.schedule(p, 5000);
    EXPECT_EQ(wheel.next_timeout_ms(1000), 10);
    EXPECT_EQ(wheel.next_timeout_ms(1003), 7);
    EXPECT_EQ(wheel.next_timeout_ms(1009), 1);
    EXPECT_GT(wheel.next_timeout_ms(1009), 0);
    wheel.cancel(p);
    EXPECT_EQ(wheel.next_timeout_ms(1003), -1);
    EXPECT_EQ(wheel.tick_ms(), tick);
}

TEST(timer_wheel, zero_tick_and_tiny_slot_counts_are_usable) {
    timer_wheel wheel(0, 0, 0);
    EXPECT_EQ(wheel.tick_ms(), 1U);
    probe p;
    wheel.schedule(p, 5);
    EXPECT_EQ(wheel.advance(4), 0U);
    EXPECT_EQ(wheel.advance(5), 1U);
}

TEST(timer_wheel, a_background_timer_alone_does_not_wake_the_loop_and_fires_when_it_wakes) {
    clock_ms = 0;
    timer_wheel wheel(0, tick);
    probe background, connection;
    wheel.set_background(&background);
    wheel.schedule(background, 250);
    EXPECT_EQ(wheel.next_timeout_ms(0), -1) << "alone, the background timer lets the loop sleep";
    wheel.schedule(connection, 5000);
    EXPECT_EQ(wheel.next_timeout_ms(0), static_cast<int>(tick)) << "with another timer, the loop ticks";
    wheel.cancel(connection);
    EXPECT_EQ(wheel.next_timeout_ms(0), -1);
    clock_ms = 900; // the loop woke late, for something else
    EXPECT_EQ(wheel.advance(clock_ms), 1U);
    EXPECT_EQ(background.fired, 1);
    wheel.set_background(nullptr);
    wheel.schedule(background, 1150);
    EXPECT_EQ(wheel.next_timeout_ms(clock_ms), static_cast<int>(tick)) << "a foreground timer again";
}

} // namespace
