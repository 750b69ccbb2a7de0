// SPDX-License-Identifier: MIT
// The PostgreSQL client against the test database over 127.0.0.1: queries and prepared statements
// with every parameter type, typed access, hostile parameters, server errors beside pipelined
// neighbours, one write per turn's batch, a full pool, cancellation, transactions, a wrong password.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core/heap.hpp>
#include <corio/core/submit_to.hpp>
#include <corio/core/timeout.hpp>
#include <corio/core/when_all.hpp>
#include <corio/pg/pool.hpp>

#include "pg_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::task;
using corio::test::answer;
using corio::test::eventually;
namespace pg = corio::pg;

#define PG_URL_OR_SKIP()                                                                                               \
    const auto found_url = corio::test::database_url();                                                                \
    if (!found_url) GTEST_SKIP() << corio::test::no_database_reason();                                                 \
    const std::string url = *found_url

// Which statements the pool commits on their own (no database needed).
TEST(pg_statement, plain_reads_are_not_committed_on_their_own) {
    using corio::pg::detail::may_write;
    for (const char* read : {"select 1", "  SELECT id FROM world WHERE id = $1", "(select 1) union (select 2)",
                             "values (1)", "show server_version", "table world", "select * from fortune_for_all"})
        EXPECT_FALSE(may_write(read)) << read;
    for (const char* write : {"update world set randomnumber = 1", "insert into t values (1)", "delete from t",
                              "with x as (delete from t "
                              "returning *) select * from x",
                              "select * from world where id = 1 for update", "SELECT 1 FROM t FOR SHARE",
                              "select 1 from t for no key update", "select 1 from t for  key share", "selectx", "",
                              "create table t (id int)", "begin"})
        EXPECT_TRUE(may_write(write)) << write;
    EXPECT_FALSE(corio::pg::statement("select id from world where id = $1").may_write());
    EXPECT_TRUE(corio::pg::statement("update world set randomnumber = $2 where id = $1").may_write());
}

TEST(pg_client, simple_query_typed_access_and_null) {
    PG_URL_OR_SKIP();
    pg::pool db(corio::test::test_config(url));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        auto r = co_await db.query("select 7::int2 as small, 70000::int4 as mid, 9000000000::int8 as big, "
                                   "1.5::float8 as real, true as yes, 'héllo'::text as word, null::int4 as nothing");
        EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message());
        if (!r) co_return;
        const pg::rows& rows = *r;
        EXPECT_EQ(rows.size(), 1U);
        EXPECT_EQ(rows.columns(), 7);
        EXPECT_EQ(rows.command(), "SELECT 1");
        const pg::row row = rows[0];
        EXPECT_EQ(row.get<std::int16_t>(0).value(), 7);
        EXPECT_EQ(row.get<std::int32_t>(1).value(), 70000);
        EXPECT_EQ(row.get<std::int64_t>(2).value(), 9000000000LL);
        EXPECT_EQ(row.get<double>(3).value(), 1.5);
        EXPECT_EQ(row.get<bool>(4).value(), true);
        EXPECT_EQ(row.get<std::string_view>(5).value(), "héllo");
        EXPECT_EQ(row.get<std::string_view>("word").value(), "héllo");
        EXPECT_EQ(row.get<std::int32_t>("MID").value(), 70000); // names fold like unquoted SQL
        EXPECT_EQ(row.get<std::optional<std::int32_t>>(6).value(), std::nullopt);
        EXPECT_EQ(row.get<std::optional<std::int32_t>>(1).value(), 70000);
        EXPECT_TRUE(row.is_null(6));
        // Conversions that cannot hold are errors, not undefined behaviour.
        EXPECT_EQ(row.get<std::int32_t>(6).error(), pg::errc::null_value);
        EXPECT_EQ(row.get<std::int16_t>(1).error(), pg::errc::type_mismatch);
        EXPECT_EQ(row.get<std::int32_t>(2).error(), pg::errc::type_mismatch);
        EXPECT_EQ(row.get<std::int32_t>(5).error(), pg::errc::type_mismatch);
        EXPECT_EQ(row.get<bool>(5).error(), pg::errc::type_mismatch);
        EXPECT_EQ(row.get<std::int32_t>(7).error(), pg::errc::no_such_column);
        EXPECT_EQ(row.get<std::int32_t>("missing").error(), pg::errc::no_such_column);
        EXPECT_NE(row.get<std::int16_t>(1).error().message().find("70000"), std::string::npos);

        auto world =
            co_await db.query("select id, randomnumber from world where id between $1 and $2 order by id", 1, 5);
        EXPECT_TRUE(world.has_value());
        if (!world) co_return;
        EXPECT_EQ(world->size(), 5U);
        std::int32_t expected = 1;
        for (pg::row w : *world) {
            EXPECT_EQ(w.get<std::int32_t>("id").value(), expected++);
            const std::int32_t number = w.get<std::int32_t>("randomNumber").value();
            EXPECT_TRUE(number >= 1 && number <= 10000) << number;
        }
    });
}

TEST(pg_client, parameters_of_every_type) {
    PG_URL_OR_SKIP();
    pg::pool db(corio::test::test_config(url));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        const std::string owned = "owned";
        const std::string_view view = std::string_view("a view, not terminated here").substr(0, 6);
        const std::optional<std::int32_t> some = 12;
        const std::optional<std::int32_t> none;
        auto r = co_await db.query(
            "select $1::int2, $2::int4, $3::int8, $4::numeric, $5::int4, $6::int8, $7::numeric, $8::float8, "
            "$9::float4, $10::bool, $11::bool, $12::text, $13::text, $14::text, $15::int4, $16::int4, $17::text",
            std::int8_t{-8}, std::int32_t{-32}, std::int64_t{-64}, std::uint64_t{18446744073709551615ULL},
            std::uint16_t{65535}, std::uint32_t{4294967295U}, 1ULL << 63, 0.1, 2.5F, true, false, owned, view,
            "literal", some, none, std::nullopt);
        EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message());
        if (!r) co_return;
        const pg::row row = (*r)[0];
        EXPECT_EQ(row.get<std::int16_t>(0).value(), -8);
        EXPECT_EQ(row.get<std::int32_t>(1).value(), -32);
        EXPECT_EQ(row.get<std::int64_t>(2).value(), -64);
        EXPECT_EQ(row.get<std::uint64_t>(3).value(), 18446744073709551615ULL);
        EXPECT_EQ(row.get<std::int32_t>(4).value(), 65535);
        EXPECT_EQ(row.get<std::int64_t>(5).value(), 4294967295LL);
        EXPECT_EQ(row.get<std::string_view>(6).value(), "9223372036854775808");
        EXPECT_EQ(row.get<double>(7).value(), 0.1);
        EXPECT_EQ(row.get<float>(8).value(), 2.5F);
        EXPECT_EQ(row.get<bool>(9).value(), true);
        EXPECT_EQ(row.get<bool>(10).value(), false);
        EXPECT_EQ(row.get<std::string>(11).value(), "owned");
        EXPECT_EQ(row.get<std::string_view>(12).value(), "a view");
        EXPECT_EQ(row.get<std::string_view>(13).value(), "literal");
        EXPECT_EQ(row.get<std::int32_t>(14).value(), 12);
        EXPECT_TRUE(row.is_null(15));
        EXPECT_TRUE(row.is_null(16));
    });
}

TEST(pg_client, prepared_statement_is_prepared_once_per_connection) {
    PG_URL_OR_SKIP();
    pg::pool db(corio::test::test_config(url));
    static const pg::statement world("select id, randomnumber from world where id = $1");
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        for (std::int32_t id = 1; id <= 3; ++id) {
            auto r = co_await db.execute(world, id);
            EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message());
            if (!r) co_return;
            EXPECT_EQ(r->size(), 1U);
            EXPECT_EQ((*r)[0].get<std::int32_t>(0).value(), id);
        }
        EXPECT_EQ(db.stats().prepares.value(), 1U);
        EXPECT_EQ(db.stats().queries.value(), 3U);
        // In the steady state a query costs the shard heap one allocation: the query task's frame
        // (parameters are encoded into reused scratch; the rows are libpq's result, not a copy).
        const std::uint64_t allocations = corio::shard_alloc_count();
        bool all_found = true;
        for (std::int32_t id = 1; id <= 50; ++id) {
            auto r = co_await db.execute(world, id);
            all_found = all_found && r.has_value() && r->size() == 1;
        }
        EXPECT_TRUE(all_found);
        EXPECT_EQ(corio::shard_alloc_count() - allocations, 50U);
        // A statement the server refuses fails every execution with its error, and does not loop.
        static const pg::statement broken("select * from no_such_table where id = $1");
        auto bad = co_await db.execute(broken, 1);
        EXPECT_FALSE(bad.has_value());
        if (!bad) {
            EXPECT_EQ(bad.error(), pg::errc::server_error);
            EXPECT_EQ(bad.error().sqlstate(), "42P01");
        }
        auto again = co_await db.execute(world, 4);
        EXPECT_TRUE(again.has_value());
    });
}

TEST(pg_client, hostile_parameters_reach_the_server_only_as_parameters) {
    PG_URL_OR_SKIP();
    pg::pool db(corio::test::test_config(url));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        const std::vector<std::string> hostile = {
            "'", "''; drop table world; --", "'); drop table world; --", "\\x00", "$1", "\"world\"", "🦀 ünïcode"};
        for (const std::string& value : hostile) {
            auto r = co_await db.query("select $1::text = $2::text, $1::text", value, std::string_view(value));
            EXPECT_TRUE(r.has_value()) << value;
            if (!r) continue;
            EXPECT_EQ((*r)[0].get<bool>(0).value(), true);
            EXPECT_EQ((*r)[0].get<std::string_view>(1).value(), value);
        }
        auto count = co_await db.query("select count(*) from world");
        EXPECT_EQ((*count)[0].get<std::int64_t>(0).value(), 10000);

        // A NUL byte cannot travel as text: an error, never a silently truncated value.
        const std::string with_nul("abc\0def", 7);
        auto nul = co_await db.query("select $1::text", with_nul);
        EXPECT_FALSE(nul.has_value());
        if (!nul) {
            EXPECT_EQ(nul.error(), pg::errc::bad_parameter);
        }
        auto nul_view = co_await db.query("select $1::text", std::string_view(with_nul));
        EXPECT_FALSE(nul_view.has_value());

        // 1 MiB (more than a socket buffer's worth: the write waits for POLLOUT) and back.
        std::string big(1 << 20, 'x');
        for (std::size_t i = 0; i < big.size(); i += 4096)
            big[i] = '\'';
        auto r = co_await db.query("select length($1::text), md5($1::text) = md5($2::text), $1::text", big,
                                   std::string_view(big));
        EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message());
        if (r) {
            EXPECT_EQ((*r)[0].get<std::int32_t>(0).value(), 1 << 20);
            EXPECT_EQ((*r)[0].get<bool>(1).value(), true);
            EXPECT_EQ((*r)[0].get<std::string_view>(2).value(), big);
        }
    });
}

// Runs one query on the calling shard and gives its answer's number and the shard's query count.
task<std::pair<std::int32_t, std::uint64_t>> query_here(pg::pool* db, std::int32_t value) {
    auto r = co_await db->query("select $1::int4", value);
    co_return std::pair<std::int32_t, std::uint64_t>(r ? (*r)[0].get<std::int32_t>(0).value_or(-1) : -1,
                                                     db->stats().queries.value());
}

TEST(pg_client, each_shard_has_its_own_connections_and_counters) {
    PG_URL_OR_SKIP();
    pg::pool db(corio::test::test_config(url, 1));
    corio::test::run_on_shards(corio::test::small_shards(2), [&]() -> task<void> {
        auto here = co_await query_here(&db, 1);
        EXPECT_EQ(here.first, 1);
        pg::pool* shared = &db;
        auto there = co_await corio::submit_to(1, [shared] { return query_here(shared, 2); });
        EXPECT_EQ(there.first, 2);
        EXPECT_EQ(there.second, 1U) << "shard 1 counts its own queries";
        auto there_again = co_await corio::submit_to(1, [shared] { return query_here(shared, 3); });
        EXPECT_EQ(there_again.first, 3);
        EXPECT_EQ(there_again.second, 2U);
        EXPECT_EQ(db.stats().queries.value(), 1U) << "shard 0's counters saw none of shard 1's queries";
        EXPECT_EQ(db.stats().connects.value(), 1U);
    });
}

TEST(pg_client, twenty_queries_in_one_turn_go_out_in_one_batch) {
    PG_URL_OR_SKIP();
    pg::pool db(corio::test::test_config(url, 1));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        EXPECT_TRUE((co_await db.query("select 1")).has_value()); // connected
        const pg::pool_stats& stats = db.stats();
        const auto syncs = stats.syncs.value();
        const auto queries = stats.queries.value();
        std::vector<std::string> sqls;
        for (int i = 1; i <= 20; ++i)
            sqls.push_back("select randomnumber from world where id = " + std::to_string(i));
        std::vector<answer> answers;
        corio::test::spawn_queries(db, sqls, answers);
        EXPECT_TRUE(co_await eventually([&] { return corio::test::all_done(answers); }));
        for (const answer& a : answers)
            EXPECT_TRUE(a.value.has_value() && a.value->size() == 1);
        EXPECT_EQ(stats.queries.value() - queries, 20U);
        EXPECT_EQ(stats.syncs.value() - syncs, 1U) << "20 queries of one turn should leave in one write";

        // The same from one caller, as a /queries?queries=20 handler writes it: when_all starts the
        // twenty executes in this turn; the answers come back in order.
        static const pg::statement world("select id, randomnumber from world where id = $1");
        EXPECT_TRUE((co_await db.execute(world, 1)).has_value()); // prepared: the batch below is executes only
        const auto syncs_before = stats.syncs.value();
        std::vector<task<pg::result<pg::rows>>> lookups;
        for (std::int32_t id = 101; id <= 120; ++id)
            lookups.push_back(db.execute(world, id));
        auto worlds = co_await corio::when_all(std::move(lookups));
        EXPECT_EQ(stats.syncs.value() - syncs_before, 1U);
        EXPECT_EQ(worlds.size(), 20U);
        for (std::size_t i = 0; i < worlds.size(); ++i) {
            EXPECT_TRUE(worlds[i].has_value());
            if (worlds[i]) {
                EXPECT_EQ((*worlds[i])[0].get<std::int32_t>("id").value(), static_cast<std::int32_t>(101 + i));
            }
        }
    });
}

// A caller that runs `count` prepared selects one after the other.
task<void> select_loop(pg::pool& db, const pg::statement& stmt, int count, int* ok, int* finished) {
    for (int i = 0; i < count; ++i) {
        auto r = co_await db.execute(stmt, 1 + (i * 37) % 10000);
        if (r && r->size() == 1) ++*ok;
    }
    ++*finished;
}

TEST(pg_client, concurrent_callers_share_batches) {
    PG_URL_OR_SKIP();
    pg::pool db(corio::test::test_config(url, 2));
    static const pg::statement world("select id, randomnumber from world where id = $1");
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        EXPECT_TRUE((co_await db.execute(world, 1)).has_value());
        const pg::pool_stats& stats = db.stats();
        const auto syncs = stats.syncs.value();
        const auto queries = stats.queries.value();
        constexpr int callers = 256;
        constexpr int each = 40;
        int ok = 0;
        int finished = 0;
        const auto before = std::chrono::steady_clock::now();
        for (int c = 0; c < callers; ++c)
            corio::spawn(select_loop(db, world, each, &ok, &finished));
        EXPECT_TRUE(co_await eventually([&] { return finished == callers; }, 60s));
        const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
        EXPECT_EQ(ok, callers * each);
        const auto sent = stats.queries.value() - queries;
        const auto batches = stats.syncs.value() - syncs;
        EXPECT_EQ(sent, static_cast<std::uint64_t>(callers * each));
        // Callers resumed by one read issue their next query in the same turn: they share a write.
        EXPECT_LE(batches * 8, sent) << sent << " queries in " << batches << " batches";
        std::printf("%d callers x %d queries: %llu queries in %llu batches (%.1f per write), %.0f queries/s\n", callers,
                    each, static_cast<unsigned long long>(sent), static_cast<unsigned long long>(batches),
                    static_cast<double>(sent) / static_cast<double>(batches ? batches : 1),
                    static_cast<double>(sent) / took);
    });
}

TEST(pg_client, a_server_error_keeps_its_sqlstate_and_spares_its_neighbours) {
    PG_URL_OR_SKIP();
    pg::pool db(corio::test::test_config(url, 1));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        EXPECT_TRUE((co_await db.query("create table if not exists pg_client_neighbours (id int primary key)")));
        EXPECT_TRUE((co_await db.query("truncate pg_client_neighbours")));
        const auto requeued = db.stats().requeued.value();
        // One batch: a write before the error (committed by its own COMMIT: final, not re-sent), the
        // error, a write and a read after it (skipped, so re-sent). Each write must happen exactly once.
        std::vector<answer> answers;
        corio::test::spawn_queries(db,
                                   {"insert into pg_client_neighbours values (1)", "select 1/0",
                                    "insert into pg_client_neighbours values (2)", "select 42"},
                                   answers);
        EXPECT_TRUE(co_await eventually([&] { return corio::test::all_done(answers); }));
        EXPECT_TRUE(answers[0].value.has_value());
        EXPECT_FALSE(answers[1].value.has_value());
        if (!answers[1].value) {
            EXPECT_EQ(answers[1].value.error(), pg::errc::server_error);
            EXPECT_EQ(answers[1].value.error().sqlstate(), "22012");
            EXPECT_EQ(answers[1].value.error().message(), "division by zero");
        }
        EXPECT_TRUE(answers[2].value.has_value());
        EXPECT_TRUE(answers[3].value.has_value());
        if (answers[3].value) {
            EXPECT_EQ((*answers[3].value)[0].get<std::int32_t>(0).value(), 42);
        }
        EXPECT_EQ(db.stats().requeued.value() - requeued, 2U);
        auto rows = co_await db.query("select id from pg_client_neighbours order by id");
        EXPECT_TRUE(rows.has_value());
        if (rows) {
            EXPECT_EQ(rows->size(), 2U);
            if (rows->size() == 2) {
                EXPECT_EQ((*rows)[0].get<std::int32_t>(0).value(), 1);
                EXPECT_EQ((*rows)[1].get<std::int32_t>(0).value(), 2);
            }
        }
        // A statement prepared in a batch that failed stays usable.
        static const pg::statement plus_one("select $1::int4 + 1");
        std::vector<answer> mixed;
        corio::test::spawn_queries(db, {"select 1/0"}, mixed);
        auto prepared = co_await db.execute(plus_one, 1);
        EXPECT_TRUE(prepared.has_value()) << (prepared ? "" : prepared.error().message());
        EXPECT_TRUE(co_await eventually([&] { return corio::test::all_done(mixed); }));
        auto again = co_await db.execute(plus_one, 2);
        EXPECT_TRUE(again.has_value()) << (again ? "" : again.error().message());
        if (again) {
            EXPECT_EQ((*again)[0].get<std::int32_t>(0).value(), 3);
        }
        EXPECT_TRUE((co_await db.query("drop table pg_client_neighbours")));
    });
}

TEST(pg_client, a_full_pool_answers_pool_full_at_once) {
    PG_URL_OR_SKIP();
    pg::pool_config config = corio::test::test_config(url, 1);
    config.max_in_flight = 1;
    config.max_waiting = 2;
    pg::pool db(config);
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        EXPECT_TRUE((co_await db.query("select 1")).has_value());
        std::vector<answer> answers;
        corio::test::spawn_queries(db, std::vector<std::string>(5, "select pg_sleep(0.05)"), answers);
        // The last two did not fit (one in flight, two waiting) and were answered before any wait.
        EXPECT_TRUE(answers[3].done && answers[4].done);
        if (answers[4].done) {
            EXPECT_EQ(answers[4].value.error(), pg::errc::pool_full);
            EXPECT_EQ(std::error_code(answers[4].value.error()), pg::errc::pool_full);
        }
        EXPECT_TRUE(co_await eventually([&] { return corio::test::all_done(answers); }));
        for (int i = 0; i < 3; ++i)
            EXPECT_TRUE(answers[i].value.has_value()) << i;
        EXPECT_EQ(db.stats().pool_full.value(), 2U);
    });
}

TEST(pg_client, with_timeout_cancels_and_the_connection_answers_the_next_query) {
    PG_URL_OR_SKIP();
    pg::pool db(corio::test::test_config(url, 1));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        EXPECT_TRUE((co_await db.query("select 1")).has_value());
        const auto connects = db.stats().connects.value();
        auto slow = co_await corio::with_timeout(100ms, db.query("select pg_sleep(1)"));
        EXPECT_FALSE(slow.has_value());
        if (!slow) {
            EXPECT_EQ(slow.error(), std::errc::timed_out);
        }
        auto next = co_await db.query("select $1::int4", 42);
        EXPECT_TRUE(next.has_value()) << (next ? "" : next.error().message());
        if (next) {
            EXPECT_EQ((*next)[0].get<std::int32_t>(0).value(), 42);
        }
        EXPECT_EQ(db.stats().discarded.value(), 1U);
        EXPECT_EQ(db.stats().connects.value(), connects) << "the same connection answered";
        // A when_all of pipelined queries cut by a deadline: all are discarded in order, and the
        // connection goes on.
        std::vector<task<pg::result<pg::rows>>> sleepers;
        for (int i = 0; i < 3; ++i)
            sleepers.push_back(db.query("select pg_sleep(0.2)"));
        auto cut = co_await corio::with_timeout(50ms, corio::when_all(std::move(sleepers)));
        EXPECT_FALSE(cut.has_value());
        auto after = co_await db.query("select $1::text", "still here");
        EXPECT_TRUE(after.has_value());
        if (after) {
            EXPECT_EQ((*after)[0].get<std::string_view>(0).value(), "still here");
        }
        EXPECT_EQ(db.stats().discarded.value(), 4U);
        EXPECT_EQ(db.stats().connects.value(), connects);
    });
}

TEST(pg_client, with_timeout_on_a_queued_query_unlinks_it_unsent) {
    PG_URL_OR_SKIP();
    pg::pool_config config = corio::test::test_config(url, 1);
    config.max_in_flight = 1;
    pg::pool db(config);
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        EXPECT_TRUE((co_await db.query("select 1")).has_value());
        std::vector<answer> slow;
        corio::test::spawn_queries(db, {"select pg_sleep(0.2)"}, slow);
        const auto queries = db.stats().queries.value();
        // The connection's one slot is taken: this query waits in the shard's queue and is cut there.
        auto cut = co_await corio::with_timeout(50ms, db.query("select 2"));
        EXPECT_FALSE(cut.has_value());
        EXPECT_EQ(db.stats().queries.value(), queries) << "a query cut while queued was never written";
        EXPECT_TRUE(co_await eventually([&] { return corio::test::all_done(slow); }));
        EXPECT_TRUE(slow[0].value.has_value());
        auto next = co_await db.query("select 3");
        EXPECT_TRUE(next.has_value());
        EXPECT_EQ(db.stats().discarded.value(), 0U);
    });
}

TEST(pg_client, transactions_commit_persists_and_leaving_rolls_back) {
    PG_URL_OR_SKIP();
    pg::pool db(corio::test::test_config(url, 2));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        EXPECT_TRUE((co_await db.query("create table if not exists pg_client_tx (id int primary key, note text)")));
        EXPECT_TRUE((co_await db.query("truncate pg_client_tx")));
        {
            auto tx = co_await db.begin();
            EXPECT_TRUE(tx.has_value()) << (tx ? "" : tx.error().message());
            if (!tx) co_return;
            EXPECT_TRUE(tx->active());
            EXPECT_TRUE((co_await tx->query("insert into pg_client_tx values ($1, $2)", 1, "committed")));
            // Not visible outside the transaction before COMMIT.
            auto outside = co_await db.query("select count(*) from pg_client_tx");
            EXPECT_EQ((*outside)[0].get<std::int64_t>(0).value(), 0);
            EXPECT_TRUE((co_await tx->commit()));
            EXPECT_FALSE(tx->active());
            EXPECT_EQ((co_await tx->query("select 1")).error(), pg::errc::transaction_done);
        }
        {
            auto tx = co_await db.begin();
            EXPECT_TRUE(tx.has_value());
            if (!tx) co_return;
            EXPECT_TRUE((co_await tx->query("insert into pg_client_tx values ($1, $2)", 2, "left")));
        } // left without commit: ROLLBACK
        {
            auto tx = co_await db.begin();
            EXPECT_TRUE(tx.has_value());
            if (!tx) co_return;
            EXPECT_TRUE((co_await tx->query("insert into pg_client_tx values ($1, $2)", 3, "rolled back")));
            EXPECT_TRUE((co_await tx->rollback()));
        }
        {
            auto tx = co_await db.begin();
            EXPECT_TRUE(tx.has_value());
            if (!tx) co_return;
            EXPECT_TRUE((co_await tx->query("insert into pg_client_tx values ($1, $2)", 4, "failed")));
            auto dup = co_await tx->query("insert into pg_client_tx values ($1, $2)", 1, "duplicate");
            EXPECT_FALSE(dup.has_value());
            if (!dup) {
                EXPECT_EQ(dup.error().sqlstate(), "23505");
            }
            auto committed = co_await tx->commit();
            EXPECT_FALSE(committed.has_value()) << "COMMIT of a failed transaction rolls back";
        }
        auto rows = co_await db.query("select id, note from pg_client_tx order by id");
        EXPECT_TRUE(rows.has_value());
        if (rows) {
            EXPECT_EQ(rows->size(), 1U);
            if (!rows->empty()) {
                EXPECT_EQ((*rows)[0].get<std::string_view>("note").value(), "committed");
            }
        }
        // Both connections serve the pool again.
        std::vector<answer> answers;
        corio::test::spawn_queries(db, {"select 1", "select 2", "select 3", "select 4"}, answers);
        EXPECT_TRUE(co_await eventually([&] { return corio::test::all_done(answers); }));
        for (const answer& a : answers)
            EXPECT_TRUE(a.value.has_value());
        EXPECT_TRUE((co_await db.query("drop table pg_client_tx")));
    });
}

// The first line of $CORIO_PGTEST_DIR/<name> (pgtest.sh's state), or "".
std::string pgtest_state(const char* name) {
    const char* dir = std::getenv("CORIO_PGTEST_DIR");
    if (dir == nullptr) return {};
    std::ifstream in(std::string(dir) + "/" + name);
    std::string line;
    std::getline(in, line);
    return line;
}

TEST(pg_client, a_unix_socket_conninfo_needs_no_name_resolution) {
    const std::string socket_dir = pgtest_state("socket_dir");
    const std::string port = pgtest_state("port");
    if (!corio::test::database_is_throwaway() || socket_dir.empty() || port.empty())
        GTEST_SKIP() << "not the throwaway cluster: its socket directory is unknown";
    pg::pool db(corio::test::test_config("host=" + socket_dir + " port=" + port +
                                         " dbname=hello_world user=benchmarkdbuser password=benchmarkdbpass"));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        auto r = co_await db.query("select count(*) from fortune");
        EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message());
        if (r) {
            EXPECT_EQ((*r)[0].get<std::int64_t>(0).value(), 12);
        }
    });
}

TEST(pg_client, a_wrong_password_is_an_authentication_error_naming_it) {
    PG_URL_OR_SKIP();
    std::string wrong = url;
    const auto at = wrong.find("benchmarkdbpass");
    if (at == std::string::npos) GTEST_SKIP() << "the database URL has not the test cluster's password";
    wrong.replace(at, 15, "wrongpassword");
    pg::pool db(corio::test::test_config(wrong));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        auto r = co_await db.query("select 1");
        EXPECT_FALSE(r.has_value());
        if (!r) {
            EXPECT_EQ(r.error(), pg::errc::authentication_failed) << r.error().message();
            EXPECT_NE(r.error().message().find("password authentication failed for user"), std::string::npos)
                << r.error().message();
        }
    });
}

TEST(pg_client, a_refused_connection_fails_quickly) {
    pg::pool_config config = corio::test::test_config("postgresql://nobody:x@127.0.0.1:1/none");
    pg::pool db(config);
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        const auto before = std::chrono::steady_clock::now();
        auto r = co_await db.query("select 1");
        EXPECT_FALSE(r.has_value());
        if (!r) {
            EXPECT_EQ(r.error(), pg::errc::connection_failed) << r.error().message();
            EXPECT_NE(r.error().message().find("refused"), std::string::npos) << r.error().message();
        }
        EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
        auto again = co_await db.query("select 1"); // known down: answered without waiting
        EXPECT_FALSE(again.has_value());
        EXPECT_FALSE(db.connected()); // what a readiness check sees
    });
}

TEST(pg_client, a_server_that_never_answers_times_out_the_connect) {
    // A listening socket nobody accepts: the kernel completes the TCP handshake, libpq sends its
    // startup packet, and no answer ever comes.
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), length), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    pg::pool_config config = corio::test::test_config(
        "postgresql://nobody:x@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/none?sslmode=disable");
    config.connect_timeout = 200ms;
    pg::pool db(config);
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        const auto before = std::chrono::steady_clock::now();
        auto r = co_await db.query("select 1");
        const auto took = std::chrono::steady_clock::now() - before;
        EXPECT_FALSE(r.has_value());
        if (!r) {
            EXPECT_EQ(r.error(), pg::errc::timed_out) << r.error().message();
        }
        EXPECT_GE(took, 150ms);
        EXPECT_LT(took, 2s);
    });
    ::close(listener);
}

TEST(pg_client, terminated_backends_fail_in_flight_queries_and_the_pool_reconnects) {
    PG_URL_OR_SKIP();
    const std::string name = "corio_victim_" + std::to_string(::getpid());
    pg::pool victim(corio::test::test_config(
        url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=" + name, 2));
    pg::pool admin(corio::test::test_config(url));
    corio::test::run_on_shards(corio::test::small_shards(1), [&]() -> task<void> {
        std::vector<answer> warm;
        corio::test::spawn_queries(victim, {"select 1", "select 2"}, warm);
        EXPECT_TRUE(
            co_await eventually([&] { return corio::test::all_done(warm) && victim.stats().connects.value() == 2; }));
        // A stream: 40 queries of 20 ms pipelined on two connections, about 400 ms of work each.
        std::vector<answer> stream;
        corio::test::spawn_queries(victim, std::vector<std::string>(40, "select pg_sleep(0.02), 1"), stream);
        co_await corio::sleep(100ms);
        auto killed = co_await admin.query(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = $1", name);
        EXPECT_TRUE(killed.has_value()) << (killed ? "" : killed.error().message());
        if (killed) {
            EXPECT_EQ((*killed)[0].get<std::int64_t>(0).value(), 2);
        }
        EXPECT_TRUE(co_await eventually([&] { return corio::test::all_done(stream); }));
        int lost = 0;
        for (const answer& a : stream) {
            if (a.value) continue;
            ++lost;
            EXPECT_EQ(a.value.error(), pg::errc::connection_lost) << a.value.error().message();
        }
        EXPECT_GE(lost, 2) << "the connection had queries in flight";
        // A turn's statements fill one connection's batch, so the other one may have been idle when
        // its backend was killed: a statement written to it before its end of stream is read fails
        // like an in-flight one (whether the server saw it is unknowable). Once the pool has seen
        // both connections end, new statements wait for the reconnect and succeed.
        EXPECT_TRUE(co_await eventually([&] { return victim.stats().connections_lost.value() >= 2; }));
        std::vector<answer> later;
        corio::test::spawn_queries(victim, std::vector<std::string>(10, "select 1"), later);
        EXPECT_TRUE(co_await eventually([&] { return corio::test::all_done(later); }));
        for (const answer& a : later)
            EXPECT_TRUE(a.value.has_value()) << (a.value ? "" : a.value.error().message());
        EXPECT_GE(victim.stats().connections_lost.value(), 2U);
        // Both connections reopen (the queries above needed only the first one back).
        EXPECT_TRUE(co_await eventually([&] { return victim.stats().reconnects.value() >= 2; }));
    });
}

} // namespace
