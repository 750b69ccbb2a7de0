// SPDX-License-Identifier: MIT
// The HTTP server on real shards over loopback TCP: keep-alive, pipelining, trickled input,
// thousands of concurrent connections, clients that reset mid-request, and stopping with
// connections open.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/socket.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <corio/core/runtime.hpp>
#include <corio/core/shard.hpp>
#include <corio/http/server.hpp>

#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::test::loopback_client;
using corio::test::peer_end;
using corio::test::reply;

corio::http::response text_of(std::string_view body) {
    return corio::http::response::copy_of(body, "text/plain");
}

// Routes shared by the tests. `self` is set to the server before the runtime starts, so that
// /open can report the connections open on the shard that answers it (read on that shard).
corio::http::router test_routes(const corio::http::server* const* self) {
    corio::http::router routes;
    routes.get("/plaintext", [](corio::http::request&) { return corio::http::response::text("Hello, World!"); });
    // /echo?n=17 answers "17": lets a client check which request a response belongs to.
    routes.get("/echo", [](corio::http::request& req) {
        std::string_view q = req.query();
        if (q.substr(0, 2) == "n=") q.remove_prefix(2);
        return text_of(q);
    });
    // Answers "<body length> <sum of the body's bytes>".
    routes.post("/sum", [](corio::http::request& req) {
        std::uint64_t sum = 0;
        for (const char c : req.body())
            sum += static_cast<unsigned char>(c);
        corio::http::response res;
        res.set_content_type("text/plain");
        fmt::format_to(std::back_inserter(res.body_buffer()), "{} {}", req.body().size(), sum);
        return res;
    });
    routes.get("/open", [self](corio::http::request&) {
        corio::http::response res;
        res.set_content_type("text/plain");
        const auto stats = (*self)->stats(corio::shard::current()->id());
        fmt::format_to(std::back_inserter(res.body_buffer()), "{}", stats.connections_open);
        return res;
    });
    return routes;
}

std::string get(std::string_view target) {
    return fmt::format("GET {} HTTP/1.1\r\nHost: loopback\r\n\r\n", target);
}

std::string post_sum(std::string_view body) {
    return fmt::format("POST /sum HTTP/1.1\r\nHost: loopback\r\nContent-Length: {}\r\n\r\n{}", body.size(), body);
}

std::string sum_of(std::string_view body) {
    std::uint64_t sum = 0;
    for (const char c : body)
        sum += static_cast<unsigned char>(c);
    return fmt::format("{} {}", body.size(), sum);
}

corio::http::server_config loopback_config() {
    corio::http::server_config config;
    config.address = "127.0.0.1";
    config.port = 0;
    return config;
}

corio::runtime_config shards(unsigned n) {
    corio::runtime_config config;
    config.shards = n;
    return config;
}

// 3,000 rather than 1,000: more requests than the default 1,024 receive buffers, so the
// provided-buffer ring wraps around during the test.
TEST(server, thousands_of_keep_alive_requests_on_one_connection) {
    const corio::http::server* self = nullptr;
    corio::http::server srv(test_routes(&self), loopback_config());
    self = &srv;
    corio::runtime rt(shards(2));
    CORIO_START_OR_SKIP(rt, srv);

    loopback_client client(srv.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    constexpr int requests = 3000;
    for (int i = 0; i < requests; ++i) {
        if (i % 2 == 0) {
            ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << "request " << i << ": " << client.error();
            ASSERT_EQ(r.status, 200) << "request " << i;
            ASSERT_EQ(r.body, "Hello, World!") << "request " << i;
        } else {
            ASSERT_TRUE(client.roundtrip(get(fmt::format("/echo?n={}", i)), r))
                << "request " << i << ": " << client.error();
            ASSERT_EQ(r.status, 200) << "request " << i;
            ASSERT_EQ(r.body, std::to_string(i)) << "request " << i;
        }
        ASSERT_FALSE(r.header("Connection").has_value()) << "HTTP/1.1 keep-alive needs no Connection header";
    }
    rt.stop();
    rt.join();
    EXPECT_EQ(srv.stats(0).requests + srv.stats(1).requests, static_cast<std::uint64_t>(requests));
    EXPECT_EQ(srv.stats(0).parse_errors + srv.stats(1).parse_errors, 0U);
}

TEST(server, sixty_four_pipelined_requests_answered_in_order) {
    const corio::http::server* self = nullptr;
    corio::http::server srv(test_routes(&self), loopback_config());
    self = &srv;
    corio::runtime rt(shards(2));
    CORIO_START_OR_SKIP(rt, srv);

    loopback_client client(srv.port());
    ASSERT_TRUE(client.connected()) << client.error();
    std::string batch;
    for (int i = 0; i < 64; ++i)
        batch += get(fmt::format("/echo?n={}", i));
    // One send() call: the server sees the whole batch in as few receives as the kernel makes.
    ASSERT_EQ(::send(client.fd(), batch.data(), batch.size(), MSG_NOSIGNAL), static_cast<ssize_t>(batch.size()));
    reply r;
    for (int i = 0; i < 64; ++i) {
        ASSERT_TRUE(client.read_response(r)) << "response " << i << ": " << client.error();
        ASSERT_EQ(r.status, 200) << "response " << i;
        ASSERT_EQ(r.body, std::to_string(i)) << "responses out of order";
    }
    // The connection still serves after the batch.
    ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
    EXPECT_EQ(r.body, "Hello, World!");
}

TEST(server, request_written_one_byte_at_a_time) {
    const corio::http::server* self = nullptr;
    corio::http::server srv(test_routes(&self), loopback_config());
    self = &srv;
    corio::runtime rt(shards(1));
    CORIO_START_OR_SKIP(rt, srv);

    loopback_client client(srv.port());
    ASSERT_TRUE(client.connected()) << client.error();
    client.set_nodelay();
    reply r;
    for (int round = 0; round < 2; ++round) {
        const std::string request = get(fmt::format("/echo?n=trickle{}", round));
        for (const char c : request) {
            ASSERT_TRUE(client.send_all({&c, 1})) << client.error();
            std::this_thread::sleep_for(1ms);
        }
        ASSERT_TRUE(client.read_response(r)) << client.error();
        ASSERT_EQ(r.status, 200);
        ASSERT_EQ(r.body, fmt::format("trickle{}", round));
    }
    rt.stop();
    rt.join();
    EXPECT_EQ(srv.stats(0).requests, 2U);
    EXPECT_EQ(srv.stats(0).parse_errors, 0U);
}

TEST(server, content_length_body_split_in_odd_pieces) {
    const corio::http::server* self = nullptr;
    corio::http::server srv(test_routes(&self), loopback_config());
    self = &srv;
    corio::runtime rt(shards(1));
    CORIO_START_OR_SKIP(rt, srv);

    loopback_client client(srv.port());
    ASSERT_TRUE(client.connected()) << client.error();
    client.set_nodelay();
    std::string body;
    for (int i = 0; i < 3000; ++i)
        body += static_cast<char>('a' + (i * 7) % 26);
    // Two requests back to back, cut so that pieces end inside the head, inside the body and
    // across the boundary between the two requests.
    const std::string request = post_sum(body) + get("/echo?n=after");
    const std::size_t pieces[] = {1, 3, 17, 5, 40, 1, 333, 2, 999, 7, 1234, 11};
    std::size_t at = 0;
    for (std::size_t i = 0; at < request.size(); ++i) {
        const std::size_t n = std::min(pieces[i % std::size(pieces)], request.size() - at);
        ASSERT_TRUE(client.send_all(std::string_view(request).substr(at, n))) << client.error();
        at += n;
        std::this_thread::sleep_for(2ms);
    }
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, sum_of(body));
    ASSERT_TRUE(client.read_response(r)) << client.error();
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "after");
}

TEST(server, two_thousand_concurrent_connections) {
    const corio::http::server* self = nullptr;
    corio::http::server srv(test_routes(&self), loopback_config());
    self = &srv;
    corio::runtime rt(shards(2));
    CORIO_START_OR_SKIP(rt, srv);

    constexpr int count = 2000;
    std::vector<loopback_client> clients;
    clients.reserve(count);
    for (int i = 0; i < count; ++i) {
        clients.emplace_back(srv.port(), 10000, 4096);
        ASSERT_TRUE(clients.back().connected()) << "connection " << i << ": " << clients.back().error();
    }
    for (int i = 0; i < count; ++i) {
        ASSERT_TRUE(clients[i].send_all(get(fmt::format("/echo?n={}", i))))
            << "connection " << i << ": " << clients[i].error();
    }
    reply r;
    for (int i = 0; i < count; ++i) {
        ASSERT_TRUE(clients[i].read_response(r)) << "connection " << i << ": " << clients[i].error();
        ASSERT_EQ(r.status, 200) << "connection " << i;
        ASSERT_EQ(r.body, std::to_string(i)) << "connection " << i;
    }
    clients.clear();
    rt.stop();
    rt.join();
    const auto s0 = srv.stats(0);
    const auto s1 = srv.stats(1);
    EXPECT_EQ(s0.requests + s1.requests, static_cast<std::uint64_t>(count));
    EXPECT_EQ(s0.connections_opened + s1.connections_opened, static_cast<std::uint64_t>(count));
    EXPECT_EQ(s0.connections_opened, s0.connections_closed);
    EXPECT_EQ(s1.connections_opened, s1.connections_closed);
}

// Asks the (single) shard how many connections it has open, counting the asking one.
std::uint64_t open_connections(loopback_client& client) {
    reply r;
    if (!client.roundtrip(get("/open"), r) || r.status != 200) return ~std::uint64_t{0};
    return std::stoull(std::string(r.body));
}

TEST(server, client_reset_mid_request_leaves_server_healthy) {
    const corio::http::server* self = nullptr;
    corio::http::server srv(test_routes(&self), loopback_config());
    self = &srv;
    corio::runtime rt(shards(1));
    CORIO_START_OR_SKIP(rt, srv);

    loopback_client probe(srv.port());
    ASSERT_TRUE(probe.connected()) << probe.error();
    ASSERT_EQ(open_connections(probe), 1U);

    // Half requests (a cut head, a cut body) held by the server in spill blocks, then RSTs.
    constexpr int resets = 20;
    std::vector<loopback_client> doomed;
    for (int i = 0; i < resets; ++i) {
        doomed.emplace_back(srv.port());
        ASSERT_TRUE(doomed.back().connected()) << doomed.back().error();
        const std::string half = i % 2 == 0 ? std::string("GET /plaintext HTTP/1.1\r\nHost: loo")
                                            : post_sum(std::string(2000, 'x')).substr(0, 1000);
        ASSERT_TRUE(doomed.back().send_all(half)) << doomed.back().error();
    }
    // Make sure the server holds all of them (and so has read the partial input) before the resets.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (open_connections(probe) != resets + 1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_EQ(open_connections(probe), resets + 1U);
    std::this_thread::sleep_for(20ms);
    for (auto& c : doomed)
        c.reset();

    std::uint64_t open = 0;
    const auto reset_deadline = std::chrono::steady_clock::now() + 5s;
    while ((open = open_connections(probe)) != 1 && std::chrono::steady_clock::now() < reset_deadline) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_EQ(open, 1U) << "reset connections were not released";

    // New connections are served as before.
    for (int i = 0; i < 10; ++i) {
        loopback_client fresh(srv.port());
        ASSERT_TRUE(fresh.connected()) << fresh.error();
        reply r;
        ASSERT_TRUE(fresh.roundtrip(get(fmt::format("/echo?n={}", i)), r)) << fresh.error();
        ASSERT_EQ(r.status, 200);
        ASSERT_EQ(r.body, std::to_string(i));
    }
    reply r;
    ASSERT_TRUE(probe.roundtrip(get("/plaintext"), r)) << probe.error();
    EXPECT_EQ(r.body, "Hello, World!");

    probe.close();
    rt.stop();
    rt.join();
    const auto s = srv.stats(0);
    EXPECT_EQ(s.connections_opened, 1U + resets + 10U);
    EXPECT_EQ(s.connections_opened, s.connections_closed);
    EXPECT_EQ(s.connections_open, 0U);
}

// rt.stop() + rt.join(), timed. A join that hangs (the runtime's own stop deadline failed) aborts
// the test binary after 30 s with a message, rather than running into the CTest timeout mute.
std::chrono::steady_clock::duration stop_and_join(corio::runtime& rt) {
    std::mutex mutex;
    std::condition_variable joined_cv;
    bool joined = false;
    const auto before = std::chrono::steady_clock::now();
    std::thread stopper([&] {
        rt.stop();
        rt.join();
        std::lock_guard lock(mutex);
        joined = true;
        joined_cv.notify_all();
    });
    {
        std::unique_lock lock(mutex);
        if (!joined_cv.wait_for(lock, 30s, [&] { return joined; })) {
            std::fputs("runtime::join() still blocked 30 s after runtime::stop(); aborting\n", stderr);
            std::abort();
        }
    }
    const auto took = std::chrono::steady_clock::now() - before;
    stopper.join();
    return took;
}

TEST(server, stop_with_idle_keep_alive_connections_open) {
    const corio::http::server* self = nullptr;
    corio::http::server srv(test_routes(&self), loopback_config());
    self = &srv;
    corio::runtime rt(shards(2));
    CORIO_START_OR_SKIP(rt, srv);

    std::vector<loopback_client> clients;
    reply r;
    for (int i = 0; i < 100; ++i) {
        clients.emplace_back(srv.port(), 2000); // short timeouts: each close is checked in turn below
        ASSERT_TRUE(clients.back().connected()) << clients.back().error();
        // One answered request: the server has accepted the connection and keeps it open, idle.
        ASSERT_TRUE(clients.back().roundtrip(get("/plaintext"), r)) << clients.back().error();
        ASSERT_EQ(r.status, 200);
    }

    const auto took = stop_and_join(rt);
    EXPECT_LT(took, 2s) << "stop + join took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                        << " ms";

    for (std::size_t i = 0; i < clients.size(); ++i) {
        const peer_end end = clients[i].wait_for_close();
        ASSERT_TRUE(end == peer_end::eof || end == peer_end::reset)
            << "connection " << i << " was not closed by the stopping server (" << static_cast<int>(end) << ")";
    }
    const auto s0 = srv.stats(0);
    const auto s1 = srv.stats(1);
    EXPECT_EQ(s0.connections_opened + s1.connections_opened, 100U);
    EXPECT_EQ(s0.connections_closed + s1.connections_closed, 100U);
}

} // namespace
