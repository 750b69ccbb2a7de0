// SPDX-License-Identifier: MIT
// The middleware chain over the wire: order of before()/after() and a before() that answers in the
// handler's place (only earlier middlewares see that answer), the router's 404 going through the
// chain, a streamed body left unread by a refusal closing the connection; concurrency_limit (503 +
// Retry-After while the shard's slots are taken by sleeping handlers), rate_limit (429 + Retry-After
// after the burst), request_id (generated and unique, or the client's echoed) and access_log
// (one line per request, written out when the shard stops, not per request).
#include <unistd.h>

#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <corio/core/sleep.hpp>
#include <corio/http/access_log.hpp>
#include <corio/http/concurrency_limit.hpp>
#include <corio/http/rate_limit.hpp>
#include <corio/http/request_id.hpp>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::task;
using corio::http::middleware;
using corio::http::request;
using corio::http::response;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::peer_end;
using corio::test::reply;
using corio::test::served;

corio::http::router routes_with_sleep() {
    corio::http::router routes = corio::test::harness_routes();
    routes.get("/sleep", [](request&) -> task<response> {
        co_await corio::sleep(300ms);
        co_return response::text("slept");
    });
    routes.post("/upload", [](request&) -> task<response> { co_return response::text("not reached"); },
                {.stream_body = true});
    return routes;
}

// Records its steps in a response header and answers 418 itself for paths containing its name.
class tracer final : public middleware {
public:
    explicit tracer(std::string name) : _name(std::move(name)) {}
    std::optional<response> before(request& req) override {
        if (req.path().find(_name) != std::string_view::npos)
            return response::text("teapot", static_cast<corio::http::status>(418));
        return std::nullopt;
    }
    void after(const request&, response& res) override { res.add_header("X-Trace", _name); }

private:
    std::string _name;
};

corio::http::middleware_factory trace(std::string name) {
    return [name] { return std::make_unique<tracer>(name); };
}

// The X-Trace values of a response head, in order.
std::vector<std::string> traces(const reply& r) {
    std::vector<std::string> out;
    std::string_view head = r.head;
    for (std::size_t at; (at = head.find("X-Trace: ")) != std::string_view::npos;) {
        head.remove_prefix(at + 9);
        out.emplace_back(head.substr(0, head.find('\r')));
    }
    return out;
}

TEST(middleware, chain_order_and_short_circuit) {
    served s(corio::test::loopback_config(), 1, routes_with_sleep());
    s.srv.use(trace("one")).use(trace("two"));
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
    EXPECT_EQ(r.body, "Hello, World!");
    EXPECT_EQ(traces(r), (std::vector<std::string>{"two", "one"})) << "after() runs last first";
    ASSERT_TRUE(client.roundtrip(get("/plaintext?two"), r)) << client.error();
    EXPECT_EQ(r.status, 200) << "the query is not the path";
    ASSERT_TRUE(client.roundtrip(get("/echo/two"), r)) << client.error();
    EXPECT_EQ(r.status, 418);
    EXPECT_EQ(traces(r), (std::vector<std::string>{"one"})) << "only the middlewares before the one that answered";
    ASSERT_TRUE(client.roundtrip(get("/missing"), r)) << client.error();
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(traces(r), (std::vector<std::string>{"two", "one"})) << "the router's answers go through the chain";
    ASSERT_TRUE(client.roundtrip(get("/sleep"), r)) << client.error();
    EXPECT_EQ(r.body, "slept");
    EXPECT_EQ(traces(r), (std::vector<std::string>{"two", "one"})) << "asynchronous handlers too";
    corio::test::stop_and_join(s.rt);
}

TEST(middleware, a_refused_streamed_body_closes_the_connection) {
    served s(corio::test::loopback_config(), 1, routes_with_sleep());
    s.srv.use(trace("upload"));
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    // The body looks like a request: it must never be taken for one.
    const std::string smuggled = get("/echo?n=smuggled");
    ASSERT_TRUE(client.send_all(
        fmt::format("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{}", smuggled.size(), smuggled)));
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.status, 418);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_EQ(client.wait_for_close(), peer_end::eof);
    corio::test::stop_and_join(s.rt);
}

TEST(middleware, concurrency_limit_answers_503_while_the_slots_are_taken) {
    served s(corio::test::loopback_config(), 1, routes_with_sleep());
    s.srv.use(corio::http::concurrency_limit(2, 7));
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client first(s.port());
    loopback_client second(s.port());
    loopback_client third(s.port());
    ASSERT_TRUE(first.send_all(get("/sleep")));
    ASSERT_TRUE(second.send_all(get("/sleep")));
    std::this_thread::sleep_for(100ms); // both handlers are asleep now
    reply r;
    ASSERT_TRUE(third.roundtrip(get("/plaintext"), r)) << third.error();
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("Retry-After"), "7");
    ASSERT_TRUE(first.read_response(r)) << first.error();
    EXPECT_EQ(r.body, "slept");
    ASSERT_TRUE(second.read_response(r)) << second.error();
    ASSERT_TRUE(third.roundtrip(get("/plaintext"), r)) << third.error();
    EXPECT_EQ(r.status, 200) << "the slots are free again";
    corio::test::stop_and_join(s.rt);
}

TEST(middleware, rate_limit_answers_429_after_the_burst) {
    served s(corio::test::loopback_config(), 1, routes_with_sleep());
    s.srv.use(corio::http::rate_limit(2, 3));
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    reply r;
    int admitted = 0;
    int limited = 0;
    const auto began = corio::test::test_clock::now();
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
        if (r.status == 200) ++admitted;
        if (r.status == 429) {
            ++limited;
            EXPECT_EQ(r.header("Retry-After"), "1");
        }
    }
    // A burst of 3, plus the tokens that flowed in meanwhile (2 per second; an emulated VM is slow).
    EXPECT_GE(admitted, 3);
    EXPECT_LE(admitted, 3 + static_cast<int>(corio::test::ms_since(began) * 2 / 1000) + 1);
    EXPECT_EQ(admitted + limited, 10);
    std::this_thread::sleep_for(600ms); // one token back at 2 per second
    ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
    EXPECT_EQ(r.status, 200);
    corio::test::stop_and_join(s.rt);
}

TEST(middleware, request_id_generates_unique_ids_or_echoes_the_clients) {
    served s(corio::test::loopback_config(), 1, routes_with_sleep());
    s.srv.use(corio::http::request_id());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    reply r;
    std::set<std::string> ids;
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(client.roundtrip(get("/plaintext"), r)) << client.error();
        ASSERT_TRUE(r.header("X-Request-Id").has_value());
        ids.emplace(*r.header("X-Request-Id"));
    }
    EXPECT_EQ(ids.size(), 50U);
    ASSERT_TRUE(client.roundtrip(get("/plaintext", "X-Request-Id: abc-123\r\n"), r)) << client.error();
    EXPECT_EQ(r.header("X-Request-Id"), "abc-123");
    corio::test::stop_and_join(s.rt);
}

// The port of the client's end of its connection, as the server sees it.
std::uint16_t local_port(const loopback_client& c) {
    const auto address = corio::net::socket_address::local_of(c.fd());
    return address ? address->port() : 0;
}

// Closes the write end of `pipe_fds` and returns all that was written to it.
std::string drain_pipe(const int (&pipe_fds)[2]) {
    ::close(pipe_fds[1]);
    std::string text;
    char piece[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], piece, sizeof piece)) > 0;)
        text.append(piece, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    return text;
}

TEST(middleware, access_log_writes_a_line_per_request_in_batches) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    served s(corio::test::loopback_config(), 1, routes_with_sleep());
    s.srv.use(corio::http::access_log(pipe_fds[1]));
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    reply r;
    for (int i = 0; i < 20; ++i)
        ASSERT_TRUE(client.roundtrip(get(fmt::format("/echo?n={}", i)), r)) << client.error();
    ASSERT_TRUE(client.roundtrip(get("/missing"), r)) << client.error();
    corio::test::stop_and_join(s.rt); // the shard's buffer is written out when it stops
    const std::string log = drain_pipe(pipe_fds);
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 21);
    // time, client (the test's own socket), method, target, status, body bytes, latency
    const std::string who = fmt::format("127.0.0.1:{}", local_port(client));
    const std::string time = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ )";
    for (const std::string& expected :
         {time + who + R"( GET /echo\?n=0 200 1 \d+us\n)", time + who + R"( GET /echo\?n=19 200 2 \d+us\n)",
          time + who + R"( GET /missing 404 9 \d+us\n)"})
        EXPECT_TRUE(std::regex_search(log, std::regex(expected))) << expected << " in\n" << log;
}

// Requests refused before routing reach the log too: a body over the limit (its head parsed: method
// and target known), a head that never ended properly (neither known), a header timeout.
TEST(middleware, access_log_sees_requests_refused_before_routing) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    corio::http::server_config config = corio::test::loopback_config();
    config.max_body_bytes = 64;
    config.header_timeout_ms = 200;
    served s(config, 1, routes_with_sleep());
    s.srv.use(corio::http::access_log(pipe_fds[1], corio::http::access_log_format::json));
    CORIO_START_OR_SKIP(s.rt, s.srv);
    reply r;
    loopback_client big(s.port());
    ASSERT_TRUE(big.roundtrip("POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", r)) << big.error();
    EXPECT_EQ(r.status, 413);
    loopback_client garbage(s.port());
    ASSERT_TRUE(garbage.roundtrip("GET /x HTTP/1.1\r\nBad Header: 1\r\n\r\n", r)) << garbage.error();
    EXPECT_EQ(r.status, 400);
    loopback_client slow(s.port());
    ASSERT_TRUE(slow.roundtrip("GET /plaintext HTTP/1.1\r\n", r)) << slow.error(); // and nothing more
    EXPECT_EQ(r.status, 408);
    corio::test::stop_and_join(s.rt);
    const std::string log = drain_pipe(pipe_fds);
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 3) << log;
    EXPECT_NE(log.find(fmt::format(R"("client":"127.0.0.1:{}","method":"POST","target":"/sum","status":413,)",
                                   local_port(big))),
              std::string::npos)
        << log;
    EXPECT_NE(log.find(fmt::format(R"("client":"127.0.0.1:{}","method":null,"target":null,"status":400,)",
                                   local_port(garbage))),
              std::string::npos)
        << log;
    EXPECT_NE(
        log.find(fmt::format(R"("client":"127.0.0.1:{}","method":null,"target":null,"status":408,)", local_port(slow))),
        std::string::npos)
        << log;
}

TEST(middleware, access_log_writes_json_lines) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    served s(corio::test::loopback_config(), 1, routes_with_sleep());
    s.srv.use(corio::http::access_log(pipe_fds[1], corio::http::access_log_format::json));
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/echo?n=42"), r)) << client.error();
    // A quote and a backslash in the target (percent-decoding is the route's business: the log
    // keeps the target as sent) are escaped in the JSON string.
    ASSERT_TRUE(client.roundtrip(get("/missing?q=%22\\\"x"), r)) << client.error();
    corio::test::stop_and_join(s.rt);
    const std::string log = drain_pipe(pipe_fds);
    const std::regex line(
        R"(\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","shard":0,"client":"127\.0\.0\.1:\d+","method":"GET","target":"([^"\\]|\\.)*","status":\d+,"bytes":\d+,"latency_us":\d+\}\n)");
    std::size_t lines = 0;
    for (std::size_t at = 0, end; (end = log.find('\n', at)) != std::string::npos; at = end + 1, ++lines)
        EXPECT_TRUE(std::regex_match(log.substr(at, end - at + 1), line)) << log.substr(at, end - at + 1);
    EXPECT_EQ(lines, 2U) << log;
    EXPECT_NE(log.find(R"("target":"/echo?n=42","status":200,"bytes":2,)"), std::string::npos) << log;
    EXPECT_NE(log.find(R"("target":"/missing?q=%22\\\"x","status":404,"bytes":9,)"), std::string::npos) << log;
}

} // namespace
