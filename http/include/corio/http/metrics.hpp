// SPDX-License-Identifier: MIT
// metrics: the counters an HTTP server keeps per shard (server_stats, a copy of their values) and
// their rendering in the Prometheus text exposition format (version 0.0.4). A server serves the
// rendering itself at server_config::metrics_path when that is set; server::stats(shard) and
// server::metrics_text() read the same counters from any thread, e.g. for a route of your own:
//
//     routes.get("/internal/metrics", [&server](corio::http::request&) {
//         return corio::http::response::copy_of(server.metrics_text(), corio::http::prometheus_content_type);
//     });
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace corio::http {

/// The counters of one server shard at one moment (each value exact for its moment; values are
/// read one after the other, not as a consistent snapshot).
struct server_stats {
    std::uint64_t requests = 0;               ///< requests read far enough to be answered (head parsed)
    std::uint64_t parse_errors = 0;           ///< malformed or over a limit (400, 413, 414, 431, 501, 505)
    std::uint64_t handler_timeouts = 0;       ///< async handlers cut at their deadline (answered 503)
    std::uint64_t connections_opened = 0;     ///< connections accepted
    std::uint64_t connections_closed = 0;     ///< connections closed (either side)
    std::uint64_t connections_open = 0;       ///< connections open now
    std::uint64_t bytes_in = 0;               ///< bytes received
    std::uint64_t bytes_out = 0;              ///< bytes the kernel took for sending
    std::uint64_t recv_no_buffers = 0;        ///< receives that found the buffer ring empty (re-armed)
    std::uint64_t accept_backoffs = 0;        ///< accepting paused after EMFILE/ENFILE and similar errors
    std::uint64_t output_pending = 0;         ///< response bytes written, not yet taken by the kernel (now)
    std::array<std::uint64_t, 5> responses{}; ///< final responses queued, by status class: [0] 1xx ... [4] 5xx
};

/// The Content-Type of prometheus_text()'s output.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// Renders `shards` (index = shard id) as Prometheus text: per metric a `# HELP` and a `# TYPE` line,
/// then one sample per shard labelled `shard="N"` (responses also by `class="2xx"` etc.). Counters are
/// named `corio_http_..._total`; `corio_http_connections_open` is a gauge.
std::string prometheus_text(std::span<const server_stats> shards);

} // namespace corio::http
