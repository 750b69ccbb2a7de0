// SPDX-License-Identifier: MIT
// The per-shard connection limit: at max_connections accepting pauses (a new connection completes
// its handshake in the kernel's backlog but is not served), and resumes as soon as one closes.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using corio::test::get;
using corio::test::loopback_client;
using corio::test::ms_since;
using corio::test::reply;
using corio::test::served;
using corio::test::test_clock;

constexpr int limit = 4;
constexpr int unanswered_ms = 300;

// A client past the limit: connected (through the backlog), its request sent, no answer within
// unanswered_ms.
void expect_waiting(loopback_client& client, const char* which) {
    ASSERT_TRUE(client.connected()) << which << ": " << client.error();
    ASSERT_TRUE(client.send_all(get("/echo?n=waiting"))) << which << ": " << client.error();
    reply r;
    EXPECT_FALSE(client.read_response(r)) << which << " was served past the connection limit";
    EXPECT_EQ(client.error().rfind("timed out", 0), 0U) << which << ": " << client.error();
}

// After a slot was freed: the waiting client is answered within a second.
void expect_answered_within_a_second(loopback_client& client, const char* which) {
    const auto freed = test_clock::now();
    client.set_timeout(1000);
    reply r;
    ASSERT_TRUE(client.read_response(r)) << which << " not served after a slot was freed: " << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "waiting");
    EXPECT_LT(ms_since(freed), 1000);
}

TEST(connection_limit, accepting_pauses_at_the_limit_and_resumes_when_one_closes) {
    corio::http::server_config config = corio::test::loopback_config();
    config.max_connections = limit;
    served s(config, 1);
    CORIO_START_OR_SKIP(s.rt, s.srv);

    std::vector<loopback_client> clients;
    reply r;
    for (int i = 0; i < limit; ++i) {
        clients.emplace_back(s.port(), 3000);
        ASSERT_TRUE(clients.back().connected()) << clients.back().error();
        // Answered: the server surely accepted it.
        ASSERT_TRUE(clients.back().roundtrip(get("/echo?n=" + std::to_string(i)), r)) << clients.back().error();
        ASSERT_EQ(r.body, std::to_string(i));
    }

    loopback_client fifth(s.port(), unanswered_ms);
    expect_waiting(fifth, "the fifth connection");
    if (HasFailure()) return;

    clients.front().close();
    expect_answered_within_a_second(fifth, "the fifth connection");
    if (HasFailure()) return;

    // At the limit again (three of the first four and the fifth): the next one waits in turn.
    loopback_client sixth(s.port(), unanswered_ms);
    expect_waiting(sixth, "the sixth connection");
    if (HasFailure()) return;
    fifth.close();
    expect_answered_within_a_second(sixth, "the sixth connection");

    // The connections that stayed are served as before.
    for (std::size_t i = 1; i < clients.size(); ++i) {
        ASSERT_TRUE(clients[i].roundtrip(get("/plaintext"), r)) << clients[i].error();
        EXPECT_EQ(r.status, 200);
    }
    clients.clear();
    sixth.close();
    corio::test::stop_and_join(s.rt);
    const corio::http::server_stats stats = s.srv.stats(0);
    EXPECT_EQ(stats.connections_opened, static_cast<std::uint64_t>(limit + 2));
    EXPECT_EQ(stats.connections_closed, stats.connections_opened);
}

} // namespace
