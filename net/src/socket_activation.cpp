// SPDX-License-Identifier: MIT
#include <corio/net/socket_activation.hpp>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace corio::net {

namespace {

constexpr int first_inherited_fd = 3; // SD_LISTEN_FDS_START

// A decimal environment variable; -1 when unset, -2 when not a number.
long long environment_number(const char* name) {
    const char* text = std::getenv(name);
    if (text == nullptr) return -1;
    long long value = 0;
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, value);
    return ec == std::errc() && ptr == end && value >= 0 ? value : -2;
}

} // namespace

result<std::vector<int>> take_inherited_sockets() {
    const long long pid = environment_number("LISTEN_PID");
    const long long count = environment_number("LISTEN_FDS");
    std::vector<int> fds;
    if (pid == -1 || count == -1) return fds;
    if (pid == -2 || count == -2) return system_error(EINVAL);
    if (pid != getpid()) return fds; // inherited from a parent that was the one activated
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    for (long long i = 0; i < count; ++i) {
        const int fd = first_inherited_fd + static_cast<int>(i);
        const int flags = fcntl(fd, F_GETFD);
        if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0) return last_system_error();
        fds.push_back(fd);
    }
    return fds;
}

result<void> adopt_listening_socket(int fd) {
    int type = 0;
    int listening = 0;
    socklen_t length = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0) return last_system_error();
    length = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0) return last_system_error();
    if (type != SOCK_STREAM || listening == 0) return system_error(EINVAL);
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return last_system_error();
    return {};
}

} // namespace corio::net
