// SPDX-License-Identifier: MIT
// query: the awaitable behind pool::query, pool::execute and the transaction's statements. A
// query_op lives in the frame of the coroutine that awaits it (no allocation): it is linked into the
// shard's wait queue or named by an entry of a connection's pipeline until its result is delivered,
// and destroying it (with_timeout cancelling the task) unlinks it or leaves its entry to be answered
// and discarded in order, so the connection stays usable. Not for direct use: call the pool.
#pragma once

#include <coroutine>
#include <cstdint>
#include <string_view>

#include <corio/pg/error.hpp>
#include <corio/pg/params.hpp>
#include <corio/pg/rows.hpp>
#include <corio/pg/statement.hpp>

namespace corio::pg::detail {

class shard_pool;
class connection;

/// One statement on its way to the server and back; owned by the awaiting frame.
class query_op {
public:
    using encode_fn = void (*)(const void* params, param_sink& sink);
    /// Where the op is: made, in the shard's wait queue, written on a connection, answered.
    enum class state : std::uint8_t { created, waiting, in_flight, done };

    /// A query of `text` (or of statement `prepared` if not null) with `values` encoded by `encoder`,
    /// on shard part `part`; `held` (with its `held_epoch`) is a transaction's connection, or null for
    /// any connection. A null `part` (an inactive transaction) answers errc::transaction_done.
    query_op(shard_pool* part, connection* held, std::uint64_t held_epoch, std::string_view text,
             const statement* prepared, const void* values, encode_fn encoder) noexcept
        : owner(part), pinned(held), pinned_epoch(held_epoch), sql(text), stmt(prepared), params(values),
          encode(encoder) {}
    /// Leaves the wait queue, or leaves the op's pipeline entry to be discarded when answered.
    ~query_op();
    query_op(const query_op&) = delete;
    query_op& operator=(const query_op&) = delete;

    /// Hands the op to the pool; true (no suspension) if it was answered at once (pool_full, the
    /// database known down, a refused parameter).
    bool await_ready();
    void await_suspend(std::coroutine_handle<> waiting_frame) noexcept { waiting = waiting_frame; }
    result<rows> await_resume() noexcept { return std::move(outcome); }

    /// Delivers `answer` and resumes the awaiting frame (if it already suspended).
    void finish(result<rows> answer) noexcept;

    // The implementation's bookkeeping (pool.cpp, connection.cpp).
    shard_pool* owner;
    connection* pinned;
    std::uint64_t pinned_epoch;
    std::string_view sql;
    const statement* stmt;
    const void* params;
    encode_fn encode;
    std::coroutine_handle<> waiting;
    state where = state::created;
    query_op* next = nullptr; // wait queue links
    query_op** pprev = nullptr;
    connection* conn = nullptr; // in_flight: the connection and the sequence number of the op's entry
    std::uint64_t seq = 0;
    result<rows> outcome;
};

} // namespace corio::pg::detail
