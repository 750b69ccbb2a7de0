// SPDX-License-Identifier: MIT
#include <corio/pg/transaction.hpp>

#include "shard_pool.hpp"

namespace corio::pg {

bool transaction::active() const noexcept {
    return _owner != nullptr && _conn->held() && _conn->epoch() == _epoch;
}

void transaction::abandon() noexcept {
    if (active()) _owner->abandon(*_conn);
    _owner = nullptr;
    _conn = nullptr;
}

task<result<void>> transaction::commit() {
    return finish("COMMIT");
}

task<result<void>> transaction::rollback() {
    return finish("ROLLBACK");
}

task<result<void>> transaction::finish(std::string_view sql) {
    if (!active()) co_return tl::unexpected(error(errc::transaction_done, "the transaction is no longer active"));
    result<rows> answer = co_await query(sql);
    detail::shard_pool* owner = std::exchange(_owner, nullptr);
    detail::connection* conn = std::exchange(_conn, nullptr);
    const bool still_held = conn->held() && conn->epoch() == _epoch;
    if (!answer) {
        // A server error ends the transaction (the server rolled it back); a statement skipped in a
        // failed batch did not, so the transaction is rolled back before the connection goes back.
        if (still_held && answer.error() == errc::server_error)
            owner->release(*conn);
        else if (still_held)
            owner->abandon(*conn);
        co_return tl::unexpected(std::move(answer.error()));
    }
    if (still_held) owner->release(*conn);
    if (sql == "COMMIT" && answer->command() == "ROLLBACK")
        co_return tl::unexpected(
            error(errc::aborted, "COMMIT rolled the transaction back: a statement in it had failed"));
    co_return result<void>();
}

} // namespace corio::pg
