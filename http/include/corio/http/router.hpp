// SPDX-License-Identifier: MIT
// router: maps method + exact path to a handler. Built before the server starts, then shared
// read-only by every shard; lookup hashes the path and allocates nothing. HEAD falls back to the
// GET handler (the server drops the body); a path known for other methods answers 405 with Allow.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <corio/core/result.hpp>
#include <corio/http/request.hpp>
#include <corio/http/response.hpp>

namespace corio::http {

/// A synchronous handler: runs on the shard that received the request and returns the response.
using handler = std::function<response(request&)>;

/// The outcome of a lookup.
struct route_match {
    const handler* target = nullptr;   ///< the handler, or null
    bool path_known = false;           ///< the path exists for some method (answer 405, not 404)
    std::uint16_t allowed_methods = 0; ///< bit per http::method for the Allow header
};

/// A table of routes; add routes, then hand it to the server.
class router {
public:
    /// Adds a route; returns EEXIST if the method and path are taken.
    result<void> add(method m, std::string_view path, handler h);
    /// Adds a GET route (and so HEAD); aborts with a message if it is already taken.
    router& get(std::string_view path, handler h);
    /// Adds a POST route; aborts with a message if it is already taken.
    router& post(std::string_view path, handler h);

    /// Finds the handler for `m` and `path`.
    route_match find(method m, std::string_view path) const noexcept;

private:
    struct path_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    struct entry {
        std::array<handler, method_count> handlers;
        std::uint16_t allowed = 0;
    };
    router& add_or_abort(method m, std::string_view path, handler h);

    std::unordered_map<std::string, entry, path_hash, std::equal_to<>> _routes;
};

} // namespace corio::http
