// SPDX-License-Identifier: MIT
// client_url: the parts of http:// URLs (default port, IPv6 brackets, target and Host field as
// written) and the refusal of everything else with bad_url.
#include "client_url.hpp"

#include <string_view>

#include <gtest/gtest.h>

#include <corio/http/client_error.hpp>

namespace {

using corio::http::client_errc;
using corio::http::detail::parse_client_url;

TEST(ClientUrl, SplitsOriginTargetAndAuthority) {
    auto u = parse_client_url("http://127.0.0.1:8080/a/b?c=d");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, 8080);
    EXPECT_EQ(u->target, "/a/b?c=d");
    EXPECT_EQ(u->authority, "127.0.0.1:8080");

    u = parse_client_url("HTTP://localhost");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "localhost");
    EXPECT_EQ(u->port, 80);
    EXPECT_EQ(u->target, "/");
    EXPECT_EQ(u->authority, "localhost");

    u = parse_client_url("http://[::1]:9/x");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->port, 9);
    EXPECT_EQ(u->authority, "[::1]:9");
}

TEST(ClientUrl, RefusesWhatIsNotAnHttpUrl) {
    for (const std::string_view text :
         {"", "http://", "https://h/", "ftp://h/", "//h/", "http://h:/", "http://h:0/", "http://h:65536/",
          "http://h:8x/", "http://:80/", "http://u@h/", "http://[::1/", "http://[]/", "http://[::1]x/", "http://h?q",
          "http://h/a b", "http://h/\r\nX: y", "http://h/\x7f"}) {
        auto u = parse_client_url(text);
        EXPECT_FALSE(u) << text;
        if (!u) {
            EXPECT_EQ(u.error(), make_error_code(client_errc::bad_url)) << text;
        }
    }
}

} // namespace
