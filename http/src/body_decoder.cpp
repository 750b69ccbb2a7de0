// SPDX-License-Identifier: MIT
#include "body_decoder.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

#include "byte_classes.hpp"

namespace corio::http {

namespace {

// One byte of state: where the next input byte goes. Chunked framing (RFC 9112 7.1):
//   chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF, last-chunk = 1*"0" [ chunk-ext ] CRLF,
//   then trailer-section = *( field-line CRLF ) and CRLF.
enum phase : std::uint8_t {
    length_data,     // Content-Length payload; _remaining bytes left
    size_first,      // the first hex digit of a chunk-size
    size,            // more hex digits, ';' or CR; _remaining is the size so far
    ext_name_first,  // after ';': the first tchar of an extension name
    ext_name,        // tchar, '=', ';' or CR
    ext_value_first, // after '=': a token or a quoted-string
    ext_value,       // tchar or CR (llhttp 8 rejects ';' after an unquoted value: so do we)
    ext_quoted,      // inside a quoted-string
    ext_quoted_end,  // after the closing quote: ';' or CR
    size_lf,         // LF after the chunk line's CR
    chunk_data,      // payload; _remaining bytes left of the chunk
    data_cr,         // CR after chunk data
    data_lf,         // LF after chunk data
    trailer_start,   // start of a trailer line: a field name, or CR of the final empty line
    trailer_name,    // tchar or ':'
    trailer_value,   // field-value bytes or CR
    trailer_lf,      // LF ending a field line
    end_lf,          // LF of the final empty line
    finished,
    failed,
};

constexpr int hex_value(unsigned char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// qdtext (RFC 9110 5.6.4) without quoted-pair: llhttp 8 rejects a backslash in a quoted chunk
// extension value, and a quoted-pair is never needed to skip an extension we ignore.
constexpr bool is_qdtext(unsigned char c) noexcept {
    return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

// field-value bytes (RFC 9110 5.5): VCHAR, obs-text, SP and HTAB; no other control.
constexpr bool is_field_byte(unsigned char c) noexcept {
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

// Framing fields have no place in a trailer section (RFC 9110 6.5.1); llhttp 8 acts on
// Transfer-Encoding and Content-Length found there, so we refuse both. `_name` tracks the match
// of the field name so far: 0 at the start, then the count of matched bytes of one of the two
// names, with 0x40 set for Transfer-Encoding; `no_match` once it is neither.
constexpr std::string_view content_length = "content-length";
constexpr std::string_view transfer_encoding = "transfer-encoding";
constexpr std::uint8_t te_bit = 0x40;
constexpr std::uint8_t no_match = 0xff;

std::uint8_t match_name(std::uint8_t matched, unsigned char c) noexcept {
    if (matched == no_match) return no_match;
    const auto lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    if (matched == 0) {
        if (lower == content_length[0]) return 1;
        if (lower == transfer_encoding[0]) return te_bit | 1;
        return no_match;
    }
    const std::string_view name = (matched & te_bit) != 0 ? transfer_encoding : content_length;
    const std::size_t count = matched & ~te_bit;
    if (count < name.size() && name[count] == lower) return static_cast<std::uint8_t>(matched + 1);
    return no_match;
}

bool is_framing_name(std::uint8_t matched) noexcept {
    if (matched == no_match || matched == 0) return false;
    const std::string_view name = (matched & te_bit) != 0 ? transfer_encoding : content_length;
    return static_cast<std::size_t>(matched & ~te_bit) == name.size();
}

} // namespace

void body_decoder::reset(framing f, std::uint64_t length, std::uint32_t max_trailer_bytes) noexcept {
    _total = 0;
    _trailer_budget = max_trailer_bytes;
    _name = 0;
    switch (f) {
    case framing::length:
        _remaining = length;
        _phase = length == 0 ? finished : length_data;
        break;
    case framing::chunked:
        _remaining = 0;
        _phase = size_first;
        break;
    case framing::none:
        _remaining = 0;
        _phase = finished;
        break;
    }
}

bool body_decoder::done() const noexcept {
    return _phase == finished;
}

body_decoder::step body_decoder::decode(std::span<const char> in, std::span<char> out) noexcept {
    return run(in, out, false);
}

body_decoder::step body_decoder::skip(std::span<const char> in) noexcept {
    return run(in, {}, true);
}

body_decoder::step body_decoder::run(std::span<const char> in, std::span<char> out, bool skipping) noexcept {
    step result;
    std::size_t i = 0;
    const auto copy = [&] {
        const std::size_t room = skipping ? in.size() - i : std::min(in.size() - i, out.size() - result.produced);
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(_remaining, room));
        if (n != 0 && !skipping) std::memmove(out.data() + result.produced, in.data() + i, n); // `out` may be `in`
        i += n;
        if (!skipping) result.produced += n;
        _remaining -= n;
        _total += n;
    };
    // The loop ends by `break` (input used up, or payload left and no room for it) or by returning
    // done or error. Framing bytes go one at a time; payload goes by memcpy.
    while (_phase != finished && _phase != failed) {
        if (_phase == length_data || _phase == chunk_data) {
            copy();
            if (_remaining != 0) break; // out of input or out of room
            _phase = _phase == length_data ? finished : data_cr;
            continue;
        }
        if (i == in.size()) break;
        const auto c = static_cast<unsigned char>(in[i]);
        std::uint8_t next = failed;
        switch (_phase) {
        case size_first:
        case size:
            if (const int digit = hex_value(c); digit >= 0) {
                if (_remaining > (std::numeric_limits<std::uint64_t>::max() >> 4)) break; // overflows 2^64-1
                _remaining = (_remaining << 4) | static_cast<std::uint64_t>(digit);
                next = size;
            } else if (_phase == size && c == ';') {
                next = ext_name_first;
            } else if (_phase == size && c == '\r') {
                next = size_lf;
            }
            break;
        case ext_name_first:
            if (detail::token_bytes[c]) next = ext_name;
            break;
        case ext_name:
            if (detail::token_bytes[c])
                next = ext_name;
            else if (c == '=')
                next = ext_value_first;
            else if (c == ';')
                next = ext_name_first;
            else if (c == '\r')
                next = size_lf;
            break;
        case ext_value_first:
            if (c == '"')
                next = ext_quoted;
            else if (detail::token_bytes[c])
                next = ext_value;
            break;
        case ext_value:
            if (detail::token_bytes[c])
                next = ext_value;
            else if (c == '\r')
                next = size_lf;
            break;
        case ext_quoted:
            if (c == '"')
                next = ext_quoted_end;
            else if (is_qdtext(c))
                next = ext_quoted;
            break;
        case ext_quoted_end:
            if (c == ';')
                next = ext_name_first;
            else if (c == '\r')
                next = size_lf;
            break;
        case size_lf:
            if (c == '\n') next = _remaining == 0 ? trailer_start : chunk_data;
            break;
        case data_cr:
            if (c == '\r') next = data_lf;
            break;
        case data_lf:
            if (c == '\n') next = size_first; // _remaining is 0 again: the next size starts there
            break;
        case trailer_start:
            // A line starting with SP or HTAB would be an obs-fold (or whitespace before a name).
            if (c == '\r') {
                next = end_lf;
            } else if (detail::token_bytes[c]) {
                _name = match_name(0, c);
                next = trailer_name;
            }
            break;
        case trailer_name:
            if (detail::token_bytes[c]) {
                _name = match_name(_name, c);
                next = trailer_name;
            } else if (c == ':' && !is_framing_name(_name)) {
                next = trailer_value;
            }
            break;
        case trailer_value:
            if (c == '\r')
                next = trailer_lf;
            else if (is_field_byte(c))
                next = trailer_value;
            break;
        case trailer_lf:
            if (c == '\n') next = trailer_start;
            break;
        case end_lf:
            if (c == '\n') next = finished;
            break;
        default:
            break;
        }
        // Trailer field lines count against the budget; the final empty line does not.
        const bool trailer_byte =
            (_phase >= trailer_name && _phase <= trailer_lf) || (_phase == trailer_start && next == trailer_name);
        if (trailer_byte && next != failed) {
            if (_trailer_budget == 0)
                next = failed;
            else
                --_trailer_budget;
        }
        if (next == failed) {
            _phase = failed;
            break;
        }
        _phase = next;
        ++i;
    }
    result.consumed = i;
    result.what = _phase == finished ? state::done : _phase == failed ? state::error : state::more;
    return result;
}

} // namespace corio::http
