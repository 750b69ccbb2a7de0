// SPDX-License-Identifier: MIT
// byte_classes: the classes of bytes HTTP text is checked against, one byte at a time (tokens) or
// eight at a time (SWAR words), shared by the request scan, the client's field checks, the chunked
// body decoder and the JSON writer.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace corio::http::detail {

/// RFC 9110 5.6.2 tchar: the bytes of a token (a field name, a method, a chunk-extension name);
/// llhttp's table in strict mode is the same.
inline constexpr std::array<bool, 256> token_bytes = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c)
        t[static_cast<std::size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        t[static_cast<std::size_t>(c)] = t[static_cast<std::size_t>(c - 'a' + 'A')] = true;
    for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
        t[static_cast<unsigned char>(c)] = true;
    return t;
}();

/// True when `c` may be part of a token.
constexpr bool is_token_byte(char c) noexcept {
    return token_bytes[static_cast<unsigned char>(c)];
}

// Byte classes over a 64-bit word, SWAR style. Each returns the high bit of every byte in the class;
// a borrow or carry can mark bytes above a marked one, never below it, so whether a word has a byte
// of the class is exact, and so is the lowest mark (where a run of ordinary bytes ends).
namespace swar {

static_assert(std::endian::native == std::endian::little, "the SWAR helpers read words little-endian");

inline constexpr std::uint64_t ones = 0x0101010101010101ULL;
inline constexpr std::uint64_t highs = 0x8080808080808080ULL;

/// The eight bytes at `p` as one word, the first byte lowest.
inline std::uint64_t load(const char* p) noexcept {
    std::uint64_t x;
    std::memcpy(&x, p, sizeof x);
    return x;
}

/// The bytes of `s` (at most 8) as the word load() reads from them; zeros after them.
constexpr std::uint64_t word(std::string_view s) noexcept {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < s.size() && i < 8; ++i)
        w |= std::uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
    return w;
}

/// Bytes below `n` (n <= 0x80).
constexpr std::uint64_t below(std::uint64_t x, std::uint8_t n) noexcept {
    return (x - ones * n) & ~x & highs;
}

/// Bytes above `n` (n < 0x80), and every byte of 0x80 or more.
constexpr std::uint64_t above(std::uint64_t x, std::uint8_t n) noexcept {
    return ((x + ones * (0x7f - n)) | x) & highs;
}

/// Bytes equal to `c`.
constexpr std::uint64_t equal(std::uint64_t x, std::uint8_t c) noexcept {
    return below(x ^ (ones * c), 1);
}

} // namespace swar

} // namespace corio::http::detail
