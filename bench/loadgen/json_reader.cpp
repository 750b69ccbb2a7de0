// SPDX-License-Identifier: MIT
#include "json_reader.hpp"

#include <charconv>
#include <cstdlib>

namespace corio::load {

const json_value* json_value::find(std::string_view key) const noexcept {
    for (const auto& [name, value] : members) {
        if (name == key) return &value;
    }
    return nullptr;
}

double json_value::number() const noexcept {
    return type == kind::number ? std::strtod(text.c_str(), nullptr) : 0.0;
}

bool json_value::to_u64(std::uint64_t& out) const noexcept {
    if (type != kind::number) return false;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec == std::errc() && ptr == text.data() + text.size()) return true;
    // 12.0 and 1e3 are whole numbers too.
    const double d = number();
    if (d < 0 || d > 9007199254740992.0 || d != static_cast<double>(static_cast<std::uint64_t>(d))) return false;
    out = static_cast<std::uint64_t>(d);
    return true;
}

namespace {

class parser {
public:
    explicit parser(std::string_view text) : _text(text) {}

    bool document(json_value& out, std::string& error) {
        if (!value(out, 0)) {
            error = "at byte " + std::to_string(_at) + ": " + _error;
            return false;
        }
        skip();
        if (_at != _text.size()) {
            error = "at byte " + std::to_string(_at) + ": text after the JSON value";
            return false;
        }
        return true;
    }

private:
    bool fail(const char* why) {
        _error = why;
        return false;
    }
    void skip() {
        while (_at < _text.size() &&
               (_text[_at] == ' ' || _text[_at] == '\n' || _text[_at] == '\r' || _text[_at] == '\t'))
            ++_at;
    }
    bool literal(std::string_view word) {
        if (_text.substr(_at, word.size()) != word) return fail("unknown literal");
        _at += word.size();
        return true;
    }

    bool value(json_value& out, int depth) {
        if (depth > 64) return fail("nested too deeply");
        skip();
        if (_at >= _text.size()) return fail("unexpected end (truncated?)");
        const char c = _text[_at];
        if (c == '{') return object(out, depth);
        if (c == '[') return array(out, depth);
        if (c == '"') {
            out.type = json_value::kind::string;
            return string(out.text);
        }
        if (c == 't' || c == 'f') {
            out.type = json_value::kind::boolean;
            out.boolean = c == 't';
            return literal(c == 't' ? "true" : "false");
        }
        if (c == 'n') return literal("null");
        return number(out);
    }

    bool object(json_value& out, int depth) {
        out.type = json_value::kind::object;
        ++_at;
        skip();
        if (_at < _text.size() && _text[_at] == '}') {
            ++_at;
            return true;
        }
        for (;;) {
            skip();
            std::string key;
            if (_at >= _text.size() || _text[_at] != '"') return fail("expected a member name");
            if (!string(key)) return false;
            skip();
            if (_at >= _text.size() || _text[_at] != ':') return fail("expected ':'");
            ++_at;
            json_value v;
            if (!value(v, depth + 1)) return false;
            out.members.emplace_back(std::move(key), std::move(v));
            skip();
            if (_at >= _text.size()) return fail("unexpected end in an object (truncated?)");
            if (_text[_at] == '}') {
                ++_at;
                return true;
            }
            if (_text[_at] != ',') return fail("expected ',' or '}'");
            ++_at;
        }
    }

    bool array(json_value& out, int depth) {
        out.type = json_value::kind::array;
        ++_at;
        skip();
        if (_at < _text.size() && _text[_at] == ']') {
            ++_at;
            return true;
        }
        for (;;) {
            json_value v;
            if (!value(v, depth + 1)) return false;
            out.items.push_back(std::move(v));
            skip();
            if (_at >= _text.size()) return fail("unexpected end in an array (truncated?)");
            if (_text[_at] == ']') {
                ++_at;
                return true;
            }
            if (_text[_at] != ',') return fail("expected ',' or ']'");
            ++_at;
        }
    }

    bool string(std::string& out) {
        ++_at; // the opening quote
        while (_at < _text.size()) {
            const char c = _text[_at++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("a control character in a string");
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (_at >= _text.size()) break;
            const char e = _text[_at++];
            switch (e) {
            case '"':
                out.push_back('"');
                break;
            case '\\':
                out.push_back('\\');
                break;
            case '/':
                out.push_back('/');
                break;
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'u': {
                unsigned code = 0;
                if (_at + 4 > _text.size()) return fail("a truncated \\u escape");
                const auto [ptr, ec] = std::from_chars(_text.data() + _at, _text.data() + _at + 4, code, 16);
                if (ec != std::errc() || ptr != _text.data() + _at + 4) return fail("a bad \\u escape");
                _at += 4;
                // UTF-8 of the code unit (corio-load writes \u only for control characters).
                if (code < 0x80) {
                    out.push_back(static_cast<char>(code));
                } else if (code < 0x800) {
                    out.push_back(static_cast<char>(0xc0 | (code >> 6)));
                    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
                } else {
                    out.push_back(static_cast<char>(0xe0 | (code >> 12)));
                    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
                    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
                }
                break;
            }
            default:
                return fail("a bad escape in a string");
            }
        }
        return fail("an unterminated string (truncated?)");
    }

    bool number(json_value& out) {
        const std::size_t start = _at;
        if (_at < _text.size() && _text[_at] == '-') ++_at;
        const std::size_t digits = _at;
        while (_at < _text.size() && ((_text[_at] >= '0' && _text[_at] <= '9') || _text[_at] == '.' ||
                                      _text[_at] == 'e' || _text[_at] == 'E' || _text[_at] == '+' || _text[_at] == '-'))
            ++_at;
        if (_at == digits || _text[digits] < '0' || _text[digits] > '9') return fail("expected a value");
        out.type = json_value::kind::number;
        out.text = std::string(_text.substr(start, _at - start));
        char* end = nullptr;
        std::strtod(out.text.c_str(), &end);
        if (end != out.text.c_str() + out.text.size()) return fail("a malformed number");
        return true;
    }

    std::string_view _text;
    std::size_t _at = 0;
    std::string _error;
};

} // namespace

bool parse_json(std::string_view text, json_value& out, std::string& error) {
    out = {};
    return parser(text).document(out, error);
}

} // namespace corio::load
