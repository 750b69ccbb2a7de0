// SPDX-License-Identifier: MIT
// shard's per-thread current shard: set_current() runs the calling thread's at_next_change()
// functions once, and no other thread's.
#include <gtest/gtest.h>

#include <thread>

#include <corio/core/shard.hpp>

namespace {

TEST(shard, set_current_runs_the_next_change_hooks_of_its_thread_once) {
    int runs = 0;
    corio::shard::at_next_change([](void* count) { ++*static_cast<int*>(count); }, &runs);
    std::thread([] { corio::shard::set_current(nullptr); }).join();
    EXPECT_EQ(runs, 0); // another thread's change
    corio::shard::set_current(nullptr);
    EXPECT_EQ(runs, 1);
    corio::shard::set_current(nullptr);
    EXPECT_EQ(runs, 1); // forgotten once run
}

} // namespace
