// SPDX-License-Identifier: MIT
// What the pg client tests share: a pool body run on shard 0 of a real runtime against the test
// database (skipping without one), waiting on the shard without blocking its loop, blocking calls
// on a helper thread, and queries spawned side by side within one loop turn.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core/sleep.hpp>
#include <corio/core/task.hpp>
#include <corio/pg/pool.hpp>

#include "on_shards.hpp"
#include "pg_cluster.hpp"

namespace corio::test {

using namespace std::chrono_literals;

/// A pool configuration for the test database with `connections` per shard and short backoffs.
inline pg::pool_config test_config(const std::string& url, unsigned connections = 1) {
    pg::pool_config config;
    config.conninfo = url;
    config.connections_per_shard = connections;
    config.reconnect_min = std::chrono::milliseconds(20);
    config.reconnect_max = std::chrono::milliseconds(200);
    return config;
}

/// Waits on the shard (its loop keeps running) until `done()` or `limit` has passed; true if done.
inline task<bool> eventually(std::function<bool()> done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) co_return false;
        co_await corio::sleep(std::chrono::milliseconds(5));
    }
    co_return true;
}

/// Runs blocking `call` (pgtest.sh) on a helper thread while the shard keeps running its loop.
inline task<void> off_shard(std::function<void()> call) {
    std::atomic<bool> finished{false};
    std::thread helper([&] {
        call();
        finished.store(true);
    });
    co_await eventually([&] { return finished.load(); }, std::chrono::seconds(120));
    helper.join();
}

/// One answer of a spawned query.
struct answer {
    bool done = false;
    pg::result<pg::rows> value{pg::rows()};
};

/// Queries `sql` without the caller waiting: the query is issued now, in this loop turn.
inline task<void> spawned_query(pg::pool& db, std::string sql, answer* out) {
    out->value = co_await db.query(sql);
    out->done = true;
}

/// Issues every query of `sqls` in this loop turn (one spawned task each); the answers fill `out`.
inline void spawn_queries(pg::pool& db, const std::vector<std::string>& sqls, std::vector<answer>& out) {
    out.clear();
    out.resize(sqls.size());
    for (std::size_t i = 0; i < sqls.size(); ++i)
        corio::spawn(spawned_query(db, sqls[i], &out[i]));
}

/// True once every answer has come.
inline bool all_done(const std::vector<answer>& answers) {
    for (const answer& a : answers)
        if (!a.done) return false;
    return true;
}

} // namespace corio::test
