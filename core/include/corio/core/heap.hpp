// SPDX-License-Identifier: MIT
// Per-shard memory. Every shard thread owns one mimalloc heap; connection objects, coroutine frames
// and output buffers come from the heap of the shard that creates them. Outside a shard the
// functions fall back to the process heap, so code and tests can run on any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>

namespace corio {

/// Allocates `size` bytes (aligned to 16) from the calling thread's shard heap. Never returns null:
/// running out of memory terminates with a message, as on every other hot-path allocation.
void* shard_alloc(std::size_t size);

/// Frees memory that came from shard_alloc; may be called from any thread.
void shard_free(void* pointer) noexcept;

/// Frees memory that came from shard_alloc(size), with that `size`. On a shard, blocks of up to
/// 4 KiB wait for the shard's next shard_alloc of their size (coroutine frames and exchanges come
/// and go with requests); shard_heap_give_back() returns them to the heap.
void shard_free(void* pointer, std::size_t size) noexcept;

/// Number of shard_alloc calls made so far on the calling thread (allocation tests, metrics).
std::uint64_t shard_alloc_count() noexcept;

/// Bytes in use in the calling thread's shard heap, counted in mimalloc's block sizes (a walk over
/// the heap's pages: for tests and diagnostics, not the request path). 0 outside a shard, and when
/// the shard heap forwards to malloc (AddressSanitizer builds).
std::size_t shard_heap_live_bytes() noexcept;

/// A std::pmr resource over the calling thread's shard heap (valid while that heap lives).
std::pmr::memory_resource* shard_memory_resource() noexcept;

/// Gives the calling thread's shard heap's free pages back to the kernel (the blocks waiting for
/// reuse go back to the heap, then mimalloc's forced collection: empty pages are freed and their
/// memory decommitted). Runs on a timer after bursts (memory_give_back), never per request;
/// outside a shard it collects the process heap.
void shard_heap_give_back() noexcept;

/// Base class giving a type class-level new/delete on the shard heap.
struct shard_allocated {
    static void* operator new(std::size_t size) { return shard_alloc(size); }
    static void operator delete(void* pointer, std::size_t size) noexcept { shard_free(pointer, size); }
};

/// Installs a fresh heap for the calling thread for its lifetime (one per shard thread).
class heap_scope {
public:
    heap_scope();
    ~heap_scope();
    heap_scope(const heap_scope&) = delete;
    heap_scope& operator=(const heap_scope&) = delete;
};

} // namespace corio
