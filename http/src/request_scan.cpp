// SPDX-License-Identifier: MIT
#include "request_scan.hpp"

#include <array>
#include <bit>
#include <cstring>

namespace corio::http {

static_assert(std::endian::native == std::endian::little, "request_scan reads words little-endian");

namespace {

// Byte classes over a 64-bit word, SWAR style. Each returns the high bit of every byte in the class;
// a borrow or carry can mark bytes above a marked one, never below it, so the lowest mark is exact,
// which is all the scan needs (where the run of ordinary bytes ends).
constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t highs = 0x8080808080808080ULL;

/// Bytes below `n` (n <= 0x80).
constexpr std::uint64_t below(std::uint64_t x, std::uint8_t n) noexcept {
    return (x - ones * n) & ~x & highs;
}
/// Bytes above `n` (n < 0x80), and every byte of 0x80 or more.
constexpr std::uint64_t above(std::uint64_t x, std::uint8_t n) noexcept {
    return ((x + ones * (0x7f - n)) | x) & highs;
}
/// Bytes equal to `c`.
constexpr std::uint64_t equal(std::uint64_t x, std::uint8_t c) noexcept {
    return below(x ^ (ones * c), 1);
}

/// Field values: anything but printable ASCII and SP (a tab, obs-text and CR end the run).
constexpr std::uint64_t value_stop(std::uint64_t x) noexcept {
    return below(x, 0x20) | above(x, 0x7e);
}
/// Targets: anything but printable ASCII without '#' (a fragment, SP or a control byte ends the run).
constexpr std::uint64_t target_stop(std::uint64_t x) noexcept {
    return below(x, 0x21) | above(x, 0x7e) | equal(x, '#');
}

std::uint64_t load(const char* p) noexcept {
    std::uint64_t x;
    std::memcpy(&x, p, sizeof x);
    return x;
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

// RFC 9110 5.6.2 tchar, the bytes of a field name (llhttp's table in strict mode is the same).
constexpr std::array<bool, 256> token_table = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c)
        t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] = t[c - 'a' + 'A'] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~"))
        t[static_cast<unsigned char>(c)] = true;
    return t;
}();

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

// The methods the scan knows, by their first four bytes ("GET ", "POST", ...).
struct known_method {
    std::string_view name;
    http::method method;
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
    // Method and one SP.
    const known_method* known = nullptr;
    for (const known_method& m : known_methods) {
        if (static_cast<std::size_t>(end - p) > m.name.size() && std::memcmp(p, m.name.data(), m.name.size()) == 0 &&
            p[m.name.size()] == ' ') {
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
    if (end - p < 11 || std::memcmp(p, " HTTP/1.", 8) != 0 || (p[8] != '1' && p[8] != '0') || p[9] != '\r' ||
        p[10] != '\n')
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
        while (p < end && token_table[static_cast<unsigned char>(*p)])
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
