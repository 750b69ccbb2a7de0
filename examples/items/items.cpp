// SPDX-License-Identifier: MIT
#include "items.hpp"

#include <string_view>

#include <corio/http/json.hpp>
#include <corio/http/json_body.hpp>

namespace items {

corio::http::response create_item(corio::http::request& req) {
    corio::http::json_reader body(req.body());
    std::string_view name;
    double price = 0;
    body.field("name", name).field("price", price);
    if (!body.ok()) return body.error_response();
    corio::http::response res(corio::http::status::created);
    corio::http::json_body(res)
        .begin_object()
        .key("status")
        .value("created")
        .key("tax")
        .value(price * 0.19)
        .end_object();
    return res;
}

void add_routes(corio::http::router& routes) {
    routes.post("/items", create_item);
}

} // namespace items
