// SPDX-License-Identifier: MIT
// workload: serves the realistic backend call of workload.hpp (JSON in, SHA-256, an INSERT into
// PostgreSQL, JSON out) until SIGINT or SIGTERM. --db names the database (default: $CORIO_PG_URL,
// else the throwaway cluster of toolchains/pgtest.sh); --db-delay-ms N simulates the round trip
// with an N ms sleep instead, for comparison.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <corio/http/server.hpp>

#include "database.hpp"
#include "options.hpp"
#include "workload.hpp"

int main(int argc, char** argv) {
    workload::settings settings;
    corio::pg::pool_config database{.conninfo = corio::examples::default_database_url()};
    bool simulated = false;
    corio::examples::options options;
    // A 2 ms wait must last about 2 ms: a 1 ms timer tick (the default 10 would round it up to 10).
    options.runtime.ring.timer_tick_ms = 1;
    std::vector<corio::examples::extra_flag> flags = corio::examples::database_flags(database);
    flags.insert(
        flags.end(),
        {
            {"--db-delay-ms", "N",
             "no database: simulate its round trip with an N ms sleep on the shard's timer wheel (for comparison)",
             [&](std::string_view v) {
                 unsigned long long ms = 0;
                 if (!corio::examples::parse_number(v, 60'000, ms)) return false;
                 settings.db_delay = std::chrono::milliseconds(ms);
                 simulated = true;
                 return true;
             }},
            {"--timer-tick-ms", "N", "timer wheel tick per shard, in ms (default 1)",
             [&](std::string_view v) {
                 unsigned long long ms = 0;
                 if (!corio::examples::parse_number(v, 1000, ms) || ms == 0) return false;
                 options.runtime.ring.timer_tick_ms = static_cast<std::uint32_t>(ms);
                 return true;
             }},
        });
    if (auto exit_status =
            corio::examples::parse_command_line(argc, argv, {"workload", "Serves POST /work"}, options, flags))
        return *exit_status;

    if (!simulated && database.conninfo.empty()) {
        std::fprintf(stderr, "workload: %s; or simulate it with --db-delay-ms 2\n", corio::examples::no_database_help);
        return 2;
    }
    std::optional<corio::pg::pool> db; // outlives the runtime that serve() runs
    if (!simulated) settings.db = &db.emplace(std::move(database));

    corio::http::router routes;
    workload::add_routes(routes, settings);
    corio::http::server server(std::move(routes), options.server);
    // --ready-path answers 503 while this shard has no database connection (a balancer stops
    // sending it requests that could only fail).
    if (db) server.add_readiness_check("database", [&db] { return db->connected(); });
    return corio::examples::serve("workload", server, options);
}
