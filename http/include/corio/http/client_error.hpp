// SPDX-License-Identifier: MIT
// client_error: why a corio::http::client exchange failed, as std::error_code values of
// client_category(). Each failure a peer or the network can cause has its own code, so a caller
// (the gateway: 502 or 504) can tell them apart; none of them leaves the client's pool unusable.
#pragma once

#include <system_error>

namespace corio::http {

/// The ways a client exchange fails.
enum class client_errc {
    bad_url = 1,        ///< not http://host[:port][/target] (https is not spoken)
    bad_request,        ///< a header name or value the client refuses to send (CR, LF, NUL, or framing fields)
    unresolved,         ///< the host is a name that was not resolved beforehand (see client::add_host)
    refused,            ///< the connection was refused (ECONNREFUSED)
    connect_failed,     ///< the connection could not be made otherwise (unreachable, no route...)
    reset,              ///< the connection was reset or broke while the exchange was in flight
    closed,             ///< the server closed the connection before the response was complete
    connect_timed_out,  ///< no connection within client_config::connect_timeout
    head_timed_out,     ///< no complete response head within client_config::head_timeout of sending
    exchange_timed_out, ///< no complete response within client_config::exchange_timeout of the call
    malformed,          ///< the response is not valid HTTP/1.1 (or switches protocols)
    too_large,          ///< the response head or body exceeds client_config's limits
    pool_full,          ///< client_config::max_waiting calls already wait for a connection to this origin
    body_timed_out,     ///< a streamed body's read got no byte within client_config::body_timeout
};

/// The category of client_errc values ("corio.http.client").
const std::error_category& client_category() noexcept;

/// A client_errc as an error_code.
inline std::error_code make_error_code(client_errc e) noexcept {
    return {static_cast<int>(e), client_category()};
}

/// True for the four timeouts.
inline bool is_timeout(const std::error_code& e) noexcept {
    return e.category() == client_category() && (e.value() == static_cast<int>(client_errc::connect_timed_out) ||
                                                 e.value() == static_cast<int>(client_errc::head_timed_out) ||
                                                 e.value() == static_cast<int>(client_errc::exchange_timed_out) ||
                                                 e.value() == static_cast<int>(client_errc::body_timed_out));
}

} // namespace corio::http

template <>
struct std::is_error_code_enum<corio::http::client_errc> : std::true_type {};
