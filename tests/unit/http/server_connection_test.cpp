// SPDX-License-Identifier: MIT
// server_connection, the HTTP/1.1 connection state machine, driven over a net::loopback: no socket,
// no loop, and the input cut exactly where the test says. What crosses the network end to end is
// tested in tests/integration; here each transition is checked on its own.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include <corio/http/body_writer.hpp>
#include <corio/http/response.hpp>
#include <corio/http/router.hpp>

#include "memory_shard.hpp"
#include "server_connection.hpp"

namespace {

using namespace corio;

constexpr std::string_view plaintext = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";

struct server_connection_test : ::testing::Test {
    test::memory_shard mem;
    std::unique_ptr<http::server> server;
    std::unique_ptr<http::server::shard_state> state;

    explicit server_connection_test(http::server_config config = {}) {
        http::router routes;
        routes.get("/plaintext", [](http::request&) { return http::response::text("Hello, World!"); });
        routes.get("/peer", [](http::request& req) {
            const auto peer = req.peer();
            return http::response::copy_of(peer ? peer->to_string() : peer.error().message(), "text/plain");
        });
        routes.post("/echo", [](http::request& req) { return http::response::copy_of(req.body(), "text/plain"); });
        routes.post("/sum", [](http::request& req) -> task<http::response> {
            char piece[3];
            std::size_t total = 0;
            for (;;) {
                const result<std::size_t> n = co_await req.read_body(piece);
                if (!n || *n == 0) break;
                total += *n;
            }
            co_return http::response::copy_of(std::to_string(total), "text/plain");
        });
        // Streamed answers of a given length: exactly it, short of it, past it.
        for (const auto& [path, written] : {std::pair{"/sized", 10}, {"/short", 4}, {"/long", 12}}) {
            routes.get(path, [n = written](http::request&) {
                return http::response::stream(
                    [n](http::body_writer& out) -> task<void> {
                        for (int i = 0; i < n; i += 2)
                            if (!co_await out.write("ab")) co_return;
                    },
                    "text/plain", http::status::ok, 10);
            });
        }
        config.max_header_bytes = 256;
        config.max_body_bytes = 64;
        server = std::make_unique<http::server>(std::move(routes), config);
        state = std::make_unique<http::server::shard_state>(*mem.self, *server, -1, nullptr, mem.wire.get());
    }
    ~server_connection_test() override { state->destroy_all(); }

    // A connection as accept makes it.
    int connect() {
        const int end = mem.wire->open();
        (new http::server_connection(*state, end))->open();
        return end;
    }
    // Sends `bytes` and returns what the server answered once nothing moves any more.
    std::string exchange(int end, std::string_view bytes) {
        mem.wire->put(end, bytes);
        mem.wire->run();
        return mem.wire->take(end);
    }
};

// The status lines of `answers`, one per response, each body dropped.
std::string statuses(std::string_view answers) {
    std::string out;
    for (std::size_t at = 0; (at = answers.find("HTTP/1.1 ", at)) != std::string_view::npos; at += 9)
        out.append(answers.substr(at + 9, 3)).push_back(' ');
    return out;
}

TEST_F(server_connection_test, answers_pipelined_requests_the_same_however_they_are_cut) {
    const std::string three = std::string(plaintext) + std::string(plaintext) + std::string(plaintext);
    const int whole = connect();
    const std::string expected = exchange(whole, three);
    ASSERT_EQ(statuses(expected), "200 200 200 ");
    for (std::size_t cut = 1; cut < three.size(); ++cut) {
        const int end = connect();
        std::string got = exchange(end, three.substr(0, cut));
        got += exchange(end, three.substr(cut));
        EXPECT_EQ(got, expected) << "cut at " << cut;
    }
}

TEST_F(server_connection_test, a_byte_at_a_time_gets_the_same_answer) {
    const int end = connect();
    std::string got;
    for (const char c : plaintext)
        got += exchange(end, {&c, 1});
    EXPECT_EQ(statuses(got), "200 ");
    EXPECT_TRUE(got.ends_with("Hello, World!"));
}

TEST_F(server_connection_test, connection_close_answers_then_closes) {
    const int end = connect();
    const std::string got = exchange(end, "GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(statuses(got), "200 ");
    EXPECT_NE(got.find("\r\nConnection: close\r\n"), std::string::npos);
    EXPECT_TRUE(mem.wire->closed(end));
}

TEST_F(server_connection_test, http_1_0_closes_unless_kept_alive) {
    const int once = connect();
    EXPECT_EQ(statuses(exchange(once, "GET /plaintext HTTP/1.0\r\n\r\n")), "200 ");
    EXPECT_TRUE(mem.wire->closed(once));
    const int kept = connect();
    EXPECT_EQ(statuses(exchange(kept, "GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")), "200 ");
    EXPECT_FALSE(mem.wire->output_ended(kept));
}

TEST_F(server_connection_test, an_oversized_head_gets_431_and_the_close) {
    const int end = connect();
    const std::string got =
        exchange(end, "GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(400, 'x') + "\r\n\r\n");
    EXPECT_EQ(statuses(got), "431 ");
    EXPECT_TRUE(mem.wire->output_ended(end));
}

TEST_F(server_connection_test, a_body_over_the_limit_gets_413_and_is_not_read) {
    const int end = connect();
    const std::string got = exchange(end, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nabc");
    EXPECT_EQ(statuses(got), "413 ");
    EXPECT_TRUE(mem.wire->output_ended(end));
}

TEST_F(server_connection_test, a_body_cut_anywhere_is_read_whole) {
    const std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world";
    for (std::size_t cut = 1; cut < request.size(); ++cut) {
        const int end = connect();
        std::string got = exchange(end, request.substr(0, cut));
        got += exchange(end, request.substr(cut));
        EXPECT_TRUE(got.ends_with("\r\n\r\nhello world")) << "cut at " << cut << ": " << got;
    }
}

TEST_F(server_connection_test, an_asynchronous_handler_reads_a_chunked_body_in_pieces) {
    const int end = connect();
    std::string got =
        exchange(end, "POST /sum HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n");
    EXPECT_EQ(got, ""); // the handler waits for the rest
    got = exchange(end, "3\r\nfgh\r\n0\r\n\r\n");
    EXPECT_EQ(statuses(got), "200 ");
    EXPECT_TRUE(got.ends_with("\r\n\r\n8"));
}

TEST_F(server_connection_test, a_head_that_never_ends_gets_408) {
    const int end = connect();
    EXPECT_EQ(exchange(end, "GET /plaintext HTTP/1.1\r\nHo"), "");
    mem.advance(server->config().header_timeout_ms + 100);
    mem.wire->run();
    EXPECT_EQ(statuses(mem.wire->take(end)), "408 ");
    EXPECT_TRUE(mem.wire->output_ended(end));
}

TEST_F(server_connection_test, an_idle_connection_closes_after_the_idle_timeout) {
    const int end = connect();
    EXPECT_EQ(statuses(exchange(end, plaintext)), "200 ");
    mem.advance(server->config().idle_timeout_ms + 100);
    mem.wire->run();
    EXPECT_TRUE(mem.wire->output_ended(end)); // without a word; a request racing the close may still come
    EXPECT_EQ(mem.wire->take(end), "");
    mem.wire->close_peer(end);
    mem.wire->run();
    EXPECT_TRUE(mem.wire->closed(end));
    EXPECT_TRUE(state->empty());
}

TEST_F(server_connection_test, a_client_that_does_not_read_stops_being_read) {
    const int end = connect();
    mem.wire->set_window(end, 0);
    std::string flood;
    while (flood.size() < 1 << 20)
        flood += plaintext;
    mem.wire->put(end, flood);
    mem.wire->run();
    // Its answers are held within max_pending_output, and reading stopped.
    EXPECT_FALSE(mem.wire->reading(end));
    const std::uint64_t held = state->output_pending();
    EXPECT_GT(held, 0u);
    EXPECT_LE(held, server->config().max_pending_output + 4096);
    // Once the client reads, every request is answered.
    mem.wire->set_window(end, SIZE_MAX);
    mem.wire->run();
    const std::string got = mem.wire->take(end);
    std::size_t answers = 0;
    for (std::size_t at = 0; (at = got.find("HTTP/1.1 200 OK\r\n", at)) != std::string::npos; ++at)
        ++answers;
    EXPECT_EQ(answers, flood.size() / plaintext.size());
}

TEST_F(server_connection_test, the_peer_closing_mid_request_gets_no_answer) {
    const int end = connect();
    mem.wire->put(end, "GET /plaintext HTTP/1.1\r\nHost");
    mem.wire->close_peer(end);
    mem.wire->run();
    EXPECT_TRUE(mem.wire->closed(end));
    EXPECT_TRUE(state->empty());
}

TEST_F(server_connection_test, request_peer_is_the_transports_peer_address) {
    const int end = connect();
    const std::string got = exchange(end, "GET /peer HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_TRUE(got.ends_with("\r\n\r\n127.0.0.1:" + std::to_string(10000 + end))) << got;
}

TEST_F(server_connection_test, a_streamed_body_of_known_length_goes_with_its_length) {
    const int end = connect();
    const std::string answer = exchange(end, "GET /sized HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_NE(answer.find("Content-Length: 10\r\n"), std::string::npos) << answer;
    EXPECT_EQ(answer.find("chunked"), std::string::npos) << answer;
    EXPECT_TRUE(answer.ends_with("\r\n\r\nababababab")) << answer;
    EXPECT_FALSE(mem.wire->output_ended(end)); // kept alive
    const std::string head = exchange(end, "HEAD /sized HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_NE(head.find("Content-Length: 10\r\n"), std::string::npos) << head;
    EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
}

TEST_F(server_connection_test, a_streamed_body_short_of_or_past_its_length_closes_the_connection) {
    // Short: what was written goes, then the close tells the client the body was cut. Past it: the
    // write that would overrun is refused, so the bytes on the wire still frame one response.
    for (const auto& [path, sent] : {std::pair{"/short", "abab"}, {"/long", "ababababab"}}) {
        const int end = connect();
        const std::string answer = exchange(end, std::string("GET ") + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
        EXPECT_NE(answer.find("Content-Length: 10\r\n"), std::string::npos) << path;
        EXPECT_TRUE(answer.ends_with(std::string("\r\n\r\n") + sent)) << path << ": " << answer;
        EXPECT_TRUE(mem.wire->output_ended(end)) << path;
    }
}

} // namespace
