// SPDX-License-Identifier: MIT
#include <corio/http/request.hpp>

#include <array>

namespace corio::http {

namespace {
bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    const auto lower = [](char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c; };
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}
} // namespace

std::string_view method_name(method m) noexcept {
    static constexpr std::array<std::string_view, method_count> names = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "OTHER"};
    return names[static_cast<std::size_t>(m)];
}

std::optional<std::string_view> request::header(std::string_view name) const noexcept {
    for (const header_field& h : _headers) {
        if (iequals(h.name, name)) return h.value;
    }
    return std::nullopt;
}

std::string_view request::param(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < _params.count; ++i) {
        if (_params.names[i] == name) return _params.values[i];
    }
    return {};
}

} // namespace corio::http
