// SPDX-License-Identifier: MIT
#include <corio/net/tcp_listener.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <corio/core/log.hpp>

namespace corio::net {

result<int> open_listening_socket(const socket_address& address, int backlog, port_claim claim) {
    const int fd = socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) return last_system_error();
    const int one = 1;
    // An exclusive claim binds without SO_REUSEPORT, so the kernel refuses a port that any socket
    // holds. Linux checks SO_REUSEPORT of both sockets when a later bind conflicts (not at the first
    // bind only), and a socket joins a reuseport group at listen(): setting it between bind and
    // listen lets this process's other shards join. From that setsockopt on, a process of the same
    // user that binds with SO_REUSEPORT itself (one that asked to share) could join as well; one
    // that claims exclusively never can.
    const bool exclusive = claim == port_claim::exclusive;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (!exclusive && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
        bind(fd, address.data(), address.size()) != 0 ||
        (exclusive && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) || listen(fd, backlog) != 0) {
        const int err = errno;
        ::close(fd);
        return system_error(err);
    }
    return fd;
}

tcp_listener::tcp_listener(reactor& loop, int fd, accept_fn on_accept, void* context, counter* backoffs) noexcept
    : timer(&tcp_listener::on_backoff), _loop(loop), _fd(fd), _on_accept(on_accept), _context(context),
      _backoffs(backoffs != nullptr ? backoffs : &_own_backoffs) {}

tcp_listener::~tcp_listener() {
    stop();
}

void tcp_listener::start() {
    _stopped = false;
    arm();
}

void tcp_listener::arm() {
    _loop.accept_multishot(_fd, make_user_data(this));
    _armed = true;
}

void tcp_listener::pause() {
    if (_paused || _stopped) return;
    _paused = true;
    _loop.timers().cancel(*this);
    if (_armed) _loop.cancel(_fd, make_user_data(this));
}

void tcp_listener::resume() {
    if (!_paused || _stopped) return;
    _paused = false;
    if (!_armed) arm();
}

void tcp_listener::stop() {
    if (_stopped && _fd < 0) return;
    _stopped = true;
    _loop.timers().cancel(*this);
    if (_armed) _loop.cancel(_fd, make_user_data(this));
    if (_fd >= 0) {
        // The port must be free when stop() returns (restarts, tests). An armed io_uring accept holds
        // the socket beyond close() until the ring lets go of the request (after the process has
        // exited, if it stops first): shutdown() takes it out of the listening state at once.
        // ENOTCONN: it never listened.
        if (::shutdown(_fd, SHUT_RDWR) != 0 && errno != ENOTCONN) {
            log(log_level::warning, std::string("shutting the listening socket down failed: ") + std::strerror(errno));
        }
        ::close(_fd);
        _fd = -1;
    }
}

void tcp_listener::on_completion(unsigned, int result, std::uint32_t flags) {
    if ((flags & cqe_flags::more) == 0) _armed = false;
    if (result >= 0) {
        if (_stopped) {
            ::close(result);
            return;
        }
        _on_accept(_context, result);
    } else if (result != -ECANCELED && !_stopped && !_paused) {
        // EMFILE/ENFILE/ENOMEM and the like: the multishot request ends; retrying at once would spin
        // on the same error, so wait on the wheel and accept again when descriptors may be free.
        _backoffs->add();
        if (result != -EMFILE && result != -ENFILE && result != -ENOBUFS && result != -ENOMEM) {
            log(log_level::warning, std::string("accept failed: ") + std::strerror(-result) + "; retrying in " +
                                        std::to_string(backoff_ms) + " ms");
        }
        if (!_armed) _loop.timers().schedule(*this, _loop.now_ms() + backoff_ms);
        return;
    }
    if (!_armed && !_stopped && !_paused && !armed()) arm();
}

void tcp_listener::on_backoff(timer& t) {
    auto& self = static_cast<tcp_listener&>(t);
    if (!self._stopped && !self._paused && !self._armed) self.arm();
}

} // namespace corio::net
