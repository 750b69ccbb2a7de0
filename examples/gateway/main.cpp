// SPDX-License-Identifier: MIT
// gateway: a reverse proxy in front of one HTTP/1.1 upstream.
//   gateway --upstream http://HOST:PORT [--port 8080] [--upstream-timeout MS] [--upstream-pipeline DEPTH]
//           [--max-body BYTES]
// Every request (GET, HEAD, POST, PUT, DELETE, PATCH on any path) goes to the upstream over a
// keep-alive pool per shard (corio::http::client); 502 when the upstream fails, 504 when it is slow.
// Hop-by-hop fields are dropped; X-Forwarded-For gets the client's address appended.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <corio/http/server.hpp>

#include "options.hpp"
#include "proxy.hpp"

int main(int argc, char** argv) {
    std::optional<corio::http::origin> base;
    corio::http::client_config config;
    std::uint64_t max_body = gateway::default_max_body_bytes;
    const corio::examples::extra_flag flags[] = {
        {"--upstream", "URL", "where to forward: http://HOST:PORT (required; a host name is resolved at start-up)",
         [&](std::string_view v) {
             corio::result<corio::http::origin> parsed = corio::http::origin::parse(v); // an origin, not a path
             if (parsed) base = std::move(*parsed);
             return parsed.has_value();
         }},
        {"--upstream-timeout", "MS",
         "longest wait for the upstream's whole answer before 504 (default " +
             std::to_string(config.exchange_timeout.count()) + ")",
         [&](std::string_view v) {
             unsigned long long ms = 0;
             if (!corio::examples::parse_number(v, 3'600'000, ms) || ms == 0) return false;
             config.exchange_timeout = std::chrono::milliseconds(ms);
             config.head_timeout = std::min(config.head_timeout, config.exchange_timeout);
             return true;
         }},
        {"--upstream-pipeline", "DEPTH",
         "requests one upstream connection carries at once, once a shard has " +
             std::to_string(config.connections_per_origin) + " of them: GET and HEAD are pipelined (default 1: none)",
         [&](std::string_view v) {
             unsigned long long depth = 0;
             if (!corio::examples::parse_number(v, 1024, depth) || depth == 0) return false;
             config.pipeline_depth = static_cast<unsigned>(depth);
             return true;
         }},
        {"--max-body", "BYTES",
         "largest request body forwarded, streamed (413 past it; default " + std::to_string(max_body) + ")",
         [&](std::string_view v) {
             unsigned long long bytes = 0;
             if (!corio::examples::parse_number(v, ~0ull, bytes) || bytes == 0) return false;
             max_body = bytes;
             return true;
         }},
    };
    corio::examples::options options;
    if (auto exit_status = corio::examples::parse_command_line(
            argc, argv, {"gateway", "Forwards every request to --upstream"}, options, flags))
        return *exit_status;
    if (!base) {
        std::fputs("gateway: --upstream http://HOST:PORT is required (the server to forward to)\n", stderr);
        return 2;
    }
    corio::http::client upstream_calls(config);
    // A host name is resolved once, here, before the shards run (they never block on a resolver).
    const std::string_view host = base->host();
    if (auto resolved = upstream_calls.add_host(host); !resolved) {
        std::fprintf(stderr, "gateway: cannot resolve the upstream host '%.*s': %s\n", static_cast<int>(host.size()),
                     host.data(), resolved.error().message().c_str());
        return 2;
    }
    const gateway::upstream to{*base, &upstream_calls, max_body};
    corio::http::server server(gateway::routes(to), options.server);
    return corio::examples::serve("gateway", server, options);
}
