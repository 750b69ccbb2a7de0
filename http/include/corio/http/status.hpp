// SPDX-License-Identifier: MIT
// HTTP status codes corio answers with, and their reason phrases.
#pragma once

#include <cstdint>
#include <string_view>

namespace corio::http {

/// An HTTP status code.
enum class status : std::uint16_t {
    continue_ = 100,
    ok = 200,
    created = 201,
    accepted = 202,
    no_content = 204,
    moved_permanently = 301,
    found = 302,
    not_modified = 304,
    bad_request = 400,
    unauthorized = 401,
    forbidden = 403,
    not_found = 404,
    method_not_allowed = 405,
    request_timeout = 408,
    conflict = 409,
    length_required = 411,
    payload_too_large = 413,
    uri_too_long = 414,
    unsupported_media_type = 415,
    unprocessable_entity = 422,
    too_many_requests = 429,
    request_header_fields_too_large = 431,
    internal_server_error = 500,
    not_implemented = 501,
    bad_gateway = 502,
    service_unavailable = 503,
    gateway_timeout = 504,
    http_version_not_supported = 505,
};

/// The reason phrase of `code` ("OK", "Not Found"); "Unknown" for codes not listed above.
std::string_view reason_phrase(status code) noexcept;

} // namespace corio::http
