// SPDX-License-Identifier: MIT
// server: an HTTP/1.1 server as a corio service. Each shard gets its own SO_REUSEPORT listener and
// connections; requests are parsed in place, routed, answered by the handler on the same shard and
// serialized into the connection's output, one send per batch of pipelined requests.
//
//     corio::http::router routes;
//     routes.get("/hello", [](corio::http::request&) { return corio::http::response::text("hi"); });
//     corio::http::server server(std::move(routes), {.port = 8080});
//     corio::runtime rt;
//     return rt.run(server);
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <corio/core/service.hpp>
#include <corio/http/metrics.hpp>
#include <corio/http/middleware.hpp>
#include <corio/http/router.hpp>
#include <corio/net/socket_address.hpp>

namespace corio::http {

namespace detail {
class health;
}

/// Listening address, limits and timeouts of a server. Defaults suit a public-facing service.
struct server_config {
    std::string address = "0.0.0.0"; ///< IPv4/IPv6 address or host name ("localhost") to listen on
    std::uint16_t port = 8080;       ///< 0 picks a free port (see server::port())
    int backlog = 4096;              ///< listen() backlog per shard
    /// false (the default): a port that any socket already holds fails the start (EADDRINUSE, with a
    /// message naming address and port); the shards of this server share the port among themselves.
    /// true: binds with SO_REUSEPORT, so a port held by another process of the same user that allows
    /// it (one running with reuse_port, or a server claiming it by default) is shared with it, the
    /// kernel splitting new connections between them (a zero-downtime hand-over).
    bool reuse_port = false;
    /// true (the default): when systemd passed a listening socket to this process (socket activation:
    /// $LISTEN_FDS with $LISTEN_PID naming this process; see net/socket_activation.hpp), the server
    /// listens on it instead of binding address and port, and config().address and port() then say
    /// the socket's own. Shard 0 accepts on it; the others join its SO_REUSEPORT group with sockets
    /// of their own when it allows that (ReusePort=yes, and the same user), else accept on duplicates
    /// of it (one accept queue for all, not spread by hash). More than one socket fails the start.
    /// false: always bind.
    bool socket_activation = true;
    std::uint32_t idle_timeout_ms = 60'000;   ///< keep-alive: close after this long between requests
    std::uint32_t header_timeout_ms = 10'000; ///< a request head must arrive within this from its first byte (408)
    std::uint32_t body_timeout_ms = 30'000;   ///< longest wait for more of a request body (408); see min_data_rate
    /// The slowest a request body may arrive and a response be read, in bytes per second, checked
    /// over each window of min_data_rate_window_ms from the start of the body (or of the wait for
    /// the client to read): a body short of it is answered 408 and the connection closed, a reader
    /// short of it (while output waits for it) is cut. Without it, a body trickled at a byte every
    /// 29 s holds a connection and its buffers for days. 240 bytes/s over 5 s windows, Kestrel's
    /// default: far below the slowest honest link (a GPRS uplink sends ~5 KB/s), so only a client
    /// that trickles on purpose or has stalled for a whole window is cut. 0: off (then
    /// body_timeout_ms counts from the last piece of a body, idle_timeout_ms from a reader's last read).
    std::uint32_t min_data_rate = 240;
    std::uint32_t min_data_rate_window_ms = 5'000; ///< see min_data_rate; the first window is the grace period
    std::uint32_t drain_timeout_ms = 10'000; ///< on stop, in-flight requests get this long before connections are cut
    /// On stop (SIGTERM), how long to go on serving normally (accepting, keep-alive) before the drain
    /// begins, while ready_path already answers 503: a load balancer that probes readiness, or
    /// Kubernetes removing the pod from its Service, stops sending new connections meanwhile, so
    /// none arrives at a closed port. Set it to about the balancer's deregistration delay (a few
    /// probe intervals); 0 (the default) drains at once. The runtime's stop deadline
    /// (runtime_config::stop_timeout_ms) must exceed drain_delay_ms + drain_timeout_ms.
    std::uint32_t drain_delay_ms = 0;
    /// On stop, a keep-alive connection is still read until it has been silent this long: a request
    /// that arrives meanwhile is answered with `Connection: close` (and the connection then closes),
    /// so requests racing the stop are answered, not dropped. 500 ms: longer than any round trip
    /// (a request already on its way arrives well within it), short enough that a drain of idle
    /// connections ends in about half a second. Capped by drain_timeout_ms, which cuts what is left.
    std::uint32_t drain_grace_ms = 500;
    std::uint32_t handler_timeout_ms =
        30'000;                              ///< an async handler must answer within this (503 and close; 0: no limit)
    std::uint32_t linger_timeout_ms = 2'000; ///< closing: how long unread input from the client is drained
    /// Closing: how many bytes of unread input are drained at most before the connection is cut (a
    /// client sending a refused 100 MiB body is not read to its end). 1 MiB: as much as the default
    /// max_body_bytes, so a refusal costs no more than serving the largest body would have.
    std::uint32_t linger_max_bytes = 1 << 20;
    std::uint32_t max_url_bytes = 8192;           ///< longer request targets get 414
    std::uint32_t max_header_bytes = 16384;       ///< request line + headers; more gets 431
    std::uint32_t max_headers = 64;               ///< header fields; more gets 431
    std::uint64_t max_body_bytes = 1 << 20;       ///< request bodies (routes may set their own); larger gets 413
    std::uint32_t max_pending_output = 256 << 10; ///< unsent response bytes per connection before it stops reading
    /// Response bytes the kernel may hold unsent in the socket of a connection that has had to stop
    /// reading (it pipelines more than it reads): TCP_NOTSENT_LOWAT. Beyond them its output waits in
    /// the connection, where max_pending_output, the shard's budget and min_data_rate see it. Without
    /// a bound Linux grows a socket's send buffer to 4 MiB: 400 clients that pipelined and never read
    /// got 1.4 MiB of answers queued each (580 MB of kernel memory, seconds of the shard's time), all
    /// of which looked to the server like clients that read. Data in flight is not counted, so a fast
    /// client on a long path keeps its throughput. 0: the kernel's default.
    std::uint32_t max_unsent_in_socket = 128 << 10;
    /// Pipelined requests one connection is served from one arrival of input before it gives way to
    /// the shard's other connections: the rest waits until its answers are sent. A client that
    /// pipelines thousands of requests at once would otherwise hold the shard for a whole receive
    /// buffer's worth of them per turn, and with a few hundred such clients every other request waits
    /// tens of milliseconds. 32: twice a pipelining depth of 16, so ordinary pipelining never waits;
    /// 0: no limit.
    std::uint32_t max_requests_per_read = 32;
    /// Unsent response bytes of all a shard's connections: past it, the connections holding at least
    /// their share (the average) stop being read until their output has drained, past twice it every
    /// connection with output waiting does (min_data_rate closes those that never drain). 32 MiB:
    /// a shard answering a million requests a second to clients that read holds well under 1 MiB
    /// at any moment, so only slow readers meet the budget; 400 clients that pipeline and never
    /// read would otherwise hold 400 x max_pending_output (100 MiB).
    std::uint64_t max_shard_pending_output = 32 << 20;
    std::uint32_t max_connections = 100'000; ///< per shard; at the limit accepting pauses until one closes
    /// Empty (the default): no metrics endpoint. A literal path such as "/metrics": GET (and HEAD) on it
    /// answer every shard's counters in Prometheus text (see metrics.hpp), through the middleware chain
    /// like any route. A route of the router for GET on that same path makes the start fail (EEXIST,
    /// named on stderr); patterns that would match it (`/:name`, `/*rest`) stay, and the literal path
    /// wins for GET, as the most specific route does. A path with captures fails the start (EINVAL).
    std::string metrics_path{};
    /// Empty (the default): no liveness endpoint. A literal path such as "/healthz": GET answers 200
    /// "live" while every shard's loop turns, 503 naming the shard when one has not turned for
    /// liveness_bound_ms (a handler that spins or blocks); the probe may reach any shard, which
    /// checks them all. Each shard then stamps a heartbeat from a timer (four per bound), never per
    /// request. Added like metrics_path (a literal path; a route of the router on it fails the start).
    std::string health_path{};
    /// A shard whose loop has not turned for this long fails liveness (see health_path); 0 is taken as 1.
    std::uint32_t liveness_bound_ms = 5'000;
    /// Empty (the default): no readiness endpoint. A literal path such as "/readyz": GET answers 200
    /// "ready" while the server serves, 503 from the moment a drain starts (SIGTERM, runtime::stop)
    /// and 503 while a check given to server::add_readiness_check() fails. Added like metrics_path.
    std::string ready_path{};
};

/// An HTTP/1.1 server; runs on every shard of the runtime that starts it.
class server final : public corio::service {
public:
    /// A server answering with `routes`; the router is shared read-only by all shards.
    explicit server(router routes, server_config config = {});
    ~server() override;

    /// The port listened on (after the runtime started the server; resolves port 0).
    std::uint16_t port() const noexcept { return _port; }
    /// The configuration.
    const server_config& config() const noexcept { return _config; }
    /// Counters of shard `shard_id`; any thread may call it once the runtime has started the server
    /// (also after it stopped: the counters stay until the server is destroyed or started again).
    server_stats stats(unsigned shard_id) const;
    /// Every shard's counters in Prometheus text (what metrics_path serves); any thread, as stats().
    std::string metrics_text() const;

    /// The routes (shared read-only by the shards).
    const router& routes() const noexcept { return _routes; }
    /// Appends a middleware to the chain (before the runtime starts the server); each shard makes
    /// its own instance with `make`.
    server& use(middleware_factory make);
    /// Adds a check that server_config::ready_path runs on each probe (before the runtime starts the
    /// server): while one returns false the endpoint answers 503 "not ready: <name>" (e.g. "database"
    /// for pg::pool::connected). It runs on the shard answering the probe, any of them, so it must be
    /// safe to call from every shard's thread, quick, and must not block (read a flag or a counter).
    server& add_readiness_check(std::string name, std::function<bool()> check);
    /// Liveness as health_path answers it: false while a shard's loop has not turned for
    /// liveness_bound_ms. Always true without health_path (no heartbeats run). Any thread.
    bool live() const noexcept override;

    result<void> prepare(unsigned shard_count) override;
    std::string failure() const override { return _failure; }
    /// "listening on ADDRESS port P" (the port resolved once prepared).
    std::string describe() const override;
    result<void> start(shard& s) override;
    void stop(shard& s) override;
    bool drained(shard& s) override;
    void finish(shard& s) override;

    struct shard_state;
    struct shard_counters;

private:
    result<void> add_operations_routes();
    result<void> listen_on_inherited(const std::vector<int>& fds);
    result<void> add_literal_route(std::string_view flag, std::string_view path, handler answer);

    router _routes;
    std::vector<middleware_factory> _middlewares;
    server_config _config;
    std::uint16_t _port = 0;
    bool _inherited = false; // listening on a socket systemd passed (socket_activation)
    std::string _failure;    // why prepare() failed, naming address and port
    std::vector<int> _listen_fds;
    std::vector<std::unique_ptr<shard_state>> _shards;
    std::vector<shard_counters> _counters; // one block per shard, written by that shard only
    bool _operations_routes = false;       // metrics, health and ready paths were added to the routes
    std::unique_ptr<detail::health> _health;
    // Listeners of the shards still open: a stop drains connections only once it is 0 (see
    // shard_state::close_listener). Written from the shards' const view of the server.
    mutable std::atomic<unsigned> _open_listeners{0};
};

} // namespace corio::http
