// SPDX-License-Identifier: MIT
#include "fault_server.hpp"

#include <cstring>
#include <string>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace corio::test {

namespace {

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

} // namespace

fault_server::fault_server(std::function<fault(std::uint64_t)> plan) : _plan(std::move(plan)) {
    _listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    if (::bind(_listen_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(_listen_fd, 1024) != 0 ||
        ::getsockname(_listen_fd, reinterpret_cast<sockaddr*>(&a), &length) != 0) {
        return;
    }
    _port = ntohs(a.sin_port);
    _acceptor = std::thread([this] { accept_loop(); });
}

fault_server::~fault_server() {
    _stopping = true;
    if (_listen_fd >= 0) ::shutdown(_listen_fd, SHUT_RDWR);
    if (_acceptor.joinable()) _acceptor.join();
    {
        std::lock_guard lock(_mutex);
        for (const int fd : _fds)
            ::shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& t : _threads)
        t.join();
    if (_listen_fd >= 0) ::close(_listen_fd);
}

std::set<std::string> fault_server::peers() {
    std::lock_guard lock(_mutex);
    return _peers;
}

void fault_server::accept_loop() {
    while (!_stopping) {
        sockaddr_in peer{};
        socklen_t length = sizeof peer;
        const int fd = ::accept4(_listen_fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
        if (fd < 0) {
            if (_stopping) return;
            continue;
        }
        ++connections;
        char text[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::lock_guard lock(_mutex);
        _peers.insert(text);
        _fds.push_back(fd);
        _threads.emplace_back([this, fd] { serve(fd); });
    }
}

void fault_server::serve(int fd) {
    std::string input;
    char buffer[4096];
    bool open = true;
    bool stalled = false;
    while (open) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        if (stalled) continue; // read and ignore until the client gives up
        input.append(buffer, static_cast<std::size_t>(n));
        std::size_t end;
        while (open && (end = input.find("\r\n\r\n")) != std::string::npos) {
            input.erase(0, end + 4);
            const std::uint64_t number = ++requests;
            const fault f = _plan(number);
            ++counts[static_cast<int>(f)];
            switch (f) {
            case fault::ok:
                open = write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                break;
            case fault::status_500:
                open = write_all(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nerror");
                break;
            case fault::status_404:
                open = write_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
                break;
            case fault::close_after:
                write_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
                open = false;
                break;
            case fault::drop:
                open = false;
                break;
            case fault::malformed:
                open = write_all(fd, "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n");
                break;
            case fault::chunked: {
                constexpr std::string_view r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                               "5\r\nHello\r\n8;x=y\r\n, World!\r\n0\r\nX-T: 1\r\n\r\n";
                for (std::size_t i = 0; i < r.size() && open; ++i)
                    open = write_all(fd, r.substr(i, 1));
                break;
            }
            case fault::until_close:
                write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nthe body ends with the connection");
                open = false;
                break;
            case fault::stall:
                stalled = true;
                input.clear();
                break;
            }
            if (stalled) break;
        }
    }
    // Unregister before closing: the destructor shuts down every registered descriptor.
    {
        std::lock_guard lock(_mutex);
        std::erase(_fds, fd);
    }
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
}

} // namespace corio::test
