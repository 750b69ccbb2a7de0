// SPDX-License-Identifier: MIT
// Timeouts over loopback, with short test values: the header-read timeout (slowloris: trickling
// does not extend it, each pipelined request gets its own), the body progress timeout (progress
// re-arms it) and the idle keep-alive timeout.
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::ms_since;
using corio::test::peer_end;
using corio::test::post_sum_head;
using corio::test::reply;
using corio::test::served;
using corio::test::sum_of;
using corio::test::test_clock;

constexpr long long timeout_ms = 400;
// A timer never fires early; the server's millisecond clock is floored, so its deadline may sit
// up to a millisecond before the client's view of it.
constexpr long long early_slack_ms = 2;
// Generous: a noisy, shared 2-CPU machine (and sanitizer builds) can delay a shard turn.
constexpr long long late_slack_ms = 1000;

corio::http::server_config config_with(std::uint32_t header_ms, std::uint32_t body_ms, std::uint32_t idle_ms) {
    corio::http::server_config config = corio::test::loopback_config();
    config.header_timeout_ms = header_ms;
    config.body_timeout_ms = body_ms;
    config.idle_timeout_ms = idle_ms;
    config.min_data_rate = 0; // the timeouts alone: the minimum data rate has tests of its own
    return config;
}

bool closed(peer_end end) {
    return end == peer_end::eof || end == peer_end::reset;
}

// Slowloris: a head trickled a byte every 50 ms never completes; the 408 comes header_timeout_ms
// after its first byte, however many bytes keep arriving.
TEST(timeouts, trickled_head_gets_408_at_the_header_timeout_from_its_first_byte) {
    served s(config_with(timeout_ms, 60'000, 60'000));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    client.set_nodelay();
    const std::string endless = "GET /plaintext HTTP/1.1\r\nHost: loopback\r\nX-Slow: " + std::string(4096, 'z');
    const auto first_byte = test_clock::now();
    std::size_t sent = 0;
    bool answered = false;
    while (!answered && ms_since(first_byte) < timeout_ms + late_slack_ms + 1000) {
        ASSERT_LT(sent, endless.size());
        if (!client.send_all(std::string_view(endless).substr(sent, 1))) break; // the server may have closed
        ++sent;
        answered = client.readable_within(50);
    }
    const long long took = ms_since(first_byte);
    // Trickling went on through the timeout (about 8 bytes; fewer if this thread was held up): had
    // every byte re-armed it, no answer would have come.
    EXPECT_GE(sent, 4U);
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error() << " after " << took << " ms, " << sent << " bytes";
    EXPECT_EQ(r.status, 408);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_GE(took, timeout_ms - early_slack_ms);
    EXPECT_LT(took, timeout_ms + late_slack_ms);
    EXPECT_TRUE(closed(client.wait_for_close())) << client.error();
}

// The header timeout of a request counts from that request's first byte: a second pipelined
// request that started long after the first is not timed out on the first one's clock.
TEST(timeouts, header_timeout_restarts_for_each_pipelined_request) {
    constexpr long long header_ms = 1000;
    served s(config_with(header_ms, 60'000, 60'000));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    client.set_nodelay();
    const auto start = test_clock::now();
    ASSERT_TRUE(client.send_all("GET /echo?n=1 HTTP/1.1\r\nHost: loopback\r\n")) << client.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(header_ms * 7 / 10));
    // The end of the first request and the start of the second in one segment.
    ASSERT_TRUE(client.send_all("\r\nGET /echo?n=2 HTTP/1.1\r\n")) << client.error();
    const auto second_started = test_clock::now();
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.body, "1");
    // Past the first request's deadline, well within the second's.
    std::this_thread::sleep_for(std::chrono::milliseconds(header_ms / 2));
    const long long since_start = ms_since(start);
    ASSERT_GT(since_start, header_ms) << "the test itself ran late";
    ASSERT_LT(ms_since(second_started), header_ms - 100) << "the test itself ran late";
    ASSERT_TRUE(client.send_all("Host: loopback\r\n\r\n")) << client.error();
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.status, 200) << "the second request was timed out on the first request's clock";
    EXPECT_EQ(r.body, "2");
}

// A body that stops arriving: 408 body_timeout_ms after its last piece, then the connection closes.
TEST(timeouts, stalled_body_gets_408_at_the_body_timeout) {
    served s(config_with(60'000, timeout_ms, 60'000));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    const auto last_piece = test_clock::now();
    ASSERT_TRUE(client.send_all(post_sum_head(100) + std::string(10, 'b'))) << client.error();
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    const long long took = ms_since(last_piece);
    EXPECT_EQ(r.status, 408);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_GE(took, timeout_ms - early_slack_ms);
    EXPECT_LT(took, timeout_ms + late_slack_ms);
    EXPECT_TRUE(closed(client.wait_for_close())) << client.error();
}

// Sends `head`, then `body` a piece at a time, one every `gap`, then reads the answer.
void trickle_body(loopback_client& client, const std::string& head, const std::string& pieces_joined,
                  std::size_t piece_size, std::chrono::milliseconds gap, reply& out) {
    ASSERT_TRUE(client.send_all(head)) << client.error();
    for (std::size_t at = 0; at < pieces_joined.size(); at += piece_size) {
        std::this_thread::sleep_for(gap);
        ASSERT_FALSE(client.readable_within(0)) << "answered before the body was complete, at byte " << at;
        ASSERT_TRUE(client.send_all(std::string_view(pieces_joined).substr(at, piece_size))) << client.error();
    }
    ASSERT_TRUE(client.read_response(out)) << client.error();
}

// A body that keeps making progress, a piece every third of the timeout for three timeouts and
// more, is read to its end: each piece re-arms the body timeout (Content-Length framing).
TEST(timeouts, body_progress_rearms_the_body_timeout_content_length) {
    served s(config_with(60'000, timeout_ms, 60'000));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    client.set_nodelay();
    const std::string body = "0123456789abcdefghij";
    const auto start = test_clock::now();
    reply r;
    trickle_body(client, post_sum_head(body.size()) + body.substr(0, 10), body.substr(10), 1,
                 std::chrono::milliseconds(timeout_ms / 3), r);
    if (HasFatalFailure()) return;
    EXPECT_GT(ms_since(start), 3 * timeout_ms);
    EXPECT_EQ(r.status, 200) << "a body making progress was timed out";
    EXPECT_EQ(r.body, sum_of(body));
    // The connection goes on.
    ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
    EXPECT_EQ(r.status, 200);
}

// The same with chunked framing: one chunk every third of the timeout.
TEST(timeouts, body_progress_rearms_the_body_timeout_chunked) {
    served s(config_with(60'000, timeout_ms, 60'000));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    client.set_nodelay();
    std::string chunks;
    std::string body;
    for (int i = 0; i < 10; ++i) {
        const char c = static_cast<char>('k' + i);
        chunks += std::string("1\r\n") + c + "\r\n";
        body += c;
    }
    chunks += "0\r\n\r\n";
    const auto start = test_clock::now();
    reply r;
    // Pieces of 6 bytes: one chunk each, the last piece the terminating chunk.
    trickle_body(client, "POST /sum HTTP/1.1\r\nHost: loopback\r\nTransfer-Encoding: chunked\r\n\r\n", chunks, 6,
                 std::chrono::milliseconds(timeout_ms / 3), r);
    if (HasFatalFailure()) return;
    EXPECT_GT(ms_since(start), 3 * timeout_ms);
    EXPECT_EQ(r.status, 200) << "a body making progress was timed out";
    EXPECT_EQ(r.body, sum_of(body));
}

// After a response and no further request, the connection is closed idle_timeout_ms later.
TEST(timeouts, idle_keep_alive_connection_is_closed_at_the_idle_timeout) {
    served s(config_with(60'000, 60'000, timeout_ms));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    const auto sent = test_clock::now();
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
    ASSERT_EQ(r.status, 200);
    ASSERT_FALSE(r.header("Connection").has_value());
    const peer_end end = client.wait_for_close();
    const long long took = ms_since(sent);
    EXPECT_TRUE(closed(end)) << "idle connection not closed: " << client.error();
    EXPECT_GE(took, timeout_ms - early_slack_ms);
    EXPECT_LT(took, timeout_ms + late_slack_ms);
}

// A connection that never sends a byte is closed at the idle timeout too.
TEST(timeouts, silent_new_connection_is_closed_at_the_idle_timeout) {
    served s(config_with(60'000, 60'000, timeout_ms));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    const auto connected = test_clock::now();
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    const peer_end end = client.wait_for_close();
    const long long took = ms_since(connected);
    EXPECT_TRUE(closed(end)) << "silent connection not closed: " << client.error();
    EXPECT_GE(took, timeout_ms - early_slack_ms);
    EXPECT_LT(took, timeout_ms + late_slack_ms);
}

// Requests arriving more often than the idle timeout keep the connection open for far longer.
TEST(timeouts, requests_faster_than_the_idle_timeout_keep_the_connection_open) {
    // Longer than the other tests' timeout: a 100 ms pause must not come near it on a loaded machine.
    constexpr long long idle_ms = 600;
    served s(config_with(60'000, 60'000, idle_ms));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    const auto start = test_clock::now();
    reply r;
    int i = 0;
    while (ms_since(start) < 4 * idle_ms) {
        ASSERT_TRUE(client.roundtrip(get("/echo?n=" + std::to_string(i)), r))
            << "request " << i << " after " << ms_since(start) << " ms: " << client.error();
        ASSERT_EQ(r.status, 200);
        ASSERT_EQ(r.body, std::to_string(i));
        ++i;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_GE(i, 8);
}

} // namespace
