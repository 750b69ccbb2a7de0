// SPDX-License-Identifier: MIT
// when_all: runs several tasks side by side on the calling shard and gives all their results, in
// order, once the last has finished: `auto answers = co_await corio::when_all(std::move(queries));`.
// Every task is started before when_all waits, so work they issue in this loop turn goes out
// together (twenty database queries of one request leave in one pipelined write). Destroying a
// waiting when_all (with_timeout) destroys the tasks still running where they wait.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include <corio/core/task.hpp>

namespace corio {

namespace detail {

struct when_all_counter {
    std::size_t remaining = 0;
    std::coroutine_handle<> waiting;
    std::exception_ptr error;
};

// A finished part suspends here (it is not resumed again; when_all owns and destroys its frame) and
// the last one transfers to when_all: resuming when_all from inside a part's body would let when_all
// destroy the frame that is still running.
struct when_all_part_done {
    when_all_counter* counter;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept {
        if (--counter->remaining == 0 && counter->waiting) return counter->waiting;
        return std::noop_coroutine();
    }
    void await_resume() const noexcept {}
};

struct when_all_wait {
    when_all_counter* counter;
    bool await_ready() const noexcept { return counter->remaining == 0; }
    void await_suspend(std::coroutine_handle<> frame) const noexcept { counter->waiting = frame; }
    void await_resume() const noexcept {}
};

template <class T>
task<void> when_all_part(task<T> work, std::optional<T>* slot, when_all_counter* counter) {
    try {
        slot->emplace(co_await std::move(work));
    } catch (...) {
        if (!counter->error) counter->error = std::current_exception();
    }
    co_await when_all_part_done{counter};
}

} // namespace detail

/// Runs every task of `tasks` concurrently on the calling shard (each starts now, in the order
/// given) and resumes with their results in the same order once all have finished; rethrows the
/// first exception a task threw, after all have finished.
template <class T>
task<std::vector<T>> when_all(std::vector<task<T>> tasks) {
    detail::when_all_counter counter;
    counter.remaining = tasks.size();
    std::vector<std::optional<T>> slots(tasks.size());
    std::vector<task<void>> parts;
    parts.reserve(tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i)
        parts.push_back(detail::when_all_part(std::move(tasks[i]), &slots[i], &counter));
    for (task<void>& part : parts)
        part.start();
    co_await detail::when_all_wait{&counter};
    if (counter.error) std::rethrow_exception(counter.error);
    std::vector<T> results;
    results.reserve(slots.size());
    for (std::optional<T>& slot : slots)
        results.push_back(std::move(*slot));
    co_return results;
}

} // namespace corio
