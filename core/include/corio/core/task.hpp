// SPDX-License-Identifier: MIT
// task<T>: a lazy C++20 coroutine. It starts when awaited (or when spawn() starts it), resumes its
// awaiter by symmetric transfer when it finishes, and keeps its frame on the shard heap. Plain
// synchronous handlers never create one; a frame lives only while work that waits is in flight.
#pragma once

#include <coroutine>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <utility>

#include <corio/core/heap.hpp>

namespace corio {

template <class T = void>
class task;

namespace detail {

struct promise_base {
    std::coroutine_handle<> continuation = std::noop_coroutine();
    std::exception_ptr error;
    bool detached = false;

    static void* operator new(std::size_t size) { return shard_alloc(size); }
    static void operator delete(void* pointer, std::size_t size) noexcept { shard_free(pointer, size); }

    std::suspend_always initial_suspend() noexcept { return {}; }

    struct final_awaiter {
        bool await_ready() noexcept { return false; }
        template <class Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
            promise_base& p = self.promise();
            if (!p.detached) return p.continuation;
            if (p.error) {
                std::fputs("corio: a spawned task ended with an exception; catch it inside the task\n", stderr);
                std::abort();
            }
            self.destroy();
            return std::noop_coroutine();
        }
        void await_resume() noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { error = std::current_exception(); }
};

template <class T>
struct promise final : promise_base {
    std::optional<T> value;
    task<T> get_return_object() noexcept;
    template <class U>
    void return_value(U&& v) {
        value.emplace(std::forward<U>(v));
    }
    T take() {
        if (error) std::rethrow_exception(error);
        return std::move(*value);
    }
};

template <>
struct promise<void> final : promise_base {
    task<void> get_return_object() noexcept;
    void return_void() noexcept {}
    void take() {
        if (error) std::rethrow_exception(error);
    }
};

} // namespace detail

/// A lazily started coroutine producing a T; owns its frame until it is awaited to completion.
template <class T>
class [[nodiscard]] task {
public:
    using promise_type = detail::promise<T>;

    task() noexcept = default;
    explicit task(std::coroutine_handle<promise_type> handle) noexcept : _handle(handle) {}
    task(task&& other) noexcept : _handle(std::exchange(other._handle, nullptr)) {}
    task& operator=(task&& other) noexcept {
        if (this != &other) {
            reset();
            _handle = std::exchange(other._handle, nullptr);
        }
        return *this;
    }
    ~task() { reset(); }

    /// True once the coroutine has run to its end (its result is ready).
    bool done() const noexcept { return _handle && _handle.done(); }

    /// Starts the task and resumes the awaiting coroutine with its result (or rethrows its exception).
    auto operator co_await() && noexcept {
        struct awaiter {
            std::coroutine_handle<promise_type> handle;
            bool await_ready() noexcept { return false; }
            std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
                handle.promise().continuation = awaiting;
                return handle;
            }
            T await_resume() { return handle.promise().take(); }
        };
        return awaiter{_handle};
    }

    /// Runs the task up to its first suspension; true if it already finished (see result()).
    bool start() {
        _handle.resume();
        return _handle.done();
    }

    /// The result of a finished task (rethrows the exception it ended with).
    T result() { return _handle.promise().take(); }

    /// Gives up ownership: the frame destroys itself when the coroutine finishes.
    std::coroutine_handle<promise_type> release() noexcept {
        _handle.promise().detached = true;
        return std::exchange(_handle, nullptr);
    }

private:
    void reset() noexcept {
        if (_handle) _handle.destroy();
        _handle = nullptr;
    }
    std::coroutine_handle<promise_type> _handle;
};

namespace detail {
template <class T>
task<T> promise<T>::get_return_object() noexcept {
    return task<T>(std::coroutine_handle<promise<T>>::from_promise(*this));
}
inline task<void> promise<void>::get_return_object() noexcept {
    return task<void>(std::coroutine_handle<promise<void>>::from_promise(*this));
}
} // namespace detail

/// Starts a task that nobody awaits; its frame frees itself at the end. An exception escaping it
/// is a broken contract and terminates the process with a message.
inline void spawn(task<void> work) {
    work.release().resume();
}

} // namespace corio
