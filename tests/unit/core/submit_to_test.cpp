// SPDX-License-Identifier: MIT
// submit_to and sharded<T> on a real runtime: ping-pong across shards, 100,000 calls in flight
// through a ring far smaller than that, results and exceptions coming back, an awaiter destroyed
// while its call is in flight, calls to the own shard, the eventfd fallback and map_reduce.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <corio/core/runtime.hpp>
#include <corio/core/shard.hpp>
#include <corio/core/sharded.hpp>
#include <corio/core/sleep.hpp>
#include <corio/core/submit_to.hpp>

#include "on_shards.hpp"

namespace {

using namespace std::chrono_literals;

using corio::test::here;
using corio::test::run_on_shards;
using corio::test::small_shards;

TEST(submit_to, ping_pong_across_three_shards) {
    run_on_shards(small_shards(3), []() -> corio::task<void> {
        for (int i = 0; i < 2000; ++i) {
            const unsigned target = 1 + static_cast<unsigned>(i % 2);
            const int doubled = co_await corio::submit_to(target, [i, target] {
                EXPECT_EQ(here(), target);
                return i * 2;
            });
            EXPECT_EQ(doubled, i * 2);
            EXPECT_EQ(here(), 0U);
        }
        // 0 -> 1 -> 2 -> 0: a task on the target that itself calls another shard.
        const unsigned last = co_await corio::submit_to(1, []() -> corio::task<unsigned> {
            co_return co_await corio::submit_to(
                2, []() -> corio::task<unsigned> { co_return co_await corio::submit_to(0, [] { return here(); }); });
        });
        EXPECT_EQ(last, 0U);
        EXPECT_EQ(here(), 0U);
    });
}

TEST(submit_to, void_and_string_results) {
    run_on_shards(small_shards(2), []() -> corio::task<void> {
        auto ran_on = std::make_shared<std::atomic<unsigned>>(99);
        co_await corio::submit_to(
            1, [](std::shared_ptr<std::atomic<unsigned>> r) { r->store(here()); }, ran_on);
        EXPECT_EQ(ran_on->load(), 1U);
        EXPECT_EQ(ran_on.use_count(), 1); // the message's copy is gone
        const std::string s = co_await corio::submit_to(1, [] { return std::string(1000, 'x'); });
        EXPECT_EQ(s, std::string(1000, 'x'));
        co_await corio::submit_to(1, []() -> corio::task<void> { co_await corio::sleep(2ms); });
        EXPECT_EQ(here(), 0U);
    });
}

corio::task<void> one_call(int i, long& sum, int& done, int& thrown) {
    try {
        sum += co_await corio::submit_to(1, [i] {
            if (i % 1000 == 999) throw std::runtime_error("refused");
            return i;
        });
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "refused");
        ++thrown;
    }
    ++done;
}

TEST(submit_to, hundred_thousand_in_flight_overflow_the_ring) {
    corio::runtime_config config = small_shards(2);
    config.cross_shard_queue = 64;
    run_on_shards(config, []() -> corio::task<void> {
        constexpr int calls = 100000;
        long sum = 0;
        int done = 0;
        int thrown = 0;
        // Each call runs until it waits for its reply: all 100,000 are posted before any returns.
        for (int i = 0; i < calls; ++i)
            corio::spawn(one_call(i, sum, done, thrown));
        EXPECT_LT(done, calls);
        for (int i = 0; i < 30000 && done < calls; ++i)
            co_await corio::sleep(1ms);
        EXPECT_EQ(done, calls);
        EXPECT_EQ(thrown, calls / 1000);
        long expected = 0;
        for (int i = 0; i < calls; ++i)
            expected += i % 1000 == 999 ? 0 : i;
        EXPECT_EQ(sum, expected);
    });
}

TEST(submit_to, exceptions_travel_back) {
    run_on_shards(small_shards(2), []() -> corio::task<void> {
        bool caught = false;
        try {
            co_await corio::submit_to(1, []() -> int { throw std::invalid_argument("bad key"); });
        } catch (const std::invalid_argument& e) {
            caught = std::string(e.what()) == "bad key";
        }
        EXPECT_TRUE(caught);
        caught = false;
        try {
            co_await corio::submit_to(1, []() -> corio::task<void> {
                co_await corio::sleep(1ms);
                throw std::out_of_range("late");
            });
        } catch (const std::out_of_range&) {
            caught = true;
        }
        EXPECT_TRUE(caught);
        EXPECT_EQ(here(), 0U);
    });
}

corio::task<int> slow_answer(std::shared_ptr<std::atomic<int>> state) {
    state->store(1);
    co_await corio::sleep(50ms);
    state->store(2);
    co_return 7;
}

corio::task<void> waits_for_slow_call(std::shared_ptr<std::atomic<int>> state, bool& resumed) {
    const int v = co_await corio::submit_to(1, &slow_answer, state);
    resumed = v == 7;
}

TEST(submit_to, destroyed_awaiter_discards_the_late_reply) {
    run_on_shards(small_shards(2), []() -> corio::task<void> {
        auto state = std::make_shared<std::atomic<int>>(0);
        bool resumed = false;
        {
            corio::task<void> waiting = waits_for_slow_call(state, resumed);
            EXPECT_FALSE(waiting.start());
            for (int i = 0; i < 1000 && state->load() == 0; ++i)
                co_await corio::sleep(1ms);
            EXPECT_EQ(state->load(), 1);
        } // the frame dies here, as a cancelled request's does, while shard 1 still works on it
        for (int i = 0; i < 1000 && state->load() != 2; ++i)
            co_await corio::sleep(1ms);
        EXPECT_EQ(state->load(), 2);
        co_await corio::sleep(20ms); // the reply arrives meanwhile and is freed, nobody resumed
        EXPECT_FALSE(resumed);
        // The queues still work afterwards.
        EXPECT_EQ(co_await corio::submit_to(1, [] { return 3; }), 3);
    });
}

TEST(submit_to, own_shard_runs_inline) {
    run_on_shards(small_shards(2), []() -> corio::task<void> {
        bool ran = false;
        auto call = corio::submit_to(0, [&ran] {
            ran = true;
            return here();
        });
        EXPECT_FALSE(ran); // nothing runs until it is awaited
        EXPECT_EQ(co_await call, 0U);
        EXPECT_TRUE(ran);
        EXPECT_EQ(co_await corio::submit_to(0, []() -> corio::task<int> { co_return 4; }), 4);
        // A task on the own shard that suspends resumes the caller when it ends.
        EXPECT_EQ(co_await corio::submit_to(0,
                                            []() -> corio::task<int> {
                                                co_await corio::sleep(2ms);
                                                co_return 5;
                                            }),
                  5);
        bool thrown = false;
        try {
            co_await corio::submit_to(0, []() -> int { throw std::logic_error("own"); });
        } catch (const std::logic_error&) {
            thrown = true;
        }
        EXPECT_TRUE(thrown);
        EXPECT_EQ(here(), 0U);
    });
}

TEST(submit_to, never_awaited_call_does_not_run) {
    run_on_shards(small_shards(2), []() -> corio::task<void> {
        bool ran = false;
        {
            auto call = corio::submit_to(1, [&ran] { ran = true; });
        }
        co_await corio::submit_to(1, [] {}); // a round trip: anything posted would have run by now
        EXPECT_FALSE(ran);
    });
}

// Owned values passed as arguments, or captured by a call made before the co_await statement,
// are moved there and back and destroyed exactly once (GCC 12 would destroy captures of a lambda
// written inside the co_await expression twice; ASan and the counts catch that).
struct counted {
    static inline std::atomic<int> live{0};
    std::string text;
    explicit counted(std::string t) : text(std::move(t)) { ++live; }
    counted(const counted& o) : text(o.text) { ++live; }
    counted(counted&& o) noexcept : text(std::move(o.text)) { ++live; }
    counted& operator=(const counted&) = delete;
    ~counted() { --live; }
};

TEST(submit_to, owned_arguments_and_named_calls_are_destroyed_once) {
    run_on_shards(small_shards(2), []() -> corio::task<void> {
        const std::string long_text(100, 'k');
        const std::string echoed = co_await corio::submit_to(
            1, [](counted c, std::string s) { return c.text + s; }, counted(long_text), long_text);
        EXPECT_EQ(echoed, long_text + long_text);
        auto call = corio::submit_to(1, [c = counted(long_text)]() -> corio::task<std::string> {
            co_await corio::sleep(1ms);
            co_return c.text;
        });
        EXPECT_EQ(co_await call, long_text);
    });
    EXPECT_EQ(counted::live.load(), 0);
}

TEST(submit_to, eventfd_wake_ups) {
    corio::runtime_config config = small_shards(2);
    config.cross_shard_eventfd = true;
    run_on_shards(config, []() -> corio::task<void> {
        for (int i = 0; i < 500; ++i) {
            EXPECT_EQ(co_await corio::submit_to(1, [i] { return i + 1; }), i + 1);
            if (i % 100 == 0) co_await corio::sleep(2ms); // let shard 1 fall asleep
        }
    });
}

TEST(sharded, local_invoke_on_and_map_reduce) {
    corio::sharded<long> counters([](unsigned shard) { return std::make_unique<long>(shard + 1); });
    run_on_shards(small_shards(3), [&counters]() -> corio::task<void> {
        EXPECT_EQ(counters.local(), 1);
        co_await counters.invoke_on(2, [](long& v) { v += 10; });
        EXPECT_EQ(co_await counters.invoke_on(2, [](long& v) { return v; }), 13);
        const long sum =
            co_await counters.map_reduce([](long& v) { return v; }, 0L, [](long acc, long v) { return acc + v; });
        EXPECT_EQ(sum, 1 + 2 + 13);
        const unsigned shards_seen = co_await counters.map_reduce(
            [](long&) { return here(); }, 0U, [](unsigned acc, unsigned id) { return acc | (1U << id); });
        EXPECT_EQ(shards_seen, 7U);
    });
}

TEST(sharded, strings_put_and_read_back_on_the_owning_shard) {
    corio::sharded<std::map<std::string, std::string>> maps;
    run_on_shards(small_shards(2), [&maps]() -> corio::task<void> {
        using map = std::map<std::string, std::string>;
        for (int i = 0; i < 200; ++i) {
            const std::string key = "key-" + std::to_string(i);
            co_await maps.invoke_on(
                1, [](map& m, std::string k, std::string v) { m[std::move(k)] = std::move(v); }, key,
                std::string(40 + i, static_cast<char>('a' + i % 26)));
        }
        EXPECT_TRUE(maps.local().empty());
        for (int i = 0; i < 200; ++i) {
            const std::optional<std::string> got = co_await maps.invoke_on(
                1,
                [](map& m, std::string k) -> std::optional<std::string> {
                    auto it = m.find(k);
                    if (it == m.end()) return std::nullopt;
                    return it->second;
                },
                "key-" + std::to_string(i));
            EXPECT_EQ(got, std::string(40 + i, static_cast<char>('a' + i % 26)));
        }
        const std::size_t total = co_await maps.map_reduce([](map& m) { return m.size(); }, std::size_t{0},
                                                           [](std::size_t a, std::size_t b) { return a + b; });
        EXPECT_EQ(total, 200U);
    });
}

} // namespace
