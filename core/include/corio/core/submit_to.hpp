// SPDX-License-Identifier: MIT
// submit_to: cross-shard calls. `co_await corio::submit_to(k, fn)` runs `fn()` on shard k of the
// running corio::runtime and resumes the caller on its own shard with fn's result (a value, void,
// or the result of awaiting the corio::task fn returns); an exception fn throws is rethrown in the
// caller. A call to the caller's own shard runs inline. The message is allocated on the caller's
// shard heap, carries a copy of fn there and back through single-producer/single-consumer queues
// (see core/src/shard_mesh.hpp), and is freed on the caller's shard. Destroying the awaiting
// coroutine while the call is in flight (a cancelled request) abandons it: fn still runs, its
// reply is discarded and freed, and nothing is resumed.
#pragma once

#include <coroutine>
#include <exception>
#include <new>
#include <optional>
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
    std::coroutine_handle<> waiter; ///< source shard only: whom to resume; null once abandoned
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

/// What fn produces once awaited: R for a function returning R or task<R>.
template <class F>
using call_value_t = typename task_traits<std::invoke_result_t<F&>>::value_type;

template <class T>
struct call_result {
    std::optional<T> value;
    T take() { return std::move(*value); }
};
template <>
struct call_result<void> {
    void take() noexcept {}
};

template <class F>
struct call_of final : cross_call {
    using raw_type = std::invoke_result_t<F&>;
    using value_type = call_value_t<F>;

    call_of(F&& f, unsigned from) : fn(std::move(f)) {
        source = from;
        arrive = &call_of::arrive_at_target;
        destroy = &call_of::destroy_call;
    }

    F fn;
    call_result<value_type> result;

    static void arrive_at_target(cross_call& c) {
        auto& self = static_cast<call_of&>(c);
        if constexpr (task_traits<raw_type>::is_task) {
            spawn(run_task(self));
        } else {
            try {
                if constexpr (std::is_void_v<value_type>) {
                    self.fn();
                } else {
                    self.result.value.emplace(self.fn());
                }
            } catch (...) {
                self.error = std::current_exception();
            }
            reply(self);
        }
    }

    static task<void> run_task(call_of& self) {
        try {
            if constexpr (std::is_void_v<value_type>) {
                co_await self.fn();
            } else {
                self.result.value.emplace(co_await self.fn());
            }
        } catch (...) {
            self.error = std::current_exception();
        }
        reply(self);
    }

    static void reply(call_of& self) {
        self.arrive = &call_of::arrive_at_source;
        post(self, self.source);
    }

    static void arrive_at_source(cross_call& c) {
        c.done = true;
        if (c.abandoned) {
            c.destroy(c);
            return;
        }
        c.waiter.resume();
    }

    static void destroy_call(cross_call& c) noexcept {
        auto* self = static_cast<call_of*>(&c);
        self->~call_of();
        shard_free(self);
    }
};

/// Awaitable of one cross-shard call; lives in the caller's frame, the message on its shard heap.
template <class F>
class call_awaiter {
public:
    call_awaiter(unsigned target, F&& fn) : _target(target) {
        _call = new (shard_alloc(sizeof(call_of<F>))) call_of<F>(std::move(fn), calling_shard());
    }
    call_awaiter(const call_awaiter&) = delete;
    call_awaiter& operator=(const call_awaiter&) = delete;
    ~call_awaiter() {
        // Still in flight: the reply arrives later and frees the message instead of resuming us.
        if (_posted && !_call->done) {
            _call->abandoned = true;
            _call->waiter = nullptr;
        } else {
            _call->destroy(*_call);
        }
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> waiting) {
        _call->waiter = waiting;
        _posted = true;
        post(*_call, _target);
    }
    call_value_t<F> await_resume() {
        if (_call->error) std::rethrow_exception(_call->error);
        return _call->result.take();
    }

private:
    call_of<F>* _call;
    unsigned _target;
    bool _posted = false;
};

} // namespace detail

/// Runs `fn()` on shard `shard` and returns its result on the calling shard (`co_await`); fn may
/// return void, a value or a corio::task (awaited on the target). fn is moved into the message:
/// give it copies, never views into memory of the caller's request. A call to the calling shard
/// runs inline. Must be awaited on a shard thread of a running corio::runtime; `shard` must be
/// below the shard count (both checked: a broken contract aborts with a message).
template <class F>
task<detail::call_value_t<F>> submit_to(unsigned shard, F fn) {
    using raw_type = std::invoke_result_t<F&>;
    if (shard == detail::calling_shard()) {
        if constexpr (detail::task_traits<raw_type>::is_task) {
            co_return co_await fn();
        } else {
            co_return fn();
        }
    }
    co_return co_await detail::call_awaiter<F>(shard, std::move(fn));
}

} // namespace corio
