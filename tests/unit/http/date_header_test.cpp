// SPDX-License-Identifier: MIT
// date_header: IMF-fixdate formatting and the once-per-second cache.
#include "date_header.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace {

using corio::http::date_header;

TEST(date_header, epoch) {
    date_header d;
    EXPECT_EQ(d.line(0), "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n");
}

TEST(date_header, known_timestamps) {
    date_header d;
    EXPECT_EQ(d.line(784111777), "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"); // RFC 9110's example
    EXPECT_EQ(d.line(1700000000), "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n");
    EXPECT_EQ(d.line(951782400), "Date: Tue, 29 Feb 2000 00:00:00 GMT\r\n");
    EXPECT_EQ(d.line(0), "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n");
}

TEST(date_header, length_is_fixed) {
    date_header d;
    for (std::int64_t t : {0L, 59L, 86399L, 1700000000L, 4102444800L}) {
        EXPECT_EQ(d.line(t).size(), std::string_view("Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n").size()) << t;
    }
}

TEST(date_header, line_is_reused_within_one_second_and_rebuilt_after) {
    date_header d;
    const std::string_view first = d.line(1700000000);
    ASSERT_EQ(first, "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n");
    // Mark the cached text (the view points at the object's own mutable buffer): a call for the
    // same second must hand back the marked text unchanged, proving it was not formatted again.
    const_cast<char*>(first.data())[first.size() - 3] = 'X';
    const std::string_view again = d.line(1700000000);
    EXPECT_EQ(again.data(), first.data());
    EXPECT_EQ(again, "Date: Tue, 14 Nov 2023 22:13:20 GMX\r\n");
    // The next second rebuilds the line.
    EXPECT_EQ(d.line(1700000001), "Date: Tue, 14 Nov 2023 22:13:21 GMT\r\n");
    EXPECT_EQ(d.line(1700000001).data(), first.data());
}

} // namespace
