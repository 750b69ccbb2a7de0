// SPDX-License-Identifier: MIT
// items: serves the JSON POST endpoint of items.hpp (typed request bodies) until SIGINT or SIGTERM.
#include <utility>

#include <corio/http/server.hpp>

#include "items.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
    corio::examples::options options;
    if (auto exit_status = corio::examples::parse_command_line(argc, argv, {"items", "Serves POST /items"}, options))
        return *exit_status;

    corio::http::router routes;
    items::add_routes(routes);

    corio::http::server server(std::move(routes), options.server);
    return corio::examples::serve("items", server, options);
}
