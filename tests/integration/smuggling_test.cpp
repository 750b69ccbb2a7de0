// SPDX-License-Identifier: MIT
// Request smuggling vectors over the wire: each ambiguous or malformed framing is answered with
// 400 (501 for a transfer coding the server does not implement, 505 for an unknown HTTP version)
// and the connection is closed; the request hidden behind it is never answered.
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using corio::test::loopback_client;
using corio::test::peer_end;
using corio::test::reply;
using corio::test::served;

// The smuggled request: a front end that framed the first request differently would see this as
// a request of its own; the server must never answer it.
constexpr std::string_view smuggled = "GET /plaintext HTTP/1.1\r\nHost: loopback\r\n\r\n";

struct vector_case {
    const char* name;
    std::string first; // the ambiguous request; `smuggled` follows it in the same write
    std::vector<int> statuses;
};

// Test names and failure messages show the case's name, not its bytes.
void PrintTo(const vector_case& c, std::ostream* os) {
    *os << c.name;
}

class smuggling : public ::testing::TestWithParam<vector_case> {};

TEST_P(smuggling, refused_closed_and_nothing_behind_it_answered) {
    const vector_case& c = GetParam();
    served s(corio::test::loopback_config());
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 3000);
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.send_all(c.first + std::string(smuggled))) << client.error();
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    bool expected = false;
    for (const int status : c.statuses)
        expected = expected || r.status == status;
    EXPECT_TRUE(expected) << "unexpected status " << r.status << ":\n" << r.raw;
    EXPECT_EQ(r.header("Connection"), "close");
    const peer_end end = client.wait_for_close();
    EXPECT_NE(end, peer_end::data) << "the request behind the refused one was answered";
    EXPECT_TRUE(end == peer_end::eof || end == peer_end::reset) << "not closed: " << client.error();

    client.close();
    corio::test::stop_and_join(s.rt);
    const corio::http::server_stats stats = s.srv.stats(0);
    EXPECT_EQ(stats.requests, 0U) << "a request was handed to a handler";
    EXPECT_EQ(stats.parse_errors, 1U);
}

std::string post(std::string_view headers, std::string_view body) {
    return "POST /sum HTTP/1.1\r\nHost: loopback\r\n" + std::string(headers) + "\r\n" + std::string(body);
}

INSTANTIATE_TEST_SUITE_P(
    over_the_wire, smuggling,
    ::testing::Values(
        vector_case{"content_length_and_transfer_encoding",
                    post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
                    {400}},
        vector_case{"transfer_encoding_then_content_length",
                    post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"),
                    {400}},
        vector_case{
            "two_different_content_lengths", post("Content-Length: 5\r\nContent-Length: 50\r\n", "hello"), {400}},
        vector_case{"content_length_list", post("Content-Length: 5, 50\r\n", "hello"), {400}},
        vector_case{"content_length_not_a_number", post("Content-Length: 5x\r\n", "hello"), {400}},
        vector_case{"negative_content_length", post("Content-Length: -5\r\n", "hello"), {400}},
        vector_case{"content_length_with_plus_sign", post("Content-Length: +5\r\n", "hello"), {400}},
        vector_case{"transfer_encoding_last_coding_not_chunked",
                    post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"),
                    {400, 501}},
        vector_case{
            "transfer_encoding_unknown_coding_only", post("Transfer-Encoding: gzip\r\n", "0\r\n\r\n"), {400, 501}},
        vector_case{"transfer_encoding_chunked_then_another_line",
                    post("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", "0\r\n\r\n"),
                    {400, 501}},
        vector_case{"obs_fold", "GET /plaintext HTTP/1.1\r\nHost: loopback\r\nX-Folded: a\r\n b\r\n\r\n", {400}},
        vector_case{"obs_fold_of_transfer_encoding",
                    post("Transfer-Encoding:\r\n chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"),
                    {400}},
        vector_case{"whitespace_before_colon", post("Content-Length : 5\r\n", "hello"), {400}},
        vector_case{"tab_before_colon", post("Transfer-Encoding\t: chunked\r\n", "0\r\n\r\n"), {400}},
        vector_case{"invalid_chunk_size", post("Transfer-Encoding: chunked\r\n", "zz\r\nhello\r\n0\r\n\r\n"), {400}},
        vector_case{"chunk_size_overflow",
                    post("Transfer-Encoding: chunked\r\n", "fffffffffffffffff1\r\nhello\r\n0\r\n\r\n"),
                    {400}},
        vector_case{"chunk_size_with_junk", post("Transfer-Encoding: chunked\r\n", "5 x\r\nhello\r\n0\r\n\r\n"), {400}},
        vector_case{"http_version_1_2", "GET /plaintext HTTP/1.2\r\nHost: loopback\r\n\r\n", {505}},
        vector_case{"http_version_2_0", "GET /plaintext HTTP/2.0\r\nHost: loopback\r\n\r\n", {505}},
        vector_case{"http_version_9_9", "GET /plaintext HTTP/9.9\r\nHost: loopback\r\n\r\n", {505}}),
    [](const ::testing::TestParamInfo<vector_case>& param_info) { return std::string(param_info.param.name); });

} // namespace
