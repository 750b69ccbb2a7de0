// SPDX-License-Identifier: MIT
// socket_address: an IPv4 or IPv6 address with a port, parsed from text or read back from a socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <sys/socket.h>

#include <corio/core/result.hpp>

namespace corio::net {

/// The category of getaddrinfo()'s EAI_* errors (values as getaddrinfo returns them).
const std::error_category& resolver_category() noexcept;

/// An IPv4/IPv6 socket address held by value (a sockaddr_storage).
class socket_address {
public:
    /// Room write() needs: "[" + an IPv6 address + "]:" + a port.
    static constexpr std::size_t text_size = 64;

    socket_address() noexcept;
    /// Parses a numeric address ("0.0.0.0", "127.0.0.1", "::1") and a port; EINVAL if not numeric.
    static result<socket_address> parse(std::string_view host, std::uint16_t port);
    /// parse(), or else the first address `host` resolves to ("localhost"), IPv4 before IPv6. Blocks
    /// in getaddrinfo(): call it at start-up, never on a shard. A name that does not resolve is an
    /// error of resolver_category() (its message is getaddrinfo's).
    static result<socket_address> resolve(std::string_view host, std::uint16_t port);
    /// The local address a socket is bound to (resolves port 0 to the port the kernel chose).
    static result<socket_address> local_of(int fd);
    /// The address a connected socket's peer has (getpeername: one system call).
    static result<socket_address> peer_of(int fd);
    /// An IPv4 address and port (both in network byte order, as a sockaddr_in holds them).
    static socket_address ipv4(std::uint32_t address, std::uint16_t port) noexcept;

    /// The port in host byte order.
    std::uint16_t port() const noexcept;
    /// A copy with another port.
    socket_address with_port(std::uint16_t port) const noexcept;
    /// Address family (AF_INET or AF_INET6).
    int family() const noexcept { return _storage.ss_family; }
    /// "127.0.0.1:8080" or "[::1]:8080".
    std::string to_string() const;
    /// to_string() written into `out` (no allocation): the text, a view of `out`.
    std::string_view write(std::span<char, text_size> out) const noexcept;
    /// The address without the port: "127.0.0.1" or "::1".
    std::string host() const;

    /// The raw sockaddr and its length, for bind/connect.
    const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&_storage); }
    socklen_t size() const noexcept { return _length; }

private:
    char* write_host(char* at, char* end, bool bracketed) const noexcept;

    sockaddr_storage _storage;
    socklen_t _length;
};

} // namespace corio::net
