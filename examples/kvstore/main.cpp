// SPDX-License-Identifier: MIT
// kvstore: an in-memory key-value service sharded across cores. Each key lives on the shard its
// hash picks (see partition.hpp); a request reaches that shard through corio::submit_to (via
// sharded<partition>::invoke_on), carrying copies of the key and value, and its answer comes back
// to the shard that holds the connection.
//   PUT    /kv/:key  body = value (up to 1 MiB)  -> 201 created, 204 replaced
//   GET    /kv/:key                              -> 200 value, 404
//   DELETE /kv/:key                              -> 204, 404
//   POST   /kv       key=value (x-www-form-urlencoded) -> 201, 204
//   GET    /debug/shards                         -> keys held per shard, one line each
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include <corio/core/runtime.hpp>
#include <corio/core/shard.hpp>
#include <corio/core/sharded.hpp>
#include <corio/http/server.hpp>

#include "form.hpp"
#include "partition.hpp"

namespace {

using corio::http::request;
using corio::http::response;
using corio::http::status;
using store_type = corio::sharded<kvstore::partition>;

constexpr std::size_t max_value_bytes = 1 << 20;

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

unsigned owner_of(std::string_view key) {
    return kvstore::owner_of(key, corio::shard::current()->count());
}

corio::task<response> store_value(store_type& store, std::string key, std::string value) {
    const unsigned shard = owner_of(key);
    const bool created = co_await store.invoke_on(
        shard, [key = std::move(key), value = std::move(value)](kvstore::partition& p) mutable {
            return p.put(std::move(key), std::move(value));
        });
    co_return response(created ? status::created : status::no_content);
}

response bad_key() {
    return response::text("malformed key\n", status::bad_request);
}

corio::http::router make_routes(store_type& store) {
    corio::http::router routes;
    routes.put("/kv/:key",
               [&store](request& req) -> corio::task<response> {
                   auto key = kvstore::percent_decode(req.param("key"), false);
                   if (!key || key->empty()) co_return bad_key();
                   co_return co_await store_value(store, std::move(*key), std::string(req.body()));
               },
               {.max_body_bytes = max_value_bytes});
    routes.get("/kv/:key", [&store](request& req) -> corio::task<response> {
        auto key = kvstore::percent_decode(req.param("key"), false);
        if (!key || key->empty()) co_return bad_key();
        const unsigned shard = owner_of(*key);
        const auto value =
            co_await store.invoke_on(shard, [key = std::move(*key)](kvstore::partition& p) { return p.get(key); });
        if (!value) co_return response::text("not found\n", status::not_found);
        co_return response::copy_of(*value, "application/octet-stream");
    });
    routes.del("/kv/:key", [&store](request& req) -> corio::task<response> {
        auto key = kvstore::percent_decode(req.param("key"), false);
        if (!key || key->empty()) co_return bad_key();
        const unsigned shard = owner_of(*key);
        const bool erased =
            co_await store.invoke_on(shard, [key = std::move(*key)](kvstore::partition& p) { return p.erase(key); });
        co_return erased ? response(status::no_content) : response::text("not found\n", status::not_found);
    });
    // Percent-encoding may triple a 1 MiB value on the wire; the decoded value is checked below.
    routes.post("/kv",
                [&store](request& req) -> corio::task<response> {
                    const auto type = req.header("Content-Type");
                    if (!type || !type->starts_with("application/x-www-form-urlencoded")) {
                        co_return response::text("expected application/x-www-form-urlencoded\n",
                                                 status::unsupported_media_type);
                    }
                    auto field = kvstore::first_form_field(req.body());
                    if (!field || field->name.empty())
                        co_return response::text("expected key=value\n", status::bad_request);
                    if (field->value.size() > max_value_bytes) {
                        co_return response::text("value larger than 1 MiB\n", status::payload_too_large);
                    }
                    co_return co_await store_value(store, std::move(field->name), std::move(field->value));
                },
                {.max_body_bytes = 3 * max_value_bytes + 4096});
    routes.get("/debug/shards", [&store](request&) -> corio::task<response> {
        const std::string lines = co_await store.map_reduce(
            [](kvstore::partition& p) {
                return "shard " + std::to_string(corio::shard::current()->id()) + " keys " + std::to_string(p.size()) +
                       "\n";
            },
            std::string(), [](std::string all, const std::string& line) { return all + line; });
        co_return response::copy_of(lines, "text/plain");
    });
    return routes;
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

    store_type store; // outlives the runtime below: its shards use it until they stop
    corio::http::server server(make_routes(store), config);
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
