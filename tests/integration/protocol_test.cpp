// SPDX-License-Identifier: MIT
// Protocol details over the wire: Expect: 100-continue (the 100 only when a route will read the
// body; otherwise the final status at once and a close), OPTIONS * and absolute-form targets.
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using corio::test::loopback_client;
using corio::test::peer_end;
using corio::test::reply;
using corio::test::served;

constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

std::string expect_head(std::string_view method, std::string_view target, std::size_t length) {
    return std::string(method) + " " + std::string(target) +
           " HTTP/1.1\r\nHost: loopback\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(length) +
           "\r\n\r\n";
}

TEST(protocol, expect_continue_invites_the_body_of_a_route_that_reads_it) {
    served s(corio::test::loopback_config());
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 3000);
    ASSERT_TRUE(client.connected()) << client.error();
    const std::string body = "a body the client holds back";
    for (int round = 0; round < 2; ++round) { // twice: the next request on the connection gets its own 100
        ASSERT_TRUE(client.send_all(expect_head("POST", "/sum", body.size()))) << client.error();
        // The client sends nothing more until the 100 arrives; without it this read times out.
        reply r;
        ASSERT_TRUE(client.read_response(r)) << "round " << round << ": no 100 Continue: " << client.error();
        ASSERT_EQ(r.raw, continue_response) << "round " << round;
        ASSERT_TRUE(client.send_all(body)) << client.error();
        ASSERT_TRUE(client.read_response(r)) << client.error();
        EXPECT_EQ(r.status, 200) << "round " << round;
        EXPECT_EQ(r.body, corio::test::sum_of(body)) << "round " << round;
        EXPECT_FALSE(r.header("Connection").has_value()) << "round " << round;
    }
}

// The body arriving in pieces after the 100 is no reason for a second 100.
TEST(protocol, expect_continue_sends_one_100_for_a_body_in_pieces) {
    served s(corio::test::loopback_config());
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 3000);
    ASSERT_TRUE(client.connected()) << client.error();
    client.set_nodelay();
    const std::string body(3000, 'p');
    ASSERT_TRUE(client.send_all(expect_head("POST", "/sum", body.size()))) << client.error();
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    ASSERT_EQ(r.raw, continue_response);
    for (std::size_t at = 0; at < body.size(); at += 500) {
        ASSERT_TRUE(client.send_all(std::string_view(body).substr(at, 500))) << client.error();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body, corio::test::sum_of(body));
}

struct refused_expectation {
    const char* method;
    const char* target;
    int status;
};

// No route would read the body: the final status comes at once (no 100), then the connection closes.
TEST(protocol, expect_continue_to_a_missing_route_answers_the_final_status_and_closes) {
    for (const refused_expectation c :
         {refused_expectation{"POST", "/nowhere", 404}, refused_expectation{"POST", "/plaintext", 405}}) {
        SCOPED_TRACE(std::string(c.method) + " " + c.target);
        served s(corio::test::loopback_config());
        CORIO_START_OR_SKIP(s.rt, s.srv);

        loopback_client client(s.port(), 3000);
        ASSERT_TRUE(client.connected()) << client.error();
        ASSERT_TRUE(client.send_all(expect_head(c.method, c.target, 100))) << client.error();
        reply r;
        ASSERT_TRUE(client.read_response(r)) << client.error();
        EXPECT_EQ(r.status, c.status) << r.raw;
        EXPECT_EQ(r.header("Connection"), "close");
        if (c.status == 405) {
            EXPECT_EQ(r.header("Allow"), "GET, HEAD");
        }
        // A well-formed request where the unwanted body would go: never answered.
        // (The send may fail: the server is allowed to have closed already.)
        client.send_all("GET /plaintext HTTP/1.1\r\nHost: loopback\r\n\r\n");
        const peer_end end = client.wait_for_close();
        EXPECT_NE(end, peer_end::data) << "a request after the refused one was answered";
        EXPECT_TRUE(end == peer_end::eof || end == peer_end::reset)
            << "not closed (" << static_cast<int>(end) << "): " << client.error();
    }
}

TEST(protocol, options_asterisk_is_200_with_allow) {
    served s(corio::test::loopback_config());
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 3000);
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("OPTIONS * HTTP/1.1\r\nHost: loopback\r\n\r\n", r)) << client.error();
    EXPECT_EQ(r.status, 200) << r.raw;
    const auto allow = r.header("Allow");
    ASSERT_TRUE(allow.has_value()) << r.raw;
    EXPECT_NE(allow->find("GET"), std::string_view::npos) << *allow;
    EXPECT_NE(allow->find("OPTIONS"), std::string_view::npos) << *allow;
    EXPECT_TRUE(r.body.empty());
    // Keep-alive: the connection serves on.
    ASSERT_TRUE(client.roundtrip(corio::test::get("/plaintext"), r)) << client.error();
    EXPECT_EQ(r.status, 200);
}

TEST(protocol, absolute_form_target_is_routed_on_its_path) {
    served s(corio::test::loopback_config());
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 3000);
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("GET http://example.com/plaintext?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", r))
        << client.error();
    EXPECT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body, "Hello, World!");
    // The query survives too.
    ASSERT_TRUE(
        client.roundtrip("GET http://example.com:8080/echo?n=absolute HTTP/1.1\r\nHost: example.com\r\n\r\n", r))
        << client.error();
    EXPECT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body, "absolute");
    // The path, not the authority, decides: an unknown path is still 404.
    ASSERT_TRUE(client.roundtrip("GET http://plaintext/nowhere HTTP/1.1\r\nHost: plaintext\r\n\r\n", r))
        << client.error();
    EXPECT_EQ(r.status, 404) << r.raw;
}

} // namespace
