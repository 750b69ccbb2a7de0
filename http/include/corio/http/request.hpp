// SPDX-License-Identifier: MIT
// request: one parsed HTTP/1.1 request. Every string_view points into the receive buffer (or the
// connection's spill block, the parser's scratch space for decoded text, or, for an asynchronous
// handler, the server's copy of the request) and is valid until the handler has returned its
// response; copy what must outlive it. Route parameters and query pairs are percent-decoded when
// the request is parsed (a malformed escape such as "%zz" or a final "%" is answered 400 before
// any handler runs); text without escapes is not copied, and decoded text goes to a per-shard
// buffer that keeps its capacity, so decoding allocates nothing in the steady state.
#pragma once

#include <array>
#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <corio/core/result.hpp>
#include <corio/net/socket_address.hpp>
#include <corio/net/transport.hpp>

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

/// Values captured by a route pattern's `:name` and `*name` segments.
struct route_params {
    static constexpr std::size_t max = 8;       ///< captures a pattern may have
    const std::string_view* names = nullptr;    ///< the pattern's capture names
    std::array<std::string_view, max> values{}; ///< percent-decoded (as sent, straight from a router lookup)
    std::array<std::string_view, max> raw{};    ///< as sent in the path
    std::size_t count = 0;                      ///< captures filled
};

/// One `name=value` pair of a query string, percent-decoded ('+' is a space); a pair without '='
/// has an empty value.
struct query_pair {
    std::string_view name;  ///< the name, decoded
    std::string_view value; ///< the value, decoded
};

/// Forward iterator over a query's pairs (see request::query_params()); empty pieces ("a=1&&b=2")
/// are skipped.
class query_iterator {
public:
    using value_type = query_pair;
    using difference_type = std::ptrdiff_t;
    using reference = const query_pair&;
    using pointer = const query_pair*;
    using iterator_category = std::forward_iterator_tag;

    /// The end iterator.
    query_iterator() noexcept = default;
    /// The pair under the iterator.
    const query_pair& operator*() const noexcept { return _pair; }
    /// The pair under the iterator.
    const query_pair* operator->() const noexcept { return &_pair; }
    /// Moves to the next pair.
    query_iterator& operator++() noexcept {
        next();
        return *this;
    }
    /// Moves to the next pair, returning the iterator as it was.
    query_iterator operator++(int) noexcept {
        query_iterator was = *this;
        next();
        return was;
    }
    /// True at the same place of the same query.
    friend bool operator==(const query_iterator& a, const query_iterator& b) noexcept { return a._at == b._at; }

private:
    friend class query_params_view;
    query_iterator(const char* at, const char* end, bool packed) noexcept : _next(at), _end(end), _packed(packed) {
        next();
    }
    void next() noexcept;
    const char* _at = nullptr;   // start of the current pair; null at the end
    const char* _next = nullptr; // start of the next one
    const char* _end = nullptr;
    bool _packed = false; // decoded pairs, each as [u32 length][name][u32 length][value]
    query_pair _pair;
};

/// The decoded pairs of a query string, for range-for; a view of the request.
class query_params_view {
public:
    /// The first pair.
    query_iterator begin() const noexcept { return {_text.data(), _text.data() + _text.size(), _packed}; }
    /// Past the last pair.
    query_iterator end() const noexcept { return {}; }

private:
    friend class request;
    query_params_view(std::string_view text, bool packed) noexcept : _text(text), _packed(packed) {}
    std::string_view _text;
    bool _packed;
};

namespace detail {
class exchange;
class request_body;
} // namespace detail
class request;
class server_connection;

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
    friend class detail::request_body;
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
    /// The query string without the '?', as sent (not decoded), empty when absent.
    std::string_view query() const noexcept { return _query; }
    /// The value of the first query pair named `name` (decoded; compared with the decoded names),
    /// nullopt when there is none ("?n" gives an empty value).
    std::optional<std::string_view> query_param(std::string_view name) const noexcept;
    /// The query's pairs in order, decoded: `for (const corio::http::query_pair& p : req.query_params())`.
    query_params_view query_params() const noexcept {
        return _query_packed ? query_params_view(_packed_query, true) : query_params_view(_query, false);
    }
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
    /// The client's address as the connection's socket has it (one getpeername per connection for
    /// an IPv4 peer, which the shard's sockets then remember; per call for IPv6); behind a proxy,
    /// the proxy's. An error once the connection has gone.
    result<net::socket_address> peer() const {
        if (_transport == nullptr) return system_error(ENOTCONN);
        return _transport->peer_address(_peer_handle);
    }
    /// The shard's loop clock (reactor::now_us) when the request's head was received: the start of
    /// its latency.
    std::uint64_t received_us() const noexcept { return _received_us; }
    /// The value captured by the route pattern's `:name` or `*name`, percent-decoded
    /// ("j%C3%B6rg%20x" gives "jörg x"; '+' stays '+'), empty if there is none.
    std::string_view param(std::string_view name) const noexcept;
    /// The value captured by `:name` or `*name` as sent in the path, not decoded.
    std::string_view raw_param(std::string_view name) const noexcept;
    /// All captures of the route pattern.
    const route_params& params() const noexcept { return _params; }

    /// Reads the next piece of the body into `into` (`co_await`; at most `into.size()` bytes). On a
    /// route with `stream_body` the body arrives from the connection as the handler reads it (and
    /// `Expect: 100-continue` is answered by the first read); otherwise it comes from body().
    body_read read_body(std::span<char> into) noexcept { return {*this, into}; }

private:
    // Decodes the captures and the query into `scratch` (reused, request after request); false for
    // a malformed escape.
    bool decode(std::string& scratch);

    friend class request_parser;
    friend class router;
    friend class body_read;
    friend class detail::exchange;
    friend class server_connection;
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
    std::string_view _decoded;                  // the block of decoded text (captures, then query pairs), if any
    std::string_view _packed_query;             // the decoded query pairs, when _query_packed
    bool _query_packed = false;                 // the query had escapes: its pairs are read from _packed_query
    detail::exchange* _exchange = nullptr;      // set while an asynchronous handler owns the request
    std::size_t _body_read = 0;                 // bytes of a buffered body already given to read_body()
    const net::transport* _transport = nullptr; // the connection's transport
    int _peer_handle = -1;                      // the connection's end there (its socket)
    std::uint64_t _received_us = 0;             // see received_us()
};

} // namespace corio::http
