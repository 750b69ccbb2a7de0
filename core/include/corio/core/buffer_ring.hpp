// SPDX-License-Identifier: MIT
// buffer_ring: a provided-buffer ring (IORING_REGISTER_PBUF_RING) from which multishot receives
// take their buffers. The kernel picks a buffer per completion and names it in the CQE; the owner
// reads the bytes and gives the buffer back with recycle() as soon as they are consumed, so an idle
// connection holds no receive memory. The ring starts with a few buffers and provides more only
// when the kernel runs out (grow()): the kernel hands buffers out in ring order, so every buffer
// ever provided becomes resident, and a ring provided in full costs its whole size in RSS whatever
// the load. After a burst, trim() (run every few hundred milliseconds, never per request) takes the
// buffers the load no longer needs out of the ring and gives their pages back to the kernel
// (MADV_DONTNEED), so the ring shrinks as it grew. Set up against the kernel ABI: liburing 2.3 predates
// io_uring_setup_buf_ring. Owned by one shard; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <corio/core/reactor.hpp>
#include <corio/core/result.hpp>

namespace corio {

/// Up to `count` buffers of `size` bytes each, registered with a reactor as buffer group `group`.
class buffer_ring {
public:
    /// Buffers provided at first (or `count`, if fewer); grow() doubles them up to `count`.
    static constexpr std::uint32_t first_provided = 16;

    /// Maps and registers the ring; `count` is rounded up to a power of two (at most 32768).
    static result<std::unique_ptr<buffer_ring>> create(reactor& owner, std::uint16_t group, std::uint32_t count,
                                                       std::uint32_t size);
    ~buffer_ring();
    buffer_ring(const buffer_ring&) = delete;
    buffer_ring& operator=(const buffer_ring&) = delete;

    /// The buffer group id to pass to reactor::recv_multishot.
    std::uint16_t group() const noexcept { return _group; }
    /// Size of each buffer in bytes.
    std::uint32_t buffer_size() const noexcept { return _size; }
    /// Most buffers the ring provides.
    std::uint32_t count() const noexcept { return _count; }
    /// Buffers provided so far (the ones that can be resident).
    std::uint32_t provided() const noexcept { return _provided; }
    /// Buffers currently owned by the application (taken by a completion, not yet recycled).
    std::uint32_t in_use() const noexcept { return _in_use; }

    /// The first `length` bytes of buffer `id`, which a completion has just handed over.
    std::span<char> take(std::uint16_t id, std::size_t length) noexcept;
    /// Gives buffer `id` back to the kernel; its bytes must not be used afterwards.
    void recycle(std::uint16_t id) noexcept;
    /// Called when a receive found the ring empty (-ENOBUFS): doubles the buffers provided, up to
    /// count(). The other -ENOBUFS completions of the same dry spell do not grow it again.
    void grow() noexcept;
    /// Gives back what the last period (the time since the previous call) showed the load does not
    /// need: after a period without a receive, every buffer beyond the first first_provided (and the
    /// pages of those too, which stay in the ring); after a busy period that never ran dry, half of
    /// them, never below a size whose removal made the ring run dry before. Returns how many buffers
    /// left the ring; their pages go back to the kernel.
    /// Call it from a timer (not from a completion handler that holds a buffer): it shrinks only
    /// when the application holds no buffer and the ring's head, as the reactor reports it, shows
    /// that every buffer the kernel took has been handed over (see reactor::buffer_ring_head).
    std::uint32_t trim() noexcept;

private:
    buffer_ring(reactor& owner, std::uint16_t group, std::uint32_t count, std::uint32_t size);
    void provide(std::uint16_t id) noexcept;

    reactor& _owner;
    void* _ring = nullptr; // io_uring_buf_ring, page aligned as the kernel requires
    char* _buffers = nullptr;
    std::uint16_t _group;
    std::uint32_t _count;
    std::uint32_t _size;
    std::uint32_t _provided = 0;
    std::uint32_t _in_use = 0;
    std::uint16_t _tail = 0;
    std::uint16_t _tail_at_growth = 0; // _tail when grow() last provided buffers
    std::uint16_t _head_at_trim = 0;   // the ring's head at the last trim()
    std::uint32_t _dry_spells = 0;     // grow() calls (one per -ENOBUFS completion)
    std::uint32_t _dry_spells_at_trim = 0;
    std::uint32_t _floor;  // trim() keeps at least this many buffers
    bool _shrank = false;  // the last trim() gave buffers back
    bool _touched = false; // buffers were taken since trim() last released them all
    bool _registered = false;
};

/// A shard's reactor and its receive buffers, set up together.
struct reactor_with_buffers {
    std::unique_ptr<reactor> loop;
    std::unique_ptr<buffer_ring> buffers;
};

/// reactor::create, then buffer_ring::create(group, count, size) on it. When `automatic` chose
/// io_uring but the ring cannot be registered (a filter allowing only some io_uring_register
/// operations, a memory limit), epoll takes its place and loop->fallback_reason() says why. The error
/// message names what failed.
result<reactor_with_buffers> create_reactor_with_buffers(const reactor_config& config, std::uint16_t group,
                                                         std::uint32_t count, std::uint32_t size,
                                                         std::string& error_message);

} // namespace corio
