// SPDX-License-Identifier: MIT
// transaction: one connection of the shard's pool held exclusively between BEGIN and COMMIT (or
// ROLLBACK). `auto tx = co_await pool.begin();` then `co_await tx->query(...)`, `co_await
// tx->commit()`. A transaction destroyed without commit() or rollback() sends ROLLBACK and gives its
// connection back to the pool once the ROLLBACK is answered, so nobody else's statements run inside
// it. Statements inside a transaction are written as they are issued (pipelined, in order); an error
// aborts the transaction on the server, and the statements after it fail with errc::aborted.
#pragma once

#include <cstdint>
#include <string_view>
#include <tuple>
#include <utility>

#include <corio/core/task.hpp>
#include <corio/pg/query.hpp>

namespace corio::pg {

class pool;

/// A held connection with an open transaction; movable, used only on the shard that began it.
class transaction {
public:
    /// An inactive transaction (what a moved-from one is).
    transaction() noexcept = default;
    transaction(transaction&& other) noexcept
        : _owner(std::exchange(other._owner, nullptr)), _conn(std::exchange(other._conn, nullptr)),
          _epoch(other._epoch) {}
    transaction& operator=(transaction&& other) noexcept {
        if (this != &other) {
            abandon();
            _owner = std::exchange(other._owner, nullptr);
            _conn = std::exchange(other._conn, nullptr);
            _epoch = other._epoch;
        }
        return *this;
    }
    /// Sends ROLLBACK if the transaction is still open; the connection returns to the pool afterwards.
    ~transaction() { abandon(); }

    /// Runs `sql` with `params` inside the transaction (see pool::query for the types and lifetimes).
    /// The transaction must outlive the returned task.
    template <class... Params>
    task<result<rows>> query(std::string_view sql, Params... params) {
        const std::tuple<const Params&...> refs(params...);
        detail::query_op op(_owner, _conn, _epoch, sql, nullptr, &refs,
                            &detail::encode_tuple<std::tuple<const Params&...>>);
        co_return co_await op;
    }
    /// Executes prepared statement `stmt` with `params` inside the transaction.
    template <class... Params>
    task<result<rows>> execute(const statement& stmt, Params... params) {
        const std::tuple<const Params&...> refs(params...);
        detail::query_op op(_owner, _conn, _epoch, stmt.sql(), &stmt, &refs,
                            &detail::encode_tuple<std::tuple<const Params&...>>);
        co_return co_await op;
    }
    /// COMMIT; the connection returns to the pool whatever the answer. A server error here means the
    /// transaction was rolled back. Afterwards the transaction is inactive.
    task<result<void>> commit();
    /// ROLLBACK; the connection returns to the pool. Afterwards the transaction is inactive.
    task<result<void>> rollback();
    /// True between begin() and commit()/rollback() (false after a move, or when the connection broke).
    bool active() const noexcept;

private:
    friend class pool;
    transaction(detail::shard_pool& owner, detail::connection& conn, std::uint64_t epoch) noexcept
        : _owner(&owner), _conn(&conn), _epoch(epoch) {}
    task<result<void>> finish(std::string_view sql);
    void abandon() noexcept;

    detail::shard_pool* _owner = nullptr;
    detail::connection* _conn = nullptr;
    std::uint64_t _epoch = 0;
};

} // namespace corio::pg
