// SPDX-License-Identifier: MIT
// when_all on a real shard: the tasks run side by side (the total wait is the longest, not the
// sum), results come back in the order given whatever order they finish in, tasks that finish
// before when_all waits are fine, an exception travels after all have finished, and a when_all
// destroyed by with_timeout destroys the tasks still waiting (their timers disarmed).
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core/shard.hpp>
#include <corio/core/sleep.hpp>
#include <corio/core/timeout.hpp>
#include <corio/core/when_all.hpp>

#include "on_shards.hpp"

namespace {

using namespace std::chrono_literals;
using corio::test::run_on_shards;
using corio::test::shards;

corio::task<int> answer_after(std::chrono::milliseconds delay, int value) {
    if (delay.count() > 0) co_await corio::sleep(delay);
    co_return value;
}

corio::task<int> throws_after(std::chrono::milliseconds delay) {
    co_await corio::sleep(delay);
    throw std::runtime_error("part failed");
}

// Counts up `destroyed` when its frame goes, however it ends.
corio::task<int> sleeps_counting(std::shared_ptr<int> destroyed, std::chrono::milliseconds delay) {
    struct on_exit {
        std::shared_ptr<int> count;
        ~on_exit() { ++*count; }
    } guard{std::move(destroyed)};
    co_await corio::sleep(delay);
    co_return 1;
}

TEST(when_all, runs_side_by_side_and_keeps_the_order) {
    run_on_shards(shards(1), []() -> corio::task<void> {
        std::vector<corio::task<int>> parts;
        parts.push_back(answer_after(60ms, 1));
        parts.push_back(answer_after(20ms, 2));
        parts.push_back(answer_after(0ms, 3)); // done before when_all waits
        parts.push_back(answer_after(40ms, 4));
        const auto before = std::chrono::steady_clock::now();
        const std::vector<int> results = co_await corio::when_all(std::move(parts));
        const auto took = std::chrono::steady_clock::now() - before;
        EXPECT_EQ(results, (std::vector<int>{1, 2, 3, 4}));
        EXPECT_LT(took, 120ms) << "the tasks ran one after the other";
        EXPECT_EQ((co_await corio::when_all(std::vector<corio::task<int>>{})).size(), 0U);
    });
}

TEST(when_all, an_exception_travels_after_all_finished) {
    run_on_shards(shards(1), []() -> corio::task<void> {
        std::vector<corio::task<int>> parts;
        parts.push_back(throws_after(10ms));
        parts.push_back(answer_after(30ms, 2));
        bool thrown = false;
        try {
            co_await corio::when_all(std::move(parts));
        } catch (const std::runtime_error& e) {
            thrown = std::string_view(e.what()) == "part failed";
        }
        EXPECT_TRUE(thrown);
    });
}

TEST(when_all, a_timeout_destroys_the_waiting_tasks) {
    run_on_shards(shards(1), []() -> corio::task<void> {
        auto destroyed = std::make_shared<int>(0);
        std::vector<corio::task<int>> parts;
        parts.push_back(sleeps_counting(destroyed, 10ms));
        parts.push_back(sleeps_counting(destroyed, 10s));
        parts.push_back(sleeps_counting(destroyed, 20s));
        auto r = co_await corio::with_timeout(100ms, corio::when_all(std::move(parts)));
        EXPECT_FALSE(r.has_value());
        if (!r) {
            EXPECT_EQ(r.error(), std::errc::timed_out);
        }
        EXPECT_EQ(*destroyed, 3);
        EXPECT_EQ(corio::shard::current()->reactor().timers().size(), 0U) << "a destroyed sleep left its timer armed";
    });
}

} // namespace
