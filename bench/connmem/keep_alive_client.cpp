// SPDX-License-Identifier: MIT
#include "keep_alive_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace corio::bench {

namespace {

// Case-insensitive search for a header line "name:" in the head; npos when absent.
std::size_t find_header(std::string_view head, std::string_view name) {
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos; at = head.find("\r\n", at + 2)) {
        const std::string_view line = head.substr(at + 2);
        if (line.size() <= name.size() || line[name.size()] != ':') continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i)
            same = (line[i] | 0x20) == (name[i] | 0x20);
        if (same) return at + 2 + name.size() + 1;
    }
    return std::string_view::npos;
}

} // namespace

bool keep_alive_client::fail(const std::string& what, int fd) {
    _error = what;
    if (fd >= 0) ::close(fd);
    return false;
}

int keep_alive_client::connect_one() {
    if (_request.empty())
        _request = "GET " + _target.path + " HTTP/1.1\r\nHost: " + _target.address + ":" +
                   std::to_string(_target.port) + "\r\nConnection: keep-alive\r\n\r\n";
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail(std::string("socket: ") + std::strerror(errno), -1);
        return -1;
    }
    const timeval tv{static_cast<time_t>(_target.timeout.count() / 1000),
                     static_cast<suseconds_t>(_target.timeout.count() % 1000 * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(_target.port);
    if (::inet_pton(AF_INET, _target.address.c_str(), &addr.sin_addr) != 1) {
        fail("not a numeric IPv4 address: " + _target.address, fd);
        return -1;
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        fail(std::string("connect: ") + std::strerror(errno), fd);
        return -1;
    }
    return fd;
}

bool keep_alive_client::open_one(unsigned requests) {
    const int fd = connect_one();
    if (fd < 0) return false;
    for (unsigned i = 0; i < requests; ++i) {
        if (::send(fd, _request.data(), _request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(_request.size()))
            return fail(std::string("send: ") + std::strerror(errno), fd);
        if (!read_response(fd)) return fail(_error, fd);
    }
    _fds.push_back(fd);
    _answered = _fds.size();
    return true;
}

bool keep_alive_client::open_unanswered() {
    const int fd = connect_one();
    if (fd < 0) return false;
    if (::send(fd, _request.data(), _request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(_request.size()))
        return fail(std::string("send: ") + std::strerror(errno), fd);
    _fds.push_back(fd);
    return true;
}

bool keep_alive_client::read_unanswered() {
    for (; _answered < _fds.size(); ++_answered) {
        if (!read_response(_fds[_answered])) return false;
    }
    return true;
}

bool keep_alive_client::read_response(int fd) {
    std::string in;
    char buf[4096];
    std::size_t head_end = std::string::npos;
    std::size_t need = 0; // total bytes of head + body once known
    bool chunked = false;
    for (;;) {
        if (head_end != std::string::npos) {
            if (!chunked && in.size() >= need) break;
            if (chunked && in.size() >= head_end + 5 && std::string_view(in).ends_with("0\r\n\r\n")) break;
        }
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) {
            _error = "the server closed the connection";
            return false;
        }
        if (n < 0) {
            _error = std::string("recv: ") + (errno == EAGAIN ? "timed out" : std::strerror(errno));
            return false;
        }
        in.append(buf, static_cast<std::size_t>(n));
        if (head_end != std::string::npos) continue;
        head_end = in.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        head_end += 4;
        const std::string_view head(in.data(), head_end);
        if (!head.starts_with("HTTP/1.") || head.size() < 12 || head[9] != '2') {
            _error = "not a 2xx response: " + std::string(head.substr(0, head.find('\r')));
            return false;
        }
        const std::size_t te = find_header(head, "transfer-encoding");
        chunked = te != std::string_view::npos &&
                  head.substr(te, head.find('\r', te) - te).find("chunked") != std::string_view::npos;
        const std::size_t cl = find_header(head, "content-length");
        need = head_end + (cl == std::string_view::npos ? 0 : std::strtoull(head.data() + cl, nullptr, 10));
    }
    return true;
}

void keep_alive_client::close_all() noexcept {
    for (const int fd : _fds)
        ::close(fd);
    _fds.clear();
    _answered = 0;
}

} // namespace corio::bench
