// SPDX-License-Identifier: MIT
// HTTP/1.1 semantics as seen on the wire: HEAD, HTTP/1.0 and Connection handling, 404/405/400/500
// and the exact bytes of a response.
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include <corio/core/runtime.hpp>
#include <corio/http/server.hpp>

#include "loopback_client.hpp"

namespace {

using corio::test::loopback_client;
using corio::test::peer_end;
using corio::test::reply;

constexpr std::string_view get_plaintext = "GET /plaintext HTTP/1.1\r\nHost: loopback\r\n\r\n";

class http_semantics : public ::testing::Test {
protected:
    void SetUp() override {
        corio::http::router routes;
        routes.get("/plaintext", [](corio::http::request&) { return corio::http::response::text("Hello, World!"); });
        routes.get("/throw", [](corio::http::request&) -> corio::http::response {
            throw std::runtime_error("handler failure requested by the test");
        });
        corio::http::server_config config;
        config.address = "127.0.0.1";
        config.port = 0;
        _server = std::make_unique<corio::http::server>(std::move(routes), config);
        corio::runtime_config shards;
        shards.shards = 1;
        _runtime = std::make_unique<corio::runtime>(shards);
        CORIO_START_OR_SKIP(*_runtime, *_server);
    }

    void TearDown() override {
        if (_runtime) {
            _runtime->stop();
            _runtime->join();
        }
    }

    // Stops the server; its counters are final afterwards.
    corio::http::server_stats stop() {
        _runtime->stop();
        _runtime->join();
        return _server->stats(0);
    }

    std::uint16_t port() const { return _server->port(); }

    std::unique_ptr<corio::http::server> _server;
    std::unique_ptr<corio::runtime> _runtime;
};

TEST_F(http_semantics, head_has_content_length_and_no_body) {
    loopback_client client(port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("HEAD /plaintext HTTP/1.1\r\nHost: loopback\r\n\r\n", r, true)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Length"), "13");
    EXPECT_EQ(r.header("Content-Type"), "text/plain");
    EXPECT_TRUE(r.body.empty());
    // Had the server sent a body after the HEAD response, this response would not parse.
    ASSERT_TRUE(client.roundtrip(get_plaintext, r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.raw.starts_with("HTTP/1.1 200 OK\r\n")) << r.raw;
    EXPECT_EQ(r.body, "Hello, World!");
}

TEST_F(http_semantics, http_1_0_without_keep_alive_is_closed_after_the_response) {
    loopback_client client(port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("GET /plaintext HTTP/1.0\r\n\r\n", r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "Hello, World!");
    EXPECT_NE(r.header("Connection"), "keep-alive");
    EXPECT_EQ(client.wait_for_close(), peer_end::eof) << client.error();
}

TEST_F(http_semantics, http_1_0_with_keep_alive_stays_open) {
    loopback_client client(port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(client.roundtrip("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", r))
            << "request " << i << ": " << client.error();
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.header("Connection"), "keep-alive");
        EXPECT_EQ(r.body, "Hello, World!");
    }
}

TEST_F(http_semantics, connection_close_is_answered_and_closed) {
    loopback_client client(port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("GET /plaintext HTTP/1.1\r\nHost: loopback\r\nConnection: close\r\n\r\n", r))
        << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_EQ(r.body, "Hello, World!");
    EXPECT_EQ(client.wait_for_close(), peer_end::eof) << client.error();
}

TEST_F(http_semantics, unknown_path_is_404) {
    loopback_client client(port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("GET /nowhere HTTP/1.1\r\nHost: loopback\r\n\r\n", r)) << client.error();
    EXPECT_EQ(r.status, 404);
    EXPECT_TRUE(r.raw.starts_with("HTTP/1.1 404 Not Found\r\n")) << r.raw;
    // A 404 does not end the connection.
    ASSERT_TRUE(client.roundtrip(get_plaintext, r)) << client.error();
    EXPECT_EQ(r.status, 200);
}

TEST_F(http_semantics, post_to_get_only_path_is_405_with_allow) {
    loopback_client client(port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("POST /plaintext HTTP/1.1\r\nHost: loopback\r\nContent-Length: 3\r\n\r\nabc", r))
        << client.error();
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD");
    // The body of the refused POST was consumed: the next request is read correctly.
    ASSERT_TRUE(client.roundtrip(get_plaintext, r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "Hello, World!");
}

TEST_F(http_semantics, malformed_request_is_400_and_closed) {
    loopback_client client(port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    // A header line without a colon.
    ASSERT_TRUE(client.roundtrip("GET /plaintext HTTP/1.1\r\nHost loopback\r\n\r\n", r)) << client.error();
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_EQ(client.wait_for_close(), peer_end::eof) << client.error();
    client.close();
    const corio::http::server_stats stats = stop();
    EXPECT_EQ(stats.parse_errors, 1U);
    EXPECT_EQ(stats.requests, 0U);
}

TEST_F(http_semantics, plaintext_response_bytes_are_exact) {
    loopback_client client(port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip(get_plaintext, r)) << client.error();
    const std::string raw(r.raw);
    static const std::regex expected("HTTP/1\\.1 200 OK\r\n"
                                     "Server: corio\r\n"
                                     "Date: (.{29})\r\n"
                                     "Content-Type: text/plain\r\n"
                                     "Content-Length: 13\r\n"
                                     "\r\n"
                                     "Hello, World!");
    std::smatch match;
    ASSERT_TRUE(std::regex_match(raw, match, expected)) << raw;
    // IMF-fixdate, RFC 9110 section 5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT".
    static const std::regex imf_fixdate("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
                                        "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
                                        "[0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT");
    EXPECT_TRUE(std::regex_match(match[1].str(), imf_fixdate)) << match[1].str();
}

TEST_F(http_semantics, throwing_handler_is_500_and_connection_keeps_serving) {
    loopback_client client(port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("GET /throw HTTP/1.1\r\nHost: loopback\r\n\r\n", r)) << client.error();
    EXPECT_EQ(r.status, 500);
    EXPECT_FALSE(r.header("Connection").has_value());
    ASSERT_TRUE(client.roundtrip(get_plaintext, r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "Hello, World!");
    // Also when the failing request is one of a pipelined batch.
    const std::string batch = std::string("GET /throw HTTP/1.1\r\nHost: loopback\r\n\r\n") + std::string(get_plaintext);
    ASSERT_TRUE(client.send_all(batch)) << client.error();
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.status, 500);
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "Hello, World!");
}

} // namespace
