// SPDX-License-Identifier: MIT
#include <corio/pg/pool.hpp>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include <corio/core/log.hpp>
#include <corio/core/shard.hpp>

#include "shard_pool.hpp"

namespace corio::pg {

namespace {

// The shard parts this thread made, by pool: one pointer compare per query for the usual one pool,
// no lock, and no table sized by a shard count the pool does not know when it is made.
struct local_part {
    const pool* owner;
    detail::shard_pool* part;
};
thread_local std::vector<local_part> local_parts;

void destroy_part(void* context) {
    auto* part = static_cast<detail::shard_pool*>(context);
    std::erase_if(local_parts, [part](const local_part& p) { return p.part == part; });
    delete part;
}

} // namespace

pool::pool(pool_config config) : _config(std::move(config)) {}

pool::~pool() = default;

detail::shard_pool& pool::local() {
    for (const local_part& p : local_parts)
        if (p.owner == this) return *p.part;
    shard* s = shard::current();
    if (s == nullptr) {
        fatal("pg::pool used outside a shard thread; query it from code the runtime runs");
    }
    auto* part = new detail::shard_pool(_config, *s);
    local_parts.push_back({this, part});
    s->at_exit(&destroy_part, part);
    return *part;
}

bool pool::connected() {
    return local().any_ready();
}

const pool_stats& pool::stats() {
    return local().stats();
}

task<result<transaction>> pool::begin() {
    detail::shard_pool& part = local();
    detail::hold_request request(part);
    result<detail::connection*> held = co_await request;
    if (!held) co_return tl::unexpected(std::move(held.error()));
    transaction tx(part, **held, (*held)->epoch());
    result<rows> begun = co_await tx.query("BEGIN");
    if (!begun) co_return tl::unexpected(std::move(begun.error())); // tx's destructor rolls back and releases
    co_return std::move(tx);
}

namespace detail {

query_op::~query_op() {
    if (owner == nullptr) return;
    if (where == state::waiting)
        owner->forget(*this);
    else if (where == state::in_flight && conn != nullptr)
        conn->forget(*this);
}

bool query_op::await_ready() {
    if (owner == nullptr) {
        outcome = tl::unexpected(error(errc::transaction_done, "the transaction was committed, rolled back or moved"));
        where = state::done;
        return true;
    }
    owner->issue(*this);
    return where == state::done;
}

void query_op::finish(result<rows> answer) noexcept {
    pool_stats& stats = owner->stats();
    if (answer || answer.error() == errc::server_error) stats.results.add();
    if (!answer) stats.errors.add();
    outcome = std::move(answer);
    where = state::done;
    conn = nullptr;
    if (waiting) waiting.resume();
}

hold_request::~hold_request() {
    if (where == state::waiting || where == state::draining) owner->forget(*this);
}

bool hold_request::await_ready() {
    owner->hold(*this);
    return where == state::done;
}

void hold_request::finish(result<connection*> answer) noexcept {
    outcome = std::move(answer);
    where = state::done;
    if (waiting) waiting.resume();
}

} // namespace detail

} // namespace corio::pg
