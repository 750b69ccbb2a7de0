// SPDX-License-Identifier: MIT
// output_chunk's two pooled sizes: the smallest that fits is taken, released chunks are reused from
// the pool of their size, and a chunk larger than a page is exact and never pooled. A thread's pool
// joins the give-back of the shard the thread gets, even after it has found none.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include <corio/core/buffer_ring.hpp>
#include <corio/core/reactor.hpp>
#include <corio/core/shard.hpp>
#include <corio/net/output_chunk.hpp>

namespace {

using corio::net::output_chunk;

constexpr std::size_t header = sizeof(output_chunk);

TEST(output_chunk, takes_the_smallest_size_that_fits) {
    output_chunk* small = output_chunk::acquire(output_chunk::small_size - header);
    EXPECT_TRUE(small->small());
    EXPECT_EQ(small->capacity, output_chunk::small_size - header);
    output_chunk* page = output_chunk::acquire(output_chunk::small_size - header + 1);
    EXPECT_FALSE(page->small());
    EXPECT_EQ(page->capacity, output_chunk::large_size - header);
    output_chunk* exact = output_chunk::acquire(output_chunk::large_size);
    EXPECT_EQ(exact->capacity, output_chunk::large_size);
    for (output_chunk* c : {small, page, exact}) {
        EXPECT_EQ(c->begin, 0u);
        EXPECT_EQ(c->end, 0u);
        EXPECT_EQ(c->next, nullptr);
        output_chunk::release(c);
    }
}

TEST(output_chunk, released_chunks_are_reused_by_size) {
    output_chunk* small = output_chunk::acquire(100);
    output_chunk* page = output_chunk::acquire(1000);
    output_chunk* exact = output_chunk::acquire(10'000);
    const std::size_t before = output_chunk::pooled();
    small->end = 7;
    output_chunk::release(small);
    output_chunk::release(page);
    output_chunk::release(exact);
    EXPECT_EQ(output_chunk::pooled(), before + 2); // the exact one went back to the heap
    EXPECT_EQ(output_chunk::acquire(1000), page);
    output_chunk* again = output_chunk::acquire(10);
    EXPECT_EQ(again, small);
    EXPECT_EQ(again->end, 0u); // handed out empty
    EXPECT_EQ(output_chunk::pooled(), before);
    output_chunk::release(page);
    output_chunk::release(again);
}

TEST(output_chunk, a_pool_that_found_no_shard_joins_the_next_shards_give_back) {
    std::thread([] { // a thread of its own, whose pools have not looked for a shard yet
        output_chunk::release(output_chunk::acquire(100)); // no shard: the pool keeps the chunk
        std::string error;
        auto loop = corio::reactor::create({}, error);
        ASSERT_TRUE(loop) << error;
        auto buffers = corio::buffer_ring::create(**loop, 0, 8, 4096);
        ASSERT_TRUE(buffers) << buffers.error().message();
        corio::shard here(0, 1, -1, **loop, **buffers);
        corio::shard::set_current(&here);
        output_chunk* first = output_chunk::acquire(100);
        output_chunk::release(output_chunk::acquire(100));
        output_chunk::release(first);
        EXPECT_EQ(output_chunk::pooled(), 2u);
        here.run_give_back_hooks(); // a whole period starts with two chunks in the pool
        here.run_give_back_hooks(); // and ends with both unused: they go back to the heap
        EXPECT_EQ(output_chunk::pooled(), 0u);
        corio::shard::set_current(nullptr);
    })
        .join();
}

} // namespace
