// SPDX-License-Identifier: MIT
// connection: one libpq connection of a shard's pool, a state machine driven by readiness of its
// socket (net::socket_watch on the shard's ring) and by the shard's timer wheel. It opens with
// PQconnectStart/PQconnectPoll, then runs in non-blocking pipeline mode: statements are written into
// libpq as they are issued, sync() (the pool's turn hook) ends the batch with one PQpipelineSync that
// sends it, and answers are matched to a FIFO of entries, one per statement written.
//
// Between two syncs the server runs the statements as one implicit transaction: if one fails, the
// ones after it are skipped (PGRES_PIPELINE_ABORTED) and the ones before it are rolled back at the
// sync. The statements of different callers share that transaction, so a statement that may write
// (statement::may_write) is followed by a COMMIT of its own, in the same write: its row locks end
// with it, not with the batch (otherwise two connections whose batches lock rows of different
// callers in different orders deadlock, as concurrent TechEmpower updates did), and what it did is
// final. (libpq 15 has no Sync that does not flush, PQsendPipelineSync came in 17: a Sync per
// statement would be a send(2) per statement. The server warns "there is no transaction in
// progress" for such a COMMIT, SQLSTATE 25P01; the notice receiver drops that warning.) Answers are
// held until the batch's sync: a batch without an error delivers every answer; in a failed batch the
// statements before its last successful COMMIT are final and delivered, the failing statement gets
// its error, and every other one is sent again in a later batch (it either did not run or was rolled
// back). A transaction's statements (a held connection) get no COMMIT and are not re-sent: the
// server's transaction is aborted, and they fail with errc::aborted.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <corio/core/timer_wheel.hpp>
#include <corio/net/socket_watch.hpp>
#include <corio/pg/error.hpp>
#include <corio/pg/query.hpp>

struct pg_conn;   // libpq's PGconn (checked in connection.cpp)
struct pg_result; // libpq's PGresult

namespace corio::pg::detail {

class shard_pool;
class hold_request;

/// One connection of a shard's pool; lives as long as the shard's part of the pool.
class connection : private timer {
public:
    /// Where the connection is: no socket, opening, usable, waiting to reopen after a failure.
    enum class state : std::uint8_t { closed, connecting, ready, backoff };

    explicit connection(shard_pool& owner);
    /// Closes the socket; statements still in flight are not answered (the shard is ending).
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Starts opening the connection (the socket is watched on the shard's ring from here on).
    void open();
    /// True when statements can be written.
    bool ready() const noexcept { return _state == state::ready; }
    /// Statements written and not yet settled.
    unsigned in_flight() const noexcept { return _in_flight; }
    /// Entries written since the last sync (the batch being built this turn).
    unsigned unsynced() const noexcept { return _unsynced; }
    /// Nothing written is waiting for an answer.
    bool pipeline_empty() const noexcept { return _head == _tail && !_settling; }

    /// Writes `op` (prepared on this connection first if it names a statement not yet prepared);
    /// finishes it at once if a parameter is refused or the write fails.
    void send(query_op& op);
    /// Writes ROLLBACK for an abandoned transaction; the connection is released once it is answered.
    void send_rollback_release();
    /// The turn hook's part: ends the batch with a Sync (which flushes it), once per batch.
    void sync();
    /// `op`'s frame is going away while it is in flight: its answer will be discarded.
    void forget(query_op& op) noexcept;

    /// Held by a transaction (no other statement is written while held).
    bool held() const noexcept { return _held; }
    /// Changes when the connection reopens or is released, so a transaction's handle goes stale.
    std::uint64_t epoch() const noexcept { return _epoch; }
    void hold() noexcept { _held = true; }
    void unhold() noexcept {
        _held = false;
        ++_epoch;
    }

    hold_request* holder_waiting = nullptr; ///< a begin() waiting for this pipeline to drain
    bool in_sync_list = false;              ///< listed for the pool's next turn hook

private:
    struct entry {
        enum class kind : std::uint8_t { query, prepare, sync, rollback, commit };
        enum class outcome : std::uint8_t { pending, ok, failed, aborted };
        kind what;
        outcome got = outcome::pending;
        bool pinned = false; // written for a transaction
        std::uint32_t stmt_id = 0;
        query_op* op = nullptr;
        ::pg_result* res = nullptr;
    };

    static void on_ready(void* self, net::socket_watch::direction d, int result);
    static void on_timer(timer& t);
    static void on_notice(void* context, const ::pg_result* notice);
    void connect_step();
    void connected();
    void connect_failed(error e);
    void read();
    void read_results();
    void settle(std::uint64_t sync_seq);
    void flush();
    void broken(error e);
    void back_off();
    void close_socket() noexcept;
    void push(const entry& e);
    entry& at(std::uint64_t seq) noexcept { return _ring[seq & (_ring.size() - 1)]; }
    timer_wheel& wheel() noexcept;

    shard_pool& _owner;
    net::socket_watch _watch;
    ::pg_conn* _conn = nullptr;
    state _state = state::closed;
    net::socket_watch::direction _connect_wait = net::socket_watch::direction::write;
    bool _held = false;
    bool _settling = false;
    bool _write_pending = false;
    bool _batch_failed = false;
    bool _opened_before = false;
    std::uint64_t _epoch = 0;
    // The FIFO of entries: [_head, _cursor) answered (held until their sync), [_cursor, _tail) waiting.
    std::vector<entry> _ring;
    std::uint64_t _head = 0;
    std::uint64_t _cursor = 0;
    std::uint64_t _tail = 0;
    std::vector<entry> _settle;          // the batch being settled (reused)
    std::vector<std::uint8_t> _prepared; // by statement id: 0 not prepared, 1 Parse written, 2 prepared
    unsigned _in_flight = 0;
    unsigned _unsynced = 0;
    std::chrono::milliseconds _backoff; // the next wait before reopening; reset once a connection lasted
    std::uint64_t _opened_at_ms = 0;
    // A connection open this long has "lasted": when it breaks, it reopens at once with the backoff reset.
    static constexpr std::uint64_t settled_after_ms = 1000;
};

} // namespace corio::pg::detail
