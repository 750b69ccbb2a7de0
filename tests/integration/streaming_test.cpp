// SPDX-License-Identifier: MIT
// Streamed bodies over the wire. Requests: a handler reads a body far larger than any buffer piece
// by piece (Content-Length or chunked, trickled a few bytes at a time, extensions and trailers)
// while the server's memory stays flat; 100 Continue goes out only when the handler reads; a body
// over the route's limit fails the read and closes the connection, and the answer still arrives in
// full while the client is sending (lingering close). Responses: a producer's chunks arrive in
// order, HTTP/1.0 gets the body ended by the close, HEAD gets no body, and a client that does not
// read stalls the producer (bounded memory) until it reads again.
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <corio/core/sleep.hpp>
#include <corio/http/body_writer.hpp>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::task;
using corio::http::body_writer;
using corio::http::request;
using corio::http::response;
using corio::http::status;
using corio::test::built_with_asan;
using corio::test::flood_sender;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::peer_end;
using corio::test::reply;
using corio::test::served;
using corio::test::status_kib;
using corio::test::sum_of;

constexpr std::uint32_t max_pending = 64 << 10;
std::atomic<std::uint64_t> produced{0}; // bytes the /stream producer has written so far

// Reads the whole body piece by piece into a small buffer; answers sum_of(body), or the status
// that fits the read's error.
task<response> sum_streamed(request& req) {
    char piece[4096];
    std::uint64_t size = 0;
    std::uint64_t sum = 0;
    for (;;) {
        const corio::result<std::size_t> n = co_await req.read_body(piece);
        if (!n) {
            const int err = n.error().value();
            co_return response::text("body read failed", err == EMSGSIZE    ? status::payload_too_large
                                                         : err == ETIMEDOUT ? status::request_timeout
                                                                            : status::bad_request);
        }
        if (*n == 0) break;
        size += *n;
        for (std::size_t i = 0; i < *n; ++i)
            sum += static_cast<unsigned char>(piece[i]);
    }
    co_return response::copy_of(fmt::format("{} {}", size, sum), "text/plain");
}

// The byte at `offset` of every streamed response body.
char pattern_at(std::uint64_t offset) {
    return static_cast<char>('a' + offset % 23);
}

corio::http::router streaming_routes() {
    corio::http::router routes = corio::test::harness_routes();
    routes.post("/upload", &sum_streamed, {.max_body_bytes = 1ULL << 30, .stream_body = true});
    routes.post("/upload-small", &sum_streamed, {.max_body_bytes = 1000, .stream_body = true});
    routes.post("/ignore", [](request&) -> task<response> { co_return response::text("ignored"); },
                {.stream_body = true});
    // An async handler with a buffered body: read_body() reads it from memory.
    routes.post("/sum-async", &sum_streamed);
    // /stream?n=N&size=S: N pieces of S bytes of pattern_at().
    routes.get("/stream", [](request& req) {
        unsigned n = 0;
        unsigned size = 0;
        std::sscanf(std::string(req.query()).c_str(), "n=%u&size=%u", &n, &size);
        return response::stream(
            [n, size](body_writer& out) -> task<void> {
                std::string piece(size, '\0');
                std::uint64_t offset = 0;
                for (unsigned i = 0; i < n; ++i) {
                    for (char& c : piece)
                        c = pattern_at(offset++);
                    if (!co_await out.write(piece)) co_return;
                    produced += size;
                }
            },
            "text/plain");
    });
    return routes;
}

corio::http::server_config streaming_config() {
    corio::http::server_config config = corio::test::loopback_config();
    config.max_pending_output = max_pending;
    config.body_timeout_ms = 5000;
    return config;
}

std::string upload_head(std::string_view path, std::string_view framing, std::string_view extra = {}) {
    return fmt::format("POST {} HTTP/1.1\r\nHost: loopback\r\n{}\r\n{}\r\n", path, framing, extra);
}

std::string pattern_body(std::size_t size) {
    std::string body(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        body[i] = static_cast<char>((i * 7 + i / 1000) & 0xff);
    return body;
}

// `body` in chunked transfer-coding, in chunks of `chunk` bytes (with an extension on each), a
// last chunk and a trailer field.
std::string chunked(std::string_view body, std::size_t chunk) {
    std::string out;
    for (std::size_t at = 0; at < body.size(); at += chunk) {
        const std::string_view piece = body.substr(at, chunk);
        out += fmt::format("{:x};ext=\"v\"\r\n", piece.size());
        out += piece;
        out += "\r\n";
    }
    out += "0\r\nX-Trailer: ignored\r\n\r\n";
    return out;
}

bool pattern_matches(std::string_view body) {
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] != pattern_at(i)) return false;
    }
    return true;
}

TEST(streamed_request_body, larger_than_memory_with_content_length) {
    served s(streaming_config(), 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    const std::size_t size = built_with_asan ? 16u << 20 : 32u << 20;
    std::string wire = pattern_body(size);
    const std::string expected = sum_of(wire);
    wire.insert(0, upload_head("/upload", fmt::format("Content-Length: {}", size)));
    loopback_client client(s.port(), 20'000);
    ASSERT_TRUE(client.connected()) << client.error();
    const long long hwm_before = status_kib("VmHWM"); // the client's copy of the body included
    flood_sender sender(client.fd(), std::move(wire));
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(sender.finish(), sender.size());
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, expected);
    // The server held a few receive buffers of it at a time, never the body.
    if (!built_with_asan) {
        EXPECT_LT(status_kib("VmHWM") - hwm_before, 12 << 10);
    }
    // The connection goes on.
    ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
    EXPECT_EQ(r.status, 200);
    corio::test::stop_and_join(s.rt);
}

TEST(streamed_request_body, chunked_trickled_a_few_bytes_at_a_time) {
    served s(streaming_config(), 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    const std::string body = pattern_body(20'000);
    const std::string wire = upload_head("/upload", "Transfer-Encoding: chunked") + chunked(body, 777);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    client.set_nodelay();
    // The head whole, then the body in 3-byte writes for its first 2,000 bytes, then the rest.
    const std::size_t head = wire.find("\r\n\r\n") + 4;
    ASSERT_TRUE(client.send_all(wire.substr(0, head)));
    std::size_t at = head;
    for (; at < head + 2000; at += 3) {
        ASSERT_TRUE(client.send_all(std::string_view(wire).substr(at, 3))) << client.error();
        if (at % 300 == 0) std::this_thread::sleep_for(1ms);
    }
    ASSERT_TRUE(client.send_all(std::string_view(wire).substr(at)));
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, sum_of(body));
    ASSERT_TRUE(client.roundtrip(get("/echo?n=after"), r)) << client.error();
    EXPECT_EQ(r.body, "after") << "the request after a streamed chunked body is parsed from the right byte";
    corio::test::stop_and_join(s.rt);
}

TEST(streamed_request_body, pipelined_behind_and_ahead) {
    served s(streaming_config(), 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    const std::string body = pattern_body(3000);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.send_all(get("/echo?n=1") + upload_head("/upload", "Transfer-Encoding: chunked") +
                                chunked(body, 1000) + get("/echo?n=3") +
                                upload_head("/sum-async", "Content-Length: 3000") + body + get("/echo?n=5")));
    const std::string expected[] = {"1", sum_of(body), "3", sum_of(body), "5"};
    for (const std::string& want : expected) {
        reply r;
        ASSERT_TRUE(client.read_response(r)) << client.error();
        EXPECT_EQ(r.body, want);
    }
    corio::test::stop_and_join(s.rt);
}

// A client that shuts down its sending side after the whole body still gets its answer; one that
// does so in the middle of the body makes the read fail.
TEST(streamed_request_body, half_close_after_or_inside_the_body) {
    served s(streaming_config(), 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    reply r;
    {
        loopback_client client(s.port());
        ASSERT_TRUE(client.send_all(upload_head("/upload", "Content-Length: 5") + "hello"));
        ASSERT_EQ(::shutdown(client.fd(), SHUT_WR), 0);
        ASSERT_TRUE(client.read_response(r)) << client.error();
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, sum_of("hello"));
    }
    {
        loopback_client client(s.port());
        ASSERT_TRUE(client.send_all(upload_head("/upload", "Content-Length: 50") + "hello"));
        ASSERT_EQ(::shutdown(client.fd(), SHUT_WR), 0);
        ASSERT_TRUE(client.read_response(r)) << client.error();
        EXPECT_EQ(r.status, 400) << "ECONNRESET from read_body";
        EXPECT_EQ(r.header("Connection"), "close");
    }
    corio::test::stop_and_join(s.rt);
}

TEST(streamed_request_body, continue_is_sent_only_when_the_handler_reads) {
    served s(streaming_config(), 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    reply r;
    {
        loopback_client client(s.port());
        ASSERT_TRUE(client.send_all(upload_head("/upload", "Content-Length: 5", "Expect: 100-continue\r\n")));
        ASSERT_TRUE(client.read_response(r)) << client.error();
        EXPECT_EQ(r.status, 100);
        ASSERT_TRUE(client.send_all("hello"));
        ASSERT_TRUE(client.read_response(r)) << client.error();
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, sum_of("hello"));
    }
    {
        loopback_client client(s.port());
        ASSERT_TRUE(client.send_all(upload_head("/ignore", "Content-Length: 5", "Expect: 100-continue\r\n")));
        ASSERT_TRUE(client.read_response(r)) << client.error();
        EXPECT_EQ(r.status, 200) << "no 100 Continue for a handler that does not read";
        EXPECT_EQ(r.body, "ignored");
        EXPECT_EQ(r.header("Connection"), "close") << "the unread body is not taken for a request";
        EXPECT_EQ(client.wait_for_close(), peer_end::eof);
    }
    corio::test::stop_and_join(s.rt);
}

TEST(streamed_request_body, over_the_route_limit_fails_the_read_and_closes) {
    served s(streaming_config(), 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(
        client.send_all(upload_head("/upload-small", "Transfer-Encoding: chunked") + chunked(pattern_body(5000), 500)));
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_EQ(client.wait_for_close(), peer_end::eof);
    corio::test::stop_and_join(s.rt);
}

// The server refuses a request whose body it will not read and closes while the client is still
// sending: the close lingers (reading and dropping input) so that the answer is not destroyed by a
// reset, and the connection ends once the client closes or after the linger timeout.
TEST(lingering_close, the_answer_survives_a_client_that_keeps_sending) {
    corio::http::server_config config = streaming_config();
    config.max_body_bytes = 1000;
    config.linger_timeout_ms = 3000;
    config.linger_max_bytes = 8 << 20; // above the 4 MiB sent: the byte bound has a test of its own
    served s(config, 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    for (int round = 0; round < 5; ++round) {
        loopback_client client(s.port());
        ASSERT_TRUE(client.connected()) << client.error();
        const std::size_t size = 4u << 20;
        flood_sender sender(client.fd(), corio::test::post_sum_head(size) + std::string(size, 'x'));
        reply r;
        ASSERT_TRUE(client.read_response(r)) << "round " << round << ": " << client.error();
        EXPECT_EQ(r.status, 413);
        EXPECT_EQ(r.header("Connection"), "close");
        EXPECT_EQ(sender.finish(), sender.size()) << "the server stopped reading before the client was done";
        EXPECT_EQ(client.wait_for_close(), peer_end::eof);
    }
    corio::test::stop_and_join(s.rt);
}

TEST(lingering_close, ends_at_the_linger_timeout_when_the_client_stays) {
    corio::http::server_config config = streaming_config();
    config.max_body_bytes = 1000;
    config.linger_timeout_ms = 300;
    served s(config, 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.send_all(corio::test::post_sum_head(5000) + std::string(100, 'x')));
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(client.wait_for_close(), peer_end::eof); // the write side is shut at once
    const auto deadline = corio::test::test_clock::now() + 3s;
    while (corio::test::test_clock::now() < deadline) {
        // Keep the connection open without sending: the server gives up after 300 ms.
        if (!client.send_all("y")) break;
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_LT(corio::test::test_clock::now(), deadline) << "the lingering close never ended";
    corio::test::stop_and_join(s.rt);
}

TEST(streamed_response, chunks_arrive_in_order_and_the_connection_goes_on) {
    served s(streaming_config(), 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/stream?n=100&size=1000"), r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
    EXPECT_FALSE(r.header("Content-Length").has_value());
    EXPECT_EQ(r.body.size(), 100'000U);
    EXPECT_TRUE(pattern_matches(r.body));
    ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
    EXPECT_EQ(r.body, "Hello, World!");
    EXPECT_TRUE(client.roundtrip("HEAD /stream?n=3&size=10 HTTP/1.1\r\nHost: x\r\n\r\n", r, true)) << client.error();
    EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
    corio::test::stop_and_join(s.rt);
}

TEST(streamed_response, http_1_0_gets_the_body_ended_by_the_close) {
    served s(streaming_config(), 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("GET /stream?n=10&size=100 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", r))
        << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.header("Transfer-Encoding").has_value());
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_EQ(r.body.size(), 1000U);
    EXPECT_TRUE(pattern_matches(r.body));
    corio::test::stop_and_join(s.rt);
}

TEST(streamed_response, a_client_that_does_not_read_stalls_the_producer) {
    served s(streaming_config(), 1, streaming_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port(), 20'000, 64 * 1024, 16 * 1024);
    ASSERT_TRUE(client.connected()) << client.error();
    produced = 0;
    const unsigned pieces = 16 * 1024; // 16 MiB
    ASSERT_TRUE(client.send_all(get(fmt::format("/stream?n={}&size=1024", pieces))));
    // Wait until production stops (slow under sanitizers on a busy machine): 300 ms without progress.
    std::uint64_t while_stalled = produced.load();
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    for (auto last_change = std::chrono::steady_clock::now();
         (while_stalled == 0 || std::chrono::steady_clock::now() - last_change < 300ms) &&
         std::chrono::steady_clock::now() < give_up;) {
        std::this_thread::sleep_for(20ms);
        if (const std::uint64_t now = produced.load(); now != while_stalled) {
            while_stalled = now;
            last_change = std::chrono::steady_clock::now();
        }
    }
    // Stalled at the output queue's high-water mark plus what the socket buffers hold, far from the 16 MiB.
    EXPECT_LT(while_stalled, 8u << 20) << "the producer was not stalled by the client";
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(produced.load(), while_stalled) << "still producing while nothing is read";
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.body.size(), std::size_t{pieces} * 1024);
    EXPECT_TRUE(pattern_matches(r.body));
    corio::test::stop_and_join(s.rt);
}

} // namespace
