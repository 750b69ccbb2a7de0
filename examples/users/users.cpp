// SPDX-License-Identifier: MIT
#include "users.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string_view>
#include <system_error>

#include <corio/http/concurrency_limit.hpp>
#include <corio/http/json.hpp>
#include <corio/http/rate_limit.hpp>
#include <corio/http/request_id.hpp>

namespace users {

namespace {

corio::http::response error(corio::http::status code, std::string_view message, std::string_view detail = {}) {
    corio::http::response res(code);
    corio::http::json_writer body = corio::http::json_body(res);
    body.begin_object().key("error").value(message);
    if (!detail.empty()) body.key("detail").value(detail);
    body.end_object();
    return res;
}

} // namespace

corio::http::response get_user(const corio::http::request& req, std::uint64_t max_id) {
    const std::string_view text = req.param("id");
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return error(corio::http::status::bad_request, "invalid id", "not a decimal number");
    std::uint64_t id = 0;
    // Only digits are left: the one possible failure is a number beyond 64 bits, an id no user has.
    if (std::from_chars(text.data(), text.data() + text.size(), id).ec != std::errc() || id == 0 || id > max_id)
        return error(corio::http::status::not_found, "no such user");

    // "user-<id>" and "user-<id>@example.com" built on the stack: the success path allocates nothing.
    char name[32] = "user-";
    char* const name_end = std::to_chars(name + 5, name + sizeof name, id).ptr;
    const std::string_view user_name(name, static_cast<std::size_t>(name_end - name));
    constexpr std::string_view domain = "@example.com";
    char email[sizeof name + domain.size()];
    std::copy(domain.begin(), domain.end(), std::copy(user_name.begin(), user_name.end(), email));
    const std::string_view user_email(email, user_name.size() + domain.size());

    corio::http::response res;
    corio::http::json_body(res)
        .begin_object()
        .key("id")
        .value(id)
        .key("name")
        .value(user_name)
        .key("email")
        .value(user_email)
        .end_object();
    return res;
}

void add_routes(corio::http::router& routes, const settings& config) {
    // json_writer writes signed 64-bit integers: larger ids could not be answered.
    const std::uint64_t max_id = std::min<std::uint64_t>(config.max_id, std::numeric_limits<std::int64_t>::max());
    routes.get("/users/:id", [max_id](corio::http::request& req) { return get_user(req, max_id); });
}

void add_middleware(corio::http::server& server, const settings& config) {
    // request_id first: its after() sees every answer, also the 429s and 503s of the two limits.
    server.use(corio::http::request_id());
    // The rate limit before the concurrency limit: a request refused for its rate takes no slot.
    if (config.rate_per_second > 0) server.use(corio::http::rate_limit(config.rate_per_second, config.burst));
    server.use(corio::http::concurrency_limit(config.max_in_flight));
}

} // namespace users
