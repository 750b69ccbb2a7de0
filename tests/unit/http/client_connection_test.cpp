// SPDX-License-Identifier: MIT
// The HTTP client (its pool, client_connection and the response reader) over a net::loopback: the
// test is the origin server, answering in exactly the pieces it chooses, with no socket and no loop.
// Each hostile answer gives its own error, and the pool stays healthy afterwards.
#include <gtest/gtest.h>

#include <optional>
#include <string>

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

TEST_F(client_connection_test, a_kept_alive_connection_carries_the_next_call) {
    call first = get();
    const int end = mem.wire->accept();
    request_on(end);
    answer(end, hello);
    ASSERT_TRUE(first.finished());
    call second = get();
    EXPECT_EQ(mem.wire->accept(), -1); // no new connection
    EXPECT_TRUE(request_on(end).starts_with("GET /x "));
    answer(end, "HTTP/1.1 204 No Content\r\n\r\n");
    ASSERT_TRUE(second.finished());
    EXPECT_EQ(second.work.result()->status(), 204);
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

} // namespace
