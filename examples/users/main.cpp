// SPDX-License-Identifier: MIT
// users: serves the JSON API of users.hpp (GET /users/:id behind request_id, rate_limit and
// concurrency_limit) until SIGINT or SIGTERM.
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <corio/http/server.hpp>

#include "options.hpp"
#include "users.hpp"

namespace {

// A decimal number (fractions allowed: a rate of 0.5 per second); false for anything else.
bool parse_decimal(std::string_view text, double& out) {
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || !(value >= 0 && value <= 1e9)) return false;
    out = value;
    return true;
}

} // namespace

int main(int argc, char** argv) {
    users::settings settings;
    const auto whole = [](double value) { return std::to_string(static_cast<long long>(value)); };
    const corio::examples::extra_flag flags[] = {
        {"--max-id", "N", "users 1..N exist, other ids answer 404 (default " + std::to_string(settings.max_id) + ")",
         [&](std::string_view v) {
             unsigned long long n = 0;
             if (!corio::examples::parse_number(v, std::numeric_limits<std::int64_t>::max(), n)) return false;
             settings.max_id = n;
             return true;
         }},
        {"--rate", "R",
         "requests admitted per second per shard, 0: no limit (default " + whole(settings.rate_per_second) + ")",
         [&](std::string_view v) { return parse_decimal(v, settings.rate_per_second); }},
        {"--burst", "N", "requests admitted at once per shard above the rate (default " + whole(settings.burst) + ")",
         [&](std::string_view v) { return parse_decimal(v, settings.burst); }},
        {"--max-in-flight", "N",
         "requests in flight per shard before 503 (default " + std::to_string(settings.max_in_flight) + ")",
         [&](std::string_view v) {
             unsigned long long n = 0;
             if (!corio::examples::parse_number(v, 1'000'000'000, n)) return false;
             settings.max_in_flight = n;
             return true;
         }},
    };
    corio::examples::options options;
    if (auto exit_status =
            corio::examples::parse_command_line(argc, argv, {"users", "Serves GET /users/:id"}, options, flags))
        return *exit_status;

    corio::http::router routes;
    users::add_routes(routes, settings);
    corio::http::server server(std::move(routes), options.server);
    users::add_middleware(server, settings);
    return corio::examples::serve("users", server, options);
}
