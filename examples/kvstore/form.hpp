// SPDX-License-Identifier: MIT
// form: decoding of application/x-www-form-urlencoded text (the body of a classic HTML form post).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kvstore {

/// Decodes `%XX` escapes and `+` (a space in form data); nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

/// One `name=value` pair of a form body, both decoded.
struct form_field {
    std::string name;
    std::string value;
};

/// The first field of a form body ("key=value&..."), decoded; nullopt if it has no '=' or a bad escape.
std::optional<form_field> first_form_field(std::string_view body);

} // namespace kvstore
