// SPDX-License-Identifier: MIT
#include <corio/net/tcp_connector.hpp>

#include <cerrno>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace corio::net {

result<int> open_client_socket(const socket_address& peer, const connect_options& options) {
    const int fd = ::socket(peer.family(), SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) return last_system_error();
    const int one = 1;
    if (options.no_delay && ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
        const int err = errno;
        ::close(fd);
        return system_error(err);
    }
    if (options.source != nullptr) {
        // Without IP_BIND_ADDRESS_NO_PORT, bind() would reserve a port for the address alone and
        // one source address would run out after the ephemeral range, whatever the peers.
        if (::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one) != 0 ||
            ::bind(fd, options.source->with_port(0).data(), options.source->size()) != 0) {
            const int err = errno;
            ::close(fd);
            return system_error(err);
        }
    }
    return fd;
}

result<void> probe_connect(const socket_address& peer, int timeout_ms) {
    const int fd = ::socket(peer.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
    if (fd < 0) return last_system_error();
    int err = 0;
    if (::connect(fd, peer.data(), peer.size()) != 0) {
        err = errno;
        if (err == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            int ready = 0;
            while ((ready = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
            }
            socklen_t length = sizeof err;
            if (ready == 0) {
                err = ETIMEDOUT;
            } else if (ready < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &length) != 0) {
                err = errno;
            }
        }
    }
    ::close(fd);
    if (err != 0) return system_error(err);
    return {};
}

} // namespace corio::net
