// SPDX-License-Identifier: MIT
#include "kvstore.hpp"

#include <string>
#include <string_view>

#include <corio/core/shard.hpp>

#include "form.hpp"

namespace kvstore {

namespace {

using corio::http::request;
using corio::http::response;
using corio::http::status;

constexpr std::size_t max_value_bytes = 1 << 20;

unsigned owner_of(std::string_view key) {
    return kvstore::owner_of(key, corio::shard::current()->count());
}

corio::task<response> store_value(store& kv, std::string key, std::string value) {
    const unsigned shard = owner_of(key);
    // Owned values travel as arguments, not lambda captures (see corio/core/submit_to.hpp).
    const bool created = co_await kv.invoke_on(
        shard, [](kvstore::partition& p, std::string k, std::string v) { return p.put(std::move(k), std::move(v)); },
        std::move(key), std::move(value));
    co_return response(created ? status::created : status::no_content);
}

response bad_key() {
    return response::text("malformed key\n", status::bad_request);
}

} // namespace

void add_routes(corio::http::router& routes, store& kv) {
    routes.put("/kv/:key",
               [&kv](request& req) -> corio::task<response> {
                   auto key = kvstore::percent_decode(req.param("key"), false);
                   if (!key || key->empty()) co_return bad_key();
                   co_return co_await store_value(kv, std::move(*key), std::string(req.body()));
               },
               {.max_body_bytes = max_value_bytes});
    routes.get("/kv/:key", [&kv](request& req) -> corio::task<response> {
        auto key = kvstore::percent_decode(req.param("key"), false);
        if (!key || key->empty()) co_return bad_key();
        const unsigned shard = owner_of(*key);
        const auto value = co_await kv.invoke_on(
            shard, [](kvstore::partition& p, std::string k) { return p.get(k); }, std::move(*key));
        if (!value) co_return response::text("not found\n", status::not_found);
        co_return response::copy_of(*value, "application/octet-stream");
    });
    routes.del("/kv/:key", [&kv](request& req) -> corio::task<response> {
        auto key = kvstore::percent_decode(req.param("key"), false);
        if (!key || key->empty()) co_return bad_key();
        const unsigned shard = owner_of(*key);
        const bool erased = co_await kv.invoke_on(
            shard, [](kvstore::partition& p, std::string k) { return p.erase(k); }, std::move(*key));
        co_return erased ? response(status::no_content) : response::text("not found\n", status::not_found);
    });
    // Percent-encoding may triple a 1 MiB value on the wire; the decoded value is checked below.
    routes.post("/kv",
                [&kv](request& req) -> corio::task<response> {
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
                    co_return co_await store_value(kv, std::move(field->name), std::move(field->value));
                },
                {.max_body_bytes = 3 * max_value_bytes + 4096});
    routes.get("/debug/shards", [&kv](request&) -> corio::task<response> {
        const std::string lines = co_await kv.map_reduce(
            [](kvstore::partition& p) {
                return "shard " + std::to_string(corio::shard::current()->id()) + " keys " + std::to_string(p.size()) +
                       "\n";
            },
            std::string(), [](std::string all, const std::string& line) { return all + line; });
        co_return response::copy_of(lines, "text/plain");
    });
}

} // namespace kvstore
