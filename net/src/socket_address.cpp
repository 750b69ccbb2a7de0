// SPDX-License-Identifier: MIT
#include <corio/net/socket_address.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

namespace corio::net {

socket_address::socket_address() noexcept : _storage{}, _length(0) {}

result<socket_address> socket_address::parse(std::string_view host, std::uint16_t port) {
    const std::string text(host.starts_with('[') && host.ends_with(']') ? host.substr(1, host.size() - 2) : host);
    socket_address a;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a._storage);
    if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a._length = sizeof(sockaddr_in);
        return a;
    }
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a._storage);
    if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a._length = sizeof(sockaddr_in6);
        return a;
    }
    return system_error(EINVAL);
}

const std::error_category& resolver_category() noexcept {
    class category final : public std::error_category {
    public:
        const char* name() const noexcept override { return "getaddrinfo"; }
        std::string message(int value) const override { return gai_strerror(value); }
    };
    static const category instance;
    return instance;
}

result<socket_address> socket_address::resolve(std::string_view host, std::uint16_t port) {
    if (auto numeric = parse(host, port)) return numeric;
    const std::string name(host);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int err = getaddrinfo(name.c_str(), nullptr, &hints, &found); err != 0) {
        if (err == EAI_SYSTEM) return last_system_error();
        return tl::unexpected(std::error_code(err, resolver_category()));
    }
    const addrinfo* chosen = nullptr;
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
            chosen = a;
            break;
        }
        if (a->ai_family == AF_INET6 && chosen == nullptr) chosen = a;
    }
    socket_address result_address;
    if (chosen != nullptr && chosen->ai_addrlen <= sizeof result_address._storage) {
        std::memcpy(&result_address._storage, chosen->ai_addr, chosen->ai_addrlen);
        result_address._length = chosen->ai_addrlen;
    }
    freeaddrinfo(found);
    if (chosen == nullptr) return tl::unexpected(std::error_code(EAI_NONAME, resolver_category()));
    return result_address.with_port(port);
}

result<socket_address> socket_address::local_of(int fd) {
    socket_address a;
    a._length = sizeof a._storage;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a._storage), &a._length) != 0) return last_system_error();
    return a;
}

std::uint16_t socket_address::port() const noexcept {
    if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&_storage)->sin6_port);
    return ntohs(reinterpret_cast<const sockaddr_in*>(&_storage)->sin_port);
}

socket_address socket_address::with_port(std::uint16_t port) const noexcept {
    socket_address a = *this;
    if (family() == AF_INET6) {
        reinterpret_cast<sockaddr_in6*>(&a._storage)->sin6_port = htons(port);
    } else {
        reinterpret_cast<sockaddr_in*>(&a._storage)->sin_port = htons(port);
    }
    return a;
}

result<socket_address> socket_address::peer_of(int fd) {
    socket_address a;
    a._length = sizeof a._storage;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&a._storage), &a._length) != 0) return last_system_error();
    return a;
}

socket_address socket_address::ipv4(std::uint32_t address, std::uint16_t port) noexcept {
    socket_address a;
    auto* in = reinterpret_cast<sockaddr_in*>(&a._storage);
    in->sin_family = AF_INET;
    in->sin_port = port;
    in->sin_addr.s_addr = address;
    a._length = sizeof(sockaddr_in);
    return a;
}

// The address without the port at `at` (IPv6 in brackets when `bracketed`); returns its end. By hand
// rather than with inet_ntop (which formats through snprintf) for IPv4: the access log writes one
// per line, and a proxy one per request (X-Forwarded-For).
char* socket_address::write_host(char* at, char* end, bool bracketed) const noexcept {
    if (family() == AF_INET6) {
        if (bracketed) *at++ = '[';
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&_storage)->sin6_addr, at,
                  static_cast<socklen_t>(end - at - 8));
        at += std::strlen(at);
        if (bracketed) *at++ = ']';
        return at;
    }
    const auto* octets =
        reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(&_storage)->sin_addr);
    for (int i = 0; i < 4; ++i) {
        if (i != 0) *at++ = '.';
        at = std::to_chars(at, end, octets[i]).ptr;
    }
    return at;
}

std::string_view socket_address::write(std::span<char, text_size> out) const noexcept {
    char* const end = out.data() + out.size();
    char* at = write_host(out.data(), end, true);
    *at++ = ':';
    at = std::to_chars(at, end, port()).ptr;
    return {out.data(), static_cast<std::size_t>(at - out.data())};
}

std::string socket_address::to_string() const {
    std::array<char, text_size> out;
    return std::string(write(out));
}

std::string socket_address::host() const {
    std::array<char, text_size> out;
    return std::string(out.data(), write_host(out.data(), out.data() + out.size(), false));
}

} // namespace corio::net
