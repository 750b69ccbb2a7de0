// SPDX-License-Identifier: MIT
// memory_give_back: a shard's periodic return of memory a burst took and the steady load does not
// need: the provided-buffer ring's surplus buffers (buffer_ring::trim), what per-shard caches hold
// beyond their need (shard::at_give_back) and the shard heap's free pages (shard_heap_give_back).
// One timer per shard on its wheel, so nothing runs per request and the work is done at most once
// per interval. After two periods that ended with no other timer armed (no connection), it becomes
// the wheel's background timer, so an empty server does not wake every tick for it. Owned by the
// shard thread; not thread-safe.
#pragma once

#include <cstdint>

#include <corio/core/timer_wheel.hpp>

namespace corio {

class shard;

namespace detail {

/// Runs the give-back every `interval_ms` on the shard's timer wheel from construction to destruction.
class memory_give_back final : timer {
public:
    memory_give_back(shard& owner, std::uint32_t interval_ms) noexcept;
    ~memory_give_back();
    memory_give_back(const memory_give_back&) = delete;
    memory_give_back& operator=(const memory_give_back&) = delete;

private:
    static void on_fire(timer& t) noexcept;
    void schedule() noexcept;

    shard& _shard;
    std::uint32_t _interval_ms;
    std::uint32_t _quiet = 0; // periods in a row that ended with no other timer armed
};

} // namespace detail
} // namespace corio
