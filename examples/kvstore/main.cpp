// SPDX-License-Identifier: MIT
// kvstore: the sharded in-memory key-value server (routes in kvstore.hpp).
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include <corio/core/runtime.hpp>
#include <corio/http/server.hpp>

#include "kvstore.hpp"

namespace {

void usage(std::FILE* to) {
    std::fputs("usage: kvstore [--port N] [--address ADDR] [--threads N] [--help]\n"
               "  --port N        TCP port to listen on (default 8080; 0 picks a free one)\n"
               "  --address ADDR  numeric IPv4/IPv6 address to bind (default 0.0.0.0)\n"
               "  --threads N     number of shards, one per CPU (default: every CPU in the affinity mask)\n"
               "  --help          print this help\n"
               "Serves PUT/GET/DELETE /kv/:key, POST /kv (key=value form) and GET /debug/shards\n"
               "until SIGINT or SIGTERM; values up to 1 MiB, each key on the shard its hash picks.\n",
               to);
}

bool parse_number(const char* text, unsigned long max, unsigned long& out) {
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, out);
    return ec == std::errc() && ptr == end && out <= max;
}

} // namespace

int main(int argc, char** argv) {
    corio::http::server_config config;
    corio::runtime_config runtime_config;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        unsigned long n = 0;
        if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        } else if (arg == "--port" && has_value && parse_number(argv[i + 1], 65535, n)) {
            config.port = static_cast<std::uint16_t>(n);
            ++i;
        } else if (arg == "--address" && has_value) {
            config.address = argv[++i];
        } else if (arg == "--threads" && has_value && parse_number(argv[i + 1], 1024, n) && n > 0) {
            runtime_config.shards = static_cast<unsigned>(n);
            ++i;
        } else {
            std::fprintf(stderr, "kvstore: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    kvstore::store store; // outlives the runtime below: its shards use it until they stop
    corio::http::router routes;
    kvstore::add_routes(routes, store);
    corio::http::server server(std::move(routes), config);
    corio::runtime runtime(runtime_config);
    if (auto started = runtime.start(server); !started) {
        std::fprintf(stderr, "kvstore: %s\n", runtime.error_message().c_str());
        return 1;
    }
    std::printf("kvstore: listening on %s port %u, %u shards, io_uring: %s\n", config.address.c_str(),
                static_cast<unsigned>(server.port()), runtime.shard_count(), runtime.features().describe().c_str());
    std::fflush(stdout);
    return runtime.wait_for_signal();
}
