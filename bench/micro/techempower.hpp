// SPDX-License-Identifier: MIT
// techempower: the request bytes every micro benchmark feeds, shaped like the TechEmpower plaintext
// and JSON tests' requests (170 bytes for /plaintext), and pipelined batches of them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace corio::bench {

/// A 170-byte keep-alive GET /plaintext request, as a TechEmpower-style load generator sends it.
inline constexpr std::string_view plaintext_request =
    "GET /plaintext HTTP/1.1\r\n"
    "Host: 127.0.0.1:18080\r\n"
    "Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n"
    "Connection: keep-alive\r\n"
    "\r\n";
static_assert(plaintext_request.size() == 170);

/// The same request for /json.
inline constexpr std::string_view json_request =
    "GET /json HTTP/1.1\r\n"
    "Host: 127.0.0.1:18080\r\n"
    "Accept: application/json,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n"
    "Connection: keep-alive\r\n"
    "\r\n";

/// `depth` copies of `request` back to back, as a pipelining client sends them in one write.
inline std::string pipelined(std::string_view request, std::size_t depth) {
    std::string out;
    out.reserve(request.size() * depth);
    for (std::size_t i = 0; i < depth; ++i)
        out += request;
    return out;
}

} // namespace corio::bench
