// SPDX-License-Identifier: MIT
// kvstore: the sharded in-memory key-value server (routes in kvstore.hpp) until SIGINT or SIGTERM.
#include <utility>

#include <corio/http/server.hpp>

#include "kvstore.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
    corio::examples::options options;
    const corio::examples::program who{"kvstore", "Serves PUT/GET/DELETE /kv/:key, POST /kv (key=value form) and "
                                                  "GET /debug/shards; values up to 1 MiB, each key on the shard "
                                                  "its hash picks,"};
    if (auto exit_status = corio::examples::parse_command_line(argc, argv, who, options)) return *exit_status;

    kvstore::store store; // outlives the runtime serve() runs: its shards use it until they stop
    corio::http::router routes;
    kvstore::add_routes(routes, store);
    corio::http::server server(std::move(routes), options.server);
    return corio::examples::serve("kvstore", server, options);
}
