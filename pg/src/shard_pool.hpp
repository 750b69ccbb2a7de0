// SPDX-License-Identifier: MIT
// shard_pool: one shard's part of a pg::pool: its connections, the queue of statements waiting for
// one, the begin() calls waiting for a connection to hold, the turn hook that syncs each connection
// with new statements once per loop turn, and the counters. Made on the shard's first use of the
// pool, destroyed by shard::at_exit.
#pragma once

#include <coroutine>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include <corio/core/shard.hpp>
#include <corio/pg/pool.hpp>

#include "connection.hpp"

namespace corio::pg::detail {

/// An intrusive FIFO of objects with `next` and `pprev` members.
template <class T>
struct fifo {
    T* head = nullptr;
    T** tail = &head;
    std::size_t size = 0;
    void push_back(T& t) noexcept {
        t.next = nullptr;
        t.pprev = tail;
        *tail = &t;
        tail = &t.next;
        ++size;
    }
    void remove(T& t) noexcept {
        *t.pprev = t.next;
        if (t.next != nullptr)
            t.next->pprev = t.pprev;
        else
            tail = t.pprev;
        t.next = nullptr;
        t.pprev = nullptr;
        --size;
    }
};

/// begin()'s wait for a connection to hold: lives in begin()'s frame.
class hold_request {
public:
    enum class state : std::uint8_t { created, waiting, draining, done };
    explicit hold_request(shard_pool& part) noexcept : owner(&part) {}
    /// Leaves the queue, or gives back a connection it held but had not handed over yet.
    ~hold_request();
    hold_request(const hold_request&) = delete;
    hold_request& operator=(const hold_request&) = delete;

    bool await_ready();
    void await_suspend(std::coroutine_handle<> frame) noexcept { waiting = frame; }
    result<connection*> await_resume() noexcept { return std::move(outcome); }
    void finish(result<connection*> answer) noexcept;

    shard_pool* owner;
    state where = state::created;
    hold_request* next = nullptr;
    hold_request** pprev = nullptr;
    connection* conn = nullptr;
    std::coroutine_handle<> waiting;
    result<connection*> outcome{nullptr};
};

/// One shard's connections and queues.
class shard_pool {
public:
    shard_pool(const pool_config& config, shard& home);
    ~shard_pool();
    shard_pool(const shard_pool&) = delete;
    shard_pool& operator=(const shard_pool&) = delete;

    /// Writes `op` on the least loaded connection, queues it, or finishes it at once (the database
    /// known down, the queue full). `admitted` ops (re-sent ones) are queued past max_waiting.
    void issue(query_op& op, bool admitted = false);
    /// A queued op's frame is going away.
    void forget(query_op& op) noexcept;
    /// Holds a connection for `request`, queues it, or finishes it at once.
    void hold(hold_request& request);
    /// A holding or queued request's frame is going away.
    void forget(hold_request& request) noexcept;
    /// A transaction ended: `c` serves others again.
    void release(connection& c) noexcept;
    /// A transaction was left open: ROLLBACK, then release.
    void abandon(connection& c) noexcept;

    // Events from the connections.
    void on_connected(connection& c);
    void on_connect_failed(const error& e);
    void on_settled(connection& c);
    void on_lost(connection& c, const error& e);
    void want_sync(connection& c);

    /// True while one of the connections can take statements (held ones included).
    bool any_ready() const noexcept;

    pool_stats& stats() noexcept { return _stats; }
    const pool_config& config() const noexcept { return _config; }
    shard& home() const noexcept { return _home; }
    param_sink& params() noexcept { return _params; }
    std::string& sql_scratch() noexcept { return _sql; }

private:
    static void on_turn(void* self);
    connection* pick_for_query() noexcept;
    connection* pick_for_hold() const noexcept;
    void dispatch();
    void give(connection& c, hold_request& request);

    const pool_config& _config;
    shard& _home;
    std::vector<std::unique_ptr<connection>> _connections;
    fifo<query_op> _waiting;
    fifo<hold_request> _holders;
    std::vector<connection*> _to_sync;
    connection* _filling = nullptr;     // the connection taking this turn's statements (see pick_for_query)
    std::optional<error> _last_failure; // the last connection attempt failed (cleared by a success)
    param_sink _params;
    std::string _sql;
    pool_stats _stats;
};

} // namespace corio::pg::detail
