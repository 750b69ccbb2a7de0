// SPDX-License-Identifier: MIT
// The liveness and readiness endpoints (server_config::health_path, ready_path) over the wire: off
// unless set; 200 while serving; readiness 503 while a registered check fails and again 200 when it
// passes; liveness 503, answered by the other shard, while a handler spins on one shard, and 200
// once that shard turns again; a route of the embedder on the same path refuses the start; on stop
// with drain_delay_ms readiness is 503 at once while /plaintext is served normally (new connections,
// keep-alive) for the delay, then the drain closes idle connections and refuses new ones.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <corio/core/shard.hpp>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::test::background_join;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::reply;
using corio::test::served;
using corio::test::test_clock;

corio::http::server_config health_config() {
    corio::http::server_config config = corio::test::loopback_config();
    config.health_path = "/healthz";
    config.ready_path = "/readyz";
    config.liveness_bound_ms = 300;
    return config;
}

// The status of `GET target` on a new connection; 0 when no answer came within `timeout_ms`.
int status_of(std::uint16_t port, std::string_view target, int timeout_ms = 2000, std::string* body = nullptr) {
    loopback_client client(port, timeout_ms);
    reply r;
    if (!client.connected() || !client.roundtrip(get(target), r)) return 0;
    if (body != nullptr) *body = std::string(r.body);
    return r.status;
}

TEST(health, endpoints_are_off_by_default) {
    served s(corio::test::loopback_config());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    EXPECT_EQ(status_of(s.port(), "/healthz"), 404);
    EXPECT_EQ(status_of(s.port(), "/readyz"), 404);
    EXPECT_TRUE(s.srv.live());
}

TEST(health, live_and_ready_while_serving) {
    served s(health_config(), 2);
    CORIO_START_OR_SKIP(s.rt, s.srv);
    for (int i = 0; i < 8; ++i) {
        std::string body;
        EXPECT_EQ(status_of(s.port(), "/healthz", 2000, &body), 200);
        EXPECT_EQ(body, "live\n");
        EXPECT_EQ(status_of(s.port(), "/readyz", 2000, &body), 200);
        EXPECT_EQ(body, "ready\n");
    }
    // Idle longer than the bound: the heartbeat timer wakes idle shards, which stay live.
    std::this_thread::sleep_for(600ms);
    EXPECT_TRUE(s.srv.live());
    EXPECT_EQ(status_of(s.port(), "/healthz"), 200);
}

TEST(health, readiness_follows_the_registered_check) {
    std::atomic<bool> database_up{false};
    served s(health_config(), 2);
    s.srv.add_readiness_check("database", [&] { return database_up.load(); });
    CORIO_START_OR_SKIP(s.rt, s.srv);
    std::string body;
    EXPECT_EQ(status_of(s.port(), "/readyz", 2000, &body), 503);
    EXPECT_EQ(body, "not ready: database\n");
    EXPECT_EQ(status_of(s.port(), "/healthz"), 200) << "liveness does not depend on readiness";
    database_up = true;
    EXPECT_EQ(status_of(s.port(), "/readyz"), 200);
}

TEST(health, a_route_on_the_path_refuses_the_start) {
    corio::http::router routes = corio::test::harness_routes();
    routes.get("/healthz", [](corio::http::request&) { return corio::http::response::text("mine"); });
    served s(health_config(), 1, std::move(routes));
    EXPECT_FALSE(s.rt.start(s.srv));
}

// A handler that spins holds its shard; the other shard, asked for liveness, sees the stale
// heartbeat and answers 503 naming the spinning shard. Once the handler returns, 200 again.
TEST(health, liveness_fails_while_a_shard_spins) {
    std::atomic<bool> release{false};
    std::atomic<int> spinning_shard{-1};
    corio::http::router routes = corio::test::harness_routes();
    routes.get("/spin", [&](corio::http::request&) {
        spinning_shard = static_cast<int>(corio::shard::current()->id());
        const auto limit = test_clock::now() + 10s; // bounded even if the test fails midway
        while (!release.load() && test_clock::now() < limit) {
        }
        return corio::http::response::text("spun");
    });
    served s(health_config(), 2, std::move(routes));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client spinner(s.port(), 15000);
    ASSERT_TRUE(spinner.connected()) << spinner.error();
    ASSERT_TRUE(spinner.send_all(get("/spin"))) << spinner.error();
    const auto sent = test_clock::now();
    while (spinning_shard.load() < 0 && corio::test::ms_since(sent) < 5000)
        std::this_thread::sleep_for(5ms);
    ASSERT_GE(spinning_shard.load(), 0) << "the spinning handler did not start";

    // Probes land on either shard (the kernel picks by the connection's hash); one that lands on
    // the spinning shard gets no answer within its timeout and is abandoned.
    int status = 0;
    std::string body;
    const auto began = test_clock::now();
    while (status != 503 && corio::test::ms_since(began) < 5000) {
        status = status_of(s.port(), "/healthz", 300, &body);
        if (status != 503) std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(status, 503) << "liveness never failed while a shard spun";
    EXPECT_NE(body.find("shard " + std::to_string(spinning_shard.load()) + " has not turned"), std::string::npos)
        << body;
    EXPECT_FALSE(s.srv.live());

    release = true;
    reply r;
    ASSERT_TRUE(spinner.read_response(r)) << spinner.error();
    EXPECT_EQ(r.status, 200);
    const auto recovered = test_clock::now();
    while (!s.srv.live() && corio::test::ms_since(recovered) < 2000)
        std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(s.srv.live());
    EXPECT_EQ(status_of(s.port(), "/healthz"), 200);
}

TEST(health, readiness_fails_at_stop_while_serving_on_for_the_drain_delay) {
    corio::http::server_config config = health_config();
    config.drain_delay_ms = 1000;
    served s(config, 2);
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client kept(s.port(), 3000);
    reply r;
    ASSERT_TRUE(kept.roundtrip(get("/plaintext"), r)) << kept.error();
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(status_of(s.port(), "/readyz"), 200);

    const auto stopped = test_clock::now();
    s.rt.stop(); // what SIGTERM does
    background_join joining(s.rt);
    int ready = 0;
    while ((ready = status_of(s.port(), "/readyz")) == 200 && corio::test::ms_since(stopped) < 500)
        std::this_thread::sleep_for(5ms);
    EXPECT_EQ(ready, 503) << "readiness still 200 " << corio::test::ms_since(stopped) << " ms after the stop";
    EXPECT_LT(corio::test::ms_since(stopped), 200);

    // Within the delay: new connections and the kept-alive one are served as before (no close).
    int served_during_delay = 0;
    while (corio::test::ms_since(stopped) < 700) {
        ASSERT_EQ(status_of(s.port(), "/plaintext"), 200) << corio::test::ms_since(stopped) << " ms after the stop";
        ASSERT_TRUE(kept.roundtrip(get("/plaintext"), r)) << kept.error();
        ASSERT_EQ(r.status, 200);
        EXPECT_NE(r.header("Connection").value_or(""), "close");
        ++served_during_delay;
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_GT(served_during_delay, 5);

    // Then the drain: the idle kept-alive connection closes, new connections are refused.
    const corio::test::peer_end end = kept.wait_for_close();
    EXPECT_TRUE(end == corio::test::peer_end::eof || end == corio::test::peer_end::reset);
    EXPECT_GE(corio::test::ms_since(stopped), 900) << "the drain began before the delay was over";
    EXPECT_TRUE(corio::test::refuses_connections_within(s.port(), 2000ms));
    EXPECT_TRUE(joining.joined_within(3000ms)) << "the drain did not end after the delay";
}

} // namespace
