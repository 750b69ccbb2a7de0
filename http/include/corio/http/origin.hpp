// SPDX-License-Identifier: MIT
// origin: where client calls go, `http://host[:port]`, checked once. Calls through an origin
// (client.hpp) name only their target, so a service that calls one upstream many times parses its
// address at start-up instead of a URL on every call:
//
//     const corio::http::origin users = corio::http::origin::parse("http://127.0.0.1:8081").value();
//     auto answer = co_await upstream.request(users, corio::http::method::get, "/users/7");
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <corio/core/result.hpp>

namespace corio::http {

/// The scheme, host and port of calls: copyable, owns its text.
class origin {
public:
    /// `base` as `http://host[:port]` (a final "/" allowed, nothing else after the port), or
    /// client_errc::bad_url.
    static result<origin> parse(std::string_view base);

    /// The host: a name or a numeric address, IPv6 without its brackets.
    std::string_view host() const noexcept { return std::string_view(_authority).substr(_host_at, _host_size); }
    /// The port: the URL's, or 80.
    std::uint16_t port() const noexcept { return _port; }
    /// `host[:port]` as written: the Host field of calls through it.
    std::string_view authority() const noexcept { return _authority; }

private:
    origin() = default;

    std::string _authority;
    std::uint32_t _host_at = 0;
    std::uint32_t _host_size = 0;
    std::uint16_t _port = 80;
};

} // namespace corio::http
