// SPDX-License-Identifier: MIT
// Request limits over the wire: a URL too long (414), too many header fields or too many header
// bytes (431), a body announced over the limit (413, answered without waiting for the body).
// Each answer closes the connection, and nothing sent after the refused request is answered.
#include <ostream>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using corio::test::loopback_client;
using corio::test::peer_end;
using corio::test::reply;
using corio::test::served;

constexpr std::uint32_t max_url = 256;
constexpr std::uint32_t max_header_bytes = 1024;
constexpr std::uint32_t max_headers = 8;
constexpr std::uint32_t max_body = 1000;

// A well-formed request after the refused one: if it were ever answered, the test would see it.
constexpr std::string_view follow_up = "GET /plaintext HTTP/1.1\r\nHost: loopback\r\n\r\n";

corio::http::server_config limited_config() {
    corio::http::server_config config = corio::test::loopback_config();
    config.max_url_bytes = max_url;
    config.max_header_bytes = max_header_bytes;
    config.max_headers = max_headers;
    config.max_body_bytes = max_body;
    return config;
}

std::string many_headers(int count) {
    std::string lines;
    for (int i = 0; i < count; ++i)
        lines += fmt::format("X-H{}: v\r\n", i);
    return lines;
}

struct limit_case {
    const char* name;
    std::string request; // sent in one write, followed by follow_up unless `alone`
    int status;
    bool alone = false;
};

// Test names and failure messages show the case's name, not its bytes.
void PrintTo(const limit_case& c, std::ostream* os) {
    *os << c.name;
}

class limits : public ::testing::TestWithParam<limit_case> {};

TEST_P(limits, refused_with_status_and_closed) {
    const limit_case& c = GetParam();
    served s(limited_config());
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 3000);
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.send_all(c.alone ? c.request : c.request + std::string(follow_up))) << client.error();
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.status, c.status) << r.raw;
    EXPECT_EQ(r.header("Connection"), "close");
    const peer_end end = client.wait_for_close();
    EXPECT_NE(end, peer_end::data) << "something was answered after the refused request";
    EXPECT_TRUE(end == peer_end::eof || end == peer_end::reset) << "not closed: " << client.error();

    client.close();
    corio::test::stop_and_join(s.rt);
    EXPECT_EQ(s.srv.stats(0).requests, 0U);
}

INSTANTIATE_TEST_SUITE_P(
    over_the_wire, limits,
    ::testing::Values(
        limit_case{"url_too_long", corio::test::get("/plaintext?" + std::string(max_url + 50, 'u')), 414},
        // The URL alone, its request line unfinished: refused as soon as it passes the limit.
        limit_case{"unfinished_url_too_long", "GET /" + std::string(max_url + 50, 'u'), 414, true},
        limit_case{"too_many_header_fields", corio::test::get("/plaintext", many_headers(max_headers + 4)), 431},
        limit_case{"header_bytes_over_the_limit",
                   corio::test::get("/plaintext", "X-Big: " + std::string(max_header_bytes, 'h') + "\r\n"), 431},
        // A head that never ends but already holds more than the limit.
        limit_case{"unfinished_head_over_the_limit",
                   "GET /plaintext HTTP/1.1\r\nHost: loopback\r\nX-Big: " + std::string(2 * max_header_bytes, 'h'), 431,
                   true},
        // Only the head: the 413 must come without the body being sent.
        limit_case{"content_length_over_the_limit", corio::test::post_sum_head(max_body + 1), 413, true},
        limit_case{"huge_content_length", corio::test::post_sum_head(1'000'000'000'000ULL), 413, true},
        // A chunked body whose chunks add up to more than the limit.
        limit_case{"chunked_body_over_the_limit",
                   fmt::format("POST /sum HTTP/1.1\r\nHost: loopback\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "{:x}\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
                               max_body / 2 + 1, std::string(max_body / 2 + 1, 'c'), max_body / 2 + 1,
                               std::string(max_body / 2 + 1, 'c')),
                   413}),
    [](const ::testing::TestParamInfo<limit_case>& param_info) { return std::string(param_info.param.name); });

// Just under every limit: served normally, the connection stays open.
TEST(limits_boundary, requests_at_the_limits_are_served) {
    served s(limited_config());
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 3000);
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    const std::string target = "/echo?n=" + std::string(max_url - 8, 'u');
    ASSERT_EQ(target.size(), max_url);
    ASSERT_TRUE(client.roundtrip(corio::test::get(target), r)) << client.error();
    EXPECT_EQ(r.status, 200);
    // "Host: loopback" plus max_headers - 1 more fields.
    ASSERT_TRUE(client.roundtrip(corio::test::get("/plaintext", many_headers(max_headers - 1)), r)) << client.error();
    EXPECT_EQ(r.status, 200);
    const std::string body(max_body, 'b');
    ASSERT_TRUE(client.roundtrip(corio::test::post_sum_head(body.size()) + body, r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, corio::test::sum_of(body));
    EXPECT_FALSE(r.header("Connection").has_value());
}

} // namespace
