// SPDX-License-Identifier: MIT
// access_log: a middleware writing one line per request to a file descriptor, as text
// ("<method> <target> <status> <body bytes>") or as JSON lines for log shippers
// ({"time":"2026-12-06T15:04:05Z","shard":0,"method":"GET","target":"/x","status":200,"bytes":13}).
// Lines collect in a per-shard buffer written out when it passes 32 KiB, a second after its first
// line, and when the shard stops: never a system call per request. Off unless a service adds it.
#pragma once

#include <cstdint>

#include <unistd.h>

#include <corio/http/middleware.hpp>

namespace corio::http {

/// How access_log writes a line.
enum class access_log_format : std::uint8_t {
    text, ///< "GET /x 200 13"
    json, ///< one JSON object per line: time (UTC, seconds), shard, method, target (escaped), status, bytes
};

/// Logs every request to `fd` (not closed by corio) in `format`, buffered per shard.
middleware_factory access_log(int fd = STDOUT_FILENO, access_log_format format = access_log_format::text);

} // namespace corio::http
