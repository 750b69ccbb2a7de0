// SPDX-License-Identifier: MIT
// ascii: comparisons of protocol words (HTTP field names, SQL keywords, column names) that ignore
// the case of ASCII letters only, as the protocols say; no locale, inline for hot paths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace corio {

namespace detail {
// The bytes of `w` with their ASCII capitals made small (`Word`: 32 or 64 bits).
template <typename Word>
constexpr Word lower_bytes(Word w) noexcept {
    constexpr Word ones = static_cast<Word>(~Word{0}) / 0xff;
    const Word low7 = w & (0x7f * ones);
    const Word from_a = low7 + (0x80 - 'A') * ones; // a byte's high bit: at least 'A'
    const Word past_z = low7 + (0x7f - 'Z') * ones; // a byte's high bit: past 'Z'
    const Word capital = (from_a ^ past_z) & ~w & (0x80 * ones);
    return w | (capital >> 2);
}

// True when the `Word`s at `a` and `b` hold the same bytes but for ASCII case.
template <typename Word>
bool same_word_ignoring_case(const char* a, const char* b) noexcept {
    Word x;
    Word y;
    std::memcpy(&x, a, sizeof x);
    std::memcpy(&y, b, sizeof y);
    return x == y || lower_bytes(x) == lower_bytes(y);
}
} // namespace detail

/// `c` with an ASCII capital letter made small; any other byte as it is.
constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

/// True when `a` and `b` are the same bytes but for the case of ASCII letters.
inline bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
    const std::size_t n = a.size();
    if (n != b.size()) return false;
    const char* x = a.data();
    const char* y = b.data();
    // Eight bytes at a time, the last word overlapping the one before; four for a short word.
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8)
            if (!detail::same_word_ignoring_case<std::uint64_t>(x + i, y + i)) return false;
        return detail::same_word_ignoring_case<std::uint64_t>(x + n - 8, y + n - 8);
    }
    if (n >= 4) {
        return detail::same_word_ignoring_case<std::uint32_t>(x, y) &&
               detail::same_word_ignoring_case<std::uint32_t>(x + n - 4, y + n - 4);
    }
    for (std::size_t i = 0; i < n; ++i)
        if (ascii_lower(x[i]) != ascii_lower(y[i])) return false;
    return true;
}

/// True when `text` begins with `prefix`, ignoring the case of ASCII letters.
inline bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) noexcept {
    return text.size() >= prefix.size() && equal_ignoring_case(text.substr(0, prefix.size()), prefix);
}

} // namespace corio
