// SPDX-License-Identifier: MIT
// json_writer: a streaming JSON serializer that appends to a response body buffer (commas, quoting
// and escaping handled), for handlers that build JSON per request without allocating.
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include <corio/http/response.hpp>

namespace corio::http {

/// The integer types JSON numbers are written from and read into: every signed and unsigned
/// integer type (std::size_t, std::int8_t, int, long long...), not bool nor the character types.
template <class T>
concept json_integer =
    std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> && !std::same_as<T, wchar_t> &&
    !std::same_as<T, char8_t> && !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

/// Writes one JSON value into a buffer; nesting up to 64 levels.
class json_writer {
public:
    /// Appends to `out` (typically response::body_buffer()).
    explicit json_writer(response::buffer& out) noexcept : _out(out) {}

    /// Opens an object.
    json_writer& begin_object();
    /// Closes the innermost object.
    json_writer& end_object();
    /// Opens an array.
    json_writer& begin_array();
    /// Closes the innermost array.
    json_writer& end_array();
    /// Writes an object key; the next call writes its value.
    json_writer& key(std::string_view name);
    /// Writes a string value (escaped).
    json_writer& value(std::string_view text);
    /// Writes a string value (escaped) from a literal.
    json_writer& value(const char* text) { return value(std::string_view(text)); }
    /// Writes an integer value of any integer type (int, std::size_t, std::int64_t...).
    template <json_integer T>
    json_writer& value(T number) {
        if constexpr (std::is_signed_v<T>) {
            return integer(static_cast<std::int64_t>(number));
        } else {
            return integer(static_cast<std::uint64_t>(number));
        }
    }
    /// Writes a floating-point value (shortest round-trip form; non-finite values become null).
    json_writer& value(double number);
    /// Writes true or false.
    json_writer& value(bool flag);
    /// Writes null.
    json_writer& null();

private:
    json_writer& integer(std::int64_t number);
    json_writer& integer(std::uint64_t number);
    void separate();
    void open(char bracket);
    void close(char bracket);
    void string(std::string_view text);

    response::buffer& _out;
    std::uint64_t _has_items = 0; // bit n: the container at depth n already holds an item
    unsigned _depth = 0;
    bool _after_key = false;
};

/// Sets `res` to `application/json` and returns a writer for its body.
json_writer json_body(response& res);

} // namespace corio::http
