// SPDX-License-Identifier: MIT
// router: maps a method and a path to a handler. Patterns are made of `/`-separated segments:
// literals, `:name` captures (one non-empty segment) and a final `*name` (the rest of the path,
// possibly empty). The most specific pattern wins (at the first differing segment a literal beats
// a capture, which beats a rest), so `/users/me` and `/users/:id` coexist; two patterns of the same
// shape for one method are a conflict reported when the route is added. A segment in braces
// (`/greet/{name}`, the axum and actix style) is refused rather than matched literally; the
// message says to write `/greet/:name`. Captured values reach handlers percent-decoded
// (request::param(); request::raw_param() gives them as sent). Built before the server
// starts, then shared read-only by every shard; lookup allocates nothing, and paths without
// captures are found in an open-addressing hash table, usually at the first slot. HEAD falls back
// to the GET handler (the server drops the body); a path known for other methods answers 405 with
// Allow.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <corio/core/result.hpp>
#include <corio/http/handler.hpp>

namespace corio::http {

/// The outcome of a lookup.
struct route_match {
    const endpoint* target = nullptr;  ///< the handler and its options, or null
    bool path_known = false;           ///< the path exists for some method (answer 405, not 404)
    std::uint16_t allowed_methods = 0; ///< bit per http::method for the Allow header
};

/// A table of routes; add routes, then hand it to the server.
class router {
public:
    router();
    ~router();
    router(router&&) noexcept;
    router& operator=(router&&) noexcept;

    /// Adds a route running `h` (a handler or an async_handler); EEXIST if the method and pattern
    /// shape are taken, EINVAL for a malformed pattern (a `{name}` segment included) or a streamed
    /// body on a synchronous handler.
    template <class H>
    result<void> add(method m, std::string_view path_pattern, H&& h, route_options options = {}) {
        return add_endpoint(m, path_pattern, make_endpoint(std::forward<H>(h), options));
    }
    /// Adds a GET route (and so HEAD); aborts with a message if it is malformed or taken.
    template <class H>
    router& get(std::string_view path_pattern, H&& h, route_options options = {}) {
        return add_or_abort(method::get, path_pattern, make_endpoint(std::forward<H>(h), options));
    }
    /// Adds a POST route; aborts with a message if it is malformed or taken.
    template <class H>
    router& post(std::string_view path_pattern, H&& h, route_options options = {}) {
        return add_or_abort(method::post, path_pattern, make_endpoint(std::forward<H>(h), options));
    }
    /// Adds a PUT route; aborts with a message if it is malformed or taken.
    template <class H>
    router& put(std::string_view path_pattern, H&& h, route_options options = {}) {
        return add_or_abort(method::put, path_pattern, make_endpoint(std::forward<H>(h), options));
    }
    /// Adds a DELETE route; aborts with a message if it is malformed or taken.
    template <class H>
    router& del(std::string_view path_pattern, H&& h, route_options options = {}) {
        return add_or_abort(method::delete_, path_pattern, make_endpoint(std::forward<H>(h), options));
    }
    /// Adds a PATCH route; aborts with a message if it is malformed or taken.
    template <class H>
    router& patch(std::string_view path_pattern, H&& h, route_options options = {}) {
        return add_or_abort(method::patch, path_pattern, make_endpoint(std::forward<H>(h), options));
    }

    /// Finds the handler for `m` and `path`; fills `params` (if given) with the captured segments.
    route_match find(method m, std::string_view path, route_params* params = nullptr) const noexcept;

private:
    struct entry;
    struct compiled_pattern;
    struct literal;
    // A slot of the literal paths' table: the path's hash and its route (null: empty slot).
    struct literal_slot {
        std::uint64_t hash = 0;
        const literal* target = nullptr;
    };

    template <class H>
    static endpoint make_endpoint(H&& h, route_options options) {
        endpoint e;
        e.options = options;
        if constexpr (std::is_same_v<std::invoke_result_t<std::decay_t<H>&, request&>, task<response>>) {
            e.async = std::forward<H>(h);
        } else {
            e.sync = std::forward<H>(h);
        }
        return e;
    }
    result<void> add_endpoint(method m, std::string_view text, endpoint e);
    router& add_or_abort(method m, std::string_view text, endpoint e);
    entry& literal_entry(std::string_view path);
    const literal* find_literal(std::string_view path) const noexcept;
    void find_pattern(method m, std::string_view path, route_params* params, route_match& match) const noexcept;

    std::vector<std::unique_ptr<literal>> _literals; // paths without captures, in the order added
    std::vector<literal_slot> _literal_slots;        // open addressing over _literals, at most a quarter full
    std::vector<std::unique_ptr<compiled_pattern>> _patterns;
};

} // namespace corio::http
