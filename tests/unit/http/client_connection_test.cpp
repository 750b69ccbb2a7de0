// SPDX-License-Identifier: MIT
// The HTTP client (its pool, client_connection and the response reader) over a net::loopback: the
// test is the origin server, answering in exactly the pieces it chooses, with no socket and no loop.
// Each hostile answer gives its own error, and the pool stays healthy afterwards. Streamed bodies
// both ways: a response read piece by piece (client::open), a request body from a body_source.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <optional>
#include <string>
#include <vector>

#include <corio/http/client.hpp>
#include <corio/http/client_error.hpp>

#include "memory_shard.hpp"

namespace {

using namespace corio;
using http::client_errc;

constexpr std::string_view hello = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

struct client_connection_test : ::testing::Test {
    test::memory_shard mem;
    std::optional<http::client> client;

    explicit client_connection_test(http::client_config config = {}) {
        shard::set_current(mem.self.get());
        client.emplace(config);
        client->run_over(*mem.wire);
    }
    ~client_connection_test() override {
        mem.self->run_exit_hooks(); // the client's part of the shard goes
        shard::set_current(nullptr);
    }

    // A call in flight, run up to where it waits.
    struct call {
        task<result<http::client_response>> work;
        bool finished() const noexcept { return work.done(); }
    };
    call get(std::string url = "http://127.0.0.1:8080/x") {
        call c{client->get(std::move(url))};
        c.work.start();
        mem.wire->run();
        return c;
    }
    // The end the client dialled, once its request is there: the request's bytes.
    std::string request_on(int end) { return mem.wire->take(end); }
    void answer(int end, std::string_view bytes) {
        mem.wire->put(end, bytes);
        mem.wire->run();
    }
    // A call answered `hello` on a new connection, which stays open: its end (-1 if it went wrong).
    int first_call_answered() {
        call first = get();
        const int end = mem.wire->accept();
        if (end < 0) return -1;
        request_on(end);
        answer(end, hello);
        return first.finished() && first.work.result() ? end : -1;
    }
    static std::string fmt_chunk(std::string_view data) {
        char size[20];
        std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        return size + std::string(data) + "\r\n";
    }
};

TEST_F(client_connection_test, a_call_gets_its_answer_however_it_is_cut) {
    for (std::size_t cut = 1; cut < hello.size(); ++cut) {
        call c = get();
        const int end = mem.wire->accept();
        ASSERT_GE(end, 0);
        EXPECT_TRUE(request_on(end).starts_with("GET /x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
        answer(end, hello.substr(0, cut));
        EXPECT_FALSE(c.finished());
        answer(end, hello.substr(cut));
        ASSERT_TRUE(c.finished()) << "cut at " << cut;
        const auto r = c.work.result();
        ASSERT_TRUE(r) << r.error().message();
        EXPECT_EQ(r->status(), 200);
        EXPECT_EQ(r->body(), "hello");
        mem.wire->close_peer(end); // the next call gets a new connection
        mem.wire->run();
    }
}

TEST_F(client_connection_test, a_call_at_an_origin_sends_its_borrowed_fields_and_body) {
    const auto to = http::origin::parse("http://127.0.0.1:8080/");
    ASSERT_TRUE(to);
    EXPECT_EQ(to->host(), "127.0.0.1");
    EXPECT_EQ(to->port(), 8080);
    EXPECT_EQ(to->authority(), "127.0.0.1:8080");
    const std::string value = "a value longer than eight bytes";
    const http::header_field fields[] = {{"X-One", value}, {"host", "example.test"}};
    auto work = client->request(*to, http::method::post, "/in?q=1", fields, "body!");
    work.start();
    mem.wire->run();
    const int end = mem.wire->accept();
    ASSERT_GE(end, 0);
    // The caller's Host field replaces the origin's; the body goes with its length.
    EXPECT_EQ(request_on(end), "POST /in?q=1 HTTP/1.1\r\nX-One: a value longer than eight bytes\r\nhost: "
                               "example.test\r\nContent-Length: 5\r\n\r\nbody!");
    answer(end, hello);
    ASSERT_TRUE(work.done());
    const auto r = work.result();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->body(), "hello");
}

TEST_F(client_connection_test, an_origin_is_only_scheme_host_and_port) {
    for (const char* base : {"http://127.0.0.1:8080/x", "http://h:1//", "http://h:1?q", "https://h", "http://"})
        EXPECT_FALSE(http::origin::parse(base)) << base;
    const auto v6 = http::origin::parse("http://[::1]:81");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host(), "::1");
    EXPECT_EQ(v6->authority(), "[::1]:81");
    const auto plain = http::origin::parse("HTTP://example.test");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->port(), 80);
}

TEST_F(client_connection_test, what_would_change_the_message_is_refused_before_anything_is_sent) {
    const auto to = http::origin::parse("http://127.0.0.1:8080");
    ASSERT_TRUE(to);
    const auto refused = [&](std::string_view target, std::span<const http::header_field> fields) {
        auto work = client->request(*to, http::method::get, target, fields);
        work.start();
        mem.wire->run();
        EXPECT_TRUE(work.done());
        return work.done() && !work.result() ? work.result().error() : std::error_code();
    };
    using namespace std::string_view_literals;
    for (const std::string_view target : {""sv, "x"sv, "/a b"sv, "/a\r\nX: y"sv, "/a\0"sv})
        EXPECT_EQ(refused(target, {}), client_errc::bad_url) << target;
    // CR, LF or NUL at every place of a value long enough to be checked eight bytes at a time.
    for (const char bad : {'\r', '\n', '\0'}) {
        for (std::size_t at = 0; at < 19; ++at) {
            std::string value(19, 'v');
            value[at] = bad;
            const http::header_field field{"X-Value", value};
            EXPECT_EQ(refused("/", {&field, 1}), client_errc::bad_request) << int(bad) << " at " << at;
        }
    }
    for (const std::string_view name : {"", "Bad Name", "Content-Length", "TRANSFER-ENCODING", "connection"}) {
        const http::header_field field{name, "1"};
        EXPECT_EQ(refused("/", {&field, 1}), client_errc::bad_request) << name;
    }
    EXPECT_EQ(mem.wire->accept(), -1); // no connection was made for any of them
}

TEST_F(client_connection_test, numeric_hosts_and_localhost_need_no_resolving) {
    for (const char* host : {"127.0.0.1", "::1", "localhost"})
        EXPECT_TRUE(client->add_host(host)) << host;
    call c = get("http://localhost:8080/x"); // the loopback address, as without add_host
    const int end = mem.wire->accept();
    ASSERT_GE(end, 0);
    request_on(end);
    answer(end, hello);
    ASSERT_TRUE(c.finished());
    EXPECT_TRUE(c.work.result());
}

TEST_F(client_connection_test, a_kept_alive_connection_carries_the_next_call) {
    const int end = first_call_answered();
    ASSERT_GE(end, 0);
    call second = get();
    EXPECT_EQ(mem.wire->accept(), -1); // no new connection
    EXPECT_TRUE(request_on(end).starts_with("GET /x "));
    answer(end, "HTTP/1.1 204 No Content\r\n\r\n");
    ASSERT_TRUE(second.finished());
    EXPECT_EQ(second.work.result()->status(), 204);
}

TEST_F(client_connection_test, a_head_seen_before_means_what_it_meant_and_no_more) {
    // The second answer's head is byte for byte the first's (recognized without a parse); the third
    // differs only past the first's length; the fourth is the first's head answering a HEAD.
    const int end = first_call_answered();
    ASSERT_GE(end, 0);
    call second = get();
    answer(end, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nworld");
    ASSERT_TRUE(second.finished());
    const auto answered = second.work.result();
    ASSERT_TRUE(answered);
    EXPECT_EQ(answered->body(), "world");
    EXPECT_EQ(answered->header("content-length"), "5");
    call third = get();
    answer(end, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n" + std::string(50, 'x'));
    ASSERT_TRUE(third.finished());
    EXPECT_EQ(third.work.result()->body(), std::string(50, 'x'));
    auto head = client->request(http::method::head, "http://127.0.0.1:8080/x");
    head.start();
    mem.wire->run();
    answer(end, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n");
    ASSERT_TRUE(head.done());
    EXPECT_EQ(head.result()->body(), "");
    call fifth = get(); // the same head, answering a GET again: its body follows
    answer(end, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n" + std::string(50, 'y'));
    ASSERT_TRUE(fifth.finished());
    EXPECT_EQ(fifth.work.result()->body(), std::string(50, 'y'));
    EXPECT_EQ(mem.wire->accept(), -1); // one connection carried them all
}

TEST_F(client_connection_test, garbage_is_malformed) {
    call c = get();
    const int end = mem.wire->accept();
    answer(end, "SMTP ready\r\n\r\n");
    ASSERT_TRUE(c.finished());
    EXPECT_EQ(c.work.result().error(), client_errc::malformed);
    EXPECT_TRUE(mem.wire->closed(end));
}

TEST_F(client_connection_test, a_close_before_the_end_of_the_body_is_closed) {
    call c = get();
    const int end = mem.wire->accept();
    answer(end, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort");
    mem.wire->close_peer(end);
    mem.wire->run();
    ASSERT_TRUE(c.finished());
    EXPECT_EQ(c.work.result().error(), client_errc::closed);
}

TEST_F(client_connection_test, a_reset_after_part_of_the_answer_is_reset_and_not_retried) {
    call c = get();
    const int end = mem.wire->accept();
    answer(end, "HTTP/1.1 200 OK\r\n");
    mem.wire->reset_peer(end);
    mem.wire->run();
    ASSERT_TRUE(c.finished());
    EXPECT_EQ(c.work.result().error(), client_errc::reset);
    EXPECT_EQ(mem.wire->accept(), -1); // some of the answer came: no second try
}

TEST_F(client_connection_test, an_oversized_head_is_too_large) {
    call c = get();
    const int end = mem.wire->accept();
    answer(end, "HTTP/1.1 200 OK\r\nX-Big: " + std::string(client->config().max_head_bytes, 'x') + "\r\n\r\n");
    ASSERT_TRUE(c.finished());
    EXPECT_EQ(c.work.result().error(), client_errc::too_large);
}

TEST_F(client_connection_test, too_many_fields_found_only_at_the_close_are_too_large) {
    call c = get();
    const int end = mem.wire->accept();
    std::string fields;
    for (unsigned i = 0; i < client->config().max_headers; ++i)
        fields += "X: y\r\n";
    // The second piece is too small to be worth parsing again: the close finds the extra fields.
    answer(end, "HTTP/1.1 200 OK\r\n" + fields);
    answer(end, "Y: z\r\nZ: z\r\n");
    EXPECT_FALSE(c.finished());
    mem.wire->close_peer(end);
    mem.wire->run();
    ASSERT_TRUE(c.finished());
    EXPECT_EQ(c.work.result().error(), client_errc::too_large);
}

TEST_F(client_connection_test, an_endless_chunked_body_is_too_large) {
    call c = get();
    const int end = mem.wire->accept();
    answer(end, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
    for (int i = 0; i < 200 && !c.finished(); ++i)
        answer(end, chunk);
    ASSERT_TRUE(c.finished());
    EXPECT_EQ(c.work.result().error(), client_errc::too_large);
}

TEST_F(client_connection_test, a_refused_connect_is_refused) {
    mem.wire->set_dialing(net::loopback::dialing::refuse);
    call c = get();
    ASSERT_TRUE(c.finished());
    EXPECT_EQ(c.work.result().error(), client_errc::refused);
}

TEST_F(client_connection_test, a_connect_that_never_answers_times_out) {
    mem.wire->set_dialing(net::loopback::dialing::hang);
    call c = get();
    EXPECT_FALSE(c.finished());
    mem.advance(static_cast<std::uint64_t>(client->config().connect_timeout.count()) + 100);
    mem.wire->run();
    ASSERT_TRUE(c.finished());
    EXPECT_EQ(c.work.result().error(), client_errc::connect_timed_out);
}

TEST_F(client_connection_test, a_silent_server_times_out_at_the_head_deadline) {
    call c = get();
    const int end = mem.wire->accept();
    request_on(end);
    mem.advance(static_cast<std::uint64_t>(client->config().head_timeout.count()) + 100);
    mem.wire->run();
    ASSERT_TRUE(c.finished());
    EXPECT_EQ(c.work.result().error(), client_errc::head_timed_out);
}

TEST_F(client_connection_test, the_pool_is_healthy_after_each_failure) {
    call bad = get();
    answer(mem.wire->accept(), "garbage\r\n\r\n");
    ASSERT_TRUE(bad.finished());
    call good = get();
    const int end = mem.wire->accept();
    ASSERT_GE(end, 0);
    answer(end, hello);
    ASSERT_TRUE(good.finished());
    EXPECT_EQ(good.work.result()->body(), "hello");
}

// A response body streamed (client::open) and read `piece` bytes at a time into `got`.
struct stream_reading {
    std::string got;
    std::error_code error;
    int status = 0;
    bool ended = false;
};

task<void> read_stream(http::client& c, std::size_t piece, stream_reading& out, bool stop_after_head = false) {
    result<http::client_stream> s = co_await c.open(http::method::get, "http://127.0.0.1:8080/big");
    if (!s) {
        out.error = s.error();
        out.ended = true;
        co_return;
    }
    out.status = s->head().status();
    if (stop_after_head) co_return; // the stream goes with the body unread
    std::vector<char> buffer(piece);
    while (true) {
        result<std::size_t> n = co_await s->read_body(buffer);
        if (!n) {
            out.error = n.error();
            break;
        }
        if (*n == 0) break;
        out.got.append(buffer.data(), *n);
    }
    out.ended = true;
}

std::string pattern(std::size_t size) {
    std::string s(size, ' ');
    for (std::size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>('a' + i % 23);
    return s;
}

// Streams keep few bytes with the head, so that most of each body goes through read_body().
struct client_stream_test : client_connection_test {
    static http::client_config small_prefetch() {
        http::client_config c;
        c.stream_prefetch_bytes = 16;
        return c;
    }
    client_stream_test() : client_connection_test(small_prefetch()) {}

    task<void> work;
    stream_reading reading;
    void open(std::size_t piece, bool stop_after_head = false) {
        work = read_stream(*client, piece, reading, stop_after_head);
        work.start();
        mem.wire->run();
    }
};

TEST_F(client_stream_test, a_body_is_read_piece_by_piece_however_it_arrives) {
    const std::string body = pattern(3000);
    const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" + body;
    int server = -1;
    for (const std::size_t cut : {1u, 7u, 50u, 700u, 5000u}) {
        open(13);
        const int end = mem.wire->accept();
        if (server < 0) server = end;
        ASSERT_GE(server, 0);
        EXPECT_EQ(end, cut == 1 ? server : -1); // one connection carries every stream
        EXPECT_TRUE(request_on(server).starts_with("GET /big HTTP/1.1\r\n"));
        for (std::size_t at = 0; at < response.size(); at += cut)
            answer(server, std::string_view(response).substr(at, cut));
        ASSERT_TRUE(reading.ended) << "cut " << cut;
        EXPECT_FALSE(reading.error) << reading.error.message();
        EXPECT_EQ(reading.got, body) << "cut " << cut;
        EXPECT_FALSE(mem.wire->closed(server)); // back in the pool: the next stream reuses it
        reading = {};
    }
}

TEST_F(client_stream_test, a_chunked_body_streams_and_the_connection_is_reused) {
    open(100);
    const int end = mem.wire->accept();
    request_on(end);
    answer(end, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    EXPECT_EQ(reading.status, 200); // the call returned with the head
    std::string body;
    for (int i = 0; i < 50; ++i) {
        const std::string piece = pattern(static_cast<std::size_t>(40 + i));
        body += piece;
        answer(end, fmt_chunk(piece));
    }
    EXPECT_FALSE(reading.ended);
    answer(end, "0\r\n\r\n");
    ASSERT_TRUE(reading.ended);
    EXPECT_FALSE(reading.error);
    EXPECT_EQ(reading.got, body);
    call next = get();
    EXPECT_EQ(mem.wire->accept(), -1);
    EXPECT_TRUE(request_on(end).starts_with("GET /x "));
    answer(end, hello);
    ASSERT_TRUE(next.finished());
}

TEST_F(client_stream_test, a_reader_that_does_not_ask_stops_the_connection_reading) {
    // A reader that waits for nothing: the stream is opened by hand and read later.
    std::optional<result<http::client_stream>> stream;
    auto opening = [](http::client& c, std::optional<result<http::client_stream>>& into) -> task<void> {
        into.emplace(co_await c.open(http::method::get, "http://127.0.0.1:8080/big"));
    };
    task<void> opened = opening(*client, stream);
    opened.start();
    mem.wire->run();
    const int end = mem.wire->accept();
    request_on(end);
    const std::string body = pattern(20000);
    answer(end, "HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n" + body.substr(0, 5000));
    ASSERT_TRUE(stream && *stream);
    EXPECT_FALSE(mem.wire->reading(end)); // input waits in the connection; nothing more is received
    answer(end, body.substr(5000));       // the peer sends on: it stays with the peer
    auto drain = [](http::client_stream& s, std::string& got) -> task<void> {
        char piece[1000];
        while (true) {
            result<std::size_t> n = co_await s.read_body(piece);
            if (!n || *n == 0) co_return;
            got.append(piece, *n);
        }
    };
    std::string got;
    task<void> reader = drain(**stream, got);
    reader.start();
    mem.wire->run();
    ASSERT_TRUE(reader.done());
    EXPECT_EQ(got, body);
    EXPECT_TRUE((*stream)->complete());
}

TEST_F(client_stream_test, a_stream_dropped_before_its_end_closes_the_connection) {
    open(10, true);
    const int end = mem.wire->accept();
    request_on(end);
    answer(end, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + pattern(100));
    ASSERT_TRUE(work.done());
    EXPECT_EQ(reading.status, 200);
    mem.wire->run();
    EXPECT_TRUE(mem.wire->closed(end));
    call next = get(); // the pool makes a new connection
    EXPECT_GE(mem.wire->accept(), 0);
}

TEST_F(client_stream_test, a_body_ended_by_the_close_is_read_to_its_end_even_when_kept_at_the_close) {
    open(1000);
    const int end = mem.wire->accept();
    request_on(end);
    const std::string body = pattern(9000);
    answer(end, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body.substr(0, 4000));
    mem.wire->put(end, body.substr(4000));
    mem.wire->close_peer(end);
    mem.wire->run();
    ASSERT_TRUE(reading.ended);
    EXPECT_FALSE(reading.error) << reading.error.message();
    EXPECT_EQ(reading.got, body);
}

TEST_F(client_stream_test, a_close_inside_the_body_is_closed) {
    open(100);
    const int end = mem.wire->accept();
    request_on(end);
    answer(end, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + pattern(300));
    mem.wire->close_peer(end);
    mem.wire->run();
    ASSERT_TRUE(reading.ended);
    EXPECT_EQ(reading.error, client_errc::closed);
    EXPECT_EQ(reading.got, pattern(300));
}

TEST_F(client_stream_test, bad_chunk_framing_is_malformed) {
    open(100);
    const int end = mem.wire->accept();
    request_on(end);
    answer(end, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    answer(end, "5\r\nhello\r\nzz\r\n");
    ASSERT_TRUE(reading.ended);
    EXPECT_EQ(reading.error, client_errc::malformed);
    EXPECT_TRUE(mem.wire->closed(end));
}

TEST_F(client_stream_test, a_silent_body_times_out) {
    open(100);
    const int end = mem.wire->accept();
    request_on(end);
    answer(end, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
    EXPECT_FALSE(reading.ended);
    mem.advance(static_cast<std::uint64_t>(client->config().body_timeout.count()) + 100);
    mem.wire->run();
    ASSERT_TRUE(reading.ended);
    EXPECT_EQ(reading.error, client_errc::body_timed_out);
    EXPECT_TRUE(http::is_timeout(reading.error));
}

// A request body given piece by piece, `piece` bytes at a time; `known`: its size is announced.
class piece_source final : public http::body_source {
public:
    piece_source(std::string body, std::size_t piece, bool known)
        : _body(std::move(body)), _piece(piece), _known(known) {}
    std::optional<std::uint64_t> size() const noexcept override {
        return _known ? std::optional<std::uint64_t>(_body.size()) : std::nullopt;
    }
    task<result<std::size_t>> read(std::span<char> into) override {
        ++reads;
        const std::size_t n = std::min({into.size(), _piece, _body.size() - _at});
        std::memcpy(into.data(), _body.data() + _at, n);
        _at += n;
        co_return n;
    }
    unsigned reads = 0;

private:
    std::string _body;
    std::size_t _piece;
    std::size_t _at = 0;
    bool _known;
};

// A 4 MiB PUT, in 64 KiB pieces, to a server that holds at most 64 KiB unread, run until it waits.
struct stalled_upload {
    piece_source source{pattern(4 << 20), 64 << 10, true};
    task<result<http::client_response>> work;
    int end = -1;

    explicit stalled_upload(client_connection_test& t)
        : work(t.client->request(http::method::put, "http://127.0.0.1:8080/up", {}, source)) {
        work.start(); // the connect is made: its end is there before anything moves
        end = t.mem.wire->accept();
        if (end >= 0) t.mem.wire->set_window(end, 64 << 10);
        t.mem.wire->run();
    }
};

TEST_F(client_connection_test, a_body_of_known_size_goes_with_its_length) {
    piece_source source(pattern(100000), 30000, true);
    auto work = client->request(http::method::put, "http://127.0.0.1:8080/up", {}, source);
    work.start();
    mem.wire->run();
    const int end = mem.wire->accept();
    std::string sent = request_on(end);
    for (int i = 0; i < 10 && sent.size() < 100000; ++i) {
        mem.wire->run();
        sent += request_on(end);
    }
    const std::size_t head_end = sent.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos);
    EXPECT_NE(sent.substr(0, head_end).find("Content-Length: 100000"), std::string::npos) << sent.substr(0, head_end);
    EXPECT_EQ(sent.substr(head_end + 4), pattern(100000));
    answer(end, hello);
    ASSERT_TRUE(work.done());
    EXPECT_EQ(work.result()->body(), "hello");
}

TEST_F(client_connection_test, a_body_of_unknown_size_goes_chunked) {
    piece_source source(pattern(1000), 300, false);
    auto work = client->request(http::method::post, "http://127.0.0.1:8080/up", {}, source);
    work.start();
    mem.wire->run();
    const int end = mem.wire->accept();
    const std::string sent = request_on(end);
    EXPECT_NE(sent.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
    const std::string b = pattern(1000);
    const std::string chunks = "12c\r\n" + b.substr(0, 300) + "\r\n12c\r\n" + b.substr(300, 300) + "\r\n12c\r\n" +
                               b.substr(600, 300) + "\r\n64\r\n" + b.substr(900) + "\r\n0\r\n\r\n";
    EXPECT_TRUE(sent.ends_with("\r\n\r\n" + chunks)) << sent;
    answer(end, hello);
    ASSERT_TRUE(work.done());
    EXPECT_TRUE(work.result());
}

TEST_F(client_connection_test, an_upload_waits_while_the_server_reads_nothing) {
    stalled_upload up(*this);
    ASSERT_GE(up.end, 0);
    // At most the window, the connection's upload window and a piece have been read from the source.
    EXPECT_LT(up.source.reads, 10u);
    std::size_t sent = 0;
    for (int i = 0; i < 1000 && !up.work.done(); ++i) {
        sent += request_on(up.end).size();
        mem.wire->run();
        if (sent > (4 << 20)) answer(up.end, hello);
    }
    ASSERT_TRUE(up.work.done());
    EXPECT_TRUE(up.work.result());
    EXPECT_GT(up.source.reads, 60u);
}

TEST_F(client_connection_test, an_early_answer_stops_the_upload) {
    stalled_upload up(*this);
    ASSERT_GE(up.end, 0);
    answer(up.end, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(up.work.done());
    ASSERT_TRUE(up.work.result());
    EXPECT_EQ(up.work.result()->status(), 413);
    EXPECT_LT(up.source.reads, 10u);
    EXPECT_TRUE(mem.wire->closed(up.end) || mem.wire->output_ended(up.end)); // half a body was sent: not reused
}

// One connection per origin, four requests on it at once.
struct client_pipeline_test : client_connection_test {
    static http::client_config pipelined() {
        http::client_config c;
        c.connections_per_origin = 1;
        c.pipeline_depth = 4;
        return c;
    }
    client_pipeline_test() : client_connection_test(pipelined()) {}

    static std::string answer_with(std::string_view body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
    }
    // The number of requests in `sent`.
    static int requests_in(std::string_view sent) {
        int n = 0;
        for (std::size_t at = 0; (at = sent.find(" HTTP/1.1\r\n", at)) != std::string_view::npos; ++at)
            ++n;
        return n;
    }
};

TEST_F(client_pipeline_test, gets_share_the_connection_and_get_their_answers_in_order_however_cut) {
    std::string answers;
    for (int i = 0; i < 4; ++i)
        answers += answer_with("body " + std::to_string(i));
    int server = -1;
    for (const std::size_t cut : {1u, 5u, 40u, 1000u}) {
        std::vector<call> calls;
        for (int i = 0; i < 4; ++i)
            calls.push_back(get("http://127.0.0.1:8080/" + std::to_string(i)));
        const int end = mem.wire->accept();
        if (server < 0) server = end;
        ASSERT_GE(server, 0);
        EXPECT_EQ(end, cut == 1 ? server : -1); // one connection
        EXPECT_EQ(requests_in(request_on(server)), 4) << "cut " << cut;
        for (std::size_t at = 0; at < answers.size(); at += cut)
            answer(server, std::string_view(answers).substr(at, cut));
        for (int i = 0; i < 4; ++i) {
            ASSERT_TRUE(calls[i].finished()) << "cut " << cut << " call " << i;
            const auto r = calls[i].work.result();
            ASSERT_TRUE(r) << r.error().message();
            EXPECT_EQ(r->body(), "body " + std::to_string(i));
        }
    }
}

TEST_F(client_pipeline_test, a_post_waits_for_the_connection_to_itself_and_what_follows_waits_for_it) {
    call first = get();
    auto post = client->request(http::method::post, "http://127.0.0.1:8080/p", {}, "data");
    post.start();
    mem.wire->run();
    call behind = get(); // a GET after the waiting POST does not overtake it
    const int end = mem.wire->accept();
    EXPECT_EQ(requests_in(request_on(end)), 1);
    answer(end, hello);
    ASSERT_TRUE(first.finished());
    const std::string sent = request_on(end);
    EXPECT_TRUE(sent.starts_with("POST /p ")) << sent;
    EXPECT_EQ(requests_in(sent), 1); // nothing pipelined behind the POST
    answer(end, hello);
    ASSERT_TRUE(post.done());
    EXPECT_TRUE(post.result());
    EXPECT_TRUE(request_on(end).starts_with("GET /x "));
    answer(end, hello);
    ASSERT_TRUE(behind.finished());
}

TEST_F(client_pipeline_test, a_close_after_the_first_answer_sends_the_rest_again) {
    std::vector<call> calls;
    for (int i = 0; i < 3; ++i)
        calls.push_back(get("http://127.0.0.1:8080/" + std::to_string(i)));
    const int end = mem.wire->accept();
    EXPECT_EQ(requests_in(request_on(end)), 3);
    mem.wire->put(end, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\nA");
    mem.wire->close_peer(end);
    mem.wire->run();
    ASSERT_TRUE(calls[0].finished());
    EXPECT_EQ(calls[0].work.result()->body(), "A");
    // The two behind had no byte of their answer: each is sent again on a new connection.
    const int again = mem.wire->accept();
    ASSERT_GE(again, 0);
    EXPECT_EQ(requests_in(request_on(again)), 2);
    answer(again, answer_with("B") + answer_with("C"));
    ASSERT_TRUE(calls[1].finished() && calls[2].finished());
    EXPECT_EQ(calls[1].work.result()->body(), "B");
    EXPECT_EQ(calls[2].work.result()->body(), "C");
}

TEST_F(client_pipeline_test, a_call_given_up_closes_the_connection_and_the_others_go_again) {
    for (const std::size_t gone : {1u, 2u}) { // one in the middle of those behind, and the last
        std::vector<call> calls;
        for (int i = 0; i < 3; ++i)
            calls.push_back(get("http://127.0.0.1:8080/" + std::to_string(i)));
        const int end = mem.wire->accept();
        ASSERT_GE(end, 0);
        EXPECT_EQ(requests_in(request_on(end)), 3);
        calls.erase(calls.begin() + static_cast<std::ptrdiff_t>(gone)); // its frame goes
        mem.wire->run();
        EXPECT_TRUE(mem.wire->closed(end));
        // No byte of their answers had come: both others are sent again on a new connection.
        const int again = mem.wire->accept();
        ASSERT_GE(again, 0);
        const std::string sent = request_on(again);
        EXPECT_EQ(requests_in(sent), 2);
        // In the order they were first sent, each answered with its own target.
        const std::string last = gone == 1 ? "/2" : "/1";
        EXPECT_LT(sent.find("GET /0 "), sent.find("GET " + last + " ")) << sent;
        answer(again, answer_with("/0") + answer_with(last));
        ASSERT_TRUE(calls[0].finished() && calls[1].finished());
        EXPECT_EQ(calls[0].work.result()->body(), "/0");
        EXPECT_EQ(calls[1].work.result()->body(), last);
        mem.wire->close_peer(again);
        mem.wire->run();
    }
}

TEST_F(client_pipeline_test, a_close_before_any_answer_sends_them_all_again_in_their_order) {
    std::vector<call> calls;
    for (int i = 0; i < 4; ++i)
        calls.push_back(get("http://127.0.0.1:8080/" + std::to_string(i)));
    const int end = mem.wire->accept();
    ASSERT_GE(end, 0);
    EXPECT_EQ(requests_in(request_on(end)), 4);
    mem.wire->close_peer(end);
    mem.wire->run();
    const int again = mem.wire->accept();
    ASSERT_GE(again, 0);
    const std::string sent = request_on(again);
    ASSERT_EQ(requests_in(sent), 4) << sent;
    std::size_t at = 0;
    for (int i = 0; i < 4; ++i) {
        const std::size_t found = sent.find("GET /" + std::to_string(i) + " ");
        EXPECT_EQ(found, at) << sent;
        at = sent.find("\r\n\r\n", found) + 4;
    }
    std::string answers;
    for (int i = 0; i < 4; ++i)
        answers += answer_with("/" + std::to_string(i));
    answer(again, answers);
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(calls[i].finished());
        EXPECT_EQ(calls[i].work.result()->body(), "/" + std::to_string(i));
    }
}

TEST_F(client_pipeline_test, a_stream_read_to_its_end_lets_the_answer_behind_it_through) {
    // The streamed answer and the one pipelined behind it arrive in one piece, the stream's reader
    // taking its body in small reads.
    task<void> streaming;
    stream_reading reading;
    streaming = read_stream(*client, 3, reading);
    streaming.start();
    mem.wire->run();
    call behind = get();
    const int end = mem.wire->accept();
    EXPECT_EQ(requests_in(request_on(end)), 2);
    const std::string body = pattern(70000);
    answer(end, "HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n" + body + std::string(hello));
    ASSERT_TRUE(reading.ended);
    EXPECT_EQ(reading.got, body);
    EXPECT_FALSE(reading.error);
    ASSERT_TRUE(behind.finished());
    EXPECT_EQ(behind.work.result()->body(), "hello");
}

} // namespace
