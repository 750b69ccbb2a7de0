// SPDX-License-Identifier: MIT
// net::loopback, the in-memory transport: receives arrive as the driver cut them (and no larger than
// the receive size), a paired end receives what the other sends, the window holds sends back, and
// the end of the stream arrives after what was sent.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <corio/net/tcp_connection.hpp>

#include "memory_shard.hpp"

namespace {

using corio::net::connection_set;
using corio::net::tcp_connection;

// Records each receive as it came; consumes everything; sets `*ended` (if given) when the input
// ends (the object may be gone by the time the test looks).
class recorder final : public tcp_connection {
public:
    recorder(connection_set& set, int handle, bool* ended = nullptr) : tcp_connection(set, handle), _ended(ended) {
        start();
    }
    std::vector<std::string> receives;

protected:
    std::size_t on_data(std::span<char> data) override {
        receives.emplace_back(data.data(), data.size());
        return data.size();
    }
    void on_peer_closed() override {
        if (_ended != nullptr) *_ended = true;
    }

private:
    bool* _ended;
};

struct loopback_test : ::testing::Test {
    corio::test::memory_shard mem;
    connection_set set{*mem.self, nullptr, mem.wire.get()};
};

TEST_F(loopback_test, each_put_is_one_receive_cut_at_the_receive_size) {
    mem.wire->set_receive_size(4);
    const int end = mem.wire->open();
    auto* r = new recorder(set, end);
    mem.wire->put(end, "ab");
    mem.wire->put(end, "cdefghij");
    EXPECT_EQ(r->receives.size(), 0u); // nothing moves before run()
    mem.wire->run();
    EXPECT_EQ(r->receives, (std::vector<std::string>{"ab", "cdef", "ghij"}));
}

TEST_F(loopback_test, paired_ends_carry_each_others_output_and_close) {
    const int a = mem.wire->open();
    const int b = mem.wire->open();
    mem.wire->pair(a, b);
    bool right_ended = false;
    auto* left = new recorder(set, a);
    auto* right = new recorder(set, b, &right_ended);
    left->write("hello");
    left->flush();
    right->write("back");
    right->flush();
    mem.wire->run();
    EXPECT_EQ(right->receives, std::vector<std::string>{"hello"});
    EXPECT_EQ(left->receives, std::vector<std::string>{"back"});
    left->close_after_flush();
    mem.wire->run();
    EXPECT_TRUE(right_ended);  // left's close reached right as the end of its input
    EXPECT_EQ(set.size(), 0u); // right closed in turn; both are gone
}

TEST_F(loopback_test, a_window_holds_sends_until_the_peer_reads) {
    const int end = mem.wire->open();
    auto* r = new recorder(set, end);
    mem.wire->set_window(end, 3);
    r->write("abcdefgh");
    r->flush();
    mem.wire->run();
    EXPECT_EQ(mem.wire->take(end), "abc");
    mem.wire->run();
    EXPECT_EQ(mem.wire->take(end), "def");
    mem.wire->set_window(end, 100);
    mem.wire->run();
    EXPECT_EQ(mem.wire->take(end), "gh");
    EXPECT_EQ(r->pending_output(), 0u);
}

TEST_F(loopback_test, ends_are_reused_once_closed) {
    const int first = mem.wire->open();
    auto* r = new recorder(set, first);
    r->abort();
    mem.wire->run();
    ASSERT_TRUE(set.empty());
    EXPECT_EQ(mem.wire->open(), first);
}

TEST_F(loopback_test, the_peer_address_names_the_end) {
    const int end = mem.wire->open();
    const auto address = mem.wire->peer_address(end);
    ASSERT_TRUE(address);
    EXPECT_EQ(address->host(), "127.0.0.1");
    EXPECT_EQ(address->port(), 10000 + end);
}

} // namespace
