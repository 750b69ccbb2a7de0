// SPDX-License-Identifier: MIT
#include <corio/core/buffer_ring.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>

#include <sys/mman.h>

#include "uring.hpp"

namespace corio {

namespace {
void* map_zeroed(std::size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
}
} // namespace

result<std::unique_ptr<buffer_ring>> buffer_ring::create(reactor& owner, std::uint16_t group, std::uint32_t count,
                                                         std::uint32_t size) {
    if (count == 0 || count > 32768 || size == 0) return system_error(EINVAL);
    std::unique_ptr<buffer_ring> r(new buffer_ring(owner, group, std::bit_ceil(count), size));
    // Buffers are anonymous memory: pages only count towards RSS once the kernel writes into them.
    r->_ring = map_zeroed(sizeof(io_uring_buf) * r->_count);
    r->_buffers = static_cast<char*>(map_zeroed(std::size_t{r->_count} * size));
    if (r->_ring == nullptr || r->_buffers == nullptr) return system_error(ENOMEM);
    auto* ring = static_cast<io_uring_buf_ring*>(r->_ring);
    io_uring_buf_ring_init(ring);
    if (auto ok = owner.register_buffer_ring(ring, r->_count, group); !ok) return tl::unexpected(ok.error());
    r->_registered = true;
    r->_provided = std::min(r->_count, first_provided);
    for (std::uint32_t id = 0; id < r->_provided; ++id)
        r->provide(static_cast<std::uint16_t>(id));
    io_uring_smp_store_release(&ring->tail, r->_tail);
    return r;
}

buffer_ring::buffer_ring(reactor& owner, std::uint16_t group, std::uint32_t count, std::uint32_t size)
    : _owner(owner), _group(group), _count(count), _size(size), _floor(std::min(count, first_provided)) {}

buffer_ring::~buffer_ring() {
    if (_registered) _owner.unregister_buffer_ring(_group);
    if (_ring != nullptr) munmap(_ring, sizeof(io_uring_buf) * _count);
    if (_buffers != nullptr) munmap(_buffers, std::size_t{_count} * _size);
}

std::span<char> buffer_ring::take(std::uint16_t id, std::size_t length) noexcept {
    ++_in_use;
    return {_buffers + std::size_t{id} * _size, length};
}

void buffer_ring::provide(std::uint16_t id) noexcept {
    auto* ring = static_cast<io_uring_buf_ring*>(_ring);
    io_uring_buf* slot = &ring->bufs[_tail & (_count - 1)];
    slot->addr = reinterpret_cast<std::uintptr_t>(_buffers + std::size_t{id} * _size);
    slot->len = _size;
    slot->bid = id;
    ++_tail;
}

void buffer_ring::recycle(std::uint16_t id) noexcept {
    provide(id);
    // The release store publishes the slot before the kernel can see the new tail.
    io_uring_smp_store_release(&static_cast<io_uring_buf_ring*>(_ring)->tail, _tail);
    --_in_use;
}

void buffer_ring::grow() noexcept {
    ++_dry_spells;
    // With DEFER_TASKRUN the kernel fills buffers only while the loop waits, so one dry spell took
    // at most the old number of buffers, and its completions recycle at most that many before its
    // -ENOBUFS completions come here: fewer than half the (doubled) count since the last growth
    // means this dry spell was answered already.
    if (_provided == _count || static_cast<std::uint16_t>(_tail - _tail_at_growth) < _provided / 2) return;
    const std::uint32_t more = std::min(_provided, _count - _provided);
    for (std::uint32_t id = _provided; id < _provided + more; ++id)
        provide(static_cast<std::uint16_t>(id));
    _provided += more;
    _tail_at_growth = _tail;
    io_uring_smp_store_release(&static_cast<io_uring_buf_ring*>(_ring)->tail, _tail);
}

std::uint32_t buffer_ring::trim() noexcept {
    const bool dry = _dry_spells != _dry_spells_at_trim;
    _dry_spells_at_trim = _dry_spells;
    const bool shrank_before = _shrank;
    _shrank = false;
    // Every buffer is in the application's hands (in_use), or in a slot between the kernel's head
    // and _tail, or taken by the kernel for a completion not yet handed over; checked below that
    // there is none of the last kind, this is the head.
    const auto head = static_cast<std::uint16_t>(_tail - (_provided - _in_use));
    const bool idle = head == _head_at_trim && _in_use == 0;
    if (head != _head_at_trim) _touched = true;
    _head_at_trim = head;
    if (dry) {
        // The load ran the ring dry this period: it needs what grow() made of it. If the last trim
        // shrank it, that was a step too far; stay at this size until the load goes away.
        if (shrank_before) _floor = _provided;
        return 0;
    }
    if (idle) _floor = std::min(_count, first_provided);
    const bool shrink = _in_use == 0 && _provided > _floor;
    // After a period without a receive, the buffers kept are released too: they sit in the ring
    // and a later receive faults a fresh page in, so an idle shard keeps none of them resident.
    const bool release_kept = idle && _touched;
    if (!shrink && !release_kept) return 0;
    // Rewriting the ring is safe only while the kernel cannot take a buffer: with DEFER_TASKRUN it
    // fills buffers only inside the loop's io_uring_enter, the epoll backend only in its own
    // dispatch. A buffer the kernel took for a completion still in the queue (an overflowed
    // completion queue) would be given away under its data: the reactor's head (the kernel's own,
    // Linux 6.8) must agree with the one counted here.
    const auto kernel_head = _owner.buffer_ring_head(_group);
    if (kernel_head ? *kernel_head != head : !_owner.features().defer_taskrun) return 0;
    const std::uint32_t keep = !shrink ? _provided : idle ? _floor : std::max(_floor, _provided / 2);
    const std::uint32_t provided = _provided;
    if (shrink) {
        // Buffers 0..keep-1 fill the slots from the head on; the tail moves back to their end, so
        // the rest are in no slot the kernel reads. Which buffer sits in which slot does not matter.
        _tail = head;
        for (std::uint32_t id = 0; id < keep; ++id)
            provide(static_cast<std::uint16_t>(id));
        io_uring_smp_store_release(&static_cast<io_uring_buf_ring*>(_ring)->tail, _tail);
        _provided = keep;
        _tail_at_growth = _tail;
        _shrank = true;
    }
    // The pages read as zeros when the kernel next writes into them. A failure leaves them
    // resident and the ring consistent.
    const std::uint32_t from = release_kept ? 0 : keep;
    if (madvise(_buffers + std::size_t{from} * _size, std::size_t{provided - from} * _size, MADV_DONTNEED) != 0)
        return 0;
    if (release_kept) _touched = false;
    return provided - keep;
}

result<reactor_with_buffers> create_reactor_with_buffers(const reactor_config& config, std::uint16_t group,
                                                         std::uint32_t count, std::uint32_t size,
                                                         std::string& error_message) {
    auto loop = reactor::create(config, error_message);
    if (!loop) return tl::unexpected(loop.error());
    auto buffers = buffer_ring::create(**loop, group, count, size);
    if (!buffers && (*loop)->may_fall_back()) {
        std::string why = "registering io_uring's provided-buffer ring failed: " + buffers.error().message();
        loop = reactor::create_fallback(config, std::move(why), error_message);
        if (!loop) return tl::unexpected(loop.error());
        buffers = buffer_ring::create(**loop, group, count, size);
    }
    if (!buffers) {
        error_message = "registering the provided-buffer ring failed: " + buffers.error().message() +
                        " (corio needs Linux 6.1 or newer)";
        return tl::unexpected(buffers.error());
    }
    return reactor_with_buffers{std::move(*loop), std::move(*buffers)};
}

} // namespace corio
