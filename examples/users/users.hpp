// SPDX-License-Identifier: MIT
// users: a read-only JSON API as a typical service configures it, as a route table and a
// middleware set that the users server and its integration test share.
//   GET /users/:id, id in [1, max_id]  -> 200 {"id":42,"name":"user-42","email":"user-42@example.com"}
//   id not a decimal number            -> 400 {"error":"invalid id","detail":"not a decimal number"}
//   id 0 or above max_id               -> 404 {"error":"no such user","id":...}
// Middleware (each shard has its own instances): request_id (X-Request-Id on every answer, the
// client's own echoed), rate_limit (a token bucket per shard, 429 + Retry-After) and
// concurrency_limit (503 + Retry-After beyond max_in_flight per shard); a handler's exception
// becomes a 500 in the server itself.
#pragma once

#include <cstddef>
#include <cstdint>

#include <corio/http/request.hpp>
#include <corio/http/response.hpp>
#include <corio/http/router.hpp>
#include <corio/http/server.hpp>

namespace users {

/// What the users service answers and how it protects itself; the defaults are the server's.
struct settings {
    std::uint64_t max_id = 1'000'000;   ///< ids 1..max_id exist
    double rate_per_second = 10'000;    ///< admitted requests per second per shard; 0: no rate limit
    double burst = 20'000;              ///< token-bucket depth per shard
    std::size_t max_in_flight = 10'000; ///< requests between handler start and response, per shard
};

/// GET /users/:id: the user record generated from the id, or a 400/404 JSON error.
corio::http::response get_user(const corio::http::request& req, std::uint64_t max_id);

/// Adds GET /users/:id to `routes`.
void add_routes(corio::http::router& routes, const settings& config);

/// Installs request_id, then rate_limit (unless rate_per_second is 0), then concurrency_limit on
/// `server`: every answer, a 429 or 503 included, carries an X-Request-Id.
void add_middleware(corio::http::server& server, const settings& config);

} // namespace users
