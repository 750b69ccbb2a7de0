// SPDX-License-Identifier: MIT
// client_stream: a response whose body is read as it arrives (client::open()), for answers too large
// to hold whole: a download written to disk, or a proxy passing the body on. It holds the response
// head and the body bytes that came with it (at most client_config::stream_prefetch_bytes), and
// keeps the connection until the body has been read to its end, when the connection goes back to
// its pool. The body is read the way a server handler reads a streamed request body:
//
//     auto stream = co_await upstream.open(corio::http::method::get, url);
//     char piece[16384];
//     while (true) {
//         auto n = co_await stream->read_body(piece);
//         if (!n || *n == 0) break; // an error, or the end of the body
//         ...                       // use piece[0 .. *n)
//     }
//
// Input waits in the connection while nobody reads (reading is paused: memory stays bounded). A
// stream destroyed before the end of its body closes the connection. Move-only; use it on the shard
// that opened it.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include <corio/core/result.hpp>
#include <corio/http/client_response.hpp>

namespace corio::http {

namespace detail {
class client_connection;
}
class client_stream;

/// Awaitable of client_stream::read_body(): the bytes copied into the buffer, 0 at the end of the
/// body, or why it broke off (client_errc: closed, reset, malformed, body_timed_out).
class stream_read {
public:
    bool await_ready() noexcept;
    void await_suspend(std::coroutine_handle<> waiting) noexcept;
    result<std::size_t> await_resume() noexcept;

private:
    friend class client_stream;
    friend class detail::client_connection;
    stream_read(client_stream& s, std::span<char> into) noexcept : _stream(&s), _into(into) {}
    client_stream* _stream;
    std::span<char> _into;
    std::coroutine_handle<> _waiting;
    std::size_t _produced = 0;
    std::error_code _error;
};

/// A response head and the connection its body is still arriving on.
class client_stream {
public:
    client_stream() noexcept = default;
    client_stream(client_stream&& other) noexcept;
    client_stream& operator=(client_stream&& other) noexcept;
    /// Closes the connection if the body has not been read to its end.
    ~client_stream();

    /// The head: status, reason and header fields. Its body() is the part of the body that came
    /// with the head, which read_body() gives first.
    const client_response& head() const noexcept { return _head; }
    /// Moves the head out (with the body bytes it holds).
    client_response take_head() noexcept { return std::move(_head); }
    /// The body's length as the response's Content-Length gives it; nullopt for a chunked body or
    /// one ended by the close.
    std::optional<std::uint64_t> content_length() const noexcept { return _length; }
    /// True once the whole body has arrived: nothing of it is left on the connection.
    bool complete() const noexcept { return _conn == nullptr && !_error; }
    /// Reads the next piece of the body into `into` (`co_await`; at most `into.size()` bytes).
    stream_read read_body(std::span<char> into) noexcept { return {*this, into}; }

private:
    friend class stream_read;
    friend class detail::client_connection;
    void release() noexcept;

    client_response _head;
    std::size_t _taken = 0;                     // bytes of _head.body() already read
    detail::client_connection* _conn = nullptr; // while more of the body is to come from it
    std::optional<std::uint64_t> _length;       // Content-Length
    std::error_code _error;                     // why the body broke off
};

} // namespace corio::http
