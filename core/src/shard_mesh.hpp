// SPDX-License-Identifier: MIT
// shard_mesh: the transport behind submit_to. One bounded single-producer/single-consumer ring of
// message pointers per ordered pair of shards; a message that finds its ring full goes to an
// overflow list owned by the posting shard, retried every turn (never blocking, never dropped).
// Each shard drains its incoming rings once per loop turn from a turn hook. A shard about to wait
// in io_uring announces it (`sleeping`); a shard that posts to it then wakes it with one
// IORING_OP_MSG_RING (or an eventfd write where the kernel lacks MSG_RING), at most one per
// sleep however many shards post.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <corio/core/reactor.hpp>
#include <corio/core/submit_to.hpp>

namespace corio::detail {

/// The queues between all shards of one runtime; outlives every shard thread that uses it.
class shard_mesh {
public:
    /// `capacity` slots per ring (rounded up to a power of two); `eventfd_only` skips MSG_RING.
    shard_mesh(unsigned shards, unsigned capacity, bool eventfd_only);
    ~shard_mesh();
    shard_mesh(const shard_mesh&) = delete;
    shard_mesh& operator=(const shard_mesh&) = delete;

    /// On shard `id`'s thread, before its services start: drains its queues from a turn hook.
    void attach(unsigned id, reactor& loop);
    /// On shard `id`'s thread after its loop has ended; later posts to it are never delivered.
    void detach(unsigned id) noexcept;

    /// Hands `call` from the calling shard to shard `to`.
    void post(cross_call& call, unsigned to);
    /// Number of shards.
    unsigned size() const noexcept { return _shards; }

    struct ring;
    struct mailbox;

private:
    ring& between(unsigned from, unsigned to) noexcept;
    void pushed(mailbox& from, unsigned to);
    bool flush_overflow(mailbox& box);
    static void on_turn(void* context);

    unsigned _shards;
    unsigned _capacity;
    std::atomic<bool> _eventfd_only;
    std::unique_ptr<ring[]> _rings;
    std::unique_ptr<mailbox[]> _boxes;
};

} // namespace corio::detail
