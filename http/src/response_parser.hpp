// SPDX-License-Identifier: MIT
// response_parser: the head of an HTTP/1.1 response, parsed by llhttp in response mode (strict: no
// lenient flags). Like request_parser it keeps no state between calls: a head cut by the end of the
// input is parsed again from its start once more bytes arrive (a head is bounded by max_head_bytes,
// so this costs at most a few passes over a few KiB). Interim responses (100 Continue, 103 Early
// Hints) before the final one are skipped. The body that follows is the caller's, framed as the head
// says: by Content-Length or chunked (body_decoder), by the end of the connection, or absent (a
// response to HEAD, 1xx, 204, 304).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include <corio/http/request.hpp>

namespace corio::http {

/// Size limits of a response head.
struct response_limits {
    std::uint32_t max_head_bytes = 16384; ///< interim responses and the final head together
    std::uint32_t max_headers = 64;       ///< header fields of the final head
};

/// How the body after a response head is delimited (RFC 9112 6.3).
enum class response_body_framing : std::uint8_t {
    none,       ///< no body: a response to HEAD, 204, 304, or Content-Length: 0
    length,     ///< Content-Length bytes
    chunked,    ///< the chunked transfer-coding
    until_close ///< the body ends when the server closes the connection
};

/// The final response head; its string_views point into the parsed input.
struct response_head {
    std::uint16_t status = 0;
    std::uint8_t version_minor = 1;
    std::string_view reason;
    std::span<const header_field> headers;
    response_body_framing framing = response_body_framing::none;
    std::uint64_t content_length = 0; ///< framing::length: the body's size
    bool keep_alive = false;          ///< the connection may carry another exchange after this body
};

/// What one parse() call found at the start of the input.
struct response_outcome {
    enum class kind : std::uint8_t {
        complete,   ///< the head is parsed; the body starts `consumed` bytes into the input
        incomplete, ///< more bytes are needed
        malformed,  ///< not a valid HTTP/1.1 response head (or a protocol switch, which a client does not speak)
        too_large   ///< the head exceeds a response_limits bound
    };
    kind what = kind::incomplete;
    std::size_t consumed = 0; ///< complete: bytes of the head, interim responses included
};

/// Parses response heads with llhttp; one per shard (or per caller), not shared between threads.
class response_parser {
public:
    /// A parser enforcing `limits`.
    explicit response_parser(const response_limits& limits);
    ~response_parser();
    response_parser(const response_parser&) = delete;
    response_parser& operator=(const response_parser&) = delete;

    /// Parses the response head at the start of `data` into `out` (valid while `data` and this
    /// parser are unchanged). `to_head_request`: the request was HEAD, so the response has no body
    /// whatever its header fields say.
    response_outcome parse(std::span<const char> data, bool to_head_request, response_head& out);
    /// The limits it enforces.
    const response_limits& limits() const noexcept;
    /// Calls of parse() so far, and the bytes they were given (what trickled heads cost).
    std::uint64_t parses() const noexcept;
    std::uint64_t bytes_parsed() const noexcept;

    struct state;

private:
    std::unique_ptr<state> _state;
};

/// True when `text` has a blank line ("\n\n" or "\n\r\n", the end of a head) that ends after its
/// first `searched` bytes: whether a head that trickles in, parsed again from its start, can have
/// ended since its first `searched` bytes were looked at.
bool blank_line_after(std::string_view text, std::size_t searched) noexcept;

} // namespace corio::http
