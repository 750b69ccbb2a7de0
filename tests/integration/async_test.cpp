// SPDX-License-Identifier: MIT
// Asynchronous handlers over the wire: a task<response> that suspends (corio::sleep) is answered on
// its shard; pipelined requests behind it wait and are answered in order; an exception becomes a
// 500; a handler past its deadline is unwound (its frame destroyed) and answered 503 with the
// connection closed; a client that leaves while its handler sleeps costs nothing but the frame,
// which goes with the connection. Route captures reach handlers through request::param().
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <corio/core/sleep.hpp>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::task;
using corio::http::request;
using corio::http::response;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::ms_since;
using corio::test::peer_end;
using corio::test::reply;
using corio::test::served;
using corio::test::test_clock;

// Objects alive inside handler frames: a cancelled handler must have destroyed its locals.
std::atomic<int> live_guards{0};
struct frame_guard {
    frame_guard() { ++live_guards; }
    ~frame_guard() { --live_guards; }
    frame_guard(const frame_guard&) = delete;
    frame_guard& operator=(const frame_guard&) = delete;
};

corio::http::router async_routes() {
    corio::http::router routes = corio::test::harness_routes();
    // /sleep?ms=N answers "slept N" after N milliseconds.
    routes.get("/sleep", [](request& req) -> task<response> {
        frame_guard guard;
        const int ms = std::stoi(std::string(req.query().substr(3)));
        co_await corio::sleep(std::chrono::milliseconds(ms));
        co_return response::copy_of(fmt::format("slept {} {}", ms, req.header("X-Tag").value_or("")), "text/plain");
    });
    routes.get("/throw", [](request&) -> task<response> {
        co_await corio::sleep(5ms);
        throw std::runtime_error("handler failure on purpose");
    });
    routes.get("/users/:id/items/:item", [](request& req) -> task<response> {
        co_return response::copy_of(fmt::format("{}/{}", req.param("id"), req.param("item")), "text/plain");
    });
    routes.get("/files/*path", [](request& req) { return response::copy_of(req.param("path"), "text/plain"); });
    return routes;
}

corio::http::server_config async_config(std::uint32_t handler_timeout_ms = 30'000) {
    corio::http::server_config config = corio::test::loopback_config();
    config.handler_timeout_ms = handler_timeout_ms;
    return config;
}

TEST(async_handler, suspends_and_answers) {
    served s(async_config(), 1, async_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    const auto before = test_clock::now();
    ASSERT_TRUE(client.roundtrip(get("/sleep?ms=50", "X-Tag: a\r\n"), r)) << client.error();
    EXPECT_GE(ms_since(before), 45);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "slept 50 a") << "the request's headers outlive the receive buffer";
    // The connection goes on serving, synchronous and asynchronous handlers alike.
    ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
    EXPECT_EQ(r.body, "Hello, World!");
    ASSERT_TRUE(client.roundtrip(get("/sleep?ms=0"), r)) << client.error();
    EXPECT_EQ(r.body, "slept 0 ");
    corio::test::stop_and_join(s.rt);
    EXPECT_EQ(live_guards.load(), 0);
}

TEST(async_handler, pipelined_requests_are_answered_in_order) {
    served s(async_config(), 1, async_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    // One write: a slow async request, a sync one, a fast async one, a sync one.
    ASSERT_TRUE(client.send_all(get("/sleep?ms=80", "X-Tag: 1\r\n") + get("/echo?n=2") +
                                get("/sleep?ms=10", "X-Tag: 3\r\n") + get("/echo?n=4")))
        << client.error();
    const char* expected[] = {"slept 80 1", "2", "slept 10 3", "4"};
    for (const char* body : expected) {
        reply r;
        ASSERT_TRUE(client.read_response(r)) << client.error();
        EXPECT_EQ(r.body, body);
    }
    corio::test::stop_and_join(s.rt);
}

TEST(async_handler, exception_is_a_500_and_the_connection_goes_on) {
    served s(async_config(), 1, async_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/throw"), r)) << client.error();
    EXPECT_EQ(r.status, 500);
    EXPECT_FALSE(r.header("Connection").has_value());
    ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
    EXPECT_EQ(r.status, 200);
    corio::test::stop_and_join(s.rt);
}

TEST(async_handler, deadline_unwinds_the_handler_and_answers_503) {
    served s(async_config(200), 1, async_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    const auto before = test_clock::now();
    ASSERT_TRUE(client.roundtrip(get("/sleep?ms=5000"), r)) << client.error();
    const long long took = ms_since(before);
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_GE(took, 190);
    EXPECT_LT(took, 2000);
    EXPECT_EQ(client.wait_for_close(), peer_end::eof);
    // The sleeping frame is gone (its guard destroyed), and other connections are served.
    EXPECT_EQ(live_guards.load(), 0);
    loopback_client other(s.port());
    ASSERT_TRUE(other.roundtrip(get("/sleep?ms=20"), r)) << other.error();
    EXPECT_EQ(r.status, 200);
    corio::test::stop_and_join(s.rt);
    EXPECT_EQ(s.srv.stats(0).handler_timeouts, 1U);
}

TEST(async_handler, client_leaving_mid_handler_frees_the_frame) {
    served s(async_config(), 1, async_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    {
        loopback_client client(s.port());
        ASSERT_TRUE(client.connected()) << client.error();
        ASSERT_TRUE(client.send_all(get("/sleep?ms=10000"))) << client.error();
        const auto deadline = test_clock::now() + 2s;
        while (live_guards.load() == 0 && test_clock::now() < deadline)
            std::this_thread::sleep_for(1ms);
        ASSERT_EQ(live_guards.load(), 1);
        client.reset();
    }
    const auto deadline = test_clock::now() + 2s;
    while (live_guards.load() != 0 && test_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    EXPECT_EQ(live_guards.load(), 0) << "the handler of a connection that went away is still alive";
    // Stopping does not wait for the 10 s sleep either.
    EXPECT_LT(corio::test::stop_and_join(s.rt), 5s);
}

TEST(routes, captures_reach_the_handler) {
    served s(async_config(), 1, async_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/users/42/items/abc?x=1"), r)) << client.error();
    EXPECT_EQ(r.body, "42/abc");
    ASSERT_TRUE(client.roundtrip(get("/files/a/b/c.txt"), r)) << client.error();
    EXPECT_EQ(r.body, "a/b/c.txt");
    ASSERT_TRUE(client.roundtrip(get("/users/42/items/"), r)) << client.error();
    EXPECT_EQ(r.status, 404);
    corio::test::stop_and_join(s.rt);
}

} // namespace
