// SPDX-License-Identifier: MIT
// byte_classes: the token table is RFC 9110's tchar, and each SWAR class marks exactly the bytes
// a byte-at-a-time test would, at every position of a word, with the lowest mark where the first
// such byte is (what the scans rely on).
#include "byte_classes.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <gtest/gtest.h>

namespace {

namespace swar = corio::http::detail::swar;
using corio::http::detail::is_token_byte;

TEST(byte_classes, tokens_are_rfc_9110_tchar) {
    constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        const bool alnum = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
        const bool special = b != 0 && specials.find(c) != std::string_view::npos;
        EXPECT_EQ(is_token_byte(c), alnum || special) << b;
    }
}

TEST(byte_classes, words_load_in_memory_order) {
    EXPECT_EQ(swar::load("GET /abc"), swar::word("GET /abc"));
    EXPECT_EQ(swar::word("GET") & 0xff, std::uint64_t{'G'});
    EXPECT_EQ(swar::word("GET") >> 24, 0U); // zeros after the bytes
}

// For every byte value at every position in a word of filler bytes, before and after another byte
// of the class: whether a class marks the word, and where its lowest mark is.
void check_class(std::uint64_t (*marks)(std::uint64_t), bool (*in_class)(unsigned), unsigned filler) {
    ASSERT_FALSE(in_class(filler));
    for (unsigned b = 0; b < 256; ++b) {
        for (unsigned at = 0; at < 8; ++at) {
            unsigned char bytes[8];
            std::memset(bytes, static_cast<int>(filler), sizeof bytes);
            bytes[at] = static_cast<unsigned char>(b);
            std::uint64_t w;
            std::memcpy(&w, bytes, sizeof w);
            const std::uint64_t m = marks(w);
            EXPECT_EQ(m != 0, in_class(b)) << "byte " << b << " at " << at;
            if (in_class(b)) {
                EXPECT_EQ(static_cast<unsigned>(std::countr_zero(m)) / 8, at) << "byte " << b << " at " << at;
            }
        }
    }
}

TEST(byte_classes, below_above_and_equal_mark_their_bytes) {
    check_class([](std::uint64_t w) { return swar::below(w, 0x20); }, [](unsigned b) { return b < 0x20; }, 'a');
    check_class([](std::uint64_t w) { return swar::below(w, 0x80); }, [](unsigned b) { return b < 0x80; }, 0xc3);
    check_class([](std::uint64_t w) { return swar::below(w, 1); }, [](unsigned b) { return b == 0; }, 'a');
    check_class([](std::uint64_t w) { return swar::above(w, 0x7e); }, [](unsigned b) { return b > 0x7e; }, 'a');
    check_class([](std::uint64_t w) { return swar::above(w, 0x20); }, [](unsigned b) { return b > 0x20; }, ' ');
    check_class([](std::uint64_t w) { return swar::equal(w, '\r'); }, [](unsigned b) { return b == '\r'; }, 'a');
    check_class([](std::uint64_t w) { return swar::equal(w, 0xff); }, [](unsigned b) { return b == 0xff; }, 0);
}

TEST(byte_classes, the_lowest_mark_is_exact_behind_a_borrow) {
    // A zero byte borrows from the byte above it: 0x01 above a 0x00 is marked too, but the lowest
    // mark is still the zero.
    std::uint64_t w;
    const unsigned char bytes[8] = {'a', 0x00, 0x01, 'a', 'a', 'a', 'a', 'a'};
    std::memcpy(&w, bytes, sizeof w);
    EXPECT_EQ(std::countr_zero(swar::below(w, 1)) / 8, 1);
}

} // namespace
