// SPDX-License-Identifier: MIT
// The users example's routes and middleware over loopback: the exact record for ids in range, 400
// for ids that are not decimal numbers and 404 outside 1..max_id (JSON bodies, keep-alive across
// them), X-Request-Id generated or echoed on every answer, 429 from a low rate limit and 503 from
// a concurrency limit that admits nothing.
#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_client.hpp"
#include "users.hpp"

namespace {

using corio::test::get;
using corio::test::loopback_client;
using corio::test::reply;

// A users server on 127.0.0.1 with one shard and `config`'s routes and middleware.
struct users_server {
    explicit users_server(const users::settings& config)
        : srv(routes(config), corio::test::loopback_config()), rt(corio::test::shards(1)) {
        users::add_middleware(srv, config);
    }
    static corio::http::router routes(const users::settings& config) {
        corio::http::router r;
        users::add_routes(r, config);
        return r;
    }
    corio::http::server srv;
    corio::runtime rt;
};

users::settings small_range() {
    users::settings config;
    config.max_id = 1000;
    return config;
}

struct case_ {
    std::string_view target;
    int status;
    std::string_view answer;
};

TEST(users, answers_each_id_with_its_exact_json) {
    users_server s(small_range());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.srv.port());
    ASSERT_TRUE(client.connected()) << client.error();
    constexpr std::string_view invalid = R"j({"error":"invalid id","detail":"not a decimal number"})j";
    constexpr std::string_view missing = R"j({"error":"no such user"})j";
    const case_ cases[] = {
        {"/users/42", 200, R"j({"id":42,"name":"user-42","email":"user-42@example.com"})j"},
        {"/users/1", 200, R"j({"id":1,"name":"user-1","email":"user-1@example.com"})j"},
        {"/users/1000", 200, R"j({"id":1000,"name":"user-1000","email":"user-1000@example.com"})j"},
        {"/users/0042?fields=all", 200, R"j({"id":42,"name":"user-42","email":"user-42@example.com"})j"},
        {"/users/abc", 400, invalid},
        {"/users/-1", 400, invalid},
        {"/users/4x", 400, invalid},
        {"/users/+4", 400, invalid},
        {"/users/4.0", 400, invalid},
        {"/users/0", 404, missing},
        {"/users/1001", 404, missing},
        {"/users/18446744073709551616", 404, missing}, // 2^64: beyond 64 bits
        {"/users/99999999999999999999999999", 404, missing},
    };
    for (const case_& c : cases) {
        reply r;
        ASSERT_TRUE(client.roundtrip(get(c.target), r)) << client.error() << " for " << c.target;
        EXPECT_EQ(r.status, c.status) << c.target;
        EXPECT_EQ(r.body, c.answer) << c.target;
        EXPECT_EQ(r.header("Content-Type"), "application/json") << c.target;
    }
}

TEST(users, other_methods_and_paths) {
    users_server s(small_range());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.srv.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("DELETE /users/1 HTTP/1.1\r\nHost: loopback\r\n\r\n", r)) << client.error();
    EXPECT_EQ(r.status, 405);
    ASSERT_TRUE(client.roundtrip(get("/users"), r)) << client.error();
    EXPECT_EQ(r.status, 404);
    ASSERT_TRUE(client.roundtrip(get("/users/1/friends"), r)) << client.error();
    EXPECT_EQ(r.status, 404);
    ASSERT_TRUE(client.roundtrip(get("/users/7"), r)) << client.error();
    EXPECT_EQ(r.status, 200) << "the connection still serves";
}

TEST(users, every_answer_carries_a_request_id) {
    users_server s(small_range());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.srv.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    std::set<std::string> ids;
    for (const std::string_view target : {"/users/1", "/users/2", "/users/abc", "/users/0", "/nothing"}) {
        ASSERT_TRUE(client.roundtrip(get(target), r)) << client.error();
        ASSERT_TRUE(r.header("X-Request-Id").has_value()) << target;
        ids.emplace(*r.header("X-Request-Id"));
    }
    EXPECT_EQ(ids.size(), 5U) << "generated ids are unique";
    ASSERT_TRUE(client.roundtrip(get("/users/5", "X-Request-Id: trace-5f3a\r\n"), r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("X-Request-Id"), "trace-5f3a") << "the client's id is echoed";
    ASSERT_TRUE(client.roundtrip(get("/users/x", "X-Request-Id: trace-bad\r\n"), r)) << client.error();
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.header("X-Request-Id"), "trace-bad") << "errors too";
}

TEST(users, a_low_rate_limit_answers_429_with_the_request_id) {
    users::settings config = small_range();
    config.rate_per_second = 1;
    config.burst = 3;
    users_server s(config);
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.srv.port());
    ASSERT_TRUE(client.connected()) << client.error();
    int admitted = 0;
    int limited = 0;
    const auto began = corio::test::test_clock::now();
    for (int i = 0; i < 10; ++i) {
        reply r;
        ASSERT_TRUE(client.roundtrip(get("/users/3", "X-Request-Id: rate-test\r\n"), r)) << client.error();
        EXPECT_EQ(r.header("X-Request-Id"), "rate-test") << "request_id runs before the limit";
        if (r.status == 200) ++admitted;
        if (r.status == 429) {
            ++limited;
            EXPECT_TRUE(r.header("Retry-After").has_value());
        }
    }
    // The burst of 3 plus one token per second that passed meanwhile (an emulated VM is slow).
    EXPECT_GE(admitted, 3);
    EXPECT_LE(admitted, 3 + static_cast<int>(corio::test::ms_since(began) / 1000) + 1);
    EXPECT_EQ(admitted + limited, 10);
}

TEST(users, a_concurrency_limit_that_admits_nothing_answers_503) {
    users::settings config = small_range();
    config.max_in_flight = 0;
    users_server s(config);
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.srv.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/users/3"), r)) << client.error();
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("Retry-After"), "1");
    EXPECT_TRUE(r.header("X-Request-Id").has_value());
}

} // namespace
