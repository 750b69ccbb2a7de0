// SPDX-License-Identifier: MIT
#include "request_scan.hpp"

#include <bit>

#include "byte_classes.hpp"

namespace corio::http {

namespace {

using detail::swar::above;
using detail::swar::below;
using detail::swar::equal;
using detail::swar::load;
using detail::swar::word;

/// Field values: anything but printable ASCII and SP (a tab, obs-text and CR end the run).
constexpr std::uint64_t value_stop(std::uint64_t x) noexcept {
    return below(x, 0x20) | above(x, 0x7e);
}
/// Targets: anything but printable ASCII without '#' (a fragment, SP or a control byte ends the run).
constexpr std::uint64_t target_stop(std::uint64_t x) noexcept {
    return below(x, 0x21) | above(x, 0x7e) | equal(x, '#');
}

/// The first byte in [p, end) that `stop` marks, or end.
template <std::uint64_t (*stop)(std::uint64_t)>
const char* run_end(const char* p, const char* end) noexcept {
    for (; end - p >= 8; p += 8) {
        if (const std::uint64_t marks = stop(load(p)); marks != 0) return p + std::countr_zero(marks) / 8;
    }
    for (; p < end; ++p) {
        std::uint64_t x = static_cast<unsigned char>(*p);
        if (stop(x) & 0x80) return p;
    }
    return end;
}

bool named(std::string_view name, std::string_view lower) noexcept {
    // Or-ing 0x20 lower-cases a letter and maps no other byte to one.
    for (std::size_t i = 0; i < lower.size(); ++i) {
        if ((name[i] | 0x20) != lower[i]) return false;
    }
    return true;
}

bool equal_ignoring_case(std::string_view value, std::string_view lower) noexcept {
    return value.size() == lower.size() && named(value, lower);
}

// The methods the scan knows, each matched with its SP as a masked word ("GET ", "OPTIONS ").
struct known_method {
    std::string_view name;
    http::method method;
    std::uint64_t with_space = word(name) | std::uint64_t{' '} << (8 * name.size());
    std::uint64_t mask = name.size() == 7 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * (name.size() + 1))) - 1;
};
constexpr known_method known_methods[] = {
    {"GET", method::get},        {"POST", method::post},   {"PUT", method::put},         {"HEAD", method::head},
    {"DELETE", method::delete_}, {"PATCH", method::patch}, {"OPTIONS", method::options},
};

} // namespace

field_name classify_field_name(std::string_view name) noexcept {
    switch (name.size()) {
    case 4:
        return named(name, "host") ? field_name::host : field_name::other;
    case 6:
        return named(name, "expect") ? field_name::expect : field_name::other;
    case 7:
        return named(name, "upgrade") ? field_name::upgrade : field_name::other;
    case 10:
        return named(name, "connection") ? field_name::connection : field_name::other;
    case 14:
        return named(name, "content-length") ? field_name::content_length : field_name::other;
    case 16:
        return named(name, "proxy-connection") ? field_name::proxy_connection : field_name::other;
    case 17:
        return named(name, "transfer-encoding") ? field_name::transfer_encoding : field_name::other;
    default:
        return field_name::other;
    }
}

bool scan_request_head(std::string_view data, head_fields& fields, scanned_head& out) noexcept {
    const char* p = data.data();
    const char* const end = p + data.size();
    // Method and one SP. Fewer than 8 bytes are no whole request: llhttp says what they lack.
    if (end - p < 8) return false;
    const std::uint64_t first = load(p);
    const known_method* known = nullptr;
    for (const known_method& m : known_methods) {
        if ((first & m.mask) == m.with_space) {
            known = &m;
            break;
        }
    }
    if (known == nullptr) return false;
    out.method = known->method;
    out.method_name = {p, known->name.size()};
    p += known->name.size() + 1;
    // Origin-form target, one SP, and "HTTP/1.1" or "HTTP/1.0" with CRLF.
    if (p == end || *p != '/') return false;
    const char* target = p;
    p = run_end<target_stop>(p, end);
    // Two words: " HTTP/1." and "TP/1.X\r\n", whose byte 5 (the minor version) or-ed with 1 is '1'
    // exactly when it is '0' or '1'.
    if (end - p < 11 || load(p) != word(" HTTP/1.") || (load(p + 3) | std::uint64_t{1} << 40) != word("TP/1.1\r\n"))
        return false;
    out.target = {target, static_cast<std::size_t>(p - target)};
    out.version_minor = static_cast<std::uint8_t>(p[8] - '0');
    p += 11;
    // Fields, until the blank line.
    for (;;) {
        if (end - p < 2) return false;
        if (p[0] == '\r') {
            if (p[1] != '\n') return false;
            p += 2;
            break;
        }
        const char* name = p;
        while (p < end && detail::is_token_byte(*p))
            ++p;
        if (p == name || p == end || *p != ':') return false;
        const std::string_view field(name, static_cast<std::size_t>(p - name));
        ++p;
        while (p < end && *p == ' ')
            ++p;
        const char* value_at = p;
        p = run_end<value_stop>(p, end);
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return false;
        const char* value_end = p;
        p += 2;
        while (value_end > value_at && value_end[-1] == ' ')
            --value_end;
        const std::string_view value(value_at, static_cast<std::size_t>(value_end - value_at));
        switch (classify_field_name(field)) {
        case field_name::other:
            break;
        case field_name::host:
            ++out.host_count;
            break;
        case field_name::expect:
            if (!out.expect_seen) {
                out.expect_seen = true;
                out.expect_continue = expects_continue(value);
            }
            break;
        case field_name::connection:
            if (out.connection_close || out.connection_keep_alive) return false;
            if (equal_ignoring_case(value, "close")) {
                out.connection_close = true;
            } else if (equal_ignoring_case(value, "keep-alive")) {
                out.connection_keep_alive = true;
            } else {
                return false;
            }
            break;
        case field_name::content_length:
            // Digits only (no sign, no blank after them) and short enough not to overflow.
            if (out.has_content_length || value.empty() || value.size() > 18 || value_end != p - 2) return false;
            for (char c : value) {
                if (c < '0' || c > '9') return false;
                out.content_length = out.content_length * 10 + static_cast<std::uint64_t>(c - '0');
            }
            out.has_content_length = true;
            break;
        case field_name::transfer_encoding:
        case field_name::upgrade:
        case field_name::proxy_connection:
            return false;
        }
        if (!fields.add(field, value)) return false;
    }
    out.head_bytes = static_cast<std::size_t>(p - data.data());
    return true;
}

} // namespace corio::http
