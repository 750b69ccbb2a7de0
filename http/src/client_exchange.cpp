// SPDX-License-Identifier: MIT
#include "client_exchange.hpp"

#include <algorithm>
#include <utility>

#include <corio/http/client_error.hpp>

#include "client_connection.hpp"
#include "client_shard.hpp"
#include "origin_pool.hpp"

namespace corio::http::detail {

namespace {
timer_wheel& wheel_of(origin_pool& pool) noexcept {
    return pool.part().home().reactor().timers();
}
} // namespace

client_exchange::client_exchange(origin_pool& pool, std::uint64_t deadline_ms) noexcept
    : timer(&client_exchange::on_timer), _pool(pool), _deadline(deadline_ms) {}

client_exchange::~client_exchange() {
    wheel_of(_pool).cancel(*this);
    if (_phase == phase::waiting) {
        _pool.forget(*this);
    } else if (_conn != nullptr) {
        // Gone with a request on the wire (or a connection not used yet): its answer would be
        // read into freed memory, so the connection goes too.
        std::exchange(_conn, nullptr)->drop_exchange(*this);
    }
}

void client_exchange::acquire(bool fresh) {
    _phase = phase::waiting;
    _frame = nullptr;
    wheel_of(_pool).schedule(*this, _deadline);
    _pool.acquire(*this, fresh);
}

void client_exchange::connected(client_connection& c, bool was_reused) noexcept {
    _conn = &c;
    reused = was_reused;
    _phase = phase::connected;
    if (auto frame = std::exchange(_frame, nullptr)) frame.resume();
}

void client_exchange::sent() {
    _phase = phase::sent;
    _frame = nullptr;
    const client_config& config = _pool.part().config();
    const std::uint64_t head_at =
        _pool.part().home().reactor().now_ms() + static_cast<std::uint64_t>(config.head_timeout.count());
    _head_pending = head_at < _deadline;
    wheel_of(_pool).schedule(*this, std::min(head_at, _deadline));
}

void client_exchange::head_received() noexcept {
    if (!_head_pending) return;
    _head_pending = false;
    wheel_of(_pool).schedule(*this, _deadline);
}

void client_exchange::finish(std::error_code e) noexcept {
    wheel_of(_pool).cancel(*this);
    error = e;
    _conn = nullptr;
    _phase = phase::done;
    if (auto frame = std::exchange(_frame, nullptr)) frame.resume();
}

void client_exchange::on_timer(timer& t) {
    auto& ex = static_cast<client_exchange&>(t);
    if (ex._phase == phase::waiting) {
        ex._pool.forget(ex);
        return ex.finish(make_error_code(client_errc::exchange_timed_out));
    }
    if (ex._conn != nullptr) std::exchange(ex._conn, nullptr)->drop_exchange(ex);
    ex.finish(make_error_code(ex._head_pending ? client_errc::head_timed_out : client_errc::exchange_timed_out));
}

} // namespace corio::http::detail
