// SPDX-License-Identifier: MIT
// kvstore: an in-memory key-value service sharded across cores. Each key lives on the shard its
// hash picks (partition.hpp); a request reaches that shard through corio::submit_to (via
// sharded<partition>::invoke_on) carrying copies of the key and value, and the answer comes back
// to the shard that holds the connection.
//   PUT    /kv/:key  body = value (up to 1 MiB)  -> 201 created, 204 replaced
//   GET    /kv/:key                              -> 200 value, 404
//   DELETE /kv/:key                              -> 204, 404
//   POST   /kv       key=value (x-www-form-urlencoded) -> 201, 204
//   GET    /debug/shards                         -> keys held per shard, one line each
#pragma once

#include <corio/core/sharded.hpp>
#include <corio/http/router.hpp>

#include "partition.hpp"

namespace kvstore {

/// Every shard's partition of the key space; must outlive the runtime that serves the routes.
using store = corio::sharded<partition>;

/// Adds the kvstore routes, answering from `kv`, to `routes`.
void add_routes(corio::http::router& routes, store& kv);

} // namespace kvstore
