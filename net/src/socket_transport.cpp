// SPDX-License-Identifier: MIT
#include <corio/net/socket_transport.hpp>

#include <algorithm>
#include <climits>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <corio/core/buffer_ring.hpp>
#include <corio/core/reactor.hpp>
#include <corio/net/tcp_connector.hpp>

namespace corio::net {

int socket_transport::connect(const socket_address& peer, std::uint64_t user_data) {
    const result<int> fd = open_client_socket(peer);
    if (!fd) return -fd.error().value();
    _shard.reactor().connect(*fd, peer.data(), peer.size(), user_data);
    return *fd;
}

void socket_transport::receive(int fd, bool once, std::uint64_t user_data) {
    if (once) {
        _shard.reactor().recv_once(fd, _shard.buffers().group(), user_data);
    } else {
        _shard.reactor().recv_multishot(fd, _shard.buffers().group(), user_data);
    }
}

std::span<char> socket_transport::received(int, std::size_t) noexcept {
    return {}; // a socket's bytes always arrive in a provided buffer
}

void socket_transport::send(int fd, const char* data, std::size_t size, std::uint64_t user_data) {
    _shard.reactor().send(fd, data, size, user_data);
}

void socket_transport::cancel(int fd, std::uint64_t user_data) {
    _shard.reactor().cancel(fd, user_data);
}

void socket_transport::shutdown_write(int fd) noexcept {
    // Fails only when the peer has already reset the connection: the next operation reports it.
    static_cast<void>(::shutdown(fd, SHUT_WR));
}

void socket_transport::close(int fd) noexcept {
    // The descriptor's number may come back with the next accept: its peer is forgotten first.
    if (fd >= 0 && static_cast<std::size_t>(fd) < _peers.size()) _peers[static_cast<std::size_t>(fd)].known = false;
    // The armed receive and an in-flight send hold their own file references, and the port of a
    // closed connection is free for the next accept at once.
    ::close(fd);
}

void socket_transport::limit_unsent(int fd, std::uint32_t bytes) noexcept {
    // Linux grows a socket's send buffer up to 4 MiB (tcp_wmem): unbounded, a client that never
    // reads gets that much queued before the connection's pending output sees anything. A failure
    // leaves the kernel's default: nothing to recover.
    const int limit = static_cast<int>(std::min<std::uint32_t>(bytes, INT_MAX));
    static_cast<void>(::setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &limit, sizeof limit));
}

result<socket_address> socket_transport::peer_address(int fd) const {
    const auto at = static_cast<std::size_t>(fd);
    if (fd >= 0 && at < _peers.size() && _peers[at].known)
        return socket_address::ipv4(_peers[at].address, _peers[at].port);
    result<socket_address> peer = socket_address::peer_of(fd);
    if (peer && fd >= 0 && peer->family() == AF_INET) {
        if (at >= _peers.size()) _peers.resize(at + 1);
        const auto* in = reinterpret_cast<const sockaddr_in*>(peer->data());
        _peers[at] = {in->sin_addr.s_addr, in->sin_port, true};
    }
    return peer;
}

} // namespace corio::net
