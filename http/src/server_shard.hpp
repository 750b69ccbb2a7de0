// SPDX-License-Identifier: MIT
// server::shard_state: what an HTTP server keeps on one shard (listener, connections, parser,
// request scratch, Date cache, counters), and server_connection, the per-connection state machine.
#pragma once

#include <corio/core/timer_wheel.hpp>
#include <corio/http/server.hpp>
#include <corio/net/tcp_connection.hpp>
#include <corio/net/tcp_listener.hpp>

#include "date_header.hpp"
#include "request_parser.hpp"

namespace corio::http {

struct server::shard_state : net::connection_set {
    shard_state(corio::shard& s, const server& owner, int listen_fd);

    const server& owner;
    net::tcp_listener listener;
    request_parser parser;
    request scratch; // the request being handled (one at a time per shard)
    date_header date;
    std::uint64_t requests = 0;
    std::uint64_t parse_errors = 0;

    server_stats stats() const;
};

/// One HTTP connection: parses what arrives, runs handlers, queues responses. Its timer closes it
/// after idle_timeout_ms without a complete request.
class server_connection final : public net::tcp_connection, private timer {
public:
    server_connection(server::shard_state& state, int fd) noexcept;
    ~server_connection() override;

    /// Starts receiving and arms the idle timeout.
    void open();

private:
    std::size_t on_data(std::span<char> data) override;
    void serve(request& req, bool close);
    void fail(status code);
    server::shard_state& state() const noexcept { return static_cast<server::shard_state&>(owner()); }
    static void on_idle(timer& t);
};

} // namespace corio::http
