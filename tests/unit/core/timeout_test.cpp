// SPDX-License-Identifier: MIT
// with_timeout on a real shard: a task that finishes in time gives its value (void too) and leaves
// no timer armed; one that does not is destroyed where it waits (its sleep disarmed, its frame's
// objects destroyed) and gives timed_out; an exception still travels; a cross-shard call cut by
// the deadline is abandoned and its late reply freed.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <system_error>

#include <gtest/gtest.h>

#include <corio/core/shard.hpp>
#include <corio/core/sleep.hpp>
#include <corio/core/submit_to.hpp>
#include <corio/core/timeout.hpp>

#include "on_shards.hpp"

namespace {

using namespace std::chrono_literals;
using corio::test::run_on_shards;
using corio::test::small_shards;

corio::task<int> answer_after(std::chrono::milliseconds delay, int value) {
    co_await corio::sleep(delay);
    co_return value;
}

// Counts down `alive` when its frame is destroyed, however it ends.
corio::task<void> sleeps_holding(std::shared_ptr<int> alive, std::chrono::milliseconds delay) {
    co_await corio::sleep(delay);
    ++*alive;
}

std::size_t armed_timers() {
    return corio::shard::current()->reactor().timers().size();
}

TEST(with_timeout, in_time_gives_the_value_and_disarms) {
    run_on_shards(small_shards(1), []() -> corio::task<void> {
        const std::size_t before = armed_timers();
        const corio::result<int> fast = co_await corio::with_timeout(2s, answer_after(5ms, 42));
        EXPECT_EQ(fast.value_or(0), 42);
        const corio::result<int> immediate = co_await corio::with_timeout(1s, answer_after(0ms, 7));
        EXPECT_EQ(immediate.value_or(0), 7);
        auto alive = std::make_shared<int>(0);
        const corio::result<void> done = co_await corio::with_timeout(2s, sleeps_holding(alive, 1ms));
        EXPECT_TRUE(done.has_value());
        EXPECT_EQ(*alive, 1);
        EXPECT_EQ(armed_timers(), before);
    });
}

TEST(with_timeout, late_task_is_destroyed_where_it_waits) {
    run_on_shards(small_shards(1), []() -> corio::task<void> {
        const std::size_t before = armed_timers();
        auto alive = std::make_shared<int>(0);
        const auto started = corio::shard::current()->reactor().now_ms();
        const corio::result<void> late = co_await corio::with_timeout(30ms, sleeps_holding(alive, 10s));
        const auto waited = corio::shard::current()->reactor().now_ms() - started;
        EXPECT_FALSE(late.has_value());
        EXPECT_EQ(late.has_value() ? std::error_code() : late.error(), std::make_error_code(std::errc::timed_out));
        EXPECT_GE(waited, 30U);
        EXPECT_LT(waited, 5000U);
        EXPECT_EQ(*alive, 0);              // never ran past its sleep
        EXPECT_EQ(alive.use_count(), 1);   // and its frame (holding the other copy) is gone
        EXPECT_EQ(armed_timers(), before); // with its sleep's timer
    });
}

TEST(with_timeout, exceptions_travel) {
    run_on_shards(small_shards(1), []() -> corio::task<void> {
        bool caught = false;
        try {
            static_cast<void>(co_await corio::with_timeout(1s, []() -> corio::task<int> {
                co_await corio::sleep(1ms);
                throw std::runtime_error("inner");
            }()));
        } catch (const std::runtime_error&) {
            caught = true;
        }
        EXPECT_TRUE(caught);
    });
}

corio::task<int> slow_remote() {
    co_return co_await corio::submit_to(1, []() -> corio::task<int> { co_return co_await answer_after(100ms, 1); });
}

TEST(with_timeout, cuts_a_cross_shard_call) {
    run_on_shards(small_shards(2), []() -> corio::task<void> {
        const corio::result<int> cut = co_await corio::with_timeout(10ms, slow_remote());
        EXPECT_FALSE(cut.has_value());
        co_await corio::sleep(150ms); // the abandoned reply arrives meanwhile and is freed
        const corio::result<int> whole = co_await corio::with_timeout(2s, slow_remote());
        EXPECT_EQ(whole.value_or(0), 1);
    });
}

TEST(timer_tick, configured_tick_reaches_the_wheel_and_sleeps_are_never_early) {
    corio::runtime_config config = small_shards(1);
    config.ring.timer_tick_ms = 1;
    run_on_shards(config, []() -> corio::task<void> {
        corio::reactor& loop = corio::shard::current()->reactor();
        EXPECT_EQ(loop.timers().tick_ms(), 1U);
        for (int i = 0; i < 20; ++i) {
            const auto before = loop.now_ms();
            co_await corio::sleep(2ms);
            EXPECT_GE(loop.now_ms() - before, 2U);
        }
    });
}

} // namespace
