// SPDX-License-Identifier: MIT
// access_log: a middleware writing one line per request ("<method> <target> <status> <body bytes>")
// to a file descriptor. Lines collect in a per-shard buffer written out when it passes 32 KiB, a
// second after its first line, and when the shard stops: never a system call per request. Off
// unless a service adds it.
#pragma once

#include <unistd.h>

#include <corio/http/middleware.hpp>

namespace corio::http {

/// Logs every request to `fd` (not closed by corio), buffered per shard.
middleware_factory access_log(int fd = STDOUT_FILENO);

} // namespace corio::http
