// SPDX-License-Identifier: MIT
// exchange: one request whose answer is not produced by a synchronous call: an asynchronous handler,
// a streamed request body, or a streamed response. It owns a copy of the request (so the views
// outlive the receive buffer), the coroutine that drives the handler and the response, the streamed
// request body (request_body) and the producer's body writes. One per connection at a time; the
// connection reads no further request until it has finished.
#pragma once

#include <coroutine>
#include <cstdint>
#include <span>

#include <corio/http/body_writer.hpp>
#include <corio/http/handler.hpp>

#include "request_body.hpp"
#include "request_parser.hpp"

namespace corio::http {
class server_connection;
}

namespace corio::http::detail {

class exchange {
public:
    /// Starts the asynchronous handler of `parsed.route` for `req` (head and buffered body in `raw`,
    /// the body possibly de-chunked elsewhere; `parsed` says whether a streamed body follows). The
    /// connection learns of it through exchange_started() and exchange_finished().
    /// `passed` middlewares see the response in their after() steps.
    static void start_async(server_connection& c, const request& req, std::span<const char> raw,
                            const parse_outcome& parsed, bool close, std::size_t passed);
    /// Streams `res` (a streamed response returned by a synchronous handler) for a request with
    /// `version_minor`, HEAD or not.
    static void start_stream(server_connection& c, response&& res, int version_minor, bool head, bool close);

    /// Offers input while a streamed body is being read: gives it to a waiting body read. Returns
    /// the bytes used; stops at the end of the body (later bytes are the next request).
    std::size_t feed(std::span<char> input);
    /// True while the handler can use more input (it waits in read_body and the body has not ended).
    bool wants_input() const noexcept { return _body.wants_input(); }
    /// The streamed body did not arrive in time or the client went away before its end: the
    /// waiting (or next) body read fails with `error`.
    void fail_body(int error);
    /// Output was sent: a producer waiting for room may go on.
    void output_sent();
    /// Milliseconds (loop clock) by which the handler must have answered; 0 for none.
    std::uint64_t deadline_ms() const noexcept { return _deadline_ms; }
    /// True once the response head was queued (a timeout can no longer answer with a status).
    bool responded() const noexcept { return _responded; }
    /// Destroys the exchange and its coroutines wherever they are suspended (deadline, connection gone).
    void cancel() noexcept;

private:
    friend class corio::http::body_read;
    friend class corio::http::body_write;
    friend class corio::http::body_writer;

    exchange(server_connection& c, bool close, std::size_t block_bytes) noexcept;
    ~exchange();
    // Runs the handler (if any), then sends its response (or `res`), then tells the connection.
    static task<void> drive(exchange& x, const endpoint* target, response res);
    task<void> respond(response res);
    void launch(task<void> driver);
    // Resumes `h`; true if the exchange has ended (and is gone, unless this call is nested).
    bool resume(std::coroutine_handle<> h);
    void destroy() noexcept;
    bool write_piece(std::string_view bytes) noexcept;
    bool room_to_write() const noexcept;

    server_connection* _conn;
    std::size_t _block_bytes; // the exchange's block: it, then its copy of the request's bytes
    request _request;
    std::coroutine_handle<> _driver;
    request_body _body;              // a body streamed to the handler, if any
    std::coroutine_handle<> _writer; // the producer, waiting for the output to drain
    std::uint64_t _deadline_ms = 0;
    std::size_t _passed = 0; // middlewares whose after() the handler's response goes through
    bool _close = false;
    bool _responded = false;
    bool _chunked = false;
    bool _sized = false; // a streamed body with a Content-Length: _left bytes of it are still to come
    std::uint64_t _left = 0;
    bool _running = false; // inside launch(): the driver's first run
    bool _finished = false;
};

} // namespace corio::http::detail
