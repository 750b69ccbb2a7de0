// SPDX-License-Identifier: MIT
// task<T>: laziness, results and exceptions across co_await, resumption of the awaiter when a
// suspended task finishes, spawn() and frame ownership, and frames allocated on the shard heap.
#include <corio/core/heap.hpp>
#include <corio/core/task.hpp>

#include <coroutine>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

namespace {

using corio::task;

// Counts live copies; a copy lives in a coroutine frame as a by-value parameter, so `live`
// returns to zero only once every frame holding one has been destroyed.
struct frame_guard {
    static inline int live = 0;
    frame_guard() noexcept { ++live; }
    frame_guard(const frame_guard&) noexcept { ++live; }
    frame_guard(frame_guard&&) noexcept { ++live; }
    frame_guard& operator=(const frame_guard&) = default;
    frame_guard& operator=(frame_guard&&) = default;
    ~frame_guard() { --live; }
};

// An event a coroutine can wait on; open() resumes the waiter on the calling thread.
struct gate {
    std::coroutine_handle<> waiting;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept { waiting = h; }
    void await_resume() const noexcept {}
    void open() { std::exchange(waiting, nullptr).resume(); }
};

task<int> answer() {
    co_return 42;
}

task<int> twice_the_answer() {
    const int v = co_await answer();
    co_return v * 2;
}

TEST(task, int_task_awaited_by_another_task) {
    task<int> t = twice_the_answer();
    EXPECT_FALSE(t.done());
    EXPECT_TRUE(t.start());
    EXPECT_TRUE(t.done());
    EXPECT_EQ(t.result(), 84);
}

task<std::unique_ptr<std::string>> make_text() {
    co_return std::make_unique<std::string>("moved out");
}

task<std::size_t> text_length() {
    std::unique_ptr<std::string> s = co_await make_text();
    co_return s->size();
}

TEST(task, move_only_results) {
    task<std::size_t> t = text_length();
    ASSERT_TRUE(t.start());
    EXPECT_EQ(t.result(), 9U);
}

task<void> set_flag(bool& flag) {
    flag = true;
    co_return;
}

TEST(task, is_lazy_until_started) {
    bool ran = false;
    task<void> t = set_flag(ran);
    EXPECT_FALSE(ran);
    EXPECT_TRUE(t.start());
    EXPECT_TRUE(ran);
    t.result(); // no exception
}

task<int> failing() {
    throw std::runtime_error("inner failed");
    co_return 0;
}

task<std::string> catches() {
    try {
        co_await failing();
    } catch (const std::runtime_error& e) {
        co_return std::string("caught: ") + e.what();
    }
    co_return "not thrown";
}

TEST(task, exception_propagates_through_co_await) {
    task<std::string> t = catches();
    ASSERT_TRUE(t.start());
    EXPECT_EQ(t.result(), "caught: inner failed");
}

task<int> passes_through() {
    const int v = co_await failing();
    co_return v + 1;
}

TEST(task, uncaught_exception_reaches_result) {
    task<int> t = passes_through();
    ASSERT_TRUE(t.start());
    EXPECT_THROW(static_cast<void>(t.result()), std::runtime_error);
}

task<int> wait_then_answer(gate& g) {
    co_await g;
    co_return 7;
}

task<int> await_suspending(gate& g, int& stage) {
    stage = 1;
    const int v = co_await wait_then_answer(g);
    stage = 2;
    co_return v + 1;
}

TEST(task, finishing_task_resumes_its_awaiter) {
    gate g;
    int stage = 0;
    task<int> t = await_suspending(g, stage);
    EXPECT_FALSE(t.start());
    EXPECT_EQ(stage, 1);
    EXPECT_FALSE(t.done());
    ASSERT_TRUE(g.waiting);
    g.open();
    EXPECT_EQ(stage, 2);
    ASSERT_TRUE(t.done());
    EXPECT_EQ(t.result(), 8);
}

task<int> count_up(int n) {
    int sum = 0;
    for (int i = 0; i < n; ++i)
        sum += co_await answer();
    co_return sum;
}

TEST(task, many_sequential_awaits) {
    task<int> t = count_up(10'000);
    ASSERT_TRUE(t.start());
    EXPECT_EQ(t.result(), 420'000);
}

task<void> guarded_job(frame_guard, gate* g, int& steps) {
    ++steps;
    if (g != nullptr) co_await *g;
    ++steps;
}

TEST(task, spawn_runs_to_completion_and_frees_the_frame) {
    ASSERT_EQ(frame_guard::live, 0);
    int steps = 0;
    corio::spawn(guarded_job(frame_guard{}, nullptr, steps));
    EXPECT_EQ(steps, 2);
    EXPECT_EQ(frame_guard::live, 0);
}

TEST(task, spawned_task_that_suspends_frees_its_frame_when_it_ends) {
    ASSERT_EQ(frame_guard::live, 0);
    gate g;
    int steps = 0;
    corio::spawn(guarded_job(frame_guard{}, &g, steps));
    EXPECT_EQ(steps, 1);
    EXPECT_EQ(frame_guard::live, 1); // the suspended frame holds its copy
    g.open();
    EXPECT_EQ(steps, 2);
    EXPECT_EQ(frame_guard::live, 0);
}

TEST(task, destroying_a_task_frees_its_frame) {
    ASSERT_EQ(frame_guard::live, 0);
    int steps = 0;
    {
        task<void> never_started = guarded_job(frame_guard{}, nullptr, steps);
        EXPECT_EQ(frame_guard::live, 1);
    }
    EXPECT_EQ(frame_guard::live, 0);
    gate g;
    {
        task<void> suspended = guarded_job(frame_guard{}, &g, steps);
        EXPECT_FALSE(suspended.start());
        EXPECT_EQ(frame_guard::live, 1);
    }
    EXPECT_EQ(frame_guard::live, 0);
    EXPECT_EQ(steps, 1);
}

TEST(task, move_assignment_destroys_the_previous_frame) {
    ASSERT_EQ(frame_guard::live, 0);
    int steps = 0;
    task<void> a = guarded_job(frame_guard{}, nullptr, steps);
    task<void> b = guarded_job(frame_guard{}, nullptr, steps);
    EXPECT_EQ(frame_guard::live, 2);
    a = std::move(b);
    EXPECT_EQ(frame_guard::live, 1);
    EXPECT_TRUE(a.start());
    EXPECT_EQ(steps, 2);
    a = task<void>();
    EXPECT_EQ(frame_guard::live, 0);
}

TEST(task, frames_come_from_the_shard_heap) {
    const std::uint64_t before = corio::shard_alloc_count();
    task<int> t = answer();
    EXPECT_EQ(corio::shard_alloc_count(), before + 1);
    ASSERT_TRUE(t.start());
    EXPECT_EQ(t.result(), 42);

    // On a shard thread (with its own heap) the count is per thread.
    std::uint64_t on_thread_before = 0;
    std::uint64_t on_thread_after = 0;
    int result = 0;
    std::thread shard_thread([&] {
        corio::heap_scope heap;
        on_thread_before = corio::shard_alloc_count();
        task<int> nested = twice_the_answer(); // one frame now, the inner one when it runs
        if (nested.start()) result = nested.result();
        on_thread_after = corio::shard_alloc_count();
    });
    shard_thread.join();
    EXPECT_EQ(result, 84);
    EXPECT_EQ(on_thread_after - on_thread_before, 2U);
    EXPECT_EQ(corio::shard_alloc_count(), before + 1); // the other thread's frames are not counted here
}

task<void> throws_in_spawn() {
    throw std::logic_error("nobody catches this");
    co_return;
}

TEST(task_death, exception_escaping_a_spawned_task_aborts_with_a_message) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(corio::spawn(throws_in_spawn()), "spawned task ended with an exception");
}

} // namespace
