// SPDX-License-Identifier: MIT
// when_all: runs several tasks at once on the calling shard and resumes once every one has
// finished, with their results in the order given. `co_await corio::when_all(std::move(queries))`
// is how one request issues N database queries in the same loop turn (so they share one write)
// or calls several services side by side. Each task starts at once and runs until it first waits;
// none is detached: destroying the waiting when_all (a with_timeout deadline) destroys every task
// where it waits, so their awaiters deregister and nothing resumes later. If a task throws, the
// others still run to their end and the first exception is rethrown from the co_await.
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

/// What the tasks of one when_all share: how many are still running, and who waits for them.
struct when_all_latch {
    std::size_t remaining = 0;
    std::coroutine_handle<> waiting;
    std::exception_ptr error;
};

/// A finished task checks in; the last one resumes the waiter (by symmetric transfer). The task's
/// frame stays suspended here until when_all destroys it, so nothing runs after the waiter resumes.
struct when_all_arrival {
    when_all_latch& latch;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept {
        // The waiter is not set yet while when_all is still starting the tasks (one finished at once).
        if (--latch.remaining == 0 && latch.waiting) return latch.waiting;
        return std::noop_coroutine();
    }
    void await_resume() const noexcept {}
};

/// when_all's own wait: done at once if every task finished while being started.
struct when_all_wait {
    when_all_latch& latch;
    bool await_ready() const noexcept { return latch.remaining == 0; }
    void await_suspend(std::coroutine_handle<> waiting) const noexcept { latch.waiting = waiting; }
    void await_resume() const noexcept {}
};

template <class T>
task<void> when_all_branch(task<T> work, std::optional<T>& slot, when_all_latch& latch) {
    try {
        slot.emplace(co_await std::move(work));
    } catch (...) {
        if (!latch.error) latch.error = std::current_exception();
    }
    co_await when_all_arrival{latch};
}

} // namespace detail

/// Runs every task of `work` at once on the calling shard; resumes (`co_await`) when all have
/// finished, with their results in `work`'s order. Rethrows the first exception a task ended with.
template <class T>
task<std::vector<T>> when_all(std::vector<task<T>> work) {
    detail::when_all_latch latch{work.size(), {}, {}};
    std::vector<std::optional<T>> slots(work.size());
    // Declared after the latch and the slots: destroyed first when this frame is destroyed early.
    std::vector<task<void>> branches;
    branches.reserve(work.size());
    for (std::size_t i = 0; i < work.size(); ++i)
        branches.push_back(detail::when_all_branch(std::move(work[i]), slots[i], latch));
    for (task<void>& branch : branches)
        static_cast<void>(branch.start());
    co_await detail::when_all_wait{latch};
    if (latch.error) std::rethrow_exception(latch.error);
    std::vector<T> results;
    results.reserve(slots.size());
    for (std::optional<T>& slot : slots)
        results.push_back(std::move(*slot));
    co_return results;
}

} // namespace corio
