// SPDX-License-Identifier: MIT
// workload: the shape of a realistic backend call, as a route table that the workload server and
// its integration test share: parse a JSON payload, hash it, wait for a (simulated) database round
// trip without blocking the shard, answer JSON.
//   POST /work {"user": string, "id": integer, "data": string}
//     -> 200 {"user":...,"id":...,"bytes":<bytes of data>,"sha256":"<hex SHA-256 of data>"}
//   malformed JSON                            -> 400 {"error":"malformed JSON","detail":...}
//   a missing field or one of the wrong type  -> 422 {"error":"invalid field","field":...,"expected":...}
// The database round trip is `co_await corio::sleep(db_delay)` on the shard's timer wheel: while
// one request waits, the shard serves others.
#pragma once

#include <chrono>

#include <corio/core/task.hpp>
#include <corio/http/request.hpp>
#include <corio/http/response.hpp>
#include <corio/http/router.hpp>

namespace workload {

/// How the simulated backend behaves.
struct settings {
    std::chrono::milliseconds db_delay{2}; ///< the simulated database round trip of every request
};

/// POST /work: validates the payload, hashes its data, waits `db_delay`, answers the record.
corio::task<corio::http::response> process(corio::http::request& req, std::chrono::milliseconds db_delay);

/// Adds POST /work to `routes`.
void add_routes(corio::http::router& routes, const settings& config);

} // namespace workload
