// SPDX-License-Identifier: MIT
#include <corio/http/json.hpp>

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include <corio/core/log.hpp>

#include "byte_classes.hpp"

namespace corio::http {

void json_writer::separate() {
    if (_after_key) {
        _after_key = false;
        return;
    }
    if (_depth == 0) return;
    const std::uint64_t bit = std::uint64_t{1} << (_depth - 1);
    if ((_has_items & bit) != 0) _out.push_back(',');
    _has_items |= bit;
}

void json_writer::open(char bracket) {
    separate();
    if (_depth == 64) {
        fatal("json_writer nested deeper than 64 levels");
    }
    _out.push_back(bracket);
    ++_depth;
    _has_items &= ~(std::uint64_t{1} << (_depth - 1));
}

void json_writer::close(char bracket) {
    _out.push_back(bracket);
    if (_depth > 0) --_depth;
}

json_writer& json_writer::begin_object() {
    open('{');
    return *this;
}
json_writer& json_writer::end_object() {
    close('}');
    return *this;
}
json_writer& json_writer::begin_array() {
    open('[');
    return *this;
}
json_writer& json_writer::end_array() {
    close(']');
    return *this;
}

json_writer& json_writer::key(std::string_view name) {
    separate();
    string(name);
    _out.push_back(':');
    _after_key = true;
    return *this;
}

json_writer& json_writer::value(std::string_view text) {
    separate();
    string(text);
    return *this;
}

json_writer& json_writer::integer(std::int64_t number) {
    separate();
    fmt::format_to(std::back_inserter(_out), "{}", number);
    return *this;
}

json_writer& json_writer::integer(std::uint64_t number) {
    separate();
    fmt::format_to(std::back_inserter(_out), "{}", number);
    return *this;
}

json_writer& json_writer::value(double number) {
    separate();
    if (!std::isfinite(number)) {
        _out.append(std::string_view("null"));
    } else {
        fmt::format_to(std::back_inserter(_out), "{}", number);
    }
    return *this;
}

json_writer& json_writer::value(bool flag) {
    separate();
    _out.append(flag ? std::string_view("true") : std::string_view("false"));
    return *this;
}

json_writer& json_writer::null() {
    separate();
    _out.append(std::string_view("null"));
    return *this;
}

namespace {

std::uint64_t load(const char* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, p, n);
    return v;
}

// True when one of the eight bytes of `w` is a '"', a '\\' or a control character below 0x20.
bool escape_in(std::uint64_t w) noexcept {
    using namespace detail::swar;
    return (below(w, 0x20) | equal(w, '"') | equal(w, '\\')) != 0;
}

// True when a JSON string of `text` needs an escape; eight bytes per test, the last word
// overlapping the one before it (shorter texts: two overlapping 4-byte words, or three bytes in a
// word padded with 'a').
bool needs_escaping(std::string_view text) noexcept {
    const char* p = text.data();
    const std::size_t n = text.size();
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            if (escape_in(load(p + i, 8))) return true;
        }
        return escape_in(load(p + n - 8, 8));
    }
    if (n >= 4) return escape_in(load(p, 4) | load(p + n - 4, 4) << 32);
    if (n == 0) return false;
    return escape_in(0x6161616161000000ULL | load(p, 1) | load(p + n / 2, 1) << 8 | load(p + n - 1, 1) << 16);
}

} // namespace

void json_writer::string(std::string_view text) {
    if (!needs_escaping(text)) {
        // Nothing to escape (keys, most values): the quotes and the text with one resize and one copy.
        const std::size_t at = _out.size();
        _out.resize(at + text.size() + 2);
        char* p = _out.data() + at;
        p[0] = '"';
        std::memcpy(p + 1, text.data(), text.size());
        p[text.size() + 1] = '"';
        return;
    }
    static constexpr char hex[] = "0123456789abcdef";
    _out.push_back('"');
    std::size_t run = 0; // copy runs of characters that need no escaping in one append
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        _out.append(text.substr(run, i - run));
        run = i + 1;
        switch (c) {
        case '"':
            _out.append(std::string_view("\\\""));
            break;
        case '\\':
            _out.append(std::string_view("\\\\"));
            break;
        case '\n':
            _out.append(std::string_view("\\n"));
            break;
        case '\r':
            _out.append(std::string_view("\\r"));
            break;
        case '\t':
            _out.append(std::string_view("\\t"));
            break;
        default: {
            const char escaped[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            _out.append(std::string_view(escaped, 6));
        }
        }
    }
    _out.append(text.substr(run));
    _out.push_back('"');
}

json_writer json_body(response& res) {
    res.set_content_type("application/json");
    return json_writer(res.body_buffer());
}

} // namespace corio::http
