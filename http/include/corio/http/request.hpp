// SPDX-License-Identifier: MIT
// request: one parsed HTTP/1.1 request. Every string_view points into the receive buffer (or the
// connection's spill block, or, for an asynchronous handler, the server's copy of the request) and
// is valid until the handler has returned its response; copy what must outlive it.
#pragma once

#include <array>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <corio/core/result.hpp>

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

/// Values captured by a route pattern's `:name` and `*name` segments (views into the path).
struct route_params {
    static constexpr std::size_t max = 8; ///< captures a pattern may have
    const std::string_view* names = nullptr;
    std::array<std::string_view, max> values{};
    std::size_t count = 0;
};

namespace detail {
class exchange;
}
class request;

/// Awaitable of request::read_body(): the bytes copied into the buffer, 0 at the end of the body;
/// EMSGSIZE past the route's body limit, EPROTO for a malformed body, ETIMEDOUT when the client
/// stalled, ECONNRESET when it went away.
class body_read {
public:
    bool await_ready() noexcept;
    void await_suspend(std::coroutine_handle<> waiting) noexcept;
    result<std::size_t> await_resume() noexcept;

private:
    friend class request;
    friend class detail::exchange;
    body_read(request& r, std::span<char> into) noexcept : _request(&r), _into(into) {}
    request* _request;
    std::span<char> _into;
    std::size_t _produced = 0;
    int _error = 0;
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
    /// The buffered body (de-chunked), empty when there is none or the route streams it.
    std::string_view body() const noexcept { return _body; }
    /// The value captured by the route pattern's `:name` or `*name`, empty if there is none.
    std::string_view param(std::string_view name) const noexcept;
    /// All captures of the route pattern.
    const route_params& params() const noexcept { return _params; }

    /// Reads the next piece of the body into `into` (`co_await`; at most `into.size()` bytes). On a
    /// route with `stream_body` the body arrives from the connection as the handler reads it (and
    /// `Expect: 100-continue` is answered by the first read); otherwise it comes from body().
    body_read read_body(std::span<char> into) noexcept { return {*this, into}; }

private:
    friend class request_parser;
    friend class router;
    friend class body_read;
    friend class detail::exchange;
    http::method _method = method::get;
    std::uint8_t _version_minor = 1;
    bool _keep_alive = true;
    std::string_view _method_name;
    std::string_view _target;
    std::string_view _path;
    std::string_view _query;
    std::span<const header_field> _headers;
    std::string_view _body;
    route_params _params;
    detail::exchange* _exchange = nullptr; // set while an asynchronous handler owns the request
    std::size_t _body_read = 0;            // bytes of a buffered body already given to read_body()
};

} // namespace corio::http
