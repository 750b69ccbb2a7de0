// SPDX-License-Identifier: MIT
// pool: PostgreSQL connections per shard, driven by the shard's own ring. Made once (before or
// outside the runtime) and shared by every shard; each shard opens its own connections lazily, on
// its first query, and closes them when it ends (shard::at_exit). libpq runs in non-blocking pipeline
// mode: the statements a shard issues within one loop turn are written into libpq, and at the start
// of the next turn each connection with new statements gets one Sync, which writes the whole batch in
// one send; answers come back in order. Each statement that may write (statement::may_write) is
// followed by a COMMIT in the same batch, so it is a transaction of its own, as without pipelining:
// its row locks do not outlive it and another caller's error cannot roll it back. Typical use, in a
// handler coroutine:
//
//     static corio::pg::pool db({.conninfo = "postgresql://user:pw@127.0.0.1:5432/hello_world"});
//     static const corio::pg::statement world("select id, randomnumber from world where id = $1");
//     auto rows = co_await db.execute(world, id);
//     if (!rows) co_return rows.error() == corio::pg::errc::pool_full ? unavailable() : failure();
//     std::int32_t number = (*rows)[0].get<std::int32_t>(1).value_or(0);
//
// Several statements of one caller leave together when they are issued together:
// `co_await corio::when_all(std::move(tasks))` over pool.execute() tasks starts them all in this turn.
//
// A deadline: `co_await corio::with_timeout(50ms, db.query(...))` gives corio::result<pg::result<rows>>
// (the outer error is std::errc::timed_out); the statement's answer, when it comes, is discarded in
// order and the connection goes on.
//
// Batches are synced by a turn hook the shard's part adds on its first use: a statement issued from
// another turn hook that runs after it waits for the next turn (handlers, timers and cross-shard
// calls are not hooks).
//
// Host names in the conninfo are resolved by libpq synchronously when a connection opens (a blocking
// getaddrinfo on the shard): give an address (host=127.0.0.1, or hostaddr=) or a Unix socket path.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>

#include <corio/core/counter.hpp>
#include <corio/core/task.hpp>
#include <corio/pg/error.hpp>
#include <corio/pg/query.hpp>
#include <corio/pg/rows.hpp>
#include <corio/pg/statement.hpp>
#include <corio/pg/transaction.hpp>

namespace corio::pg {

/// How a pool connects and how much it queues; the same for every shard.
struct pool_config {
    /// libpq connection string: "host=127.0.0.1 port=5432 dbname=... user=... password=..." or a
    /// postgresql:// URL. Prefer addresses to host names (see above).
    std::string conninfo;
    unsigned connections_per_shard = 2; ///< connections each shard opens
    unsigned max_in_flight = 512;       ///< statements written but not yet answered, per connection
    unsigned max_waiting = 4096;        ///< statements a shard queues for a connection; past it: pool_full
    /// Statements (COMMITs and Parses included) one connection takes per loop turn before the next
    /// goes to the least loaded connection: the queries of one request leave in one write.
    unsigned batch_statements = 64;
    std::chrono::milliseconds connect_timeout{3000}; ///< a connection attempt longer than this fails
    std::chrono::milliseconds reconnect_min{50};     ///< first wait before reopening a failed connection
    std::chrono::milliseconds reconnect_max{1000};   ///< the wait doubles up to this
};

/// Counters of one shard's part of a pool: written by that shard, readable from any thread.
struct pool_stats {
    counter queries;          ///< statements written (query and execute, re-sends included)
    counter prepares;         ///< statements prepared on a connection (Parse messages)
    counter syncs;            ///< pipeline syncs: batches, each one write corio initiated
    counter commits;          ///< COMMITs written after statements that may write (each commits on its own)
    counter write_waits;      ///< batches that filled the socket and waited for POLLOUT to write the rest
    counter results;          ///< answers delivered to their awaiters (rows or a server error)
    counter requeued;         ///< statements re-sent: aborted (or rolled back) by another's error in their batch
    counter discarded;        ///< answers that arrived for an awaiter already gone (cancelled)
    counter errors;           ///< statements that ended with an error (any code)
    counter pool_full;        ///< statements refused because the shard's wait queue was full
    counter connects;         ///< connections opened (the first ones and every reconnect)
    counter reconnects;       ///< connections opened again after one was lost or failed
    counter connect_failures; ///< connection attempts that failed
    counter connections_lost; ///< open connections that broke
};

/// A pool of PostgreSQL connections per shard. Must outlive the runtime whose shards use it.
class pool {
public:
    /// Keeps `config`; opens nothing yet (each shard connects on its first use).
    explicit pool(pool_config config);
    ~pool();
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    /// Runs `sql` (one statement, $1.. placeholders) with `params` on one of the calling shard's
    /// connections (the least loaded). Parameter types: see params.hpp; each is kept (copied) in the
    /// task's frame, a std::string_view or const char* refers to the caller's text, and `sql` must stay
    /// valid until the task ends (a literal; a string the caller keeps). Errors: see errc.
    template <class... Params>
    task<result<rows>> query(std::string_view sql, Params... params) {
        const std::tuple<const Params&...> refs(params...);
        detail::query_op op(&local(), nullptr, 0, sql, nullptr, &refs, &detail::encode_params<Params...>);
        co_return co_await op;
    }
    /// Executes prepared statement `stmt` with `params` (prepared on each connection at its first use).
    template <class... Params>
    task<result<rows>> execute(const statement& stmt, Params... params) {
        const std::tuple<const Params&...> refs(params...);
        detail::query_op op(&local(), nullptr, 0, stmt.sql(), &stmt, &refs, &detail::encode_params<Params...>);
        co_return co_await op;
    }
    /// Holds one of the shard's connections and sends BEGIN; the transaction gives it back. Waits
    /// (in the shard's bounded queue) while every connection is held by another transaction.
    task<result<transaction>> begin();

    /// True while the calling shard has a connection to the database open and usable: a readiness
    /// check (http::server::add_readiness_check). A shard's first call opens its connections, as a
    /// first query would, so it is false until one of them has connected.
    bool connected();
    /// The calling shard's counters (its part is made if this is its first use).
    const pool_stats& stats();
    /// The configuration.
    const pool_config& config() const noexcept { return _config; }

    /// The calling shard's part, made on first use (the client's own code; a shard thread only).
    detail::shard_pool& local();

private:
    pool_config _config;
};

} // namespace corio::pg
