// SPDX-License-Identifier: MIT
// output_chunk: the unit of a connection's output chain. Chunks come from per-thread (per-shard)
// pools of two sizes so that steady-state responses allocate nothing; a connection holds chunks
// only while it has bytes that the kernel has not yet taken.
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

    /// Bytes of a small pooled chunk, header included: one typical answer waiting for its send.
    static constexpr std::size_t small_size = 512;
    /// Bytes of a large pooled chunk, header included (one page): a batch of pipelined answers.
    static constexpr std::size_t large_size = 4096;

    /// A chunk with room for at least `bytes`: the smallest pooled size that fits, else exact.
    static output_chunk* acquire(std::size_t bytes);
    /// Returns a chunk to the calling thread's pool of its size (or frees it when that pool is
    /// full or the chunk is not of a pooled size).
    static void release(output_chunk* chunk) noexcept;
    /// True for a chunk of small_size.
    bool small() const noexcept { return capacity + sizeof(output_chunk) == small_size; }
    /// Chunks currently cached in the calling thread's pools.
    static std::size_t pooled() noexcept;
};

} // namespace corio::net
