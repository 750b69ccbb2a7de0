// SPDX-License-Identifier: MIT
#include "client_url.hpp"

#include <corio/http/client_error.hpp>
#include <corio/http/origin.hpp>

namespace corio::http::detail {

result<client_url> parse_client_url(std::string_view text) {
    const auto bad = tl::unexpected(make_error_code(client_errc::bad_url));
    constexpr std::string_view scheme = "http://";
    if (text.size() < scheme.size()) return bad;
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
        if (c != scheme[i]) return bad;
    }
    text.remove_prefix(scheme.size());
    // A target byte the request line cannot carry (controls, space) would let a URL inject fields.
    std::size_t slash = std::string_view::npos; // where the authority ends
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad;
        if ((c == '/' || c == '?') && slash == std::string_view::npos) slash = i;
    }
    client_url url;
    url.authority = text.substr(0, slash);
    url.target = slash == std::string_view::npos ? std::string_view("/") : text.substr(slash);
    if (url.target.front() == '?') return bad; // "http://h?q" has no path: write "http://h/?q"
    if (url.authority.empty() || url.authority.find('@') != std::string_view::npos) return bad;
    std::string_view port;
    if (url.authority.front() == '[') {
        const std::size_t close = url.authority.find(']');
        if (close == std::string_view::npos || close == 1) return bad;
        url.host = url.authority.substr(1, close - 1);
        const std::string_view rest = url.authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return bad;
            port = rest.substr(1);
            if (port.empty()) return bad;
        }
    } else {
        const std::size_t colon = url.authority.find(':');
        url.host = url.authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = url.authority.substr(colon + 1);
            if (port.empty()) return bad;
        }
        if (url.host.empty()) return bad;
    }
    if (!port.empty()) {
        unsigned value = 0;
        for (const char c : port) {
            if (c < '0' || c > '9') return bad;
            value = value * 10 + static_cast<unsigned>(c - '0');
            if (value > 65535) return bad;
        }
        if (value == 0) return bad;
        url.port = static_cast<std::uint16_t>(value);
    }
    return url;
}

} // namespace corio::http::detail

namespace corio::http {

result<origin> origin::parse(std::string_view base) {
    const result<detail::client_url> url = detail::parse_client_url(base);
    // Only "http://host[:port]" or "http://host[:port]/": a path here would be dropped unseen.
    if (!url || url->target != "/") return tl::unexpected(make_error_code(client_errc::bad_url));
    origin o;
    o._authority = url->authority;
    o._host_at = static_cast<std::uint32_t>(url->host.data() - url->authority.data());
    o._host_size = static_cast<std::uint32_t>(url->host.size());
    o._port = url->port;
    return o;
}

} // namespace corio::http
