// SPDX-License-Identifier: MIT
#include "origin_pool.hpp"

#include <algorithm>
#include <cerrno>

#include <corio/http/client_error.hpp>

#include "client_connection.hpp"
#include "client_exchange.hpp"
#include "client_shard.hpp"

namespace corio::http::detail {

connect_attempt::connect_attempt(origin_pool& pool) noexcept : timer(&connect_attempt::on_timer), _pool(pool) {}

connect_attempt::~connect_attempt() {
    _pool.part().home().reactor().timers().cancel(*this);
    if (_handle >= 0) transport().close(_handle);
}

net::transport& connect_attempt::transport() const noexcept {
    return _pool.part().connections().transport();
}

int connect_attempt::start() {
    const int handle = transport().connect(_pool.address(), make_user_data(this));
    if (handle < 0) return handle;
    _handle = handle;
    reactor& loop = _pool.part().home().reactor();
    loop.timers().schedule(*this,
                           loop.now_ms() + static_cast<std::uint64_t>(_pool.part().config().connect_timeout.count()));
    return 0;
}

void connect_attempt::on_completion(unsigned, int result, std::uint32_t) {
    _pool.part().home().reactor().timers().cancel(*this);
    if (result == 0 && !_timed_out) return _pool.on_connected(*this, std::exchange(_handle, -1));
    // The connect is over (the cancel's completion included): the socket can go.
    transport().close(std::exchange(_handle, -1));
    _pool.on_connect_failed(*this, _timed_out ? ETIMEDOUT : -result);
}

void connect_attempt::on_timer(timer& t) {
    auto& a = static_cast<connect_attempt&>(t);
    a._timed_out = true;
    // The completion (-ECANCELED, or a success that raced the cancel) ends the attempt.
    a.transport().cancel(a._handle, make_user_data(&a));
}

origin_pool::origin_pool(client_shard& part, const net::socket_address& address) noexcept
    : _part(part), _address(address) {}

origin_pool::~origin_pool() {
    for (client_connection* c : _carrying)
        c->leave_pool();
    // Exchanges still queued belong to frames that will never resume (the shard is ending).
    for (client_exchange* ex = _head; ex != nullptr; ex = ex->next)
        ex->pprev = nullptr;
}

void origin_pool::acquire(client_exchange& ex, bool fresh) {
    if (fresh && !_idle.empty() && _open + _attempts.size() >= _part.config().connections_per_origin)
        _idle.front()->close_now(); // leaves the pool: room for a new one
    while (!fresh && !_idle.empty()) {
        client_connection* c = _idle.back();
        _idle.pop_back();
        c->left_idle();
        if (c->closing()) { // closed since it went idle, not yet told
            c->leave_pool();
            std::erase(_carrying, c);
            --_open;
            continue;
        }
        return ex.connected(*c, true);
    }
    // At its connection limit, the pool pipelines what may be pipelined, on the least busy connection
    // (unless others wait: they go first, and a request that may not be pipelined gets its turn).
    if (!fresh && ex.pipelinable && _waiting == 0 && _part.config().pipeline_depth > 1 &&
        _open + _attempts.size() >= _part.config().connections_per_origin) {
        client_connection* least = nullptr;
        for (client_connection* c : _carrying)
            if (c->can_carry_more() && (least == nullptr || c->in_flight() < least->in_flight())) least = c;
        if (least != nullptr) return ex.connected(*least, true);
    }
    if (_waiting >= _part.config().max_waiting) return ex.finish(make_error_code(client_errc::pool_full));
    ex.next = nullptr;
    ex.pprev = _tail;
    *_tail = &ex;
    _tail = &ex.next;
    ++_waiting;
    grow_if_waiting();
}

void origin_pool::forget(client_exchange& ex) noexcept {
    if (ex.pprev == nullptr) return;
    *ex.pprev = ex.next;
    if (ex.next != nullptr) {
        ex.next->pprev = ex.pprev;
    } else {
        _tail = ex.pprev;
    }
    ex.next = nullptr;
    ex.pprev = nullptr;
    --_waiting;
}

client_exchange* origin_pool::pop_waiter() noexcept {
    client_exchange* ex = _head;
    if (ex != nullptr) forget(*ex);
    return ex;
}

void origin_pool::grow_if_waiting() {
    // One connect per waiter beyond those already being made, up to the limit.
    while (!_part.ending() && _waiting > _attempts.size() &&
           _open + _attempts.size() < _part.config().connections_per_origin) {
        start_connect();
    }
}

void origin_pool::start_connect() {
    auto attempt = std::make_unique<connect_attempt>(*this);
    connect_attempt& a = *attempt;
    _attempts.push_back(std::move(attempt));
    if (const int err = a.start(); err < 0) on_connect_failed(a, -err);
}

void origin_pool::erase(connect_attempt& a) noexcept {
    const auto it = std::find_if(_attempts.begin(), _attempts.end(), [&a](const auto& p) { return p.get() == &a; });
    if (it != _attempts.end()) _attempts.erase(it);
}

void origin_pool::give_back(client_connection& c) {
    // Waiters take it, first come first served; while it carries requests, only a waiter that may
    // be pipelined joins them (each connected() sends at once, so in_flight() grows).
    while (_head != nullptr && !c.closing() && (c.in_flight() == 0 || (_head->pipelinable && c.can_carry_more())))
        pop_waiter()->connected(c, true);
    if (c.in_flight() != 0 || c.closing()) return;
    _idle.push_back(&c);
    c.went_idle();
}

void origin_pool::detach(client_connection& c) noexcept {
    c.leave_pool();
    std::erase(_carrying, &c);
    if (const auto it = std::find(_idle.begin(), _idle.end(), &c); it != _idle.end()) {
        _idle.erase(it);
        c.left_idle();
    }
    --_open;
    grow_if_waiting();
}

void origin_pool::on_connected(connect_attempt& a, int handle) {
    erase(a);
    auto* c = new client_connection(_part.connections(), handle, *this, _part.parser(), _part.config().max_body_bytes);
    ++_open;
    _carrying.push_back(c);
    c->start();
    if (client_exchange* ex = pop_waiter()) ex->connected(*c, false);
    give_back(*c); // more waiters pipelined behind it, or idle (its waiter left meanwhile)
}

void origin_pool::on_connect_failed(connect_attempt& a, int error) {
    erase(a);
    const client_errc code = error == ECONNREFUSED ? client_errc::refused
                             : error == ETIMEDOUT  ? client_errc::connect_timed_out
                                                   : client_errc::connect_failed;
    if (client_exchange* ex = pop_waiter()) ex->finish(make_error_code(code));
    grow_if_waiting();
}

} // namespace corio::http::detail
