// SPDX-License-Identifier: MIT
// concurrency_limit: a middleware that answers 503 with Retry-After once a shard already has
// `max_in_flight` requests between their handler's start and their response (asynchronous
// handlers waiting on timers, other shards or request bodies are what fills it).
#pragma once

#include <cstddef>

#include <corio/http/middleware.hpp>

namespace corio::http {

/// Limits the requests in flight per shard to `max_in_flight`; beyond it, 503 with `Retry-After: retry_after_s`.
middleware_factory concurrency_limit(std::size_t max_in_flight, unsigned retry_after_s = 1);

} // namespace corio::http
