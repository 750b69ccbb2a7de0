// SPDX-License-Identifier: MIT
// request_scan: reads the common shape of a request head without llhttp, eight bytes at a time.
// The shape is a known method, an origin-form target, HTTP/1.1 or 1.0, and fields whose names are
// tokens and whose values are printable ASCII, each line ending in CRLF. Anything else (a byte
// outside those sets, Transfer-Encoding, Upgrade, a Connection field other than "close" or
// "keep-alive", a repeated Content-Length, a head cut by the end of the input) makes the scan
// decline, and request_parser hands the input to llhttp, which accepts or refuses it as always. So
// the scan never refuses a request: what it accepts, llhttp accepts with the same result (the
// request_parser fuzz target checks that on every input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <corio/http/request.hpp>

#include "head_fields.hpp"

namespace corio::http {

/// The header names whose values llhttp or the server reads, told apart by one switch on length.
enum class field_name : std::uint8_t {
    other,
    host,
    expect,
    connection,
    content_length,
    transfer_encoding,
    upgrade,
    proxy_connection
};

/// Which of the names above `name` is, in any case.
field_name classify_field_name(std::string_view name) noexcept;

/// Whether the value of a request's first Expect field asks for a 100 (Continue) answer.
inline bool expects_continue(std::string_view value) noexcept {
    return value.size() == 12 && value.starts_with("100-");
}

/// What request_scan found in a head of the common shape.
struct scanned_head {
    http::method method = http::method::other;
    std::string_view method_name;
    std::string_view target; ///< starts with '/'
    std::uint8_t version_minor = 1;
    std::uint8_t host_count = 0;
    bool has_content_length = false;
    bool connection_close = false;      ///< "Connection: close"
    bool connection_keep_alive = false; ///< "Connection: keep-alive"
    bool expect_seen = false;           ///< an Expect field came (the first one decides expect_continue)
    bool expect_continue = false;
    std::uint64_t content_length = 0;
    std::size_t head_bytes = 0; ///< the head, its final blank line included
};

/// Scans the head at the start of `data`; adds its fields to `fields` (cleared by the caller).
/// True if the whole head is there and has the common shape; false to let llhttp decide.
bool scan_request_head(std::string_view data, head_fields& fields, scanned_head& out) noexcept;

} // namespace corio::http
