// SPDX-License-Identifier: MIT
// output_chunk: the unit of a connection's output chain. Chunks come from a per-thread (per-shard)
// pool so that steady-state responses allocate nothing; a connection holds chunks only while it has
// bytes that the kernel has not yet taken.
#pragma once

#include <cstddef>
#include <cstdint>

namespace corio::net {

/// A block of output bytes: [begin, end) are waiting to be sent, [end, capacity) is free.
struct output_chunk {
    output_chunk* next;
    std::uint32_t begin;
    std::uint32_t end;
    std::uint32_t capacity;
    char* data() noexcept { return reinterpret_cast<char*>(this + 1); }

    /// Bytes of every pooled chunk, header included (one page).
    static constexpr std::size_t pooled_size = 4096;

    /// A chunk with room for at least `bytes` (pooled when that fits in pooled_size).
    static output_chunk* acquire(std::size_t bytes);
    /// Returns a chunk to the calling thread's pool (or frees it when the pool is full or it is large).
    static void release(output_chunk* chunk) noexcept;
    /// Chunks currently cached in the calling thread's pool.
    static std::size_t pooled() noexcept;
};

} // namespace corio::net
