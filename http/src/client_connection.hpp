// SPDX-License-Identifier: MIT
// client_connection: one keep-alive connection of an origin's pool, a net::tcp_connection (the same
// receive buffers, spill block and batched sends as the server's connections). It writes the
// request of the exchange it carries and reads the response into it with a response_reader; between
// exchanges it sits idle in its pool holding no buffer. Input while idle (an unsolicited 408, junk),
// a response followed by extra bytes, or any failure closes it: only a connection whose last
// response ended cleanly and allowed keep-alive goes back to the pool.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include <corio/http/client.hpp>
#include <corio/net/tcp_connection.hpp>

#include "client_url.hpp"
#include "response_reader.hpp"

namespace corio::http::detail {

class client_exchange;
class origin_pool;

/// A pooled client connection; owned (and deleted) by the shard's connection_set.
class client_connection final : public net::tcp_connection, private timer {
public:
    /// Wraps connection `handle` at `set`'s transport (owned from now on) for `pool`, reading heads
    /// with `parser`.
    client_connection(net::connection_set& set, int handle, origin_pool& pool, response_parser& parser,
                      std::uint64_t max_body_bytes) noexcept;
    ~client_connection() override;

    /// Writes the request of `ex` (m, the URL's target and authority, `headers`, `body`) and waits
    /// for its response.
    void send(client_exchange& ex, method m, const client_url& url, const header_list& headers, std::string_view body);
    /// The exchange gave up (its frame is gone or its deadline passed): the connection closes.
    void drop_exchange() noexcept;
    /// The pool let go of the connection (it is closing, or the pool is going away).
    void leave_pool() noexcept { _pool = nullptr; }
    /// Leaves the pool and closes at once.
    void close_now() noexcept;
    /// The connection went idle in its pool: it closes after client_config::idle_timeout.
    void went_idle() noexcept;
    /// The pool takes it out of the idle list.
    void left_idle() noexcept;
    /// Exchanges this connection has carried.
    unsigned exchanges() const noexcept { return _exchanges; }

protected:
    std::size_t on_data(std::span<char> data) override;
    void on_peer_closed() override;
    void on_failed(int error) override;

private:
    // The exchange ended: `e` empty for a complete response; the connection goes back to the pool
    // when `reusable`, else it leaves the pool and closes.
    void complete(std::error_code e, bool reusable);
    static void on_idle_timeout(timer& t);
    timer_wheel& wheel() noexcept { return owner().shard().reactor().timers(); }

    origin_pool* _pool;
    client_exchange* _ex = nullptr;
    response_reader _reader;
    unsigned _exchanges = 0;
};

} // namespace corio::http::detail
