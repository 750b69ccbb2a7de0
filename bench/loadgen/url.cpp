// SPDX-License-Identifier: MIT
#include "url.hpp"

#include <charconv>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace corio::load {

bool parse_url(std::string_view text, url& out, std::string& error) {
    out = url{};
    std::string quoted(1, '\'');
    quoted.append(text).push_back('\'');
    constexpr std::string_view scheme = "http://";
    if (text.starts_with("https://")) {
        error = "URL " + quoted + ": https is not supported (corio-load speaks plain HTTP/1.1)";
        return false;
    }
    if (!text.starts_with(scheme)) {
        error = "URL " + quoted + " must start with http://";
        return false;
    }
    text.remove_prefix(scheme.size());
    const std::size_t slash = text.find_first_of("/?#");
    std::string_view authority = text.substr(0, slash);
    std::string_view rest = slash == std::string_view::npos ? std::string_view{} : text.substr(slash);
    if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    if (authority.find('@') != std::string_view::npos) {
        error = "URL " + quoted + ": user information (user@host) is not supported";
        return false;
    }
    if (authority.empty()) {
        error = "URL " + quoted + " has no host";
        return false;
    }
    out.authority = std::string(authority);
    std::string_view port_text;
    if (authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "URL " + quoted + ": unterminated IPv6 address (missing ']')";
            return false;
        }
        out.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                error = "URL " + quoted + ": unexpected text after the IPv6 address";
                return false;
            }
            port_text = after.substr(1);
            if (port_text.empty()) {
                error = "URL " + quoted + ": empty port";
                return false;
            }
        }
    } else {
        const std::size_t colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) {
                error = "URL " + quoted + ": empty port";
                return false;
            }
        }
    }
    if (out.host.empty()) {
        error = "URL " + quoted + " has no host";
        return false;
    }
    if (!port_text.empty()) {
        unsigned port = 0;
        const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
            error = "URL " + quoted + ": bad port '" + std::string(port_text) + "' (1-65535)";
            return false;
        }
        out.port = static_cast<std::uint16_t>(port);
    }
    for (const char c : rest) {
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
            error = "URL " + quoted + ": the path contains a space or control character (percent-encode it)";
            return false;
        }
    }
    out.target.assign(rest.empty() || rest.front() == '?' ? "/" : "");
    out.target.append(rest);
    return true;
}

bool resolve_host(const std::string& host, std::uint16_t port, net::socket_address& out, std::string& error) {
    if (auto numeric = net::socket_address::parse(host, port)) {
        out = *numeric;
        return true;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0 || found == nullptr) {
        error = "cannot resolve host '" + host + "': " + (rc != 0 ? gai_strerror(rc) : "no address");
        return false;
    }
    // Prefer IPv4 (loopback tests and most load-test networks); else the first address.
    const addrinfo* pick = found;
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
            pick = a;
            break;
        }
    }
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = pick->ai_family == AF_INET6
                          ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(pick->ai_addr)->sin6_addr)
                          : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(pick->ai_addr)->sin_addr);
    inet_ntop(pick->ai_family, raw, text, sizeof text);
    freeaddrinfo(found);
    auto parsed = net::socket_address::parse(text, port);
    if (!parsed) {
        error = "cannot use the address of host '" + host + "'";
        return false;
    }
    out = *parsed;
    return true;
}

} // namespace corio::load
