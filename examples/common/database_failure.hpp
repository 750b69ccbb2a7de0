// SPDX-License-Identifier: MIT
// database_failure: the answer of an example route whose database call failed. A database that
// cannot be reached, refused the credentials, or a pool that is full is a 503 with Retry-After (a
// retry may work); any other failure (a server error, a row that does not convert) is a 500. The
// JSON body carries the error's message. Header-only: the route libraries share it without linking
// the examples' command-line code.
#pragma once

#include <string_view>

#include <corio/http/json.hpp>
#include <corio/http/response.hpp>
#include <corio/pg/error.hpp>

namespace corio::examples {

/// 503 + Retry-After when retrying may work, else 500; {"error": message}.
inline corio::http::response database_failure(const corio::pg::error& e) {
    namespace pg = corio::pg;
    const bool unavailable = e == pg::errc::pool_full || e == pg::errc::connection_failed ||
                             e == pg::errc::connection_lost || e == pg::errc::timed_out ||
                             e == pg::errc::authentication_failed;
    corio::http::response res(unavailable ? corio::http::status::service_unavailable
                                          : corio::http::status::internal_server_error);
    if (unavailable) res.add_header("Retry-After", "1");
    corio::http::json_body(res).begin_object().key("error").value(std::string_view(e.message())).end_object();
    return res;
}

} // namespace corio::examples
