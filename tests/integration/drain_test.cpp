// SPDX-License-Identifier: MIT
// Graceful drain on runtime::stop(): idle keep-alive connections close at once, requests already
// begun are finished and answered with Connection: close, new connections are refused, a drain
// deadline cuts what is still unfinished, and a pipelined batch straddling the stop is answered
// in full with the close on its last response.
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::test::background_join;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::ms_since;
using corio::test::peer_end;
using corio::test::post_sum_head;
using corio::test::reply;
using corio::test::served;
using corio::test::test_clock;

corio::http::server_config drain_config(std::uint32_t drain_ms) {
    corio::http::server_config config = corio::test::loopback_config();
    config.drain_timeout_ms = drain_ms;
    // Long enough never to interfere: only the drain may end these connections.
    config.header_timeout_ms = 60'000;
    config.body_timeout_ms = 60'000;
    config.idle_timeout_ms = 60'000;
    return config;
}

bool closed(peer_end end) {
    return end == peer_end::eof || end == peer_end::reset;
}

// Sends the head of a POST /sum with `Expect: 100-continue` and waits for the 100: from then on
// the server surely holds a half-received request on this connection.
void begin_request(loopback_client& client, std::size_t body_length) {
    ASSERT_TRUE(client.send_all(post_sum_head(body_length, "Expect: 100-continue\r\n"))) << client.error();
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    ASSERT_EQ(r.status, 100);
}

// Idle keep-alive connections are closed as soon as the drain begins, not at its (long) deadline,
// even while another connection keeps the drain going.
TEST(drain, idle_keep_alive_connections_close_promptly) {
    served s(drain_config(10'000));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    std::vector<loopback_client> idle;
    reply r;
    for (int i = 0; i < 20; ++i) {
        idle.emplace_back(s.port(), 2000);
        ASSERT_TRUE(idle.back().connected()) << idle.back().error();
        ASSERT_TRUE(idle.back().roundtrip(get("/plaintext"), r)) << idle.back().error();
        ASSERT_EQ(r.status, 200);
    }
    loopback_client busy(s.port(), 5000);
    ASSERT_TRUE(busy.connected()) << busy.error();
    begin_request(busy, 4);
    if (HasFatalFailure()) return;

    const auto stopped = test_clock::now();
    s.rt.stop();
    for (std::size_t i = 0; i < idle.size(); ++i) {
        const peer_end end = idle[i].wait_for_close();
        ASSERT_TRUE(closed(end)) << "idle connection " << i << " not closed (" << static_cast<int>(end)
                                 << "): " << idle[i].error();
    }
    EXPECT_LT(ms_since(stopped), 1500) << "idle connections waited for the drain deadline";
    // The busy connection is still being waited for; finishing its request ends the drain.
    EXPECT_FALSE(busy.readable_within(0));
    ASSERT_TRUE(busy.send_all("abcd")) << busy.error();
    ASSERT_TRUE(busy.read_response(r)) << busy.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(closed(busy.wait_for_close())) << busy.error();
    background_join joiner(s.rt);
    EXPECT_TRUE(joiner.joined_within(2s)) << "join() did not return once the last connection closed";
}

// A request whose head arrived before stop() and whose body arrives after it is answered, with
// Connection: close, and the connection then ends. Meanwhile new connections are refused.
TEST(drain, request_begun_before_stop_is_answered_with_connection_close) {
    served s(drain_config(10'000));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 5000);
    ASSERT_TRUE(client.connected()) << client.error();
    const std::string body = "0123456789";
    begin_request(client, body.size());
    if (HasFatalFailure()) return;

    s.rt.stop();
    // The drain has begun once the listener is gone.
    ASSERT_TRUE(corio::test::refuses_connections_within(s.port(), 3s)) << "still accepting after stop()";
    ASSERT_TRUE(client.send_all(body)) << client.error();
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, corio::test::sum_of(body));
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_EQ(client.wait_for_close(), peer_end::eof) << client.error();
    background_join joiner(s.rt);
    EXPECT_TRUE(joiner.joined_within(2s));
}

// Once stop() was called, connecting fails (refused, or reset before anything is answered), during
// the drain as after it.
TEST(drain, new_connections_are_refused_after_stop) {
    served s(drain_config(10'000));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client busy(s.port(), 5000);
    ASSERT_TRUE(busy.connected()) << busy.error();
    begin_request(busy, 1);
    if (HasFatalFailure()) return;

    s.rt.stop();
    ASSERT_TRUE(corio::test::refuses_connections_within(s.port(), 3s)) << "still accepting after stop()";
    // Still draining (the busy request is unfinished): every further attempt fails.
    for (int i = 0; i < 20; ++i) {
        loopback_client late(s.port(), 1000);
        if (!late.connected()) continue;
        reply r;
        EXPECT_FALSE(late.roundtrip(get("/plaintext"), r)) << "attempt " << i << " was served while draining";
    }
    EXPECT_FALSE(busy.readable_within(0));
    ASSERT_TRUE(busy.send_all("x")) << busy.error();
    reply r;
    ASSERT_TRUE(busy.read_response(r)) << busy.error();
    EXPECT_EQ(r.status, 200);
    background_join joiner(s.rt);
    ASSERT_TRUE(joiner.joined_within(2s));
    loopback_client after(s.port(), 1000);
    EXPECT_FALSE(after.connected()) << "connected after the runtime was joined";
}

// With drain_timeout_ms = 300, a connection whose request never completes is cut at about the
// deadline, and join() returns.
TEST(drain, deadline_cuts_an_unfinished_request) {
    constexpr long long drain_ms = 300;
    served s(drain_config(drain_ms));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 5000);
    ASSERT_TRUE(client.connected()) << client.error();
    begin_request(client, 1000); // the body never comes
    if (HasFatalFailure()) return;

    const auto stopped = test_clock::now();
    s.rt.stop();
    background_join joiner(s.rt);
    const peer_end end = client.wait_for_close();
    const long long took = ms_since(stopped);
    EXPECT_NE(end, peer_end::timeout) << "the unfinished request was not cut";
    EXPECT_GE(took, drain_ms - 2) << "cut before the drain deadline";
    EXPECT_LT(took, drain_ms + 1500);
    EXPECT_TRUE(joiner.joined_within(2s)) << "join() did not return after the drain deadline";
}

// A pipelined batch straddling stop(): requests 0 and 1 are answered before it, the rest arrive
// after it in one write. Every request is answered, in order; only the last response carries
// Connection: close, then the connection ends.
TEST(drain, pipelined_batch_straddling_stop_is_answered_in_full) {
    served s(drain_config(10'000));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 5000);
    ASSERT_TRUE(client.connected()) << client.error();
    const std::string body = "0123456789";
    // One write: two whole requests and a POST whose body is cut after 4 bytes. Once both answers
    // are back, the server holds the cut POST.
    ASSERT_TRUE(client.send_all(get("/echo?n=0") + get("/echo?n=1") + post_sum_head(body.size()) + body.substr(0, 4)))
        << client.error();
    reply r;
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(client.read_response(r)) << client.error();
        ASSERT_EQ(r.body, std::to_string(i));
        ASSERT_FALSE(r.header("Connection").has_value());
    }

    s.rt.stop();
    ASSERT_TRUE(corio::test::refuses_connections_within(s.port(), 3s)) << "still accepting after stop()";
    std::string rest = body.substr(4);
    for (int i = 3; i < 8; ++i)
        rest += get("/echo?n=" + std::to_string(i));
    ASSERT_TRUE(client.send_all(rest)) << client.error();

    ASSERT_TRUE(client.read_response(r)) << "the POST: " << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, corio::test::sum_of(body));
    EXPECT_FALSE(r.header("Connection").has_value()) << "closed before the requests already received";
    for (int i = 3; i < 8; ++i) {
        ASSERT_TRUE(client.read_response(r)) << "request " << i << " was dropped: " << client.error();
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, std::to_string(i));
        if (i < 7) {
            EXPECT_FALSE(r.header("Connection").has_value()) << "request " << i;
        } else {
            EXPECT_EQ(r.header("Connection"), "close") << "the last response must announce the close";
        }
    }
    EXPECT_EQ(client.wait_for_close(), peer_end::eof) << client.error();
    background_join joiner(s.rt);
    EXPECT_TRUE(joiner.joined_within(2s));
}

} // namespace
