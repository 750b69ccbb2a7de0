// SPDX-License-Identifier: MIT
// socket_transport's peer addresses over real loopback sockets: asked once per connection and
// remembered, and forgotten when the descriptor closes, so that a later connection given the same
// descriptor number gets its own peer.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <corio/net/socket_transport.hpp>

#include "memory_shard.hpp"

namespace {

using namespace corio;

// A listening socket on 127.0.0.1 and blocking connections to it.
struct listener {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    listener() {
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 8) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            ADD_FAILURE() << "no listening socket on 127.0.0.1";
        }
    }
    ~listener() { ::close(fd); }
    // Connects a client; returns {client, accepted} descriptors.
    std::pair<int, int> connect() const {
        const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return {client, -1};
        return {client, ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC)};
    }
};

std::uint16_t local_port(int fd) {
    sockaddr_in a{};
    socklen_t length = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
    return ntohs(a.sin_port);
}

TEST(SocketTransport, APeerIsRememberedUntilItsDescriptorCloses) {
    test::memory_shard mem;
    net::socket_transport sockets(*mem.self);
    const listener l;
    const auto [first_client, first] = l.connect();
    ASSERT_GE(first, 0);
    const result<net::socket_address> asked = sockets.peer_address(first);
    ASSERT_TRUE(asked);
    EXPECT_EQ(asked->port(), local_port(first_client));
    EXPECT_EQ(asked->host(), "127.0.0.1");
    const result<net::socket_address> again = sockets.peer_address(first); // remembered
    ASSERT_TRUE(again);
    EXPECT_EQ(again->to_string(), asked->to_string());
    sockets.close(first);
    ::close(first_client);
    // The next accepted connection takes the lowest free descriptor number: the one just closed.
    const auto [second_client, second] = l.connect();
    ASSERT_EQ(second, first);
    const result<net::socket_address> other = sockets.peer_address(second);
    ASSERT_TRUE(other);
    EXPECT_EQ(other->port(), local_port(second_client));
    EXPECT_NE(other->port(), asked->port());
    sockets.close(second);
    ::close(second_client);
    EXPECT_FALSE(sockets.peer_address(second)); // closed: the kernel's answer, not a remembered one
}

} // namespace
