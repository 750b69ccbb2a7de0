// SPDX-License-Identifier: MIT
// Output backpressure: a client that pipelines 10,000 requests without reading makes the server
// stop reading once max_pending_output bytes wait to be sent, so memory stays bounded; when the
// client reads again, every request is answered, in order. The server runs in this process, so
// the process's resident set (VmRSS) is the server's memory.
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::test::built_with_asan;
using corio::test::flood_sender;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::reply;
using corio::test::served;
using corio::test::status_kib;
using corio::test::test_clock;

constexpr int requests = 10'000;
constexpr std::uint32_t max_pending = 64 << 10;
constexpr long long rss_budget_kib = 32 << 10;

// Does not read for a second while a flood goes out; returns the largest VmRSS seen meanwhile, in KiB.
long long peak_rss_while_not_reading() {
    long long peak = status_kib("VmRSS");
    const auto until = test_clock::now() + 1s;
    while (test_clock::now() < until) {
        std::this_thread::sleep_for(50ms);
        peak = std::max(peak, status_kib("VmRSS"));
    }
    return peak;
}

// Request i: the large route `big` for even i, /echo?n=i for odd i (checks the order).
std::string flood_of(std::string_view big) {
    std::string all;
    for (int i = 0; i < requests; ++i)
        all += i % 2 == 0 ? get(big) : get("/echo?n=" + std::to_string(i));
    return all;
}

void read_all_in_order(loopback_client& client, std::string_view big_body) {
    reply r;
    for (int i = 0; i < requests; ++i) {
        ASSERT_TRUE(client.read_response(r)) << "response " << i << ": " << client.error();
        ASSERT_EQ(r.status, 200) << "response " << i;
        if (i % 2 == 0) {
            ASSERT_EQ(r.body, big_body) << "response " << i;
        } else {
            ASSERT_EQ(r.body, std::to_string(i)) << "response " << i << ": out of order";
        }
    }
}

corio::http::server_config backpressure_config() {
    corio::http::server_config config = corio::test::loopback_config();
    config.max_pending_output = max_pending;
    return config;
}

// The brief's flood: 10,000 small pipelined requests (half GET /plaintext) sent without reading
// for a second through a small receive window, then all read back.
TEST(backpressure, ten_thousand_unread_pipelined_requests_are_all_answered_in_order) {
    served s(backpressure_config());
    CORIO_START_OR_SKIP(s.rt, s.srv);

    // A small receive window: the server's output backs up in it quickly.
    loopback_client client(s.port(), 20'000, 64 * 1024, 4096);
    ASSERT_TRUE(client.connected()) << client.error();
    const long long before = status_kib("VmRSS");
    flood_sender sender(client.fd(), flood_of("/plaintext"));
    const long long peak = peak_rss_while_not_reading();
    read_all_in_order(client, "Hello, World!");
    EXPECT_EQ(sender.finish(), sender.size()) << std::strerror(sender.error());
    EXPECT_LT(peak - before, rss_budget_kib) << "RSS grew by " << (peak - before) << " KiB while not reading";
    // The connection still serves.
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
    EXPECT_EQ(r.body, "Hello, World!");
}

// Fairness: a connection served max_requests_per_read requests from one arrival of input waits for
// its answers to go out before the rest of its input is offered again. At 1 every request of the
// flood waits so, and what was kept meanwhile is taken from the front of the kept input: all are
// answered, in order.
TEST(backpressure, a_connection_that_served_its_share_loses_no_request) {
    corio::http::server_config config = backpressure_config();
    config.max_requests_per_read = 1;
    served s(config);
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port(), 20'000, 64 * 1024);
    ASSERT_TRUE(client.connected()) << client.error();
    flood_sender sender(client.fd(), flood_of("/plaintext"));
    read_all_in_order(client, "Hello, World!");
    EXPECT_EQ(sender.finish(), sender.size()) << std::strerror(sender.error());
}

// A client that pipelines and never reads: once its connection has had to stop reading, the kernel
// holds at most max_unsent_in_socket bytes of its answers unsent; the rest waits in the server, where
// max_pending_output and the minimum data rate see it. Without the bound Linux takes megabytes (a
// socket's send buffer grows to 4 MiB), all of which looked like a client that reads.
TEST(backpressure, answers_beyond_the_socket_limit_wait_in_the_server) {
    for (const std::uint32_t limit : {std::uint32_t{16} << 10, std::uint32_t{0}}) {
        corio::http::server_config config = backpressure_config();
        config.max_pending_output = 8 << 20; // only the socket's limit stops it
        config.max_unsent_in_socket = limit;
        served s(config);
        CORIO_START_OR_SKIP(s.rt, s.srv);
        loopback_client client(s.port(), 20'000, 64 * 1024, 4096);
        ASSERT_TRUE(client.connected()) << client.error();
        std::string flood;
        for (int i = 0; i < 20'000; ++i)
            flood += get("/plaintext");
        flood_sender sender(client.fd(), std::move(flood));
        std::this_thread::sleep_for(1s); // not reading
        const std::uint64_t sent = s.srv.stats(0).bytes_out;
        if (limit != 0) {
            // The limit, the client's small receive window and one last partial send.
            EXPECT_LT(sent, 4 * limit + (64 << 10)) << "bytes the kernel took with TCP_NOTSENT_LOWAT " << limit;
        } else {
            EXPECT_GT(sent, 512U << 10) << "the kernel's default took less than the test assumes: it shows nothing";
        }
        ::shutdown(client.fd(), SHUT_RDWR); // wakes the sender, blocked while the server does not read
        sender.finish();
    }
}

// The same flood for 16 KiB responses (80 MB of output in all, far beyond any socket buffer):
// without backpressure the server would hold most of it in memory.
TEST(backpressure, unread_flood_of_large_responses_keeps_memory_bounded) {
    served s(backpressure_config());
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port(), 20'000, 64 * 1024);
    ASSERT_TRUE(client.connected()) << client.error();
    const long long before = status_kib("VmRSS");
    flood_sender sender(client.fd(), flood_of("/blob"));
    const long long peak = peak_rss_while_not_reading();
    read_all_in_order(client, corio::test::blob_body());
    EXPECT_EQ(sender.finish(), sender.size()) << std::strerror(sender.error());
    EXPECT_LT(peak - before, rss_budget_kib) << "RSS grew by " << (peak - before) << " KiB while not reading";
    // Also bounded while the 80 MB were read: the peak resident set of the whole test. Not under
    // AddressSanitizer, whose quarantine keeps every freed output chunk resident (up to 256 MB).
    if (!built_with_asan) {
        const long long hwm = status_kib("VmHWM");
        EXPECT_LT(hwm - before, rss_budget_kib) << "peak RSS " << hwm << " KiB, " << before << " KiB before the flood";
    }
}

// Paused for backpressure, a connection counts down the send progress timeout (the idle timeout,
// re-armed whenever the client takes output), not the header timeout of a request that happened
// to straddle two receive buffers: a slow reader is served to the end (CI's emulated arm64 VM
// reads this slowly), one that stops reading altogether is cut.
TEST(backpressure, a_slow_reader_outlives_the_header_timeout) {
    corio::http::server_config config = backpressure_config();
    config.header_timeout_ms = 200;
    served s(config);
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port(), 20'000, 64 * 1024, 4096);
    ASSERT_TRUE(client.connected()) << client.error();
    flood_sender sender(client.fd(), flood_of("/blob"));
    std::this_thread::sleep_for(1s);
    read_all_in_order(client, corio::test::blob_body());
    EXPECT_EQ(sender.finish(), sender.size()) << std::strerror(sender.error());
}

TEST(backpressure, a_client_that_stops_reading_is_cut_after_the_idle_timeout) {
    corio::http::server_config config = backpressure_config();
    config.idle_timeout_ms = 300;
    config.min_data_rate = 0; // the idle timeout alone (the minimum data rate: hostile_clients_test)
    served s(config);
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port(), 20'000, 64 * 1024, 4096);
    ASSERT_TRUE(client.connected()) << client.error();
    flood_sender sender(client.fd(), flood_of("/blob"));
    sender.finish();
    std::this_thread::sleep_for(1s); // not reading: the server gives up after 300 ms
    // What was sent before the cut is readable; then the connection ends, long before 10,000 answers.
    reply r;
    int answered = 0;
    while (answered < requests && client.read_response(r))
        ++answered;
    EXPECT_LT(answered, requests / 10);
}

} // namespace
