// SPDX-License-Identifier: MIT
// socket_address's text forms: write() (no allocation, the access log's), to_string() and host(),
// for IPv4 and IPv6 at the widest, and peer_of() on a connected pair.
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>

#include <gtest/gtest.h>

#include <corio/net/socket_address.hpp>

namespace {

using corio::net::socket_address;

std::string written(const socket_address& a) {
    std::array<char, socket_address::text_size> out;
    return std::string(a.write(out));
}

TEST(socket_address, writes_ipv4_and_ipv6_with_their_ports) {
    EXPECT_EQ(written(*socket_address::parse("127.0.0.1", 8080)), "127.0.0.1:8080");
    EXPECT_EQ(written(*socket_address::parse("0.0.0.0", 0)), "0.0.0.0:0");
    EXPECT_EQ(written(*socket_address::parse("255.255.255.255", 65535)), "255.255.255.255:65535");
    EXPECT_EQ(written(*socket_address::parse("::1", 443)), "[::1]:443");
    // Eight full groups: the widest text inet_ntop gives (write() leaves room for 45 characters).
    const std::string widest = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    EXPECT_EQ(written(*socket_address::parse(widest, 65535)), "[" + widest + "]:65535");
    EXPECT_EQ(socket_address::parse("10.1.2.3", 99)->to_string(), "10.1.2.3:99");
}

TEST(socket_address, host_is_the_address_without_port_or_brackets) {
    EXPECT_EQ(socket_address::parse("192.168.100.254", 80)->host(), "192.168.100.254");
    EXPECT_EQ(socket_address::parse("0.0.0.0", 80)->host(), "0.0.0.0");
    EXPECT_EQ(socket_address::parse("::1", 80)->host(), "::1");
    EXPECT_EQ(socket_address::parse("fe80::1:2", 80)->host(), "fe80::1:2");
}

TEST(socket_address, peer_of_a_connected_socket_is_the_other_end) {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    const socket_address any = *socket_address::parse("127.0.0.1", 0);
    ASSERT_EQ(::bind(listener, any.data(), any.size()), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    const socket_address server = *socket_address::local_of(listener);
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::connect(client, server.data(), server.size()), 0);
    const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    ASSERT_GE(accepted, 0);
    EXPECT_EQ(socket_address::peer_of(accepted)->to_string(), socket_address::local_of(client)->to_string());
    EXPECT_EQ(socket_address::peer_of(client)->port(), server.port());
    EXPECT_FALSE(socket_address::peer_of(listener)); // not connected: ENOTCONN
    ::close(accepted);
    ::close(client);
    ::close(listener);
}

} // namespace
