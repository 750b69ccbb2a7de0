// SPDX-License-Identifier: MIT
#include <corio/net/output_chunk.hpp>

#include <corio/core/heap.hpp>
#include <corio/core/shard.hpp>

namespace corio::net {

namespace {

// Enough free chunks of a size for a burst of responses on a few thousand connections, then
// released to the heap so that an idle shard gives its memory back.
constexpr std::size_t pool_limit = 1024;

// The free chunks of one size. The shard's give-back frees the chunks that stayed in the pool for a
// whole period (the lowest count since the last give-back): a burst's chunks go back to the heap
// once it is over, while a steady load keeps the ones it takes, so it allocates nothing.
struct chunk_pool {
    output_chunk* free = nullptr;
    std::size_t count = 0;
    std::size_t lowest = 0; // fewest chunks in the pool since the last give-back
    bool hooked = false;    // trim() is among the shard's give-back hooks, or the thread has no shard

    [[gnu::always_inline]] output_chunk* take(std::size_t size) {
        output_chunk* c = free;
        if (c != nullptr) {
            free = c->next;
            --count;
            if (count < lowest) lowest = count;
        } else {
            c = static_cast<output_chunk*>(shard_alloc(size));
        }
        c->capacity = static_cast<std::uint32_t>(size - sizeof(output_chunk));
        return c;
    }

    void put(output_chunk* c) noexcept {
        if (count == pool_limit) {
            shard_free(c);
            return;
        }
        c->next = free;
        free = c;
        ++count;
        if (!hooked) [[unlikely]]
            hook();
    }

    // Once per shard thread. A thread without a shard (tests, clients, the micro-benchmarks) keeps
    // its pool and looks again only after its next shard::set_current(), not on every release. Out
    // of line, so that put() saves no registers.
    [[gnu::noinline, gnu::cold]] void hook() noexcept {
        hooked = true;
        if (shard* s = shard::current(); s != nullptr) {
            s->at_give_back(&chunk_pool::trim, this);
        } else {
            shard::at_next_change([](void* self) { static_cast<chunk_pool*>(self)->hooked = false; }, this);
        }
    }

    static void trim(void* context) noexcept {
        auto& self = *static_cast<chunk_pool*>(context);
        for (; self.lowest > 0 && self.free != nullptr; --self.lowest, --self.count) {
            output_chunk* next = self.free->next;
            shard_free(self.free);
            self.free = next;
        }
        self.lowest = self.count;
    }

    void clear() noexcept {
        while (free != nullptr) {
            output_chunk* next = free->next;
            shard_free(free);
            free = next;
        }
    }
};

// Both sizes in one thread_local: each has a destructor, and every access to such an object goes
// through a guard that registers it, once per access rather than once per pool.
struct chunk_pools {
    chunk_pool small;
    chunk_pool large;
    ~chunk_pools() {
        small.clear();
        large.clear();
    }
};

thread_local chunk_pools pools;

} // namespace

output_chunk* output_chunk::acquire(std::size_t bytes) {
    output_chunk* c;
    if (bytes + sizeof(output_chunk) <= small_size) {
        c = pools.small.take(small_size);
    } else if (bytes + sizeof(output_chunk) <= large_size) {
        c = pools.large.take(large_size);
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
    const std::size_t size = chunk->capacity + sizeof(output_chunk);
    if (size == small_size) {
        pools.small.put(chunk);
    } else if (size == large_size) {
        pools.large.put(chunk);
    } else {
        shard_free(chunk);
    }
}

std::size_t output_chunk::pooled() noexcept {
    return pools.small.count + pools.large.count;
}

} // namespace corio::net
