// SPDX-License-Identifier: MIT
// items: a JSON POST endpoint with typed request bodies (corio/http/json_body.hpp), as a route table
// that the items server and its integration test share.
//   POST /items {"name": string, "price": number} -> 201 {"status":"created","tax":<price*0.19>}
//   malformed JSON                                -> 400 {"error":"malformed JSON","detail":...}
//   a missing field or one of the wrong type      -> 422 {"error":"invalid field","field":...,"expected":...}
#pragma once

#include <corio/http/request.hpp>
#include <corio/http/response.hpp>
#include <corio/http/router.hpp>

namespace items {

/// POST /items: validates the item and answers the tax on its price.
corio::http::response create_item(corio::http::request& req);

/// Adds POST /items to `routes`.
void add_routes(corio::http::router& routes);

} // namespace items
