// SPDX-License-Identifier: MIT
// tcp_connection's byte-stream behaviour, driven over a net::loopback (no socket, no loop): input
// offered and spilled however it is cut, batched output, backpressure from a peer that stops
// reading, the peer's close and reset, the lingering close and its discard limit.
#include <gtest/gtest.h>

#include <string>

#include <corio/net/tcp_connection.hpp>

#include "memory_shard.hpp"

namespace {

using corio::net::connection_set;
using corio::net::tcp_connection;

// Consumes whole lines ("...\n") and answers each with "<line>!\n"; "close\n" closes after the
// answer, "linger\n" too but lingers (as after a refused request), "pause\n" stops reading until
// the output has drained.
// What a connection saw, kept by the test: the connection is deleted once it has closed.
struct observed {
    std::string seen;
    int failed = 0;
    bool peer_closed = false;
    bool lingering = false;
    std::size_t sent = 0;
};

class line_connection final : public tcp_connection {
public:
    line_connection(connection_set& set, int handle, observed& o) : tcp_connection(set, handle), _o(o) { start(); }

protected:
    std::size_t on_data(std::span<char> data) override {
        std::size_t used = 0;
        for (std::size_t end;
             (end = std::string_view(data.data() + used, data.size() - used).find('\n')) != std::string_view::npos;) {
            const std::string_view line(data.data() + used, end);
            used += end + 1;
            _o.seen.append(line).push_back('|');
            write(line);
            write("!\n");
            flush();
            if (line == "close" || line == "linger") {
                close_after_flush(line == "linger");
                break;
            }
            if (line == "pause") {
                pause_reading();
                break;
            }
        }
        return used;
    }
    void on_peer_closed() override { _o.peer_closed = true; }
    void on_failed(int error) override { _o.failed = error; }
    void on_lingering() override { _o.lingering = true; }
    void on_output_sent(std::size_t bytes) override { _o.sent += bytes; }

private:
    observed& _o;
};

struct tcp_connection_test : ::testing::Test {
    corio::test::memory_shard mem;
    connection_set set{*mem.self, nullptr, mem.wire.get()};
    int end = mem.wire->open();
    observed o;
    line_connection* c = new line_connection(set, end, o);

    void run() { mem.wire->run(); }
};

TEST_F(tcp_connection_test, answers_lines_however_the_input_is_cut) {
    const std::string input = "one\ntwo\nthree\n";
    for (std::size_t i = 0; i < input.size(); ++i) {
        mem.wire->put(end, input.substr(i, 1));
        run();
    }
    EXPECT_EQ(o.seen, "one|two|three|");
    EXPECT_EQ(mem.wire->take(end), "one!\ntwo!\nthree!\n");
    EXPECT_FALSE(c->input_pending());
    EXPECT_EQ(set.stats().bytes_in.value(), input.size());
    EXPECT_EQ(set.stats().bytes_out.value(), 17u);
}

TEST_F(tcp_connection_test, one_receive_of_many_lines_leaves_in_one_send) {
    mem.wire->put(end, "a\nb\nc\nunfinished");
    run();
    EXPECT_EQ(mem.wire->take(end), "a!\nb!\nc!\n");
    EXPECT_EQ(o.sent, 9u); // one send took all three answers
    EXPECT_TRUE(c->input_pending());
    EXPECT_EQ(std::string(c->unconsumed_input().data(), c->unconsumed_input().size()), "unfinished");
    mem.wire->put(end, "\n");
    run();
    EXPECT_EQ(mem.wire->take(end), "unfinished!\n");
    EXPECT_FALSE(c->input_pending());
}

TEST_F(tcp_connection_test, a_peer_that_stops_reading_holds_the_output_and_then_gets_it_all) {
    mem.wire->set_window(end, 4);
    mem.wire->put(end, "pause\nafter\n");
    run();
    EXPECT_TRUE(c->reading_paused());
    EXPECT_FALSE(mem.wire->reading(end));
    EXPECT_EQ(c->pending_output(), 3u); // "pause!\n" is 7 bytes: 4 went, 3 wait
    EXPECT_EQ(o.seen, "pause|");
    // The peer reads: the rest goes, reading resumes, and the line kept meanwhile is answered.
    EXPECT_EQ(mem.wire->take(end), "paus");
    mem.wire->set_window(end, 1 << 20);
    run();
    EXPECT_EQ(mem.wire->take(end), "e!\nafter!\n");
    EXPECT_FALSE(c->reading_paused());
    EXPECT_EQ(o.seen, "pause|after|");
}

TEST_F(tcp_connection_test, the_peer_closing_ends_the_connection_after_the_answers) {
    mem.wire->put(end, "last\n");
    mem.wire->close_peer(end);
    run();
    EXPECT_TRUE(o.peer_closed);
    EXPECT_EQ(mem.wire->take(end), "last!\n");
    EXPECT_TRUE(mem.wire->closed(end));
    EXPECT_TRUE(set.empty()); // deleted once its last completion came
}

TEST_F(tcp_connection_test, a_reset_fails_the_connection) {
    run();
    mem.wire->reset_peer(end);
    run();
    EXPECT_EQ(o.failed, -ECONNRESET);
    EXPECT_TRUE(mem.wire->closed(end));
    EXPECT_TRUE(set.empty());
}

TEST_F(tcp_connection_test, close_after_flush_sends_first_then_closes) {
    mem.wire->put(end, "close\nignored\n");
    run();
    EXPECT_EQ(mem.wire->take(end), "close!\n");
    EXPECT_EQ(o.seen, "close|");
    EXPECT_FALSE(o.lingering);
    EXPECT_TRUE(mem.wire->closed(end));
    EXPECT_TRUE(set.empty());
}

TEST_F(tcp_connection_test, a_lingering_close_drops_input_until_the_peer_closes) {
    mem.wire->put(end, "linger\nignored\n");
    run();
    EXPECT_EQ(mem.wire->take(end), "linger!\n");
    // The write side is shut down; input is read and dropped until the peer closes.
    EXPECT_TRUE(mem.wire->output_ended(end));
    EXPECT_FALSE(mem.wire->closed(end));
    EXPECT_TRUE(o.lingering);
    mem.wire->put(end, "more\n");
    run();
    EXPECT_EQ(o.seen, "linger|"); // dropped, not offered
    EXPECT_FALSE(mem.wire->closed(end));
    mem.wire->close_peer(end);
    run();
    EXPECT_TRUE(mem.wire->closed(end));
    EXPECT_TRUE(set.empty());
}

TEST_F(tcp_connection_test, a_lingering_close_aborts_past_the_discard_limit) {
    set.set_discard_limit(10);
    mem.wire->put(end, "linger\nx\n");
    run();
    ASSERT_TRUE(o.lingering);
    mem.wire->put(end, std::string(64, 'y'));
    run();
    EXPECT_TRUE(mem.wire->closed(end));
    EXPECT_TRUE(set.empty());
}

TEST_F(tcp_connection_test, abort_drops_the_output_and_cancels_what_is_armed) {
    mem.wire->set_window(end, 0); // the send waits
    mem.wire->put(end, "a\n");
    run();
    EXPECT_EQ(c->pending_output(), 3u);
    c->abort();
    run();
    EXPECT_TRUE(mem.wire->closed(end));
    EXPECT_TRUE(set.empty());
    EXPECT_EQ(set.stats().output_pending.value(), 0u);
}

TEST_F(tcp_connection_test, close_all_leaves_no_connection_behind) {
    const int second = mem.wire->open();
    observed other;
    new line_connection(set, second, other);
    mem.wire->put(end, "a\n");
    run();
    EXPECT_EQ(set.size(), 2u);
    set.close_all();
    run();
    EXPECT_TRUE(set.empty());
    EXPECT_TRUE(mem.wire->closed(end));
    EXPECT_TRUE(mem.wire->closed(second));
}

} // namespace
