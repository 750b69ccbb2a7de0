// SPDX-License-Identifier: MIT
#include "shard_pool.hpp"

#include <fmt/format.h>

namespace corio::pg::detail {

shard_pool::shard_pool(const pool_config& config, shard& home) : _config(config), _home(home) {
    _home.reactor().add_turn_hook(&shard_pool::on_turn, this);
    const unsigned count = _config.connections_per_shard == 0 ? 1 : _config.connections_per_shard;
    _connections.reserve(count);
    for (unsigned i = 0; i < count; ++i)
        _connections.push_back(std::make_unique<connection>(*this));
    for (auto& c : _connections)
        c->open();
}

shard_pool::~shard_pool() {
    _home.reactor().remove_turn_hook(&shard_pool::on_turn, this);
    _connections.clear();
}

void shard_pool::on_turn(void* self) {
    auto& part = *static_cast<shard_pool*>(self);
    // By index: a sync that finds its connection broken resumes callers, who may list more.
    for (std::size_t i = 0; i < part._to_sync.size(); ++i)
        part._to_sync[i]->sync();
    part._to_sync.clear();
    part._filling = nullptr;
}

void shard_pool::want_sync(connection& c) {
    c.in_sync_list = true;
    _to_sync.push_back(&c);
}

connection* shard_pool::pick_for_query() noexcept {
    // The statements of one turn stay on one connection until its batch holds batch_statements
    // entries: a request's N queries leave in one write; under load, turns' batches still spread
    // over the connections (the least loaded takes the next batch).
    if (connection* c = _filling; c != nullptr && c->ready() && !c->held() && c->in_flight() < _config.max_in_flight &&
                                  c->unsynced() < _config.batch_statements)
        return c;
    connection* best = nullptr;
    for (const auto& c : _connections) {
        if (!c->ready() || c->held() || c->in_flight() >= _config.max_in_flight) continue;
        if (best == nullptr || c->in_flight() < best->in_flight()) best = c.get();
    }
    _filling = best;
    return best;
}

connection* shard_pool::pick_for_hold() const noexcept {
    connection* best = nullptr;
    for (const auto& c : _connections) {
        if (!c->ready() || c->held()) continue;
        if (best == nullptr || c->in_flight() < best->in_flight()) best = c.get();
    }
    return best;
}

bool shard_pool::any_ready() const noexcept {
    for (const auto& c : _connections)
        if (c->ready()) return true;
    return false;
}

void shard_pool::issue(query_op& op, bool admitted) {
    if (op.pinned != nullptr) {
        connection& c = *op.pinned;
        if (c.epoch() != op.pinned_epoch || !c.held() || !c.ready())
            return op.finish(
                tl::unexpected(error(errc::connection_lost, "the transaction's connection was lost or released")));
        return c.send(op);
    }
    if (connection* c = pick_for_query()) return c->send(op);
    // The database is known to be unreachable: fail now rather than queue for a reconnect that
    // backs off (handlers answer 503 at once; the pool keeps retrying by itself).
    if (_last_failure && !any_ready()) return op.finish(tl::unexpected(*_last_failure));
    if (!admitted && _waiting.size >= _config.max_waiting) {
        _stats.pool_full.add();
        return op.finish(tl::unexpected(
            error(errc::pool_full, fmt::format("{} statements already wait for a connection on this shard "
                                               "(pool_config::max_waiting)",
                                               _waiting.size))));
    }
    op.where = query_op::state::waiting;
    _waiting.push_back(op);
}

void shard_pool::forget(query_op& op) noexcept {
    _waiting.remove(op);
}

void shard_pool::dispatch() {
    while (_waiting.head != nullptr) {
        connection* c = pick_for_query();
        if (c == nullptr) return;
        query_op& op = *_waiting.head;
        _waiting.remove(op);
        op.where = query_op::state::created;
        c->send(op);
    }
}

void shard_pool::hold(hold_request& request) {
    if (connection* c = pick_for_hold()) return give(*c, request);
    if (_last_failure && !any_ready()) return request.finish(tl::unexpected(*_last_failure));
    if (_holders.size >= _config.max_waiting) {
        _stats.pool_full.add();
        return request.finish(tl::unexpected(
            error(errc::pool_full, "every connection of this shard is held and max_waiting begin() calls wait")));
    }
    request.where = hold_request::state::waiting;
    _holders.push_back(request);
}

void shard_pool::give(connection& c, hold_request& request) {
    c.hold();
    request.conn = &c;
    // BEGIN waits for the statements already written on the connection: a batch never mixes a
    // transaction's statements with others, whose failure would abort BEGIN.
    if (c.pipeline_empty()) return request.finish(&c);
    request.where = hold_request::state::draining;
    c.holder_waiting = &request;
}

void shard_pool::forget(hold_request& request) noexcept {
    if (request.where == hold_request::state::waiting) return _holders.remove(request);
    if (request.where == hold_request::state::draining && request.conn != nullptr) {
        request.conn->holder_waiting = nullptr;
        release(*request.conn);
    }
}

void shard_pool::release(connection& c) noexcept {
    c.unhold();
    if (!c.ready()) return;
    if (_holders.head != nullptr) {
        hold_request& next = *_holders.head;
        _holders.remove(next);
        return give(c, next);
    }
    dispatch();
}

void shard_pool::abandon(connection& c) noexcept {
    if (!c.ready() || !c.held()) return;
    c.send_rollback_release();
}

void shard_pool::on_connected(connection& c) {
    _last_failure.reset();
    if (_holders.head != nullptr && !c.held()) {
        hold_request& next = *_holders.head;
        _holders.remove(next);
        give(c, next);
    }
    dispatch();
}

void shard_pool::on_connect_failed(const error& e) {
    _last_failure = e;
    if (any_ready()) return;
    // No connection is open and the last attempt failed: whoever waits would wait for a backoff.
    while (_waiting.head != nullptr) {
        query_op& op = *_waiting.head;
        _waiting.remove(op);
        op.finish(tl::unexpected(e));
    }
    while (_holders.head != nullptr) {
        hold_request& request = *_holders.head;
        _holders.remove(request);
        request.finish(tl::unexpected(e));
    }
}

void shard_pool::on_settled(connection& c) {
    if (c.holder_waiting != nullptr && c.pipeline_empty()) {
        hold_request& request = *std::exchange(c.holder_waiting, nullptr);
        request.finish(&c);
        return;
    }
    if (!c.held()) dispatch();
}

void shard_pool::on_lost(connection& c, const error& e) {
    if (c.holder_waiting != nullptr) {
        hold_request& request = *std::exchange(c.holder_waiting, nullptr);
        request.conn = nullptr;
        request.finish(tl::unexpected(e));
    }
}

} // namespace corio::pg::detail
