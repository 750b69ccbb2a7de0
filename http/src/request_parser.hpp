// SPDX-License-Identifier: MIT
// request_parser: parses one request at a time from a contiguous span (a receive buffer, or the
// connection's spill block when a request straddled buffers) and fills a request whose string_views
// point into that span. A head of the common shape is read by request_scan; llhttp parses the rest. It keeps no state
// between calls: an incomplete request is parsed again from its start once more bytes arrive, so an idle connection
// needs no parser of its own. One parser per shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include <corio/http/request.hpp>
#include <corio/http/router.hpp>
#include <corio/http/status.hpp>

namespace corio::http {

/// Request size limits enforced while parsing.
struct parse_limits {
    std::uint32_t max_url_bytes = 8192;
    std::uint32_t max_header_bytes = 16384;
    std::uint32_t max_headers = 64;
    std::uint64_t max_body_bytes = 1 << 20; ///< for routes that do not set their own
};

/// How a request body is delimited.
enum class body_framing : std::uint8_t { none, length, chunked };

/// What one parse() call found at the start of the span.
struct parse_outcome {
    /// complete: the whole request is there; head: its route streams the body, which follows the
    /// `consumed` bytes of the head; incomplete: more bytes are needed; error: answer and close.
    enum class kind : std::uint8_t { complete, head, incomplete, error };
    kind what = kind::incomplete;
    route_match route;                                     ///< complete/head: the route found once the head was parsed
    body_framing framing = body_framing::none;             ///< head: how the streamed body is delimited
    std::uint64_t body_length = 0;                         ///< head with framing::length: the body's size
    http::status error_status = http::status::bad_request; ///< for errors: the status to answer with
    bool upgrade = false;         ///< complete, but the connection asked to switch protocols (or CONNECT)
    bool head_complete = false;   ///< incomplete or error, but the head is parsed (request filled)
    bool expect_continue = false; ///< the head carries `Expect: 100-continue`
    std::size_t consumed = 0;     ///< complete: bytes of this request; head: bytes of the head
    std::size_t need = 0;         ///< incomplete: bytes needed before parsing again makes sense (0: any more)
};

/// Parses requests: the common shape with request_scan, the rest with llhttp in strict mode (no lenient flags).
class request_parser {
public:
    /// A parser enforcing `limits` that looks requests up in `routes` (if any) as soon as their head
    /// is parsed, for the route's body limit and body streaming.
    explicit request_parser(const parse_limits& limits, const router* routes = nullptr);
    ~request_parser();
    request_parser(const request_parser&) = delete;
    request_parser& operator=(const request_parser&) = delete;

    /// Parses the request at the start of `data` into `out` (valid until `data` changes).
    /// With `stop_at_chunked_body`, a chunked body is not decoded here even for a route that does not
    /// stream it: the head comes back as kind::head with framing::chunked, and the caller decodes the
    /// body as it arrives (the server does, so that a body in many pieces costs linear time, where
    /// parsing the request again from its start for each piece would cost quadratic time).
    parse_outcome parse(std::span<char> data, request& out, bool stop_at_chunked_body = false);

    /// With `on` false every request goes to llhttp, not request_scan first (for tests that compare them).
    void set_scan(bool on) noexcept;

    /// Gives `out` (a request this parser filled) the body `body`, decoded elsewhere.
    static void attach_body(request& out, std::string_view body) noexcept;

    struct state;

private:
    std::unique_ptr<state> _state;
};

} // namespace corio::http
