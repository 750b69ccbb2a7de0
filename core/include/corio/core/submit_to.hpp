// SPDX-License-Identifier: MIT
// submit_to: cross-shard calls. `co_await corio::submit_to(k, fn, args...)` runs `fn(args...)` on
// shard k of the running corio::runtime and resumes the caller on its own shard with fn's result
// (a value, void, or the result of awaiting the corio::task fn returns); an exception fn throws is
// rethrown in the caller. A call to the caller's own shard runs inline (a task-returning fn runs as
// a task on it). The message is allocated on the caller's shard heap and carries fn and the args
// there and back through single-producer/single-consumer queues (core/src/shard_mesh.hpp); no
// coroutine frame is made for the call itself. Destroying the awaiting coroutine while the call is
// in flight (a cancelled request) abandons it: fn still runs, its reply is discarded and freed.
//
// GCC 12 destroys the captures of a lambda written inside a co_await expression twice (a compiler
// bug: captured std::strings or shared_ptrs are freed twice). Pass owned values as `args` instead
// of capturing them, or make the call first and await it in a second statement:
//     std::string value = co_await corio::submit_to(k, [](std::string key) { return lookup(key); }, std::string(key));
//     auto call = corio::submit_to(k, [key = std::string(key)] { return lookup(key); });
//     std::string same = co_await call;
#pragma once

#include <coroutine>
#include <exception>
#include <new>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <corio/core/heap.hpp>
#include <corio/core/task.hpp>

namespace corio {

namespace detail {

/// A cross-shard call in flight; owned by whichever shard holds it (its queues hand it over).
struct cross_call {
    /// Runs on the shard that receives the message: executes on the target, completes on the source.
    void (*arrive)(cross_call& call) = nullptr;
    /// Destroys and frees the message (on its source shard).
    void (*destroy)(cross_call& call) noexcept = nullptr;
    cross_call* next = nullptr;     ///< link in the posting shard's overflow list
    std::coroutine_handle<> waiter; ///< source shard only: whom to resume; null while not suspended
    std::exception_ptr error;       ///< what fn threw, rethrown on the source
    unsigned source = 0;            ///< the calling shard
    bool abandoned = false;         ///< source shard only: the awaiter is gone, free on arrival
    bool done = false;              ///< source shard only: the reply has arrived
};

/// Hands `call` to shard `to` from the calling shard thread (never blocks; spills when full).
void post(cross_call& call, unsigned to);
/// The calling thread's shard index; aborts with a message outside a runtime's shard thread.
unsigned calling_shard();
/// Number of shards of the runtime the calling thread belongs to (0 outside shard threads).
unsigned shard_count_for_calls() noexcept;
/// Aborts with a message naming the broken submit_to contract.
[[noreturn]] void broken_call_contract(const char* what) noexcept;

template <class T>
struct task_traits {
    static constexpr bool is_task = false;
    using value_type = T;
};
template <class T>
struct task_traits<task<T>> {
    static constexpr bool is_task = true;
    using value_type = T;
};

/// What fn(args...) returns.
template <class F, class... Args>
using call_raw_t = std::invoke_result_t<F&, Args&&...>;
/// What fn(args...) produces once awaited: R for a function returning R or task<R>.
template <class F, class... Args>
using call_value_t = typename task_traits<call_raw_t<F, Args...>>::value_type;

template <class T>
struct call_result {
    std::optional<T> value;
    T take() { return std::move(*value); }
};
template <>
struct call_result<void> {
    void take() noexcept {}
};

template <class F, class... Args>
struct call_of final : cross_call {
    using raw_type = call_raw_t<F, Args...>;
    using value_type = call_value_t<F, Args...>;
    static constexpr bool is_task = task_traits<raw_type>::is_task;

    call_of(unsigned from, F&& f, Args&&... a) : fn(std::move(f)), args(std::move(a)...) {
        source = from;
        arrive = &call_of::arrive_at_target;
        destroy = &call_of::destroy_call;
    }

    F fn;
    std::tuple<Args...> args;
    call_result<value_type> result;

    raw_type invoke() {
        return std::apply([this](Args&... a) -> raw_type { return fn(std::move(a)...); }, args);
    }

    // Runs fn on the calling thread and keeps its value or exception (plain functions only).
    void run_here() noexcept {
        try {
            if constexpr (std::is_void_v<value_type>) {
                invoke();
            } else {
                result.value.emplace(invoke());
            }
        } catch (...) {
            error = std::current_exception();
        }
    }

    static void arrive_at_target(cross_call& c) {
        auto& self = static_cast<call_of&>(c);
        if constexpr (is_task) {
            spawn(run_task(self));
        } else {
            self.run_here();
            reply(self);
        }
    }

    static task<void> run_task(call_of& self) {
        try {
            if constexpr (std::is_void_v<value_type>) {
                co_await self.invoke();
            } else {
                self.result.value.emplace(co_await self.invoke());
            }
        } catch (...) {
            self.error = std::current_exception();
        }
        reply(self);
    }

    // Sends the result home; a call to the own shard is home already.
    static void reply(call_of& self) {
        if (self.source == calling_shard()) {
            arrive_at_source(self);
            return;
        }
        self.arrive = &call_of::arrive_at_source;
        post(self, self.source);
    }

    static void arrive_at_source(cross_call& c) {
        c.done = true;
        if (c.abandoned) {
            c.destroy(c);
        } else if (c.waiter) {
            c.waiter.resume();
        }
    }

    static void destroy_call(cross_call& c) noexcept {
        auto* self = static_cast<call_of*>(&c);
        self->~call_of();
        shard_free(self, sizeof(call_of));
    }
};

} // namespace detail

/// Awaitable of one cross-shard call (what submit_to returns); await it once, on the shard that
/// made it. Not awaited, it is dropped without running fn.
template <class F, class... Args>
class [[nodiscard]] call_awaiter {
    using call_type = detail::call_of<F, Args...>;

public:
    call_awaiter(unsigned target, F&& fn, Args&&... args) : _target(target) {
        const unsigned source = detail::calling_shard();
        if (target >= detail::shard_count_for_calls())
            detail::broken_call_contract("submit_to: the target shard is not below the runtime's shard count");
        void* memory = shard_alloc(sizeof(call_type));
        try {
            _call = new (memory) call_type(source, std::move(fn), std::move(args)...);
        } catch (...) {
            shard_free(memory);
            throw;
        }
    }
    call_awaiter(const call_awaiter&) = delete;
    call_awaiter& operator=(const call_awaiter&) = delete;
    ~call_awaiter() {
        // Still in flight: the reply arrives later and frees the message instead of resuming us.
        if (_started && !_call->done) {
            _call->abandoned = true;
            _call->waiter = nullptr;
        } else {
            _call->destroy(*_call);
        }
    }

    /// A plain function for the own shard runs right here, without suspending.
    bool await_ready() noexcept {
        if constexpr (!call_type::is_task) {
            if (_target == _call->source) {
                _started = true;
                _call->run_here();
                _call->done = true;
                return true;
            }
        }
        return false;
    }
    /// Posts the call (or starts the own shard's task); false when that task finished at once.
    bool await_suspend(std::coroutine_handle<> waiting) {
        _started = true;
        if constexpr (call_type::is_task) {
            if (_target == _call->source) {
                spawn(call_type::run_task(*_call));
                if (_call->done) return false;
            }
        }
        _call->waiter = waiting;
        if (_target != _call->source) detail::post(*_call, _target);
        return true;
    }
    /// fn's result, or rethrows what fn threw.
    typename call_type::value_type await_resume() {
        if (_call->error) std::rethrow_exception(_call->error);
        return _call->result.take();
    }

private:
    call_type* _call = nullptr;
    unsigned _target;
    bool _started = false;
};

/// Runs `fn(args...)` on shard `shard` and returns its result on the calling shard (`co_await`);
/// fn may return void, a value or a corio::task (awaited on the target). fn and args are moved into
/// the message and args are passed to fn as rvalues: give it copies, never views into memory of
/// the caller's request. Must be called on a shard thread of a running corio::runtime with `shard`
/// below the shard count (a broken contract aborts with a message).
template <class F, class... Args>
call_awaiter<std::decay_t<F>, std::decay_t<Args>...> submit_to(unsigned shard, F fn, Args... args) {
    return {shard, std::move(fn), std::move(args)...};
}

} // namespace corio
