// SPDX-License-Identifier: MIT
// shard: what one core owns (its thread, reactor, heap, timer wheel and provided-buffer ring).
// Code running on a shard reaches its own shard through shard::current(); nothing in a shard is
// touched by another thread except through reactor::notify().
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <corio/core/buffer_ring.hpp>
#include <corio/core/reactor.hpp>

namespace corio {

/// The per-core context handed to services when they start and stop on a shard.
class shard {
public:
    shard(unsigned id, unsigned count, int cpu, reactor& loop, buffer_ring& buffers) noexcept
        : _id(id), _count(count), _cpu(cpu), _reactor(loop), _buffers(buffers) {}
    shard(const shard&) = delete;
    shard& operator=(const shard&) = delete;

    /// This shard's index, 0 .. count()-1.
    unsigned id() const noexcept { return _id; }
    /// Number of shards in the runtime.
    unsigned count() const noexcept { return _count; }
    /// CPU the shard's thread is pinned to, or -1 when unpinned.
    int cpu() const noexcept { return _cpu; }
    /// The shard's event loop.
    corio::reactor& reactor() noexcept { return _reactor; }
    /// The shard's provided-buffer ring for receives.
    buffer_ring& buffers() noexcept { return _buffers; }

    /// Runs `fn(context)` on this shard's thread once its loop has ended, after the service's
    /// finish() and while the reactor still exists (last added, first run): per-shard state that
    /// a library made on first use (a client pool) is released here. Only on this shard's thread.
    void at_exit(void (*fn)(void* context), void* context) { _exit_hooks.emplace_back(fn, context); }
    /// Runs and forgets the at_exit() functions (the runtime calls it; tests that make shards too).
    void run_exit_hooks() noexcept;

    /// Adds `fn(context)` to the shard's periodic give-back of memory (runtime_config::give_back_ms),
    /// run before the heap is collected: a per-shard cache (a pool of free blocks) frees what the
    /// last period did not use. Never per request. Only on this shard's thread.
    void at_give_back(void (*fn)(void* context), void* context) { _give_back_hooks.emplace_back(fn, context); }
    /// Runs the at_give_back() functions (the give-back timer calls it; tests too).
    void run_give_back_hooks() noexcept;

    /// The shard running on the calling thread, or nullptr outside shard threads.
    static shard* current() noexcept;
    /// Makes `s` the calling thread's current shard (runtime internals and tests), then runs and
    /// forgets the at_next_change() functions of the calling thread.
    static void set_current(shard* s) noexcept;
    /// Runs `fn(context)` once, at the calling thread's next set_current(): a per-thread cache of
    /// current() (a pool that found no shard to give memory back through) looks again then, not on
    /// every use. Only on the calling thread.
    static void at_next_change(void (*fn)(void* context), void* context);

private:
    unsigned _id;
    unsigned _count;
    int _cpu;
    corio::reactor& _reactor;
    buffer_ring& _buffers;
    std::vector<std::pair<void (*)(void*), void*>> _exit_hooks;
    std::vector<std::pair<void (*)(void*), void*>> _give_back_hooks;
};

} // namespace corio
