// SPDX-License-Identifier: MIT
#include "shard_mesh.hpp"

#include <bit>
#include <cerrno>
#include <corio/core/log.hpp>
#include <cstring>

#include <unistd.h>

namespace corio::detail {

namespace {

constexpr std::size_t cache_line = 64;
// A wake-up posted to a target ring carries this result; the poster's own completion (only on
// failure, thanks to CQE_SKIP_SUCCESS) carries -errno.
constexpr std::uint32_t wake_value = 1;

// Orders a store before a later load of another variable, on both sides of the wake-up handshake
// (the poster stores `tail` then loads `sleeping`; the sleeper stores `sleeping` then loads `tail`):
// at least one side then sees the other's store. The two seq_cst accesses alone promise that in
// C++, and TSan models them (fences it cannot). The fence is for QEMU 7.2's TCG, which translates
// STLR as barrier-then-store and LDAR as load-then-barrier, so that on an x86 host nothing keeps
// an STLR before the LDAR that follows it (ARMv8 itself does): without the fence the arm64 test
// VM lost a wake-up in about one run of submit_to.eventfd_wake_ups in ten. The cost on real
// hardware: one dmb ish per post and per sleep. x86 needs none (a seq_cst store is an xchg).
inline void store_then_load() noexcept {
#if defined(__aarch64__) && !defined(__SANITIZE_THREAD__)
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

[[noreturn]] void broken(const char* contract) {
    fatal(contract);
}

} // namespace

// Indices run freely (unsigned wrap-around); the slot is index & mask. head is written only by the
// consumer, tail only by the producer, each on its own cache line with the side's cached copy of
// the other index, so the two threads share a line only when they actually look at each other.
struct shard_mesh::ring {
    alignas(cache_line) std::atomic<std::uint32_t> head{0};
    std::uint32_t tail_seen = 0; // consumer's last look at tail
    alignas(cache_line) std::atomic<std::uint32_t> tail{0};
    std::uint32_t head_seen = 0; // producer's last look at head
    alignas(cache_line) std::unique_ptr<cross_call*[]> slots;
    std::uint32_t mask = 0;

    bool try_push(cross_call* call, std::uint32_t capacity) noexcept {
        const std::uint32_t t = tail.load(std::memory_order_relaxed);
        if (t - head_seen == capacity) {
            head_seen = head.load(std::memory_order_acquire);
            if (t - head_seen == capacity) return false;
        }
        slots[t & mask] = call;
        // With pushed()'s load of `sleeping`, the first half of the store-then-load handshake
        // that never misses a wake-up (see store_then_load()).
        tail.store(t + 1, std::memory_order_seq_cst);
        return true;
    }
};

// The completion target of wake-ups: on the target a wake-up only ends the wait (the next turn
// drains); on the poster it means the message could not be posted (the target's completion queue
// overflowed, or its ring is gone): fall back to the eventfd, which wakes a live target all the same.
struct shard_mesh::mailbox final : completion_target {
    void on_completion(unsigned, int result, std::uint32_t) override {
        if (result >= 0) return;
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(event_fd, &one, sizeof one);
    }

    // Read and cleared by posting shards; set by the owner just before it may block.
    alignas(cache_line) std::atomic<bool> sleeping{false};
    alignas(cache_line) unsigned id = 0;
    shard_mesh* mesh = nullptr;
    reactor* loop = nullptr;
    // Duplicates of the owner's ring and eventfd descriptors: they stay valid (and keep the ring
    // alive) until the mesh is destroyed, so a late wake-up never hits a reused descriptor.
    int ring_fd = -1;
    int event_fd = -1;
    struct overflow {
        cross_call* first = nullptr;
        cross_call* last = nullptr;
    };
    std::vector<overflow> spilled; // by target shard; touched only by the owner
    unsigned spilled_targets = 0;
};

namespace {
thread_local shard_mesh* current_mesh = nullptr;
thread_local unsigned current_id = 0;
} // namespace

shard_mesh::shard_mesh(unsigned shards, unsigned capacity, bool eventfd_only)
    : _shards(shards), _capacity(std::bit_ceil(capacity < 2 ? 2U : capacity)), _eventfd_only(eventfd_only),
      _rings(new ring[static_cast<std::size_t>(shards) * shards]), _boxes(new mailbox[shards]) {
    for (std::size_t i = 0; i < static_cast<std::size_t>(shards) * shards; ++i) {
        _rings[i].slots.reset(new cross_call*[_capacity]);
        _rings[i].mask = _capacity - 1;
    }
    for (unsigned i = 0; i < shards; ++i) {
        _boxes[i].id = i;
        _boxes[i].mesh = this;
        _boxes[i].spilled.resize(shards);
    }
}

// Messages still queued here belong to calls whose shards have all stopped; their waiters (if any
// are still alive) own the memory through their awaiters, so nothing is freed behind them.
shard_mesh::~shard_mesh() {
    for (unsigned i = 0; i < _shards; ++i) {
        if (_boxes[i].ring_fd >= 0) ::close(_boxes[i].ring_fd);
        if (_boxes[i].event_fd >= 0) ::close(_boxes[i].event_fd);
    }
}

shard_mesh::ring& shard_mesh::between(unsigned from, unsigned to) noexcept {
    return _rings[static_cast<std::size_t>(from) * _shards + to];
}

void shard_mesh::attach(unsigned id, reactor& loop) {
    mailbox& box = _boxes[id];
    box.loop = &loop;
    box.ring_fd = ::dup(loop.ring_fd());
    box.event_fd = ::dup(loop.notify_fd());
    if (box.ring_fd < 0 || box.event_fd < 0) {
        fatal("duplicating shard " + std::to_string(id) + "'s wake-up descriptors failed: " + std::strerror(errno));
    }
    if (!loop.features().msg_ring) _eventfd_only.store(true, std::memory_order_relaxed);
    current_mesh = this;
    current_id = id;
    loop.add_turn_hook(&shard_mesh::on_turn, &box);
}

void shard_mesh::detach(unsigned id) noexcept {
    mailbox& box = _boxes[id];
    if (box.loop != nullptr) box.loop->remove_turn_hook(&shard_mesh::on_turn, &box);
    box.loop = nullptr;
    current_mesh = nullptr;
}

void shard_mesh::post(cross_call& call, unsigned to) {
    if (to >= _shards) broken("submit_to: the target shard is not below the runtime's shard count");
    mailbox& me = _boxes[current_id];
    mailbox::overflow& spill = me.spilled[to];
    call.next = nullptr;
    // Behind a non-empty overflow list the message waits its turn, keeping each pair in order.
    if (spill.first == nullptr && between(current_id, to).try_push(&call, _capacity)) {
        pushed(me, to);
        return;
    }
    if (spill.first == nullptr) {
        spill.first = &call;
        ++me.spilled_targets;
    } else {
        spill.last->next = &call;
    }
    spill.last = &call;
}

// After a push: wake the target if it said it may block. exchange() lets exactly one poster send
// the wake-up however many shards post to the same sleeper.
void shard_mesh::pushed(mailbox& from, unsigned to) {
    mailbox& target = _boxes[to];
    store_then_load();
    if (!target.sleeping.load(std::memory_order_seq_cst)) return;
    if (!target.sleeping.exchange(false, std::memory_order_seq_cst)) return;
    if (_eventfd_only.load(std::memory_order_relaxed)) {
        const std::uint64_t one = 1;
        // Only counter overflow fails, and then a wake-up is pending anyway.
        [[maybe_unused]] const ssize_t n = ::write(target.event_fd, &one, sizeof one);
        return;
    }
    const std::uint64_t tag = make_user_data(&target);
    from.loop->msg_ring(target.ring_fd, wake_value, tag, tag);
}

bool shard_mesh::flush_overflow(mailbox& box) {
    for (unsigned to = 0; to < _shards && box.spilled_targets != 0; ++to) {
        mailbox::overflow& spill = box.spilled[to];
        if (spill.first == nullptr) continue;
        ring& r = between(box.id, to);
        bool moved = false;
        while (spill.first != nullptr) {
            cross_call* next = spill.first->next;
            if (!r.try_push(spill.first, _capacity)) break;
            moved = true;
            spill.first = next;
        }
        if (spill.first == nullptr) {
            spill.last = nullptr;
            --box.spilled_targets;
        }
        if (moved) pushed(box, to);
    }
    return box.spilled_targets != 0;
}

void shard_mesh::on_turn(void* context) {
    auto& box = *static_cast<mailbox*>(context);
    shard_mesh& mesh = *box.mesh;
    box.sleeping.store(false, std::memory_order_relaxed);

    // Only what had arrived when we looked: messages posted meanwhile wait for the next turn, so
    // a busy peer cannot keep this shard from its own I/O.
    bool worked = false;
    for (unsigned from = 0; from < mesh._shards; ++from) {
        if (from == box.id) continue;
        ring& r = mesh.between(from, box.id);
        std::uint32_t h = r.head.load(std::memory_order_relaxed);
        const std::uint32_t t = r.tail.load(std::memory_order_acquire);
        while (h != t) {
            cross_call* call = r.slots[h & r.mask];
            r.head.store(++h, std::memory_order_release);
            call->arrive(*call);
            worked = true;
        }
    }
    const bool spilled = mesh.flush_overflow(box);
    // A coroutine resumed above may have queued work that a hook earlier in this turn would have
    // picked up; and spilled messages must be retried soon: do not block this turn.
    if (worked || spilled) {
        box.loop->poll_next_turn();
        return;
    }
    // About to block: announce it, then look once more (the other half of try_push's handshake).
    box.sleeping.store(true, std::memory_order_seq_cst);
    store_then_load();
    for (unsigned from = 0; from < mesh._shards; ++from) {
        if (from == box.id) continue;
        ring& r = mesh.between(from, box.id);
        if (r.tail.load(std::memory_order_seq_cst) != r.head.load(std::memory_order_relaxed)) {
            box.sleeping.store(false, std::memory_order_relaxed);
            box.loop->poll_next_turn();
            return;
        }
    }
}

void post(cross_call& call, unsigned to) {
    if (current_mesh == nullptr) broken("submit_to called outside a shard thread of a running corio::runtime");
    current_mesh->post(call, to);
}

unsigned calling_shard() {
    if (current_mesh == nullptr) broken("submit_to called outside a shard thread of a running corio::runtime");
    return current_id;
}

unsigned shard_count_for_calls() noexcept {
    return current_mesh != nullptr ? current_mesh->size() : 0;
}

void broken_call_contract(const char* what) noexcept {
    broken(what);
}

} // namespace corio::detail
