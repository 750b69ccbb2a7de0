// SPDX-License-Identifier: MIT
#include <corio/core/buffer_ring.hpp>

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
    const int mask = io_uring_buf_ring_mask(r->_count);
    for (std::uint32_t id = 0; id < r->_count; ++id) {
        io_uring_buf_ring_add(ring, r->_buffers + std::size_t{id} * size, size, static_cast<std::uint16_t>(id), mask,
                              static_cast<int>(id));
    }
    io_uring_buf_ring_advance(ring, static_cast<int>(r->_count));
    r->_tail = static_cast<std::uint16_t>(r->_count);
    return r;
}

buffer_ring::buffer_ring(reactor& owner, std::uint16_t group, std::uint32_t count, std::uint32_t size)
    : _owner(owner), _group(group), _count(count), _size(size) {}

buffer_ring::~buffer_ring() {
    if (_registered) _owner.unregister_buffer_ring(_group);
    if (_ring != nullptr) munmap(_ring, sizeof(io_uring_buf) * _count);
    if (_buffers != nullptr) munmap(_buffers, std::size_t{_count} * _size);
}

std::span<char> buffer_ring::take(std::uint16_t id, std::size_t length) noexcept {
    ++_in_use;
    return {_buffers + std::size_t{id} * _size, length};
}

void buffer_ring::recycle(std::uint16_t id) noexcept {
    auto* ring = static_cast<io_uring_buf_ring*>(_ring);
    io_uring_buf* slot = &ring->bufs[_tail & (_count - 1)];
    slot->addr = reinterpret_cast<std::uintptr_t>(_buffers + std::size_t{id} * _size);
    slot->len = _size;
    slot->bid = id;
    // The release store publishes the slot before the kernel can see the new tail.
    ++_tail;
    io_uring_smp_store_release(&ring->tail, _tail);
    --_in_use;
}

} // namespace corio
