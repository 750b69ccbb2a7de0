// SPDX-License-Identifier: MIT
// client_url: an http:// URL split into what the client needs: the origin to connect to (host and
// port) and what the request carries (the target and the Host field).
#pragma once

#include <cstdint>
#include <string_view>

#include <corio/core/result.hpp>

namespace corio::http::detail {

/// The parts of `http://host[:port][/path][?query]`; views into the parsed text.
struct client_url {
    std::string_view host;      ///< a name or numeric address, IPv6 without its brackets
    std::uint16_t port = 80;    ///< 80 when absent
    std::string_view target;    ///< path and query ("/" when the URL has neither)
    std::string_view authority; ///< the Host field: host[:port] as written
};

/// Splits `text`; client_errc::bad_url when it is not such a URL.
result<client_url> parse_client_url(std::string_view text);

} // namespace corio::http::detail
