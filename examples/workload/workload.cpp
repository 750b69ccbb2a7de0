// SPDX-License-Identifier: MIT
#include "workload.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <corio/core/sleep.hpp>
#include <corio/http/json.hpp>
#include <corio/http/json_body.hpp>

#include "database_failure.hpp"
#include "sha256.hpp"

namespace workload {

namespace {

// The table is the example's own, made by the first requests of each shard (IF NOT EXISTS; shards
// racing to create it see duplicate_table or unique_violation, which mean it exists).
const corio::pg::statement create_table("CREATE TABLE IF NOT EXISTS work_log (entry bigserial PRIMARY KEY, "
                                        "user_name text NOT NULL, item bigint NOT NULL, bytes bigint NOT NULL, "
                                        "sha256 char(64) NOT NULL, recorded timestamptz NOT NULL DEFAULT now())");
const corio::pg::statement record_work("INSERT INTO work_log (user_name, item, bytes, sha256) VALUES ($1, $2, $3, $4)");

// The INSERT of one request, after making sure (once per shard) that the table exists.
corio::task<corio::pg::result<corio::pg::rows>> record(corio::pg::pool& db, std::string_view user, std::int64_t id,
                                                       std::int64_t bytes, std::string_view digest) {
    thread_local bool table_ready = false; // per shard thread
    if (!table_ready) {
        auto made = co_await db.execute(create_table);
        if (!made && made.error().sqlstate() != "42P07" && made.error().sqlstate() != "23505")
            co_return tl::unexpected(std::move(made.error()));
        table_ready = true;
    }
    co_return co_await db.execute(record_work, user, id, bytes, digest);
}

} // namespace

corio::task<corio::http::response> process(corio::http::request& req, settings config) {
    // What the answer needs is taken out of the body before the handler suspends: a json_reader's
    // views point into a per-shard buffer that the next request parsed while this one sleeps reuses.
    std::string user;
    std::int64_t id = 0;
    std::size_t bytes = 0;
    sha256_digest digest{};
    {
        corio::http::json_reader body(req.body());
        std::string_view data;
        body.field("user", user).field("id", id).field("data", data);
        if (!body.ok()) co_return body.error_response();
        bytes = data.size();
        if (!sha256(data, digest)) {
            corio::http::response failed(corio::http::status::internal_server_error);
            corio::http::json_body(failed).begin_object().key("error").value("hashing failed").end_object();
            co_return failed;
        }
    }

    std::array<char, 64> hex;
    to_hex(digest, hex);
    // The database round trip: the shard serves other requests meanwhile.
    if (config.db != nullptr) {
        const auto recorded = co_await record(*config.db, user, id, static_cast<std::int64_t>(bytes),
                                              std::string_view(hex.data(), hex.size()));
        if (!recorded) co_return corio::examples::database_failure(recorded.error());
    } else {
        co_await corio::sleep(config.db_delay);
    }

    corio::http::response res;
    corio::http::json_body(res)
        .begin_object()
        .key("user")
        .value(std::string_view(user))
        .key("id")
        .value(id)
        .key("bytes")
        .value(bytes)
        .key("sha256")
        .value(std::string_view(hex.data(), hex.size()))
        .end_object();
    co_return res;
}

void add_routes(corio::http::router& routes, const settings& config) {
    // The lambda only calls the coroutine: the coroutine's frame holds its own copy of the settings.
    routes.post("/work", [config](corio::http::request& req) { return process(req, config); });
}

} // namespace workload
