// SPDX-License-Identifier: MIT
// heap: a block freed with its size on a shard serves that shard's next allocation of its size
// class (what keeps coroutine frames and exchanges off mimalloc's slow paths), a waiting block is
// still in use until the give-back returns it to the heap, and blocks above 4 KiB do not wait.
#include <corio/core/heap.hpp>

#include <thread>

#include <gtest/gtest.h>

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool reuses_blocks = false; // the shard heap forwards to malloc, which ASan watches
#else
constexpr bool reuses_blocks = true;
#endif

// Runs `f` on a thread of its own with a shard heap, as a shard thread runs.
template <class F>
void on_a_shard(F f) {
    std::thread t([&] {
        corio::heap_scope heap;
        f();
    });
    t.join();
}

TEST(heap, a_block_freed_with_its_size_serves_the_next_allocation_of_its_class) {
    if (!reuses_blocks) GTEST_SKIP() << "AddressSanitizer build: every block goes back to malloc";
    on_a_shard([] {
        void* frame = corio::shard_alloc(100);
        void* freed_unsized = corio::shard_alloc(100);
        corio::shard_free(frame, 100);        // waits
        corio::shard_free(freed_unsized);     // back to mimalloc, which would hand it out first
        void* next = corio::shard_alloc(110); // the same class (97 to 112 bytes)
        EXPECT_EQ(next, frame);
        void* other = corio::shard_alloc(113); // the next class: another block
        EXPECT_NE(other, frame);
        corio::shard_free(next, 110);
        corio::shard_free(other, 113);
        // Given back, the waiting blocks are the heap's again: nothing is handed out twice.
        corio::shard_heap_give_back();
        void* a = corio::shard_alloc(100);
        void* b = corio::shard_alloc(100);
        EXPECT_NE(a, b);
        corio::shard_free(a, 100);
        corio::shard_free(b, 100);
    });
}

TEST(heap, waiting_blocks_stay_in_use_until_the_give_back_and_large_ones_do_not_wait) {
    if (!reuses_blocks) GTEST_SKIP() << "AddressSanitizer build: every block goes back to malloc";
    on_a_shard([] {
        void* small = corio::shard_alloc(100);
        void* large = corio::shard_alloc(8192);
        const std::size_t both = corio::shard_heap_live_bytes();
        corio::shard_free(large, 8192);
        const std::size_t small_only = corio::shard_heap_live_bytes();
        EXPECT_LE(small_only + 8192, both); // back in the heap at once
        corio::shard_free(small, 100);
        EXPECT_EQ(corio::shard_heap_live_bytes(), small_only); // waits for reuse
        corio::shard_heap_give_back();
        EXPECT_LE(corio::shard_heap_live_bytes() + 100, small_only); // the small block left the heap
    });
}

} // namespace
