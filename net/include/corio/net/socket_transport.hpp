// SPDX-License-Identifier: MIT
// socket_transport: the transport of connections over kernel sockets, through the shard's reactor
// (io_uring or epoll: the reactor hides which). Receives take buffers from the shard's ring. An
// IPv4 peer's address is asked of the kernel once per connection: a service that wants it for every
// request (X-Forwarded-For, an access log) finds it remembered by descriptor until that closes.
#pragma once

#include <cstdint>
#include <vector>

#include <corio/core/shard.hpp>
#include <corio/net/transport.hpp>

namespace corio::net {

/// Kernel sockets on one shard; a handle is the socket's descriptor.
class socket_transport final : public transport {
public:
    /// Drives sockets through `s`'s reactor, receiving into `s`'s buffer ring.
    explicit socket_transport(corio::shard& s) noexcept : _shard(s) {}

    int connect(const socket_address& peer, std::uint64_t user_data) override;
    void receive(int fd, bool once, std::uint64_t user_data) override;
    std::span<char> received(int fd, std::size_t size) noexcept override;
    void send(int fd, const char* data, std::size_t size, std::uint64_t user_data) override;
    void cancel(int fd, std::uint64_t user_data) override;
    void shutdown_write(int fd) noexcept override;
    void close(int fd) noexcept override;
    void limit_unsent(int fd, std::uint32_t bytes) noexcept override;
    result<socket_address> peer_address(int fd) const override;

private:
    // An IPv4 peer remembered for descriptor fd, in network byte order (8 bytes per descriptor, for
    // those asked only; IPv6 peers are asked of the kernel each time).
    struct peer_slot {
        std::uint32_t address = 0;
        std::uint16_t port = 0;
        bool known = false;
    };

    corio::shard& _shard;
    mutable std::vector<peer_slot> _peers; // by descriptor
};

} // namespace corio::net
