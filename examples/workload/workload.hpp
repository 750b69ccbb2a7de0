// SPDX-License-Identifier: MIT
// workload: the shape of a realistic backend call, as a route table that the workload server and
// its integration test share: parse a JSON payload, hash it, record it in PostgreSQL without
// blocking the shard, answer JSON.
//   POST /work {"user": string, "id": integer, "data": string}
//     -> 200 {"user":...,"id":...,"bytes":<bytes of data>,"sha256":"<hex SHA-256 of data>"}
//   malformed JSON                            -> 400 {"error":"malformed JSON","detail":...}
//   a missing field or one of the wrong type  -> 422 {"error":"invalid field","field":...,"expected":...}
//   the database unreachable or its pool full  -> 503 {"error":...} with Retry-After; another database error -> 500
// The database round trip is a prepared INSERT of the user, id, size and digest into the table
// work_log (created on first use) through a corio::pg::pool; with no pool, it is simulated by
// `co_await corio::sleep(db_delay)` on the shard's timer wheel, for comparison. While one request
// waits, the shard serves others.
#pragma once

#include <chrono>

#include <corio/core/task.hpp>
#include <corio/http/request.hpp>
#include <corio/http/response.hpp>
#include <corio/http/router.hpp>
#include <corio/pg/pool.hpp>

namespace workload {

/// Where the database round trip goes.
struct settings {
    corio::pg::pool* db = nullptr;         ///< records each request here; null: simulate with db_delay
    std::chrono::milliseconds db_delay{2}; ///< the simulated database round trip, when there is no pool
};

/// POST /work: validates the payload, hashes its data, records it (or waits db_delay), answers the record.
corio::task<corio::http::response> process(corio::http::request& req, settings config);

/// Adds POST /work to `routes`.
void add_routes(corio::http::router& routes, const settings& config);

} // namespace workload
