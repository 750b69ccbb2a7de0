// SPDX-License-Identifier: MIT
// systemd_notify: nothing without $NOTIFY_SOCKET; the datagram reaches a path socket and an
// abstract ('@') one byte for byte; a vsock address is refused by name; $WATCHDOG_USEC is read
// in milliseconds only for this process ($WATCHDOG_PID).
#include <cstdlib>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <corio/core/systemd_notify.hpp>

namespace {

// A datagram socket bound to `name` (a leading '@' meaning an abstract name), with a receive timeout.
int bound_receiver(const std::string& name) {
    const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    name.copy(address.sun_path, name.size());
    if (name[0] == '@') address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    if (fd < 0 || bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) return -1;
    timeval timeout{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return fd;
}

std::string received(int fd) {
    char buffer[256];
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    return n < 0 ? std::string("(nothing)") : std::string(buffer, static_cast<std::size_t>(n));
}

TEST(systemd_notify, does_nothing_without_a_socket) {
    unsetenv("NOTIFY_SOCKET");
    auto sent = corio::systemd_notify("READY=1");
    ASSERT_TRUE(sent);
    EXPECT_FALSE(*sent);
}

TEST(systemd_notify, sends_to_an_abstract_name_and_to_a_path) {
    const std::string abstract = "@corio-notify-unit-" + std::to_string(getpid());
    const std::string path = "/tmp/corio-notify-unit-" + std::to_string(getpid());
    unlink(path.c_str());
    for (const std::string& name : {abstract, path}) {
        const int fd = bound_receiver(name);
        ASSERT_GE(fd, 0) << name;
        setenv("NOTIFY_SOCKET", name.c_str(), 1);
        auto sent = corio::systemd_notify("READY=1\nSTATUS=serving");
        ASSERT_TRUE(sent) << name << ": " << sent.error().message();
        EXPECT_TRUE(*sent);
        EXPECT_EQ(received(fd), "READY=1\nSTATUS=serving") << name;
        close(fd);
    }
    unlink(path.c_str());
    unsetenv("NOTIFY_SOCKET");
}

TEST(systemd_notify, refuses_a_socket_kind_it_does_not_speak) {
    setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
    auto sent = corio::systemd_notify("READY=1");
    unsetenv("NOTIFY_SOCKET");
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error(), std::errc::address_family_not_supported);
}

TEST(systemd_notify, watchdog_interval_is_for_this_process_only) {
    unsetenv("WATCHDOG_PID");
    unsetenv("WATCHDOG_USEC");
    EXPECT_EQ(corio::systemd_watchdog_ms(), 0U);
    setenv("WATCHDOG_USEC", "30000000", 1);
    EXPECT_EQ(corio::systemd_watchdog_ms(), 30000U);
    setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
    EXPECT_EQ(corio::systemd_watchdog_ms(), 30000U);
    setenv("WATCHDOG_PID", "1", 1);
    EXPECT_EQ(corio::systemd_watchdog_ms(), 0U) << "a watchdog meant for another process";
    unsetenv("WATCHDOG_PID");
    setenv("WATCHDOG_USEC", "soon", 1);
    EXPECT_EQ(corio::systemd_watchdog_ms(), 0U);
    unsetenv("WATCHDOG_USEC");
}

} // namespace
