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
using corio::test::get;
using corio::test::loopback_client;
using corio::test::reply;
using corio::test::served;
using corio::test::test_clock;

constexpr int requests = 10'000;
constexpr std::uint32_t max_pending = 64 << 10;
constexpr long long rss_budget_kib = 32 << 10;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool built_with_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool built_with_asan = true;
#else
constexpr bool built_with_asan = false;
#endif
#else
constexpr bool built_with_asan = false;
#endif

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"); -1 if missing.
long long status_kib(std::string_view field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 && line[field.size()] == ':') {
            return std::stoll(line.substr(field.size() + 1));
        }
    }
    return -1;
}

// Writes all of `bytes` with plain send() calls from its own thread: the writes block while the
// server is not reading, which is the point.
class flood_sender {
public:
    flood_sender(int fd, std::string bytes)
        : _bytes(std::move(bytes)), _thread([this, fd] {
              std::string_view rest = _bytes;
              while (!rest.empty()) {
                  const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
                  if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue; // EAGAIN: the send timeout
                  if (n < 0) {
                      _errno = errno;
                      break;
                  }
                  rest.remove_prefix(static_cast<std::size_t>(n));
                  _sent += static_cast<std::size_t>(n);
              }
          }) {}
    ~flood_sender() {
        if (_thread.joinable()) _thread.join();
    }
    flood_sender(const flood_sender&) = delete;
    flood_sender& operator=(const flood_sender&) = delete;

    /// Waits for the last write; returns the bytes written.
    std::size_t finish() {
        _thread.join();
        return _sent;
    }
    std::size_t size() const noexcept { return _bytes.size(); }
    int error() const noexcept { return _errno; }

private:
    std::string _bytes;
    std::atomic<std::size_t> _sent{0};
    std::atomic<int> _errno{0};
    std::thread _thread;
};

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

} // namespace
