// SPDX-License-Identifier: MIT
// json_reader: a small JSON parser for what `corio-load merge` reads back (corio-load's own
// results). It builds a tree of json_value; numbers keep their text, so that 64-bit counts come back
// exact. Strict RFC 8259 syntax; an error names the byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio::load {

/// One JSON value and, for arrays and objects, its children.
struct json_value {
    enum class kind { null, boolean, number, string, array, object };
    kind type = kind::null;
    bool boolean = false;
    std::string text; ///< a string's value, or a number as written
    std::vector<json_value> items;
    std::vector<std::pair<std::string, json_value>> members;

    /// The member named `key` of an object, or nullptr.
    const json_value* find(std::string_view key) const noexcept;
    /// A number as double (0 for anything else).
    double number() const noexcept;
    /// A non-negative integer; false when this is not one.
    bool to_u64(std::uint64_t& out) const noexcept;
};

/// Parses `text`; false with `error` ("at byte N: ...") when it is not one JSON value.
bool parse_json(std::string_view text, json_value& out, std::string& error);

} // namespace corio::load
