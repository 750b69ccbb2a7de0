// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <corio/http/request.hpp>

namespace corio::http {

/// Grows the span [start, start + length) by a piece llhttp reports. A span crossing the end of the
/// input comes in several pieces; consecutive pieces are contiguous, so extending the length is enough.
inline void extend_span(const char*& start, std::size_t& length, const char* at, std::size_t n) noexcept {
    if (start == nullptr) start = at;
    length = static_cast<std::size_t>(at + n - start);
}

/// The header fields of one message head as llhttp reports them (names and values in pieces), kept
/// as spans into the parsed input: the part request_parser and response_parser share.
class head_fields {
public:
    /// What finish() did with the field read so far.
    enum class outcome : std::uint8_t { added, none, malformed, too_many };

    /// Room for at most `max_fields` fields, allocated once.
    explicit head_fields(std::size_t max_fields) : _fields(max_fields) {}

    /// Forgets every field, for the next head.
    void clear() noexcept {
        _count = 0;
        drop();
    }

    /// True once a piece of the current field's name has come (false at the start of a field line).
    bool name_started() const noexcept { return _name_at != nullptr; }

    /// A piece of the current field's name.
    void name_piece(const char* at, std::size_t n) noexcept { extend_span(_name_at, _name_length, at, n); }

    /// A piece of the current field's value; false when a line break precedes it. That is an
    /// obs-fold, which llhttp 8 accepts and RFC 9112 5.2 lets us refuse (merging the pieces would
    /// put CRLF into the value). llhttp reports an empty value as an empty piece: ignored.
    bool value_piece(const char* at, std::size_t n) noexcept {
        if (n == 0) return true;
        const char* gap = _value_at != nullptr  ? _value_at + _value_length
                          : _name_at != nullptr ? _name_at + _name_length
                                                : at;
        // The gap is normally ": " (or nothing between two pieces of one value): a loop of a byte or
        // two, not a memchr call per field.
        for (const char* c = gap; c < at; ++c) {
            if (*c == '\n') return false;
        }
        extend_span(_value_at, _value_length, at, n);
        return true;
    }

    /// The current field's value has ended (an empty value still ends the field).
    void value_complete() noexcept {
        if (_value_at == nullptr) _value_at = "";
    }

    /// Adds the field read so far to the list, its value without trailing blanks: malformed for
    /// "Name :" (llhttp 8 accepts it; RFC 9112 5.1 forbids it, a smuggling vector), too_many past
    /// the limit, none when no field is pending.
    outcome finish() noexcept {
        if (_name_at == nullptr) return outcome::none;
        if (_name_length != 0 && _name_at[_name_length - 1] == ' ') return outcome::malformed;
        if (_count == _fields.size()) return outcome::too_many;
        std::string_view value(_value_at == nullptr ? "" : _value_at, _value_length);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
            value.remove_suffix(1);
        _fields[_count++] = {{_name_at, _name_length}, value};
        drop();
        return outcome::added;
    }

    /// Adds a whole field (the caller trimmed its value); false when the list is full.
    bool add(std::string_view name, std::string_view value) noexcept {
        if (_count == _fields.size()) return false;
        _fields[_count++] = {name, value};
        return true;
    }

    /// Forgets the field read so far without adding it (a trailer field, parsed and ignored).
    void drop() noexcept {
        _name_at = _value_at = nullptr;
        _name_length = _value_length = 0;
    }

    /// The fields added since clear().
    std::span<const header_field> list() const noexcept { return {_fields.data(), _count}; }

    /// The field finish() added last.
    const header_field& last() const noexcept { return _fields[_count - 1]; }

private:
    std::vector<header_field> _fields;
    std::size_t _count = 0;
    const char* _name_at = nullptr;
    std::size_t _name_length = 0;
    const char* _value_at = nullptr;
    std::size_t _value_length = 0;
};

} // namespace corio::http
