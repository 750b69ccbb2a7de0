// SPDX-License-Identifier: MIT
// items: serves the JSON POST endpoint of items.hpp (typed request bodies) until SIGINT or SIGTERM.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <corio/core/runtime.hpp>
#include <corio/http/server.hpp>

#include "items.hpp"

namespace {

void usage(std::FILE* to) {
    std::fputs("usage: items [--port N] [--address ADDR] [--threads N] [--help]\n"
               "  --port N        TCP port to listen on (default 8080; 0 picks a free one)\n"
               "  --address ADDR  numeric IPv4/IPv6 address to bind (default 0.0.0.0)\n"
               "  --threads N     number of shards, one per CPU (default: every CPU in the affinity mask)\n"
               "  --help          print this help\n"
               "Serves POST /items until SIGINT or SIGTERM.\n",
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
            std::fprintf(stderr, "items: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    corio::http::router routes;
    items::add_routes(routes);

    corio::http::server server(std::move(routes), config);
    corio::runtime runtime(runtime_config);
    if (auto started = runtime.start(server); !started) {
        std::fprintf(stderr, "items: %s\n", runtime.error_message().c_str());
        return 1;
    }
    std::printf("items: listening on %s port %u, %u shards\n", config.address.c_str(),
                static_cast<unsigned>(server.port()), runtime.shard_count());
    std::fflush(stdout);
    return runtime.wait_for_signal();
}
