// SPDX-License-Identifier: MIT
#include <corio/core/heap.hpp>

#include <array>
#include <bit>
#include <cstdlib>
#include <new>

#include <mimalloc.h>

#include <corio/core/log.hpp>

// Under AddressSanitizer the shard heap forwards to malloc so that ASan sees every block
// (mimalloc's own pages are invisible to it).
#if defined(__SANITIZE_ADDRESS__)
#define CORIO_HEAP_USES_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORIO_HEAP_USES_MALLOC 1
#endif
#endif

namespace corio {
namespace {

thread_local mi_heap_t* current_heap = nullptr;
thread_local std::uint64_t alloc_count = 0;

#ifndef CORIO_HEAP_USES_MALLOC
// Blocks of up to 4 KiB freed with their size, waiting on their shard thread (one list per size
// class) for the next allocation of their class. Coroutine frames and exchanges come and go with
// every request: through mimalloc each pair cost about 150 instructions, and a page emptied and
// refilled cost a decommit and page faults (with decommit_delay 0, below: a gateway under steady
// load made 0.5 page faults and 0.05 madvise calls per request). At most 256 KiB wait; the
// give-back timer returns them. Small sizes are allocated rounded up to their class, so that any
// block of a class serves any allocation of it. The classes are mimalloc's own bins (8-byte steps
// up to 64, then four per doubling), so rounding never makes a block bigger than mimalloc would:
// 64-byte classes cost idle connections 9-16 bytes each.
class block_cache {
public:
    static constexpr std::size_t largest = 4096;
    static constexpr std::size_t limit_bytes = 256 << 10;

    /// True for the sizes the cache holds (1 byte to 4 KiB).
    static bool holds(std::size_t size) noexcept { return size - 1 < largest; }
    /// The class of `size` (held): 0-7 for 8-byte steps up to 64, then 8 + 4 per doubling.
    static std::size_t class_of(std::size_t size) noexcept {
        if (size <= 64) return (size - 1) >> 3;
        const std::size_t doubling = std::bit_width(size - 1) - 1; // 2^doubling < size <= 2^(doubling + 1)
        return 8 + (doubling - 6) * 4 + ((size - 1 - (std::size_t{1} << doubling)) >> (doubling - 2));
    }
    /// The size of class `c`: the largest size in it.
    static std::size_t class_size(std::size_t c) noexcept { return sizes[c]; }

    /// A waiting block of class `c`, or null.
    void* take(std::size_t c) noexcept {
        free_block* b = _heads[c];
        if (b == nullptr) return nullptr;
        _heads[c] = b->next;
        _bytes -= class_size(c);
        return b;
    }
    /// Keeps `block` of class `c` for reuse; false when the cache is full.
    bool keep(void* block, std::size_t c) noexcept {
        const std::size_t size = class_size(c);
        if (_bytes + size > limit_bytes) return false;
        auto* b = static_cast<free_block*>(block);
        b->next = _heads[c];
        _heads[c] = b;
        _bytes += size;
        return true;
    }
    /// Every waiting block back to mimalloc.
    void drain() noexcept {
        for (free_block*& head : _heads) {
            while (free_block* b = head) {
                head = b->next;
                mi_free(b);
            }
        }
        _bytes = 0;
    }

private:
    struct free_block {
        free_block* next;
    };
    static constexpr std::size_t classes = 32; // class_of(largest) + 1
    // Each class's size: 8 to 64 in steps of 8, then 2^d + k * 2^(d - 2) for k = 1..4 from d = 6.
    static constexpr std::array<std::uint16_t, classes> sizes = [] {
        std::array<std::uint16_t, classes> out{};
        for (std::size_t c = 0; c < classes; ++c) {
            const std::size_t doubling = c < 8 ? 0 : (c - 8) / 4 + 6;
            out[c] = static_cast<std::uint16_t>(
                c < 8 ? (c + 1) * 8 : (std::size_t{1} << doubling) + (((c - 8) % 4 + 1) << (doubling - 2)));
        }
        return out;
    }();

    free_block* _heads[classes] = {};
    std::size_t _bytes = 0;
};

constinit thread_local block_cache cache;
#endif

// mimalloc 2.0 decommits a free span of a segment only once its delay (25 ms by default) has
// passed and the segment is used again: after a burst, an idle shard would keep the pages resident
// for good (measured: 100 bytes per idle connection more after a burst of 10,000 connections).
// Decommitting at once costs a madvise per freed span (and page faults when it is used again),
// which the steady load does not meet: the sync path allocates nothing per request, and the
// blocks an async request allocates wait in the block cache above instead of emptying pages.
// MIMALLOC_DECOMMIT_DELAY in the environment still decides.
bool configure_mimalloc() noexcept {
    if (std::getenv("MIMALLOC_DECOMMIT_DELAY") == nullptr) mi_option_set(mi_option_decommit_delay, 0);
    return true;
}

[[noreturn]] void out_of_memory(std::size_t size) {
    fatal("out of memory allocating " + std::to_string(size) + " bytes from the shard heap");
}

class heap_resource final : public std::pmr::memory_resource {
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        if (alignment <= alignof(std::max_align_t)) return shard_alloc(bytes);
        ++alloc_count;
        void* p =
            current_heap ? mi_heap_malloc_aligned(current_heap, bytes, alignment) : mi_malloc_aligned(bytes, alignment);
        if (p == nullptr) out_of_memory(bytes);
        return p;
    }
    void do_deallocate(void* p, std::size_t, std::size_t) override { shard_free(p); }
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

} // namespace

void* shard_alloc(std::size_t size) {
    ++alloc_count;
#ifdef CORIO_HEAP_USES_MALLOC
    void* p = std::malloc(size);
#else
    if (block_cache::holds(size)) {
        const std::size_t c = block_cache::class_of(size);
        if (current_heap != nullptr) {
            if (void* waiting = cache.take(c)) return waiting;
        }
        size = block_cache::class_size(c);
    }
    void* p = current_heap ? mi_heap_malloc(current_heap, size) : mi_malloc(size);
#endif
    if (p == nullptr) out_of_memory(size);
    return p;
}

void shard_free(void* pointer) noexcept {
#ifdef CORIO_HEAP_USES_MALLOC
    std::free(pointer);
#else
    mi_free(pointer);
#endif
}

void shard_free(void* pointer, std::size_t size) noexcept {
#ifndef CORIO_HEAP_USES_MALLOC
    if (pointer != nullptr && current_heap != nullptr && block_cache::holds(size) &&
        cache.keep(pointer, block_cache::class_of(size)))
        return;
#else
    static_cast<void>(size);
#endif
    shard_free(pointer);
}

std::uint64_t shard_alloc_count() noexcept {
    return alloc_count;
}

void shard_heap_give_back() noexcept {
#ifndef CORIO_HEAP_USES_MALLOC
    if (current_heap != nullptr) {
        cache.drain();
        mi_heap_collect(current_heap, true);
    } else {
        mi_collect(true);
    }
#endif
}

std::size_t shard_heap_live_bytes() noexcept {
#ifdef CORIO_HEAP_USES_MALLOC
    return 0;
#else
    if (current_heap == nullptr) return 0;
    std::size_t bytes = 0;
    // Areas only (visit_all_blocks false): each page's block size and count of blocks in use.
    mi_heap_visit_blocks(
        current_heap, false,
        [](const mi_heap_t*, const mi_heap_area_t* area, void*, std::size_t, void* total) {
            *static_cast<std::size_t*>(total) += area->used * area->block_size;
            return true;
        },
        &bytes);
    return bytes;
#endif
}

std::pmr::memory_resource* shard_memory_resource() noexcept {
    thread_local heap_resource resource;
    return &resource;
}

heap_scope::heap_scope() {
    [[maybe_unused]] static const bool configured = configure_mimalloc();
    current_heap = mi_heap_new();
    if (current_heap == nullptr) out_of_memory(0);
}

// mi_heap_delete (not destroy): blocks still alive migrate to the default heap instead of
// being freed under a coroutine frame or buffer that another thread may yet release.
heap_scope::~heap_scope() {
#ifndef CORIO_HEAP_USES_MALLOC
    cache.drain();
#endif
    mi_heap_delete(current_heap);
    current_heap = nullptr;
}

} // namespace corio
