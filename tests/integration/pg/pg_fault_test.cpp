// SPDX-License-Identifier: MIT
// The PostgreSQL client while the whole database goes away and comes back (pgtest.sh pause and
// resume): queries fail within a second instead of queueing, and the pool recovers by itself.
// Stops the shared cluster, so ctest runs it alone.
#include <gtest/gtest.h>

#include "pg_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::task;
using corio::test::answer;
using corio::test::eventually;
namespace pg = corio::pg;

TEST(pg_fault, database_paused_fails_fast_and_resumed_recovers) {
    const auto url = corio::test::database_url();
    if (!url) GTEST_SKIP() << corio::test::no_database_reason();
    if (!corio::test::database_is_throwaway()) GTEST_SKIP() << "the database is not the throwaway cluster";
    pg::pool db(corio::test::test_config(*url, 2));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        EXPECT_TRUE((co_await db.query("select 1")).has_value());
        EXPECT_TRUE(db.connected()); // what a readiness check sees
        std::vector<answer> slow;
        corio::test::spawn_queries(db, {"select pg_sleep(5)"}, slow);
        testing::AssertionResult paused = testing::AssertionFailure();
        co_await corio::test::off_shard([&] { paused = corio::test::pause_database(); });
        EXPECT_TRUE(paused);
        if (!paused) co_return;
        // The statement in flight failed with the connection.
        EXPECT_TRUE(co_await eventually([&] { return corio::test::all_done(slow); }, 2s));
        if (slow[0].done) {
            EXPECT_FALSE(slow[0].value.has_value());
            if (!slow[0].value) {
                EXPECT_EQ(slow[0].value.error(), pg::errc::connection_lost) << slow[0].value.error().message();
            }
        }
        // With the database down, queries fail within a second (at once once a reconnect failed).
        for (int i = 0; i < 5; ++i) {
            const auto before = std::chrono::steady_clock::now();
            auto r = co_await db.query("select 1");
            EXPECT_FALSE(r.has_value());
            if (!r) {
                EXPECT_TRUE(r.error() == pg::errc::connection_failed || r.error() == pg::errc::connection_lost)
                    << r.error().message();
            }
            EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
            co_await corio::sleep(20ms);
        }
        EXPECT_GE(db.stats().connect_failures.value(), 1U);
        EXPECT_FALSE(db.connected());
        testing::AssertionResult resumed = testing::AssertionFailure();
        co_await corio::test::off_shard([&] { resumed = corio::test::resume_database(); });
        EXPECT_TRUE(resumed);
        // The pool reconnects by itself (backoff at most 200 ms here), without a query asking it to.
        EXPECT_TRUE(co_await eventually([&] { return db.connected(); }, 5s)) << "not connected 5 s after the return";
        bool recovered = false;
        for (int i = 0; i < 200 && !recovered; ++i) {
            auto r = co_await db.query("select 42");
            recovered = r.has_value() && (*r)[0].get<std::int32_t>(0).value_or(0) == 42;
            if (!recovered) co_await corio::sleep(25ms);
        }
        EXPECT_TRUE(recovered) << "no answer within 5 s of the database's return";
        EXPECT_GE(db.stats().reconnects.value(), 1U);
    });
}

} // namespace
