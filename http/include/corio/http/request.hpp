// SPDX-License-Identifier: MIT
// request: one parsed HTTP/1.1 request. Every string_view points into the receive buffer (or the
// connection's spill block) and is valid only during the handler call that received the request;
// copy what must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace corio::http {

/// Request methods corio routes on; anything else is `other` (see request::method_name()).
enum class method : std::uint8_t { get, head, post, put, delete_, patch, options, connect, trace, other };

/// Number of distinct method values.
inline constexpr std::size_t method_count = 10;

/// Upper-case name of a method ("GET"); "OTHER" for method::other.
std::string_view method_name(method m) noexcept;

/// One header field as received (name in its original case, value without surrounding whitespace).
struct header_field {
    std::string_view name;
    std::string_view value;
};

/// A parsed request, filled by the server's parser; handlers read it.
class request {
public:
    /// The method.
    http::method method() const noexcept { return _method; }
    /// The method as sent ("GET", "PROPFIND").
    std::string_view method_name() const noexcept { return _method_name; }
    /// The request target as sent ("/search?q=x", "*", "http://host/p").
    std::string_view target() const noexcept { return _target; }
    /// The path part of the target, without the query.
    std::string_view path() const noexcept { return _path; }
    /// The query string without the '?', empty when absent.
    std::string_view query() const noexcept { return _query; }
    /// Minor HTTP version (0 for HTTP/1.0, 1 for HTTP/1.1).
    int version_minor() const noexcept { return _version_minor; }
    /// True when the connection stays open after the response (HTTP/1.1 default, Connection header).
    bool keep_alive() const noexcept { return _keep_alive; }
    /// All header fields in arrival order.
    std::span<const header_field> headers() const noexcept { return _headers; }
    /// The value of the first header named `name` (case-insensitive), if any.
    std::optional<std::string_view> header(std::string_view name) const noexcept;
    /// The body (de-chunked), empty when there is none.
    std::string_view body() const noexcept { return _body; }

private:
    friend class request_parser;
    http::method _method = method::get;
    std::uint8_t _version_minor = 1;
    bool _keep_alive = true;
    std::string_view _method_name;
    std::string_view _target;
    std::string_view _path;
    std::string_view _query;
    std::span<const header_field> _headers;
    std::string_view _body;
};

} // namespace corio::http
