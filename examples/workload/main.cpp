// SPDX-License-Identifier: MIT
// workload: serves the realistic backend call of workload.hpp (JSON in, SHA-256, a simulated 2 ms
// database round trip, JSON out) until SIGINT or SIGTERM.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include <corio/http/server.hpp>

#include "options.hpp"
#include "workload.hpp"

int main(int argc, char** argv) {
    workload::settings settings;
    corio::examples::options options;
    // A 2 ms wait must last about 2 ms: a 1 ms timer tick (the default 10 would round it up to 10).
    options.runtime.ring.timer_tick_ms = 1;
    const corio::examples::extra_flag flags[] = {
        {"--db-delay-ms", "N",
         "simulated database round trip per request, in ms (default " + std::to_string(settings.db_delay.count()) + ")",
         [&](std::string_view v) {
             unsigned long long ms = 0;
             if (!corio::examples::parse_number(v, 60'000, ms)) return false;
             settings.db_delay = std::chrono::milliseconds(ms);
             return true;
         }},
        {"--timer-tick-ms", "N", "timer wheel tick per shard, in ms (default 1)",
         [&](std::string_view v) {
             unsigned long long ms = 0;
             if (!corio::examples::parse_number(v, 1000, ms) || ms == 0) return false;
             options.runtime.ring.timer_tick_ms = static_cast<std::uint32_t>(ms);
             return true;
         }},
    };
    if (auto exit_status =
            corio::examples::parse_command_line(argc, argv, {"workload", "Serves POST /work"}, options, flags))
        return *exit_status;

    corio::http::router routes;
    workload::add_routes(routes, settings);
    corio::http::server server(std::move(routes), options.server);
    return corio::examples::serve("workload", server, options.runtime);
}
