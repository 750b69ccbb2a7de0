// SPDX-License-Identifier: MIT
#include <corio/net/output_chunk.hpp>

#include <new>

#include <corio/core/heap.hpp>
#include <corio/core/shard.hpp>

namespace corio::net {

namespace {

// Enough free chunks for a burst of responses on a few thousand connections, then released to the
// heap so that an idle shard gives its memory back.
constexpr std::size_t pool_limit = 1024;

// The shard's give-back frees the chunks that stayed in the pool for a whole period (the lowest
// count since the last give-back): a burst's chunks go back to the heap once it is over, while a
// steady load keeps the ones it takes, so it allocates nothing.
struct chunk_pool {
    output_chunk* free = nullptr;
    std::size_t count = 0;
    std::size_t lowest = 0; // fewest chunks in the pool since the last give-back
    bool hooked = false;    // trim() is among the shard's give-back hooks

    static void trim(void* context) noexcept {
        auto& self = *static_cast<chunk_pool*>(context);
        for (; self.lowest > 0 && self.free != nullptr; --self.lowest, --self.count) {
            output_chunk* next = self.free->next;
            shard_free(self.free);
            self.free = next;
        }
        self.lowest = self.count;
    }

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
            if (pool.count < pool.lowest) pool.lowest = pool.count;
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
        if (!pool.hooked) [[unlikely]] {
            // Once per shard thread; a thread without a shard (tests, clients) keeps its pool.
            if (shard* s = shard::current(); s != nullptr) {
                s->at_give_back(&chunk_pool::trim, &pool);
                pool.hooked = true;
            }
        }
        return;
    }
    shard_free(chunk);
}

std::size_t output_chunk::pooled() noexcept {
    return pool.count;
}

} // namespace corio::net
