// SPDX-License-Identifier: MIT
// when_all on a real shard: results come back in the order given whatever order the tasks finish
// in, tasks that finish at once and an empty list need no wait, the tasks really run side by side
// (the whole takes the longest one's time, not the sum), an exception reaches the awaiter after
// the others ended, and a deadline destroys every task where it waits.
#include <chrono>
#include <memory>
#include <stdexcept>
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
using corio::test::small_shards;

corio::task<int> answer_after(std::chrono::milliseconds delay, int value) {
    co_await corio::sleep(delay);
    co_return value;
}

// Counts its frame's destruction in `gone`, however the task ends.
corio::task<int> sleeps_holding(std::shared_ptr<int> gone, std::chrono::milliseconds delay) {
    struct count_on_exit {
        std::shared_ptr<int> gone;
        ~count_on_exit() { ++*gone; }
    } guard{std::move(gone)};
    co_await corio::sleep(delay);
    co_return 1;
}

corio::task<int> throws_after(std::chrono::milliseconds delay) {
    co_await corio::sleep(delay);
    throw std::runtime_error("branch failed");
}

std::uint64_t now_ms() {
    return corio::shard::current()->reactor().now_ms();
}

TEST(when_all, results_in_the_order_given) {
    run_on_shards(small_shards(1), []() -> corio::task<void> {
        std::vector<corio::task<int>> work;
        work.push_back(answer_after(30ms, 1));
        work.push_back(answer_after(0ms, 2)); // finishes while when_all is still starting the others
        work.push_back(answer_after(10ms, 3));
        const std::uint64_t started = now_ms();
        const std::vector<int> results = co_await corio::when_all(std::move(work));
        EXPECT_EQ(results, (std::vector<int>{1, 2, 3}));
        // Side by side: about the longest task's 30 ms, far from a sequential sum of 40+ ms x 10.
        EXPECT_LT(now_ms() - started, 400U);
    });
}

TEST(when_all, nothing_to_wait_for) {
    run_on_shards(small_shards(1), []() -> corio::task<void> {
        const std::vector<int> none = co_await corio::when_all(std::vector<corio::task<int>>{});
        EXPECT_TRUE(none.empty());
        std::vector<corio::task<int>> immediate;
        for (int i = 0; i < 5; ++i)
            immediate.push_back(answer_after(0ms, i));
        const std::vector<int> results = co_await corio::when_all(std::move(immediate));
        EXPECT_EQ(results, (std::vector<int>{0, 1, 2, 3, 4}));
    });
}

TEST(when_all, exception_reaches_the_awaiter_after_the_others_end) {
    run_on_shards(small_shards(1), []() -> corio::task<void> {
        auto gone = std::make_shared<int>(0);
        std::vector<corio::task<int>> work;
        work.push_back(throws_after(1ms));
        work.push_back(sleeps_holding(gone, 20ms));
        bool threw = false;
        try {
            static_cast<void>(co_await corio::when_all(std::move(work)));
        } catch (const std::runtime_error& e) {
            threw = true;
            EXPECT_STREQ(e.what(), "branch failed");
        }
        EXPECT_TRUE(threw);
        EXPECT_EQ(*gone, 1); // the other task ran to its end first
    });
}

TEST(when_all, deadline_destroys_every_task_where_it_waits) {
    run_on_shards(small_shards(1), []() -> corio::task<void> {
        const std::size_t armed_before = corio::shard::current()->reactor().timers().size();
        auto gone = std::make_shared<int>(0);
        std::vector<corio::task<int>> work;
        for (int i = 0; i < 3; ++i)
            work.push_back(sleeps_holding(gone, 10s));
        const auto late = co_await corio::with_timeout(20ms, corio::when_all(std::move(work)));
        EXPECT_FALSE(late.has_value());
        if (!late.has_value()) {
            EXPECT_EQ(late.error(), std::make_error_code(std::errc::timed_out));
        }
        EXPECT_EQ(*gone, 3);
        EXPECT_EQ(corio::shard::current()->reactor().timers().size(), armed_before);
    });
}

} // namespace
