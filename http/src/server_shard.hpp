// SPDX-License-Identifier: MIT
// server::shard_state: what an HTTP server keeps on one shard (listener, connections, parser,
// request scratch, Date cache), and server::shard_counters, the shard's counters. Its connections
// are server_connection (server_connection.hpp).
#pragma once

#include <array>
#include <corio/core/timer_wheel.hpp>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include <corio/core/counter.hpp>
#include <corio/http/middleware.hpp>
#include <corio/http/server.hpp>
#include <corio/net/tcp_connection.hpp>
#include <corio/net/tcp_listener.hpp>

#include "body_decoder.hpp"
#include "date_header.hpp"
#include "request_parser.hpp"

namespace corio::http {

namespace detail {
class exchange;
}
class server_connection;

/// A chunked request body that its route takes whole, decoded in place as its pieces arrive: the
/// connection's kept input is the request head (`head_bytes`) followed by the payload decoded so far.
struct chunked_body {
    body_decoder decoder;
    std::uint64_t limit = 0;   // payload bytes allowed (the route's or the server's max_body_bytes)
    std::uint64_t framing = 0; // bytes of chunk lines, CRLFs and trailers so far
    std::size_t head_bytes = 0;
};

/// A server's counters on one shard, owned by the server (they outlive the shard's state, so that
/// stats() and /metrics can read them from any thread at any time). Only the shard writes them.
/// Aligned to 128 bytes, so no two shards' blocks share a cache line, nor the pair of lines x86's
/// adjacent-line prefetcher fetches together: a shard's increments never steal another's line.
struct alignas(128) server::shard_counters {
    net::connection_stats connections;
    counter accept_backoffs;
    counter requests;
    counter parse_errors;
    counter handler_timeouts;
    std::array<counter, 5> responses; // final responses by status class: [0] 1xx ... [4] 5xx

    /// The values now.
    server_stats snapshot() const noexcept;
    /// Counts a final response with status `code` in its class.
    void count_response(status code) noexcept {
        const unsigned c = static_cast<unsigned>(code) / 100;
        responses[c < 1 ? 0 : c > 5 ? 4 : c - 1].add();
    }
};

/// The timer base counts down the stop: the drain delay, the wait for every shard's listener to close, then
/// the drain deadline, when connections still busy are cut.
struct server::shard_state : net::connection_set, timer {
    /// Counts into `server_counters` (the server's block for this shard) or, if null (a shard_state
    /// driven without a server start: benchmarks, fuzzing), into a block of its own. Connections
    /// run over `over`, or kernel sockets when null (net::connection_set).
    shard_state(corio::shard& s, const server& owner, int listen_fd, shard_counters* server_counters = nullptr,
                net::transport* over = nullptr);
    ~shard_state();

    /// Graceful stop: no more accepting, idle connections closed, the others after their response.
    void drain();
    /// Where a stop has got to (server::stop): serving on through the drain delay, waiting for the
    /// server's listeners on every shard to close, then draining the connections.
    enum class stop_stage : std::uint8_t { serving, delaying, closing_listeners, draining };
    /// Serves on for `delay_ms` (none when 0), closes the listener, and drains once every shard's
    /// listener is closed.
    void stop_after(std::uint32_t delay_ms);
    /// How far the stop has got.
    stop_stage stage() const noexcept { return _stage; }
    /// A connection went away: accept again if the connection limit paused accepting.
    void connection_closed() noexcept;

    /// Runs the before() steps of the middleware chain; `passed` counts those that let the request
    /// through. Returns the answer of the one that stopped it, if any.
    std::optional<response> run_before(request& req, std::size_t& passed);
    /// Runs the after() steps of the first `passed` middlewares, last first.
    void run_after(std::size_t passed, const request& req, response& res);
    /// Shows every middleware an answer the server gave before the chain ran (middleware::refused).
    void run_refused(const request& req, const response& res);

    const server& owner;
    std::unique_ptr<shard_counters> own_counters; // only without a server's block
    shard_counters& counters;
    std::vector<std::unique_ptr<middleware>> chain; // this shard's instances
    net::tcp_listener listener;
    request_parser parser;
    request scratch; // the request being handled (one at a time per shard)
    date_header date;
    // Chunked bodies in progress across receives, by connection: rare (a body in one receive needs
    // no entry), so a table here rather than 16 bytes more in every idle connection.
    std::unordered_map<const server_connection*, chunked_body> chunked_bodies;

private:
    void on_timer();
    void close_listener();
    void wait_for_listeners();

    stop_stage _stage = stop_stage::serving; // what the timer counts down: delay, listeners' wait, deadline
    std::uint64_t _listeners_deadline_ms = 0;
    // `own` is the block to count into when `server_counters` is null; made before the base class needs it.
    shard_state(corio::shard& s, const server& owner, int listen_fd, shard_counters* server_counters,
                net::transport* over, std::unique_ptr<shard_counters> own);
};

} // namespace corio::http
