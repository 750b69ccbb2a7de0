// SPDX-License-Identifier: MIT
// sharded<T>: one T per shard, for state that every shard keeps for itself (a partition of a key
// space, counters, caches). Each shard's T is made lazily by the factory on that shard's thread
// the first time the shard uses it (local(), or an invoke_on or map_reduce that reaches it), so
// it comes from the shard's own memory and is touched only there; other shards reach it with
// invoke_on. The object must outlive the runtime's shards; the Ts are destroyed with it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include <corio/core/submit_to.hpp>
#include <corio/core/task.hpp>

namespace corio {

/// One T per shard of the running runtime, each made by a factory on its own shard and used only there.
template <class T>
class sharded {
public:
    /// `factory(shard)` makes shard `shard`'s T, on that shard's thread, at its first use there.
    explicit sharded(std::function<std::unique_ptr<T>(unsigned shard)> factory) : _factory(std::move(factory)) {}
    /// Default-constructs each shard's T at its first use.
    sharded() : sharded([](unsigned) { return std::make_unique<T>(); }) {}
    sharded(const sharded&) = delete;
    sharded& operator=(const sharded&) = delete;

    /// The calling shard's T (made now if this is the shard's first use); only on a shard thread.
    T& local() {
        const unsigned id = detail::calling_shard();
        std::call_once(_sized, [this] { _slots = std::make_unique<slot[]>(_count = detail::shard_count_for_calls()); });
        slot& s = _slots[id];
        if (!s.value) s.value = _factory(id);
        return *s.value;
    }

    /// Runs `f(T&, args...)` on shard `shard` with that shard's T and returns its result
    /// (`co_await`); f may return a value, void or a task. f and args are moved into the message
    /// (see submit_to for what to pass and the GCC 12 rule on lambda captures).
    template <class F, class... Args>
    auto invoke_on(unsigned shard, F f, Args... args) {
        return submit_to(
            shard, [this, f = std::move(f)](Args&&... a) mutable { return f(local(), std::move(a)...); },
            std::move(args)...);
    }

    /// Calls `map(T&)` on every shard in turn (one after the other) and folds the results with
    /// `init = reduce(std::move(init), result)` on the calling shard; returns the fold.
    template <class Map, class R, class Reduce>
    task<R> map_reduce(Map map, R init, Reduce reduce) {
        const unsigned count = detail::shard_count_for_calls();
        for (unsigned shard = 0; shard < count; ++shard) {
            auto call = invoke_on(shard, map);
            init = reduce(std::move(init), co_await call);
        }
        co_return init;
    }

private:
    // One cache line each, so shards updating their own T do not share lines through the table.
    struct alignas(64) slot {
        std::unique_ptr<T> value;
    };
    std::function<std::unique_ptr<T>(unsigned)> _factory;
    std::once_flag _sized;
    unsigned _count = 0;
    std::unique_ptr<slot[]> _slots;
};

} // namespace corio
