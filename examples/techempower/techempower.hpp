// SPDX-License-Identifier: MIT
// techempower: the seven test types of the TechEmpower Framework Benchmarks as a route table that
// the techempower server and its integration test share, following the project's published
// requirements for each:
//   GET /plaintext                 -> "Hello, World!" (text/plain)
//   GET /json                      -> {"message":"Hello, World!"}, serialized per request
//   GET /db                        -> {"id":N,"randomNumber":N}: one random World row
//   GET /queries?queries=N         -> [{"id":..,"randomNumber":..}, ...]: N rows by N separate queries,
//                                     issued together so they go out in one pipelined write
//   GET /fortunes                  -> the Fortune rows plus one added at request time, sorted by
//                                     message, as an HTML table with every message escaped
//   GET /updates?queries=N         -> N random rows read one by one, each given a new random number,
//                                     written back in one batched UPDATE; the updated rows as JSON
//   GET /cached-queries?count=N    -> N random rows from the shard's in-memory copy of World
// N is clamped to 1..500; a missing or non-numeric N is 1. A database that cannot be reached (or a
// full connection pool) is answered 503 with Retry-After; a query that fails otherwise, 500.
#pragma once

#include <corio/http/router.hpp>
#include <corio/pg/pool.hpp>

namespace techempower {

/// Adds the seven test types to `routes`; the database routes query `db`, which must outlive them.
void add_routes(corio::http::router& routes, corio::pg::pool& db);

} // namespace techempower
