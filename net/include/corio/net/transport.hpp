// SPDX-License-Identifier: MIT
// transport: what carries a tcp_connection's bytes. The connection keeps everything that makes a
// byte stream (input offered to the protocol and spilled when unconsumed, output batched in chunks,
// backpressure, the lingering close); its transport only moves bytes and reports back through the
// connection's completions, as the kernel does: receives (op_recv) and sends (op_send). Two exist:
// socket_transport, a kernel socket driven through the shard's reactor (io_uring or epoll), and
// loopback, memory that tests, fuzz targets and micro benchmarks drive without a kernel.
// One transport serves a whole connection_set; a connection names its end by an int handle (the
// socket descriptor for sockets). The connection calls it at its edges only (arm a receive, send a
// chunk, cancel, shut down, close), never per byte written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <corio/core/result.hpp>
#include <corio/net/socket_address.hpp>

namespace corio::net {

/// The far side of a connection: moves its bytes and completes its operations.
class transport {
public:
    /// Starts a connection to `peer` (valid until it completes): the new handle, or -errno when none
    /// could be made. The connect completes (to `user_data`) with 0 once connected or -errno; cancel()
    /// it on the handle to give up, and close() the handle if it failed.
    virtual int connect(const socket_address& peer, std::uint64_t user_data) = 0;
    /// Arms a receive on `handle`, multishot unless `once`. Each completion (to `user_data`) carries
    /// the bytes received (in a provided buffer of the shard's ring, or in the transport's own memory:
    /// then without cqe_flags::buffer, and received() lends them), 0 once the peer has closed, or
    /// -errno; -ECANCELED after cancel(). A multishot receive stays armed while cqe_flags::more is set.
    virtual void receive(int handle, bool once, std::uint64_t user_data) = 0;
    /// The bytes of a receive completion that came without a provided buffer (its result: `size`),
    /// valid until the next call on the transport. Only transports that lend their own memory have them.
    virtual std::span<char> received(int handle, std::size_t size) noexcept = 0;
    /// Sends up to `size` bytes at `data` (valid until it completes): completes with the count taken,
    /// which may be short, or -errno.
    virtual void send(int handle, const char* data, std::size_t size, std::uint64_t user_data) = 0;
    /// Cancels the operations on `handle` that carry `user_data`: they complete with -ECANCELED
    /// (or with what they had already done).
    virtual void cancel(int handle, std::uint64_t user_data) = 0;
    /// Ends the output: the peer reads what was sent, then the end of the stream.
    virtual void shutdown_write(int handle) noexcept = 0;
    /// Releases `handle`. Operations cancel()led before complete; cancel them first (epoll needs it).
    virtual void close(int handle) noexcept = 0;
    /// Bounds the output `handle`'s side holds unsent (TCP_NOTSENT_LOWAT): past it sends wait.
    virtual void limit_unsent(int handle, std::uint32_t bytes) noexcept = 0;
    /// The address of `handle`'s peer.
    virtual result<socket_address> peer_address(int handle) const = 0;

protected:
    transport() = default;
    ~transport() = default;
    transport(const transport&) = default;
    transport& operator=(const transport&) = default;
};

} // namespace corio::net
