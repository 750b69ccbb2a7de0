// SPDX-License-Identifier: MIT
#include <corio/core/ascii.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

// The comparison spelled out a byte at a time.
bool reference_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (corio::ascii_lower(a[i]) != corio::ascii_lower(b[i])) return false;
    return true;
}

TEST(ascii, every_pair_of_bytes_at_every_position_and_length) {
    // Each pair of bytes in each position of strings of 1 to 17 bytes, which covers the byte loop,
    // the 4-byte words and the overlapping 8-byte words.
    for (std::size_t length = 1; length <= 17; ++length) {
        std::string a(length, 'k');
        std::string b(length, 'K');
        for (std::size_t at = 0; at < length; ++at) {
            for (int x = 0; x < 256; ++x) {
                for (int y = 0; y < 256; ++y) {
                    a[at] = static_cast<char>(x);
                    b[at] = static_cast<char>(y);
                    ASSERT_EQ(corio::equal_ignoring_case(a, b), reference_equal(a, b))
                        << "length " << length << " at " << at << " bytes " << x << ", " << y;
                }
            }
            a[at] = 'k';
            b[at] = 'K';
        }
    }
}

TEST(ascii, names) {
    EXPECT_TRUE(corio::equal_ignoring_case("Content-Length", "content-length"));
    EXPECT_TRUE(corio::equal_ignoring_case("TRANSFER-ENCODING", "transfer-encoding"));
    EXPECT_FALSE(corio::equal_ignoring_case("content-lengti", "content-length"));
    EXPECT_FALSE(corio::equal_ignoring_case("host", "hos"));
    EXPECT_TRUE(corio::equal_ignoring_case("", ""));
    // Only letters fold: '@' and '`', '[' and '{' differ in the same bit as 'A' and 'a'.
    EXPECT_FALSE(corio::equal_ignoring_case("@", "`"));
    EXPECT_FALSE(corio::equal_ignoring_case("x[yz", "x{yz"));
    EXPECT_FALSE(corio::equal_ignoring_case("\xc1\xc1\xc1\xc1\xc1\xc1\xc1\xc1", "\xe1\xe1\xe1\xe1\xe1\xe1\xe1\xe1"));
    EXPECT_TRUE(corio::starts_with_ignoring_case("SELECT 1", "select"));
    EXPECT_FALSE(corio::starts_with_ignoring_case("SEL", "select"));
}

} // namespace
