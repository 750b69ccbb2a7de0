// SPDX-License-Identifier: MIT
// sleep: `co_await corio::sleep(100ms)` suspends a coroutine on its shard's timer wheel and resumes
// it on the same shard once the time has passed (at tick granularity: never early, at most one
// tick late). The timer node lives in the awaiter, inside the coroutine's frame: sleeping costs no
// allocation, and destroying a sleeping coroutine (a cancelled request) disarms its timer.
#pragma once

#include <chrono>
#include <coroutine>

#include <corio/core/timer_wheel.hpp>

namespace corio {

/// Awaitable of sleep(); must be awaited on a shard thread.
class sleep_awaiter : private timer {
public:
    explicit sleep_awaiter(std::chrono::milliseconds duration) noexcept;
    ~sleep_awaiter();
    sleep_awaiter(const sleep_awaiter&) = delete;
    sleep_awaiter& operator=(const sleep_awaiter&) = delete;

    bool await_ready() const noexcept { return _duration.count() <= 0; }
    void await_suspend(std::coroutine_handle<> waiting) noexcept;
    void await_resume() const noexcept {}

private:
    static void wake(timer& t);
    std::chrono::milliseconds _duration;
    std::coroutine_handle<> _waiting;
    timer_wheel* _wheel = nullptr;
};

/// Suspends the calling coroutine for `duration` on the current shard (`co_await corio::sleep(...)`).
inline sleep_awaiter sleep(std::chrono::milliseconds duration) noexcept {
    return sleep_awaiter(duration);
}

} // namespace corio
