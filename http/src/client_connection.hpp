// SPDX-License-Identifier: MIT
// client_connection: one keep-alive connection of an origin's pool, a net::tcp_connection (the same
// receive buffers, spill block and batched sends as the server's connections). It writes the
// request of the exchange it carries and reads the response into it with a response_reader; between
// exchanges it sits idle in its pool holding no buffer. With pipelining it carries several
// exchanges, their answers read in the order their requests went. Input while idle (an unsolicited
// 408, junk), a response followed by bytes no request waits for, or any failure closes it (the
// exchanges behind fail as closed, to be retried): only a connection whose last response ended
// cleanly and allowed keep-alive goes back to the pool. A streamed request body is
// written piece by piece after the head; a streamed response body is read by its client_stream as
// the caller asks, reading paused in between, and the connection goes back to the pool at its end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <corio/http/client.hpp>
#include <corio/http/client_stream.hpp>
#include <corio/net/tcp_connection.hpp>

#include "client_url.hpp"
#include "response_reader.hpp"

namespace corio::http::detail {

class client_exchange;
class origin_pool;

/// How a request's body is framed on the wire.
struct request_framing {
    enum class kind : std::uint8_t { none, length, chunked } how = kind::none;
    std::uint64_t length = 0; ///< for kind::length
};

/// A pooled client connection; owned (and deleted) by the shard's connection_set.
class client_connection final : public net::tcp_connection, private timer {
public:
    /// Wraps connection `handle` at `set`'s transport (owned from now on) for `pool`, reading heads
    /// with `parser`.
    client_connection(net::connection_set& set, int handle, origin_pool& pool, response_parser& parser,
                      std::uint64_t max_body_bytes) noexcept;
    ~client_connection() override;

    /// Writes the request of `ex` (m, the URL's target and authority, `headers`, `body`) and waits
    /// for its response; with `prefetch` (not 0) the response body streams (response_reader::reset).
    void send(client_exchange& ex, method m, const client_url& url, const call_fields& headers, std::string_view body,
              std::uint64_t prefetch = 0);
    /// Writes the head of `ex`'s request, whose body follows in write_body() calls and end_body().
    void send_head(client_exchange& ex, method m, const client_url& url, const call_fields& headers,
                   request_framing body, std::uint64_t prefetch = 0);
    /// Writes the next piece of the request body (not empty).
    void write_body(std::string_view piece);
    /// The request body is all written: waits for the response.
    void end_body();
    /// True while the connection can take more of the request body (a bounded amount waits unsent).
    bool room_for_body() const noexcept { return pending_output() < upload_window; }
    /// `ex` gave up (its frame is gone or its deadline passed): the connection closes (requests
    /// pipelined with it fail as closed, which a retry may take elsewhere).
    void drop_exchange(client_exchange& ex) noexcept;
    /// Requests sent and not yet answered.
    unsigned in_flight() const noexcept { return _in_flight; }
    /// True when a pipelined request may join those in flight (client_config::pipeline_depth).
    bool can_carry_more() const noexcept;

    // From the client_stream reading the body.
    /// The stream moved to `s`.
    void stream_moved(client_stream& s) noexcept { _stream = &s; }
    /// The stream went away: if its body has not ended, the connection closes.
    void drop_stream() noexcept;
    /// `r` waits for the next piece of the body.
    void wait_read(stream_read& r) noexcept;
    /// The pool let go of the connection (it is closing, or the pool is going away).
    void leave_pool() noexcept { _pool = nullptr; }
    /// Leaves the pool and closes at once; the exchange being answered ends with `head`, those
    /// behind it with client_errc::closed (they may be tried again).
    void close_now(std::error_code head = make_error_code(client_errc::closed)) noexcept;
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
    void on_output_sent(std::size_t bytes) override;

private:
    // Unsent request body past which the writer waits (backpressure on an upload).
    static constexpr std::size_t upload_window = 256 << 10;
    // The exchange whose answer was read ended: `e` empty for a complete response; the connection
    // goes back to the pool when `reusable`, else it leaves the pool and closes.
    void complete(std::error_code e, bool reusable);
    // The next pipelined exchange's answer is read from now on (if there is one).
    void next_in_line() noexcept;
    // Every exchange in flight ends: the one being answered with `head` (success: its answer came),
    // those behind with `behind`.
    void end_all(std::error_code head, std::error_code behind) noexcept;
    client_exchange* pop_behind() noexcept;
    // The streamed body is read into the waiting reads from `data`; returns the bytes used.
    std::size_t stream_input(std::span<char> data);
    // The streamed body ended (`e` empty: all of it was read); the stream lets go of the connection,
    // which goes back to the pool when `reusable`, and a waiting read is resumed.
    void end_stream(std::error_code e, bool reusable);
    // Idle in the pool: closes; a stream's read waiting: body_timed_out.
    static void on_timer(timer& t);
    timer_wheel& wheel() noexcept { return owner().shard().reactor().timers(); }

    origin_pool* _pool;
    const client_config* _config;
    client_exchange* _ex = nullptr;     // its answer is being read
    client_exchange* _behind = nullptr; // pipelined behind it, through their `next`
    client_exchange* _last = nullptr;   // the last of those behind
    unsigned _in_flight = 0;            // _ex and those behind it
    client_stream* _stream = nullptr;   // reading the body of the last response
    stream_read* _read = nullptr;       // the stream's read waiting for input
    response_reader _reader;
    unsigned _exchanges = 0;
    bool _chunked_body = false; // the request body is being sent chunked
    bool _uploading = false;    // the request body is not all written: the connection cannot be reused
    bool _exclusive = false;    // a request in flight must not have company (a body, or not GET/HEAD)
};

} // namespace corio::http::detail
