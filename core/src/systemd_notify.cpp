// SPDX-License-Identifier: MIT
#include <corio/core/systemd_notify.hpp>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace corio {

namespace {

// A decimal environment variable; false when it is unset or anything but a whole number.
bool environment_number(const char* name, std::uint64_t& out) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') return false;
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, out);
    return ec == std::errc() && ptr == end;
}

} // namespace

result<bool> systemd_notify(std::string_view state) {
    const char* name = std::getenv("NOTIFY_SOCKET");
    if (name == nullptr || *name == '\0') return false;
    const std::size_t length = std::strlen(name);
    // systemd also names vsock:CID:PORT sockets (in virtual machines); corio speaks AF_UNIX only.
    if (name[0] != '/' && name[0] != '@') return system_error(EAFNOSUPPORT);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (length >= sizeof address.sun_path) return system_error(ENAMETOOLONG);
    std::memcpy(address.sun_path, name, length);
    // An abstract name: '@' stands for the leading NUL, and the address length (not a terminating
    // NUL) ends the name. A path is passed with its NUL.
    const bool abstract = name[0] == '@';
    if (abstract) address.sun_path[0] = '\0';
    const auto address_length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length + (abstract ? 0 : 1));
    const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return last_system_error();
    const ssize_t sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), address_length);
    const int err = errno;
    close(fd);
    if (sent < 0) return system_error(err);
    if (static_cast<std::size_t>(sent) != state.size()) return system_error(EMSGSIZE);
    return true;
}

std::uint64_t systemd_watchdog_ms() {
    std::uint64_t usec = 0;
    if (!environment_number("WATCHDOG_USEC", usec) || usec == 0) return 0;
    // A watchdog meant for another process (the variables were inherited) is not ours to feed.
    std::uint64_t pid = 0;
    if (std::getenv("WATCHDOG_PID") != nullptr &&
        (!environment_number("WATCHDOG_PID", pid) || pid != static_cast<std::uint64_t>(getpid())))
        return 0;
    return usec < 1000 ? 1 : usec / 1000;
}

} // namespace corio
