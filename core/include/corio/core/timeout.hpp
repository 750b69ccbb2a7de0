// SPDX-License-Identifier: MIT
// with_timeout: a deadline for any corio::task. `co_await corio::with_timeout(50ms, fetch(key))`
// runs the task and gives its result, or, if the deadline on the shard's timer wheel passes first,
// destroys the task where it waits and gives std::errc::timed_out. Destroying a waiting task is
// corio's cancellation: every corio awaiter (sleep, submit_to, body reads and writes) deregisters
// itself when its frame goes, so nothing resumes later; a task waiting on an awaiter of your own
// must do the same. The timer node lives in the awaiter: a deadline costs no allocation.
#pragma once

#include <chrono>
#include <coroutine>
#include <system_error>
#include <utility>

#include <corio/core/result.hpp>
#include <corio/core/task.hpp>
#include <corio/core/timer_wheel.hpp>

namespace corio {

namespace detail {

/// The timer half of with_timeout: armed on the calling shard's wheel, disarmed when destroyed.
class deadline : private timer {
public:
    deadline(const deadline&) = delete;
    deadline& operator=(const deadline&) = delete;

protected:
    using expire_fn = void (*)(deadline& self) noexcept;
    deadline(std::chrono::milliseconds limit, expire_fn on_expiry) noexcept;
    ~deadline();
    /// Arms the deadline on the calling shard (aborts with a message outside a shard thread).
    void arm();
    /// Disarms the deadline if it is still armed.
    void disarm() noexcept;
    /// True once the deadline has passed (and on_expiry ran).
    bool expired() const noexcept { return _expired; }

private:
    static void fire_timer(timer& t);
    std::chrono::milliseconds _limit;
    expire_fn _on_expiry;
    timer_wheel* _wheel = nullptr;
    bool _expired = false;
};

} // namespace detail

/// Awaitable of with_timeout(): resumes with the task's result, or timed_out at the deadline.
template <class T>
class [[nodiscard]] timeout_awaiter : private detail::deadline {
    using inner_awaiter = decltype(std::declval<task<T>>().operator co_await());

public:
    timeout_awaiter(std::chrono::milliseconds limit, task<T> work)
        : deadline(limit, &timeout_awaiter::expire), _task(std::move(work)),
          _inner(std::move(_task).operator co_await()) {}

    bool await_ready() const noexcept { return false; }
    /// Arms the deadline and runs the task until it first waits (it may finish right away).
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> waiting) {
        _waiting = waiting;
        arm();
        return _inner.await_suspend(waiting);
    }
    /// The task's value, timed_out if the deadline passed first; rethrows what the task threw.
    result<T> await_resume() {
        if (expired()) return tl::unexpected(std::make_error_code(std::errc::timed_out));
        disarm();
        if constexpr (std::is_void_v<T>) {
            _inner.await_resume();
            return {};
        } else {
            return _inner.await_resume();
        }
    }

private:
    // At the deadline: the task's frame (and every frame it awaits) is destroyed where it waits.
    static void expire(deadline& d) noexcept {
        auto& self = static_cast<timeout_awaiter&>(d);
        self._task = task<T>();
        self._waiting.resume();
    }

    task<T> _task;
    inner_awaiter _inner;
    std::coroutine_handle<> _waiting;
};

/// Runs `work` with a deadline of `limit` on the calling shard (`co_await`): its result, or
/// std::errc::timed_out once `limit` has passed (the task is then destroyed where it waits).
template <class T>
timeout_awaiter<T> with_timeout(std::chrono::milliseconds limit, task<T> work) {
    return {limit, std::move(work)};
}

} // namespace corio
