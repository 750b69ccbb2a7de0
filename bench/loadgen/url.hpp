// SPDX-License-Identifier: MIT
// url: the target of a load test, `http://host[:port][/path][?query]`, parsed and resolved once at
// start-up with error messages that say what is wrong with the URL or the host.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <corio/core/result.hpp>
#include <corio/net/socket_address.hpp>

namespace corio::load {

/// A parsed http:// URL.
struct url {
    std::string host;        ///< name or numeric address, IPv6 without brackets
    std::uint16_t port = 80; ///< from the URL, 80 when absent
    std::string target;      ///< path and query as sent in the request line ("/" when absent)
    std::string authority;   ///< the Host header value: host[:port] as written in the URL
};

/// Parses `text`; on failure returns false and sets `error` to a sentence naming the problem.
bool parse_url(std::string_view text, url& out, std::string& error);

/// Resolves `host` (a name or a numeric address) for TCP to `port`, preferring IPv4. On failure
/// returns false and sets `error` (e.g. "cannot resolve host 'nosuch': Name or service not known").
bool resolve_host(const std::string& host, std::uint16_t port, net::socket_address& out, std::string& error);

} // namespace corio::load
