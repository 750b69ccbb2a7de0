// SPDX-License-Identifier: MIT
// hello: the TechEmpower plaintext and JSON endpoints on corio.
//   GET /plaintext -> 200 text/plain "Hello, World!"
//   GET /json      -> 200 application/json {"message":"Hello, World!"} (serialized per request)
#include <utility>

#include <corio/http/json.hpp>
#include <corio/http/server.hpp>

#include "options.hpp"

int main(int argc, char** argv) {
    corio::examples::options options;
    if (auto exit_status =
            corio::examples::parse_command_line(argc, argv, {"hello", "Serves GET /plaintext and GET /json"}, options))
        return *exit_status;

    corio::http::router routes;
    routes.get("/plaintext", [](corio::http::request&) { return corio::http::response::text("Hello, World!"); });
    routes.get("/json", [](corio::http::request&) {
        corio::http::response res;
        corio::http::json_body(res).begin_object().key("message").value("Hello, World!").end_object();
        return res;
    });

    corio::http::server server(std::move(routes), options.server);
    return corio::examples::serve("hello", server, options);
}
