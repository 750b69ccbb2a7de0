// SPDX-License-Identifier: MIT
// techempower: serves the seven TechEmpower test types (techempower.hpp) on corio, the database
// ones from PostgreSQL through corio::pg. --db names the database (a libpq conninfo or
// postgresql:// URL); by default $CORIO_PG_URL, else the throwaway cluster that
// `bash toolchains/pgtest.sh start` runs.
#include <cstdio>
#include <utility>

#include <corio/http/server.hpp>
#include <corio/pg/pool.hpp>

#include "database.hpp"
#include "options.hpp"
#include "techempower.hpp"

int main(int argc, char** argv) {
    corio::pg::pool_config database{.conninfo = corio::examples::default_database_url()};
    // /queries?queries=20 from 512 connections is 10,240 statements at once on a shard: queue them
    // rather than answer 503 (the pool's default bound, 4,096, suits services with smaller fan-out).
    database.max_waiting = 16384;
    corio::examples::options options;
    const auto flags = corio::examples::database_flags(database);
    if (auto exit_status = corio::examples::parse_command_line(
            argc, argv, {"techempower", "Serves the seven TechEmpower test types"}, options, flags))
        return *exit_status;
    if (database.conninfo.empty()) {
        std::fprintf(stderr, "techempower: %s\n", corio::examples::no_database_help);
        return 2;
    }

    corio::pg::pool db(std::move(database)); // outlives the runtime that serve() runs
    corio::http::router routes;
    techempower::add_routes(routes, db);
    corio::http::server server(std::move(routes), options.server);
    // --ready-path answers 503 while this shard has no database connection.
    server.add_readiness_check("database", [&db] { return db.connected(); });
    return corio::examples::serve("techempower", server, options);
}
