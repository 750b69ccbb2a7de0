// SPDX-License-Identifier: MIT
#include <corio/http/request.hpp>

#include <algorithm>
#include <array>
#include <cstring>

#include <corio/core/ascii.hpp>

namespace corio::http {

namespace {
int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    const char lower = static_cast<char>(c | 0x20);
    if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
    return -1;
}

// Decodes `%XX` escapes (and '+' as a space when `plus_is_space`) of `in` into `out`, which has
// room for in.size() bytes (decoding never lengthens). The bytes written, or -1 for a '%' not
// followed by two hex digits.
std::ptrdiff_t percent_decode(std::string_view in, char* out, bool plus_is_space) noexcept {
    char* at = out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) return -1;
            const int high = hex_value(in[i + 1]);
            const int low = hex_value(in[i + 2]);
            if (high < 0 || low < 0) return -1;
            *at++ = static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            *at++ = plus_is_space && c == '+' ? ' ' : c;
        }
    }
    return at - out;
}

bool needs_decoding(std::string_view text, bool plus_is_space) noexcept {
    return text.find('%') != std::string_view::npos || (plus_is_space && text.find('+') != std::string_view::npos);
}

// A packed pair's lengths: four bytes, native order (the block never leaves the process).
using packed_length = std::uint32_t;

void put_length(char*& at, std::size_t n) noexcept {
    const auto length = static_cast<packed_length>(n);
    std::memcpy(at, &length, sizeof length);
    at += sizeof length;
}

std::size_t get_length(const char*& at) noexcept {
    packed_length length = 0;
    std::memcpy(&length, at, sizeof length);
    at += sizeof length;
    return length;
}

// The pieces of a query string: "name=value" between '&'s.
struct raw_pair {
    std::string_view name;
    std::string_view value;
};

// The next non-empty piece of `rest` (consumed up to and including its '&'); false at the end.
bool next_raw_pair(std::string_view& rest, raw_pair& out) noexcept {
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view piece = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (piece.empty()) continue;
        const std::size_t equals = piece.find('=');
        out.name = piece.substr(0, equals);
        out.value = equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
        return true;
    }
    return false;
}

} // namespace

void query_iterator::next() noexcept {
    if (_next == nullptr || _next >= _end) {
        _at = nullptr;
        return;
    }
    if (_packed) {
        _at = _next;
        const char* p = _at;
        const std::size_t name_size = get_length(p);
        _pair.name = {p, name_size};
        p += name_size;
        const std::size_t value_size = get_length(p);
        _pair.value = {p, value_size};
        _next = p + value_size;
        return;
    }
    std::string_view rest(_next, static_cast<std::size_t>(_end - _next));
    while (rest.starts_with('&'))
        rest.remove_prefix(1);
    if (rest.empty()) {
        _at = nullptr;
        return;
    }
    _at = rest.data(); // the start of the pair: what tells two iterators apart
    raw_pair pair;
    next_raw_pair(rest, pair);
    _pair = {pair.name, pair.value};
    _next = rest.empty() ? _end : rest.data();
}

std::string_view method_name(method m) noexcept {
    static constexpr std::array<std::string_view, method_count> names = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "OTHER"};
    return names[static_cast<std::size_t>(m)];
}

std::optional<std::string_view> request::header(std::string_view name) const noexcept {
    for (const header_field& h : _headers) {
        if (equal_ignoring_case(h.name, name)) return h.value;
    }
    return std::nullopt;
}

std::string_view request::param(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < _params.count; ++i) {
        if (_params.names[i] == name) return _params.values[i];
    }
    return {};
}

std::string_view request::raw_param(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < _params.count; ++i) {
        if (_params.names[i] == name) return _params.raw[i];
    }
    return {};
}

std::optional<std::string_view> request::query_param(std::string_view name) const noexcept {
    for (const query_pair& pair : query_params()) {
        if (pair.name == name) return pair.value;
    }
    return std::nullopt;
}

bool request::decode(std::string& scratch) {
    _decoded = {};
    _packed_query = {};
    _query_packed = false;
    // Room first, so that one resize (none once the scratch has grown) serves every piece.
    std::size_t room = 0;
    for (std::size_t i = 0; i < _params.count; ++i) {
        _params.raw[i] = _params.values[i];
        if (needs_decoding(_params.values[i], false)) room += _params.values[i].size();
    }
    const bool query_escaped = needs_decoding(_query, true);
    if (query_escaped) {
        // Each pair adds two lengths; there are at most as many pairs as '&'s plus one.
        const std::size_t pairs = static_cast<std::size_t>(std::count(_query.begin(), _query.end(), '&')) + 1;
        room += _query.size() + pairs * 2 * sizeof(packed_length);
    }
    if (room == 0) return true;
    if (scratch.size() < room) scratch.resize(room);
    char* const start = scratch.data();
    char* at = start;
    for (std::size_t i = 0; i < _params.count; ++i) {
        if (!needs_decoding(_params.values[i], false)) continue;
        const std::ptrdiff_t n = percent_decode(_params.values[i], at, false);
        if (n < 0) return false;
        _params.values[i] = {at, static_cast<std::size_t>(n)};
        at += n;
    }
    if (query_escaped) {
        char* const packed = at;
        std::string_view rest = _query;
        raw_pair pair;
        while (next_raw_pair(rest, pair)) {
            char* name_length = at;
            at += sizeof(packed_length);
            const std::ptrdiff_t name_size = percent_decode(pair.name, at, true);
            if (name_size < 0) return false;
            put_length(name_length, static_cast<std::size_t>(name_size));
            at += name_size;
            char* value_length = at;
            at += sizeof(packed_length);
            const std::ptrdiff_t value_size = percent_decode(pair.value, at, true);
            if (value_size < 0) return false;
            put_length(value_length, static_cast<std::size_t>(value_size));
            at += value_size;
        }
        _packed_query = {packed, static_cast<std::size_t>(at - packed)};
        _query_packed = true;
    }
    _decoded = {start, static_cast<std::size_t>(at - start)};
    return true;
}

} // namespace corio::http
