// SPDX-License-Identifier: MIT
// request_body: a request body streamed to its handler (route option stream_body) as the handler
// reads it: the body's decoder (Content-Length or chunked), its limit, the error that ended it, and
// the handler waiting in read_body() for input the connection has not offered yet. The exchange
// offers input, resumes the handler whose read is complete, and takes back what was not used.
#pragma once

#include <coroutine>
#include <cstdint>
#include <span>
#include <utility>

#include <corio/http/request.hpp>

#include "body_decoder.hpp"

namespace corio::http::detail {

/// The streamed body of the request an exchange carries (none unless start() was called).
class request_body {
public:
    request_body() noexcept { _decoder.reset(body_decoder::framing::none); }

    /// A body framed by `chunked` or `length` bytes follows the head; at most `limit` decoded bytes
    /// are accepted; chunk lines at most `max_line` bytes. `expect_continue`: the client waits for
    /// 100 Continue before it sends the body.
    void start(bool chunked, std::uint64_t length, std::uint64_t limit, std::uint32_t max_line,
               bool expect_continue) noexcept;
    /// True when the body streams from the connection (start() was called).
    bool streaming() const noexcept { return _streaming; }
    /// True while the body has not been read to its end: what is left of it on the connection
    /// cannot be told from the next request.
    bool unread() const noexcept { return _streaming && !_decoder.done(); }
    /// The errno that ended the body (EPROTO, EMSGSIZE, ETIMEDOUT, ECONNRESET), or 0.
    int error() const noexcept { return _error; }
    /// True while a handler waits in read_body() and the body has not ended.
    bool wants_input() const noexcept { return _reader && !_decoder.done(); }
    /// True once 100 Continue has to be sent before the body comes (once: it clears).
    bool take_expect_continue() noexcept { return std::exchange(_expect_continue, false); }

    /// Completes `op` from the input on offer if it can; true if it is complete (or failed).
    bool read(body_read& op) noexcept;
    /// The handler waits in `op` (read() did not complete it).
    void wait(body_read& op, std::coroutine_handle<> reader) noexcept {
        _read = &op;
        _reader = reader;
    }
    /// Offers `input` (decoded in place) until withdraw().
    void offer(std::span<char> input) noexcept { _input = input; }
    /// The waiting handler, if the input on offer completed its read; the caller resumes it.
    std::coroutine_handle<> completed() noexcept;
    /// Decodes framing left on offer after the last piece read (a chunked body's last chunk and
    /// trailers): the body ends without the handler having to ask again.
    void skip_framing() noexcept;
    /// Ends the offer; returns how many bytes of it were used.
    std::size_t withdraw(std::span<char> offered) noexcept;
    /// The body cannot arrive any more: the waiting read (returned, to be resumed) and later ones fail
    /// with `error`. Nothing when the body is all there.
    std::coroutine_handle<> fail(int error) noexcept;

private:
    body_decoder _decoder;
    std::span<char> _input;          // input on offer
    std::coroutine_handle<> _reader; // the handler, waiting in read_body()
    body_read* _read = nullptr;
    std::uint64_t _limit = 0;
    int _error = 0;
    bool _streaming = false;
    bool _expect_continue = false;
};

} // namespace corio::http::detail
