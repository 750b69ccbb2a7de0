// SPDX-License-Identifier: MIT
// response: what a handler returns. Status, content type, extra header fields and a body, held
// inline for small responses (no allocation for typical API answers); or streamed by a producer
// coroutine of unknown length (sent with chunked transfer-coding). The server adds Server, Date,
// Content-Length or Transfer-Encoding, and Connection, and serializes it straight into the
// connection's output after the handler has returned.
//
// A response owns what it is given at run time: `response::text(s)` with a std::string, a
// std::string_view or a `const char*` copies `s` (into inline room for small bodies), so a local
// string that dies with the handler is safe. Only a string literal (a `static_text`) is kept by
// reference without a copy, and any other borrowing is explicit: `response::borrowed(view)` and
// `borrow_body(view)` say in their names that the memory must outlive the response.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include <corio/core/task.hpp>
#include <corio/http/status.hpp>

namespace corio::http {

class body_writer;

/// Produces a streamed body piece by piece with `co_await out.write(bytes)`; runs on the shard of
/// the request after the response head has been queued.
using body_producer = std::function<task<void>(body_writer& out)>;

namespace detail {
// Not a constant expression: a static_text made from an array without its terminating NUL fails
// to compile here.
inline void static_text_needs_a_string_literal() noexcept {}
} // namespace detail

/// Text that lives as long as the program: a string literal, or a constexpr view of one. Made only
/// at compile time (consteval), so a local buffer or a run-time std::string cannot become one.
class static_text {
public:
    /// From a string literal (its terminating NUL is not part of the text).
    template <std::size_t N>
    consteval static_text(const char (&literal)[N]) noexcept : _view(literal, N - 1) { // NOLINT: implicit on purpose
        if (literal[N - 1] != '\0') detail::static_text_needs_a_string_literal();
    }
    /// From a constexpr view (of a literal or another object of static storage duration).
    consteval explicit static_text(std::string_view constant) noexcept : _view(constant) {}
    /// The text.
    constexpr std::string_view view() const noexcept { return _view; }

private:
    std::string_view _view;
};

/// Anything string-like known only at run time (std::string, std::string_view, const char*):
/// what a response copies. Arrays (string literals) are excluded so that they pick static_text.
template <class S>
concept runtime_text = std::is_convertible_v<const S&, std::string_view> && !std::is_array_v<S>;

/// An HTTP response under construction; built by handlers, serialized by the server.
class response {
public:
    /// Growable byte buffer with inline room for typical bodies and header blocks.
    using buffer = fmt::basic_memory_buffer<char, 256>;

    /// An empty response with status `code`.
    explicit response(status code = status::ok) noexcept : _status(code) {}

    /// A `text/plain` response whose body is a string literal, sent without a copy.
    static response text(static_text body, status code = status::ok) noexcept {
        response r(code);
        r._content_type = "text/plain";
        r._body_view = body.view();
        return r;
    }
    /// A `text/plain` response whose body is a copy of `body` (a std::string, view, `const char*`).
    template <runtime_text S>
    static response text(const S& body, status code = status::ok) {
        return copy_of(std::string_view(body), static_text("text/plain"), code);
    }
    /// A response with `content_type` whose body is a copy of `body`; the content type is copied too.
    template <runtime_text S>
    static response copy_of(std::string_view body, const S& content_type, status code = status::ok) {
        response r(code);
        r.copy_content_type(std::string_view(content_type));
        r.copy_body(body);
        return r;
    }
    /// A response with `content_type` (kept, a literal) whose body is a copy of `body`.
    static response copy_of(std::string_view body, static_text content_type, status code = status::ok);
    /// A response whose body is `body` without a copy: the caller promises that `body` outlives the
    /// response until it has been sent (memory of static storage, or owned by a long-lived object).
    static response borrowed(std::string_view body, static_text content_type = "text/plain",
                             status code = status::ok) noexcept {
        response r(code);
        r._content_type = content_type.view();
        r._body_view = body;
        return r;
    }
    /// A response whose body `producer` streams (chunked; to an HTTP/1.0 client, ended by closing).
    /// The producer is stalled while the client reads slower than it writes, so memory stays bounded.
    /// The content type is copied. With `length` the body is sent with that Content-Length instead:
    /// the producer must write exactly that many bytes (more is refused; fewer, and the connection
    /// closes, cutting the response short).
    static response stream(body_producer producer, std::string_view content_type = "application/octet-stream",
                           status code = status::ok, std::optional<std::uint64_t> length = std::nullopt);

    /// The status code.
    http::status status_code() const noexcept { return _status; }
    /// Sets the status code.
    response& set_status(http::status code) noexcept {
        _status = code;
        return *this;
    }
    /// The Content-Type value; empty means none is sent.
    std::string_view content_type() const noexcept {
        return _owned_type_size != 0 ? std::string_view(_headers.data(), _owned_type_size) : _content_type;
    }
    /// Sets the Content-Type value to a literal (kept without a copy).
    response& set_content_type(static_text value) noexcept {
        drop_owned_content_type();
        _content_type = value.view();
        return *this;
    }
    /// Sets the Content-Type value to a copy of `value`.
    template <runtime_text S>
    response& set_content_type(const S& value) {
        copy_content_type(std::string_view(value));
        return *this;
    }
    /// Adds a header field (name and value copied). Server, Date, Content-Length and Connection are
    /// the server's.
    response& add_header(std::string_view name, std::string_view value);
    /// The extra header fields, serialized ("Name: value\r\n" each).
    std::string_view extra_headers() const noexcept {
        return {_headers.data() + _owned_type_size, _headers.size() - _owned_type_size};
    }

    /// Sets the body to a string literal, kept without a copy.
    response& set_body(static_text body) noexcept {
        _body_view = body.view();
        _owns_body = false;
        return *this;
    }
    /// Sets the body to a copy of `body`.
    template <runtime_text S>
    response& set_body(const S& body) {
        copy_body(std::string_view(body));
        return *this;
    }
    /// Uses `body` without copying: the caller promises that it outlives the response until it has
    /// been sent (memory of static storage, or owned by a long-lived object).
    response& borrow_body(std::string_view body) noexcept {
        _body_view = body;
        _owns_body = false;
        return *this;
    }
    /// The owned body buffer, to write into (switches the response to the owned body).
    buffer& body_buffer() noexcept {
        _owns_body = true;
        return _body;
    }
    /// The body.
    std::string_view body() const noexcept {
        return _owns_body ? std::string_view(_body.data(), _body.size()) : _body_view;
    }
    /// True when the body is streamed by a producer (see stream()).
    bool streamed() const noexcept { return static_cast<bool>(_producer); }
    /// The producer of a streamed body.
    body_producer& producer() noexcept { return _producer; }
    /// The length a streamed body was given, if any (see stream()).
    std::optional<std::uint64_t> stream_length() const noexcept {
        return _stream_length == no_length ? std::nullopt : std::optional<std::uint64_t>(_stream_length);
    }

private:
    void copy_body(std::string_view body);
    void copy_content_type(std::string_view value);
    void drop_owned_content_type() noexcept;

    http::status _status;
    bool _owns_body = false;
    // A content type copied at run time is the first _owned_type_size bytes of _headers (the
    // header lines follow it), so that it costs no allocation and no member of its own.
    std::uint16_t _owned_type_size = 0;
    body_producer _producer;
    static constexpr std::uint64_t no_length = ~std::uint64_t{0};
    std::uint64_t _stream_length = no_length;
    std::string_view _content_type;
    std::string_view _body_view;
    buffer _body;
    fmt::basic_memory_buffer<char, 64> _headers;
};

} // namespace corio::http
