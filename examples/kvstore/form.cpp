// SPDX-License-Identifier: MIT
#include "form.hpp"

namespace kvstore {

namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int hi = hex_digit(text[i + 1]);
            const int lo = hex_digit(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::optional<form_field> first_form_field(std::string_view body) {
    const std::string_view field = body.substr(0, body.find('&'));
    const std::size_t equals = field.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    auto name = percent_decode(field.substr(0, equals), true);
    auto value = percent_decode(field.substr(equals + 1), true);
    if (!name || !value) return std::nullopt;
    return form_field{std::move(*name), std::move(*value)};
}

} // namespace kvstore
