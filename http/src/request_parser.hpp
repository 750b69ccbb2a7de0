// SPDX-License-Identifier: MIT
// request_parser: the llhttp wrapper. It parses one request at a time from a contiguous span (a
// receive buffer, or the connection's spill block when a request straddled buffers) and fills a
// request whose string_views point into that span. It keeps no state between calls: an incomplete
// request is parsed again from its start once more bytes arrive, so an idle connection needs no
// parser of its own. One parser per shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include <corio/http/request.hpp>
#include <corio/http/status.hpp>

namespace corio::http {

/// Request size limits enforced while parsing.
struct parse_limits {
    std::uint32_t max_url_bytes = 8192;
    std::uint32_t max_header_bytes = 16384;
    std::uint32_t max_headers = 64;
    std::uint32_t max_body_bytes = 1 << 20;
};

/// What one parse() call found at the start of the span.
struct parse_outcome {
    enum class kind : std::uint8_t { complete, incomplete, error };
    kind what = kind::incomplete;
    http::status error_status = http::status::bad_request; ///< for errors: the status to answer with
    bool upgrade = false;         ///< complete, but the connection asked to switch protocols (or CONNECT)
    bool head_complete = false;   ///< incomplete, but the head is parsed (request filled, body empty)
    bool expect_continue = false; ///< the head carries `Expect: 100-continue`
    std::size_t consumed = 0;     ///< complete: bytes of this request
    std::size_t need = 0;         ///< incomplete: bytes needed before parsing again makes sense (0: any more)
};

/// Parses requests with llhttp in strict mode (no lenient flags).
class request_parser {
public:
    explicit request_parser(const parse_limits& limits);
    ~request_parser();
    request_parser(const request_parser&) = delete;
    request_parser& operator=(const request_parser&) = delete;

    /// Parses the request at the start of `data` into `out` (valid until `data` changes).
    parse_outcome parse(std::span<char> data, request& out);

    struct state;

private:
    std::unique_ptr<state> _state;
};

} // namespace corio::http
