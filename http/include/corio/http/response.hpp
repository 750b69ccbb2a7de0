// SPDX-License-Identifier: MIT
// response: what a handler returns. Status, content type, extra header fields and a body, held
// inline for small responses (no allocation for typical API answers); a body may also be a view of
// memory that outlives the request (string literals), or be streamed by a producer coroutine of
// unknown length (sent with chunked transfer-coding). The server adds Server, Date,
// Content-Length or Transfer-Encoding, and Connection, and serializes it straight into the
// connection's output.
#pragma once

#include <functional>
#include <string_view>

#include <fmt/format.h>

#include <corio/core/task.hpp>
#include <corio/http/status.hpp>

namespace corio::http {

class body_writer;

/// Produces a streamed body piece by piece with `co_await out.write(bytes)`; runs on the shard of
/// the request after the response head has been queued.
using body_producer = std::function<task<void>(body_writer& out)>;

/// An HTTP response under construction; built by handlers, serialized by the server.
class response {
public:
    /// Growable byte buffer with inline room for typical bodies and header blocks.
    using buffer = fmt::basic_memory_buffer<char, 256>;

    /// An empty response with status `code`.
    explicit response(status code = status::ok) noexcept : _status(code) {}

    /// A `text/plain` response; `body` must outlive the request (a literal, a long-lived string).
    static response text(std::string_view body, status code = status::ok);
    /// A response with `content_type` whose body is a copy of `body`.
    static response copy_of(std::string_view body, std::string_view content_type, status code = status::ok);
    /// A response whose body `producer` streams (chunked; to an HTTP/1.0 client, ended by closing).
    /// The producer is stalled while the client reads slower than it writes, so memory stays bounded.
    static response stream(body_producer producer, std::string_view content_type = "application/octet-stream",
                           status code = status::ok);

    /// The status code.
    http::status status_code() const noexcept { return _status; }
    /// Sets the status code.
    response& set_status(http::status code) noexcept {
        _status = code;
        return *this;
    }
    /// The Content-Type value; empty means none is sent.
    std::string_view content_type() const noexcept { return _content_type; }
    /// Sets the Content-Type value; `value` must outlive the request (usually a literal).
    response& set_content_type(std::string_view value) noexcept {
        _content_type = value;
        return *this;
    }
    /// Adds a header field (copied). Server, Date, Content-Length and Connection are the server's.
    response& add_header(std::string_view name, std::string_view value);
    /// The extra header fields, serialized ("Name: value\r\n" each).
    std::string_view extra_headers() const noexcept { return {_headers.data(), _headers.size()}; }

    /// Uses `body` without copying; it must outlive the request.
    response& set_body_view(std::string_view body) noexcept {
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

private:
    http::status _status;
    body_producer _producer;
    bool _owns_body = false;
    std::string_view _content_type;
    std::string_view _body_view;
    buffer _body;
    fmt::basic_memory_buffer<char, 64> _headers;
};

} // namespace corio::http
