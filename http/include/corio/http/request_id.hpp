// SPDX-License-Identifier: MIT
// request_id: a middleware that gives every response an `X-Request-Id`: the client's own (when it
// sent a short printable one) or a new one, unique in the process and across restarts (a random
// per-process prefix, the shard, a per-shard counter).
#pragma once

#include <corio/http/middleware.hpp>

namespace corio::http {

/// Adds `X-Request-Id` to every response (the request's, or a generated one).
middleware_factory request_id();

} // namespace corio::http
