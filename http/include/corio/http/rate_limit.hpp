// SPDX-License-Identifier: MIT
// rate_limit: a token-bucket middleware per shard: `per_second` tokens flow in, up to `burst`;
// each request takes one, and a request finding none is answered 429 with Retry-After. The bucket
// is the shard's (N shards admit up to N times the rate), refilled from the loop clock.
#pragma once

#include <corio/http/middleware.hpp>

namespace corio::http {

/// Admits `per_second` requests per second per shard, with bursts of up to `burst`; else 429.
middleware_factory rate_limit(double per_second, double burst);

} // namespace corio::http
