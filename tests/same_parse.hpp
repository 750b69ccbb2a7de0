// SPDX-License-Identifier: MIT
// same_parse: whether two request_parser results for one input agree in everything the server
// reads (the outcome and, once the head is parsed, the request's fields, captures and body). The
// request_parser unit tests and fuzz target compare request_scan's fast path with llhttp alone.
#pragma once

#include <cstddef>
#include <span>

#include <corio/http/request.hpp>

#include "request_parser.hpp"

namespace corio::test {

/// True if the views name the same bytes, field by field.
inline bool same_fields(std::span<const http::header_field> a, std::span<const http::header_field> b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
    }
    return true;
}

/// True if (a, ra) and (b, rb) are the same parse.
inline bool same_parse(const http::parse_outcome& a, const http::request& ra, const http::parse_outcome& b,
                       const http::request& rb) {
    if (a.what != b.what || a.consumed != b.consumed || a.need != b.need || a.route.target != b.route.target ||
        a.framing != b.framing || a.body_length != b.body_length || a.error_status != b.error_status ||
        a.upgrade != b.upgrade || a.head_complete != b.head_complete || a.expect_continue != b.expect_continue)
        return false;
    if (a.what != http::parse_outcome::kind::complete && !a.head_complete) return true;
    if (ra.method() != rb.method() || ra.method_name() != rb.method_name() || ra.target() != rb.target() ||
        ra.path() != rb.path() || ra.query() != rb.query() || ra.version_minor() != rb.version_minor() ||
        ra.keep_alive() != rb.keep_alive() || !same_fields(ra.headers(), rb.headers()) || ra.body() != rb.body() ||
        ra.params().count != rb.params().count)
        return false;
    for (std::size_t i = 0; i < ra.params().count; ++i) {
        if (ra.params().values[i] != rb.params().values[i]) return false;
    }
    return true;
}

} // namespace corio::test
