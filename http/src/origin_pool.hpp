// SPDX-License-Identifier: MIT
// origin_pool: one shard's connections to one origin (an address and port): idle keep-alive
// connections (the most recently used first), connections being made, and the exchanges waiting for
// a connection, first come first served. A waiting exchange makes a new connection while the pool
// is below client_config::connections_per_origin, else it waits for one to come back. A failed
// connect fails the exchange at the head of the queue (and the next waiter starts another), so a
// refused origin answers every caller at once rather than at its deadline. With
// client_config::pipeline_depth above 1, a pool at its connection limit sends a GET or HEAD
// without a body on the least busy connection that may carry more, behind the requests there.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <corio/core/reactor.hpp>
#include <corio/core/timer_wheel.hpp>
#include <corio/net/socket_address.hpp>
#include <corio/net/transport.hpp>

namespace corio::http::detail {

class client_shard;
class client_connection;
class client_exchange;
class origin_pool;

/// One connect in flight: a connection being made by the shard's transport (a socket's connect),
/// and client_config::connect_timeout.
class connect_attempt final : private completion_target, private timer {
public:
    explicit connect_attempt(origin_pool& pool) noexcept;
    /// Closes the connection being made if the connect has not completed (the shard is ending).
    ~connect_attempt();
    connect_attempt(const connect_attempt&) = delete;
    connect_attempt& operator=(const connect_attempt&) = delete;

    /// Starts the connect; -errno if no connection could be made.
    int start();

private:
    void on_completion(unsigned op, int result, std::uint32_t flags) override;
    static void on_timer(timer& t);
    net::transport& transport() const noexcept;

    origin_pool& _pool;
    int _handle = -1;
    bool _timed_out = false;
};

/// The connections of one shard to one origin.
class origin_pool {
public:
    origin_pool(client_shard& part, const net::socket_address& address) noexcept;
    /// Lets go of its connections (the shard is ending; the connection_set deletes them).
    ~origin_pool();
    origin_pool(const origin_pool&) = delete;
    origin_pool& operator=(const origin_pool&) = delete;

    /// Gives `ex` an idle connection, or queues it (making a connection if the pool may grow). With
    /// `fresh`, idle connections are passed over (the oldest is closed if the pool is full): `ex`
    /// gets a new connection, or one that has just ended an exchange.
    void acquire(client_exchange& ex, bool fresh = false);
    /// A queued exchange leaves the queue (its deadline passed or its frame is gone).
    void forget(client_exchange& ex) noexcept;
    /// `c` ended an exchange cleanly and may carry another: to the next waiter, or idle.
    void give_back(client_connection& c);
    /// `c` leaves the pool (it is closing); a waiter may make a new connection in its place.
    void detach(client_connection& c) noexcept;

    // From connect_attempt, which is deleted in these calls.
    void on_connected(connect_attempt& a, int handle);
    void on_connect_failed(connect_attempt& a, int error);

    const net::socket_address& address() const noexcept { return _address; }
    client_shard& part() const noexcept { return _part; }

private:
    void start_connect();
    void grow_if_waiting();
    void erase(connect_attempt& a) noexcept;
    client_exchange* pop_waiter() noexcept;

    client_shard& _part;
    net::socket_address _address;
    std::vector<client_connection*> _idle;
    std::vector<client_connection*> _carrying; // every connection in the pool, idle or not
    std::vector<std::unique_ptr<connect_attempt>> _attempts;
    client_exchange* _head = nullptr; // waiting exchanges, a FIFO through their next/pprev
    client_exchange** _tail = &_head;
    unsigned _waiting = 0;
    unsigned _open = 0; // connections in the pool: idle or carrying an exchange
};

} // namespace corio::http::detail
