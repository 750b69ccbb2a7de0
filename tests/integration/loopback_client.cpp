// SPDX-License-Identifier: MIT
#include "loopback_client.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace corio::test {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace

bool io_uring_unavailable(std::string_view error_message) {
    for (std::string_view word : {"io_uring", "ENOSYS", "kernel", "Linux"}) {
        if (error_message.find(word) != std::string_view::npos) return true;
    }
    return false;
}

std::optional<std::string_view> reply::header(std::string_view name) const noexcept {
    std::string_view rest = head;
    const std::size_t first_line_end = rest.find("\r\n");
    if (first_line_end == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(first_line_end + 2);
    while (!rest.empty()) {
        const std::size_t line_end = rest.find("\r\n");
        if (line_end == std::string_view::npos || line_end == 0) break;
        const std::string_view line = rest.substr(0, line_end);
        rest.remove_prefix(line_end + 2);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        if (iequals(line.substr(0, colon), name)) return trim(line.substr(colon + 1));
    }
    return std::nullopt;
}

loopback_client::loopback_client(std::uint16_t port, int timeout_ms, std::size_t buffer_bytes, int receive_buffer_bytes)
    : _buffer(new char[buffer_bytes]), _capacity(buffer_bytes) {
    _fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (_fd < 0) {
        fail("socket", errno);
        return;
    }
    set_timeout(timeout_ms);
    if (receive_buffer_bytes > 0) {
        ::setsockopt(_fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        fail("connect", errno);
        ::close(_fd);
        _fd = -1;
    }
}

loopback_client::~loopback_client() {
    close();
}

loopback_client::loopback_client(loopback_client&& other) noexcept
    : _fd(std::exchange(other._fd, -1)), _buffer(std::move(other._buffer)),
      _capacity(std::exchange(other._capacity, 0)), _begin(std::exchange(other._begin, 0)),
      _end(std::exchange(other._end, 0)), _error(other._error), _errno(other._errno) {}

void loopback_client::set_nodelay() {
    const int one = 1;
    ::setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void loopback_client::set_timeout(int timeout_ms) noexcept {
    timeval tv{};
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = static_cast<suseconds_t>(timeout_ms % 1000) * 1000;
    ::setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool loopback_client::readable_within(int timeout_ms) noexcept {
    if (_begin != _end) return true;
    if (_fd < 0) return false;
    pollfd p{_fd, POLLIN, 0};
    int n = 0;
    while ((n = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
    }
    return n > 0;
}

bool loopback_client::fail(const char* what, int err) noexcept {
    _error = what;
    _errno = err;
    return false;
}

std::string loopback_client::error() const {
    std::string s = _error;
    if (_errno != 0) {
        s += ": ";
        s += std::strerror(_errno);
    }
    return s;
}

bool loopback_client::send_all(std::string_view bytes) noexcept {
    if (_fd < 0) return fail("send on a closed client");
    while (!bytes.empty()) {
        const ssize_t n = ::send(_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(errno == EAGAIN ? "send timed out" : "send", errno);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

long loopback_client::fill() noexcept {
    if (_begin == _end) {
        _begin = _end = 0;
    } else if (_end == _capacity && _begin != 0) {
        std::memmove(_buffer.get(), _buffer.get() + _begin, _end - _begin);
        _end -= _begin;
        _begin = 0;
    }
    if (_end == _capacity) return -ENOBUFS;
    for (;;) {
        const ssize_t n = ::recv(_fd, _buffer.get() + _end, _capacity - _end, 0);
        if (n >= 0) {
            _end += static_cast<std::size_t>(n);
            return n;
        }
        if (errno != EINTR) return -errno;
    }
}

bool loopback_client::read_response(reply& out, bool head_request) noexcept {
    out = {};
    if (_fd < 0) return fail("read on a closed client");
    // Compact first so that the views handed out below are not moved by a later fill().
    if (_begin != 0) {
        std::memmove(_buffer.get(), _buffer.get() + _begin, _end - _begin);
        _end -= _begin;
        _begin = 0;
    }
    std::size_t head_size = 0;
    for (;;) {
        const std::string_view have(_buffer.get(), _end);
        const std::size_t blank = have.find("\r\n\r\n");
        if (blank != std::string_view::npos) {
            head_size = blank + 4;
            break;
        }
        const long n = fill();
        if (n == 0) return fail(_end == 0 ? "EOF before a response" : "EOF inside a response head");
        if (n < 0) return fail(n == -EAGAIN ? "timed out waiting for a response head" : "recv", static_cast<int>(-n));
    }
    out.head = {_buffer.get(), head_size};
    // Status line: "HTTP/1.1 200 Reason".
    if (out.head.substr(0, 9) != "HTTP/1.1 " || out.head.size() < 12) return fail("malformed status line");
    int status = 0;
    if (std::from_chars(out.head.data() + 9, out.head.data() + 12, status).ptr != out.head.data() + 12) {
        return fail("malformed status code");
    }
    out.status = status;
    std::size_t body_size = 0;
    const bool bodiless = head_request || status < 200 || status == 204 || status == 304;
    if (!bodiless && !out.header("Content-Length")) return read_streamed_body(out, head_size);
    if (!bodiless) {
        const auto length = out.header("Content-Length");
        const char* end = length->data() + length->size();
        if (std::from_chars(length->data(), end, body_size).ptr != end) return fail("malformed Content-Length");
    }
    if (head_size + body_size > _capacity) return fail("response larger than the client buffer");
    while (_end < head_size + body_size) {
        const long n = fill();
        if (n == 0) return fail("EOF inside a response body");
        if (n < 0) return fail(n == -EAGAIN ? "timed out waiting for a response body" : "recv", static_cast<int>(-n));
    }
    out.head = {_buffer.get(), head_size};
    out.body = {_buffer.get() + head_size, body_size};
    out.raw = {_buffer.get(), head_size + body_size};
    _begin = head_size + body_size;
    return true;
}

bool loopback_client::read_streamed_body(reply& out, std::size_t head_size) noexcept {
    // The views go into the client's own strings: the buffer is reused while the body streams in.
    _streamed_head.assign(_buffer.get(), head_size);
    _streamed_body.clear();
    _begin = head_size;
    const auto coding = out.header("Transfer-Encoding");
    // More bytes at _begin..._end: at least `n` of them, or an error.
    const auto need = [&](std::size_t n) {
        while (_end - _begin < n) {
            if (_begin != 0) {
                std::memmove(_buffer.get(), _buffer.get() + _begin, _end - _begin);
                _end -= _begin;
                _begin = 0;
            }
            const long got = fill();
            if (got == 0) return fail("EOF inside a streamed body");
            if (got < 0) return fail(got == -EAGAIN ? "timed out in a streamed body" : "recv", static_cast<int>(-got));
        }
        return true;
    };
    if (!coding) { // HTTP/1.0 style: the body ends with the connection
        for (;;) {
            _streamed_body.append(_buffer.get() + _begin, _end - _begin);
            _begin = _end = 0;
            const long got = fill();
            if (got == 0) break;
            if (got < 0) return fail("recv", static_cast<int>(-got));
        }
    } else {
        if (*coding != "chunked") return fail("unexpected Transfer-Encoding");
        for (;;) {
            std::size_t line = 0;
            for (;;) {
                const std::string_view have(_buffer.get() + _begin, _end - _begin);
                line = have.find("\r\n");
                if (line != std::string_view::npos) break;
                if (!need(have.size() + 1)) return false;
            }
            std::size_t size = 0;
            const char* digits = _buffer.get() + _begin;
            if (std::from_chars(digits, digits + line, size, 16).ptr != digits + line) return fail("bad chunk size");
            _begin += line + 2;
            if (!need(size + 2)) return false;
            _streamed_body.append(_buffer.get() + _begin, size);
            if (std::string_view(_buffer.get() + _begin + size, 2) != "\r\n") return fail("chunk without CRLF");
            _begin += size + 2;
            if (size == 0) break; // no trailers from corio
        }
    }
    out.head = _streamed_head;
    out.body = _streamed_body;
    out.raw = {};
    return true;
}

bool loopback_client::roundtrip(std::string_view request, reply& out, bool head_request) noexcept {
    return send_all(request) && read_response(out, head_request);
}

peer_end loopback_client::wait_for_close() noexcept {
    if (_begin != _end) return peer_end::data;
    _begin = _end = 0;
    const long n = fill();
    if (n == 0) return peer_end::eof;
    if (n > 0) return peer_end::data;
    fail("recv", static_cast<int>(-n));
    if (n == -ECONNRESET) return peer_end::reset;
    if (n == -EAGAIN) return peer_end::timeout;
    return peer_end::error;
}

void loopback_client::reset() noexcept {
    if (_fd < 0) return;
    const linger hard{1, 0};
    ::setsockopt(_fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close();
}

void loopback_client::close() noexcept {
    if (_fd >= 0) ::close(_fd);
    _fd = -1;
}

} // namespace corio::test
