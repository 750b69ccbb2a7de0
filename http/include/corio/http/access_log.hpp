// SPDX-License-Identifier: MIT
// access_log: a middleware writing one line per request to a file descriptor, as text
// ("2026-12-06T15:04:05Z 127.0.0.1:40312 GET /x 200 13 41us") or as JSON lines for log shippers
// ({"time":"2026-12-06T15:04:05Z","shard":0,"client":"127.0.0.1:40312","method":"GET","target":"/x",
// "status":200,"bytes":13,"latency_us":41}). Requests the server refuses before routing (400, 408,
// 413, 414, 431, 501, 505, a late handler's 503) are logged too, through middleware::refused(); one
// whose head never ended has "-" (text) or null (JSON) for method and target. Time is UTC to the
// second, bytes the body's, latency from the loop turn that received the request to the answer.
// Lines collect in a per-shard buffer written out when it passes 32 KiB, a second after its first
// line, and when the shard stops. The client's address costs one getpeername per connection (an
// IPv4 peer is remembered by the shard's sockets, not in the connection: that would cost every idle
// one 16 bytes; an IPv6 peer is asked per line). Off unless a service adds it.
#pragma once

#include <cstdint>

#include <unistd.h>

#include <corio/http/middleware.hpp>

namespace corio::http {

/// How access_log writes a line.
enum class access_log_format : std::uint8_t {
    text, ///< "<time> <client> <method> <target> <status> <bytes> <latency>us"
    json, ///< one JSON object per line: time, shard, client, method, target (escaped), status, bytes, latency_us
};

/// Logs every request to `fd` (not closed by corio) in `format`, buffered per shard.
middleware_factory access_log(int fd = STDOUT_FILENO, access_log_format format = access_log_format::text);

} // namespace corio::http
