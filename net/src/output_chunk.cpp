// SPDX-License-Identifier: MIT
#include <corio/net/output_chunk.hpp>

#include <new>

#include <corio/core/heap.hpp>

namespace corio::net {

namespace {

// Enough free chunks for a burst of responses on a few thousand connections, then released to the
// heap so that an idle shard gives its memory back.
constexpr std::size_t pool_limit = 1024;

struct chunk_pool {
    output_chunk* free = nullptr;
    std::size_t count = 0;
    ~chunk_pool() {
        while (free != nullptr) {
            output_chunk* next = free->next;
            shard_free(free);
            free = next;
        }
    }
};

thread_local chunk_pool pool;

} // namespace

output_chunk* output_chunk::acquire(std::size_t bytes) {
    output_chunk* c;
    if (bytes + sizeof(output_chunk) <= pooled_size) {
        if (pool.free != nullptr) {
            c = pool.free;
            pool.free = c->next;
            --pool.count;
        } else {
            c = static_cast<output_chunk*>(shard_alloc(pooled_size));
        }
        c->capacity = pooled_size - sizeof(output_chunk);
    } else {
        c = static_cast<output_chunk*>(shard_alloc(sizeof(output_chunk) + bytes));
        c->capacity = static_cast<std::uint32_t>(bytes);
    }
    c->next = nullptr;
    c->begin = 0;
    c->end = 0;
    return c;
}

void output_chunk::release(output_chunk* chunk) noexcept {
    if (chunk->capacity + sizeof(output_chunk) == pooled_size && pool.count < pool_limit) {
        chunk->next = pool.free;
        pool.free = chunk;
        ++pool.count;
        return;
    }
    shard_free(chunk);
}

std::size_t output_chunk::pooled() noexcept {
    return pool.count;
}

} // namespace corio::net
