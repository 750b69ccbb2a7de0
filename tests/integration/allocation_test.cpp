// SPDX-License-Identifier: MIT
// Steady state allocates nothing: after a warm-up, thousands of keep-alive /plaintext and /json
// requests leave both the shard heap's allocation counter and the process-wide operator new counter
// unchanged, with the metrics endpoint off and on. And a burst leaves nothing behind: once it is over
// and the shard has given memory back, its heap holds the idle connections' structs and no more. This binary replaces
// the global operator new/delete with counting versions, so it is a test program of its own.
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <corio/core/heap.hpp>
#include <corio/core/runtime.hpp>
#include <corio/http/json.hpp>
#include <corio/http/server.hpp>

#include "harness.hpp"

namespace {

// Every operator new call of every thread in the process.
std::atomic<std::uint64_t> global_news{0};

void* counted_new(std::size_t size) {
    global_news.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}

void* counted_new_aligned(std::size_t size, std::align_val_t alignment) {
    global_news.fetch_add(1, std::memory_order_relaxed);
    const auto align = static_cast<std::size_t>(alignment);
    void* p = nullptr;
    if (posix_memalign(&p, align < sizeof(void*) ? sizeof(void*) : align, size == 0 ? 1 : size) != 0) return nullptr;
    return p;
}

} // namespace

void* operator new(std::size_t size) {
    if (void* p = counted_new(size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
    if (void* p = counted_new(size)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return counted_new(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return counted_new(size);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
    if (void* p = counted_new_aligned(size, alignment)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
    if (void* p = counted_new_aligned(size, alignment)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return counted_new_aligned(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return counted_new_aligned(size, alignment);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    std::free(p);
}

namespace {

using corio::test::loopback_client;
using corio::test::reply;

constexpr std::string_view plaintext_request = "GET /plaintext HTTP/1.1\r\nHost: loopback\r\n\r\n";
constexpr std::string_view json_request = "GET /json HTTP/1.1\r\nHost: loopback\r\n\r\n";
constexpr std::string_view count_request = "GET /count HTTP/1.1\r\nHost: loopback\r\n\r\n";
constexpr std::string_view json_body = R"({"message":"Hello, World!"})";

// Both counters as read on the shard thread by /count.
struct counters {
    std::uint64_t shard_allocs = 0;
    std::uint64_t global_news = 0;
};

// Sends /count and parses "<shard allocs> <global news>"; false if anything is off. Allocates nothing.
bool read_counters(loopback_client& client, counters& out) {
    reply r;
    if (!client.roundtrip(count_request, r) || r.status != 200) return false;
    const char* p = r.body.data();
    const char* end = p + r.body.size();
    auto parsed = std::from_chars(p, end, out.shard_allocs);
    if (parsed.ec != std::errc() || parsed.ptr == end || *parsed.ptr != ' ') return false;
    parsed = std::from_chars(parsed.ptr + 1, end, out.global_news);
    return parsed.ec == std::errc() && parsed.ptr == end;
}

// Runs `n` keep-alive requests alternating /plaintext and /json; returns the number of bad answers.
// Allocates nothing on the client side: constant requests, the client's own buffer, no gtest calls.
int run_requests(loopback_client& client, int n) {
    int bad = 0;
    reply r;
    for (int i = 0; i < n; ++i) {
        const bool json = i % 2 != 0;
        if (!client.roundtrip(json ? json_request : plaintext_request, r)) return bad + (n - i);
        if (r.status != 200 || r.body != (json ? json_body : std::string_view("Hello, World!"))) ++bad;
    }
    return bad;
}

// The measurement; `metrics_path` turns the server's metrics endpoint on (its counters are updated
// by every request, and must cost no allocation either).
void expect_steady_state_allocates_nothing(const std::string& metrics_path) {
    corio::http::router routes;
    routes.get("/plaintext", [](corio::http::request&) { return corio::http::response::text("Hello, World!"); });
    routes.get("/json", [](corio::http::request&) {
        corio::http::response res;
        corio::http::json_body(res).begin_object().key("message").value("Hello, World!").end_object();
        return res;
    });
    routes.get("/count", [](corio::http::request&) {
        // Read both counters first, so that building this response does not count.
        const std::uint64_t shard_allocs = corio::shard_alloc_count();
        const std::uint64_t news = global_news.load(std::memory_order_relaxed);
        corio::http::response res;
        res.set_content_type("text/plain");
        fmt::format_to(std::back_inserter(res.body_buffer()), "{} {}", shard_allocs, news);
        return res;
    });
    corio::http::server_config config = corio::test::loopback_config();
    config.metrics_path = metrics_path;
    corio::test::served s(std::move(config), 1, std::move(routes));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();

    ASSERT_EQ(run_requests(client, 2000), 0) << client.error();
    // Two /count calls in a row measure what a /count request costs by itself.
    counters first;
    counters second;
    ASSERT_TRUE(read_counters(client, first)) << client.error();
    ASSERT_TRUE(read_counters(client, second)) << client.error();
    const std::uint64_t count_shard_cost = second.shard_allocs - first.shard_allocs;
    const std::uint64_t count_global_cost = second.global_news - first.global_news;

    const int bad = run_requests(client, 10000);
    counters after;
    ASSERT_TRUE(read_counters(client, after)) << client.error();
    ASSERT_EQ(bad, 0) << client.error();

    EXPECT_EQ(after.shard_allocs - second.shard_allocs, count_shard_cost)
        << "shard heap allocations during 10,000 steady-state requests";
    EXPECT_EQ(after.global_news - second.global_news, count_global_cost)
        << "operator new calls (any thread) during 10,000 steady-state requests";
    // What /count costs is expected to be nothing as well; report it if not.
    EXPECT_EQ(count_shard_cost, 0U);
    EXPECT_EQ(count_global_cost, 0U);
    if (!metrics_path.empty()) {
        // The counters did count those requests (the scrape itself may allocate).
        EXPECT_GE(s.srv.stats(0).responses[1], 12'003U);
        reply r;
        ASSERT_TRUE(client.roundtrip("GET " + metrics_path + " HTTP/1.1\r\nHost: loopback\r\n\r\n", r))
            << client.error();
        EXPECT_EQ(r.status, 200);
    }
}

TEST(allocation, steady_state_keep_alive_requests_allocate_nothing) {
    expect_steady_state_allocates_nothing("");
}

TEST(allocation, steady_state_requests_allocate_nothing_with_metrics_on) {
    expect_steady_state_allocates_nothing("/metrics");
}

// 1,000 connections each pipeline 10 requests at once (10,000 in all, sent before any answer is
// read), then stay open and idle. After the shard's give-back the heap holds what it held with one
// connection, plus at most 128 bytes (DESIGN.md's budget) per connection added: no coroutine frame,
// output chunk, kept input or parser state outlives its request.
TEST(allocation, a_burst_leaves_only_the_idle_connections_in_the_shard_heap) {
    corio::http::router routes;
    routes.get("/plaintext", [](corio::http::request&) { return corio::http::response::text("Hello, World!"); });
    routes.get("/live", [](corio::http::request&) {
        const std::size_t live = corio::shard_heap_live_bytes(); // before this answer is built
        corio::http::response res;
        res.set_content_type("text/plain");
        fmt::format_to(std::back_inserter(res.body_buffer()), "{}", live);
        return res;
    });
    corio::runtime_config one = corio::test::shards(1);
    one.give_back_ms = 50;
    corio::test::served s(corio::test::loopback_config(), one, std::move(routes));
    CORIO_START_OR_SKIP(s.rt, s.srv);

    loopback_client probe(s.port());
    ASSERT_TRUE(probe.connected()) << probe.error();
    // The heap as it settles after one request and a give-back, read twice.
    const auto live_bytes = [&probe](std::size_t& out) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        reply r;
        if (!probe.roundtrip("GET /live HTTP/1.1\r\nHost: loopback\r\n\r\n", r) || r.status != 200) return false;
        return std::from_chars(r.body.data(), r.body.data() + r.body.size(), out).ec == std::errc();
    };
    std::size_t before = 0;
    ASSERT_TRUE(live_bytes(before)) << probe.error();
    ASSERT_TRUE(live_bytes(before)) << probe.error();
    if (before == 0) GTEST_SKIP() << "the shard heap forwards to malloc in this build (AddressSanitizer)";

    constexpr int connections = 1000;
    constexpr int depth = 10;
    std::string batch;
    for (int i = 0; i < depth; ++i)
        batch += plaintext_request;
    std::vector<loopback_client> clients;
    clients.reserve(connections);
    for (int i = 0; i < connections; ++i) {
        clients.emplace_back(s.port());
        ASSERT_TRUE(clients.back().connected()) << clients.back().error();
    }
    for (loopback_client& c : clients)
        ASSERT_TRUE(c.send_all(batch)) << c.error();
    int answered = 0;
    reply r;
    for (loopback_client& c : clients) {
        for (int i = 0; i < depth; ++i) {
            ASSERT_TRUE(c.read_response(r)) << c.error();
            answered += r.status == 200 && r.body == "Hello, World!" ? 1 : 0;
        }
    }
    ASSERT_EQ(answered, connections * depth);

    std::size_t after = 0;
    ASSERT_TRUE(live_bytes(after)) << probe.error();
    const std::size_t added = after > before ? after - before : 0;
    EXPECT_LE(added, std::size_t{128} * connections)
        << "shard heap: " << before << " bytes with one connection, " << after << " with " << connections
        << " more idle after a burst of " << connections * depth << " requests (" << added / connections
        << " bytes each)";
    std::printf("shard heap: %zu bytes before, %zu after (%zu per idle connection)\n", before, after,
                added / connections);
}

} // namespace
