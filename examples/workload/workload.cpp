// SPDX-License-Identifier: MIT
#include "workload.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <corio/core/sleep.hpp>
#include <corio/http/json.hpp>
#include <corio/http/json_body.hpp>

#include "sha256.hpp"

namespace workload {

corio::task<corio::http::response> process(corio::http::request& req, std::chrono::milliseconds db_delay) {
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

    co_await corio::sleep(db_delay); // the database round trip: the shard serves other requests meanwhile

    std::array<char, 64> hex;
    to_hex(digest, hex);
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
    const std::chrono::milliseconds db_delay = config.db_delay;
    // The lambda only calls the coroutine: the coroutine's frame holds its own copy of db_delay.
    routes.post("/work", [db_delay](corio::http::request& req) { return process(req, db_delay); });
}

} // namespace workload
