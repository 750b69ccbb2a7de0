// SPDX-License-Identifier: MIT
#include <corio/http/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

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
        std::fputs("corio: json_writer nested deeper than 64 levels\n", stderr);
        std::abort();
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

json_writer& json_writer::value(std::int64_t number) {
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

void json_writer::string(std::string_view text) {
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
