// SPDX-License-Identifier: MIT
// router: exact matches, 404 and 405 (with the Allow bits), HEAD answered by GET, duplicate routes,
// lookups with views that are not NUL-terminated (paths sliced out of a receive buffer), captures
// (`:name`, `*rest`), specificity, conflicts and malformed patterns, async handlers and options.
#include <corio/http/router.hpp>

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

namespace {

using corio::http::method;
using corio::http::request;
using corio::http::response;
using corio::http::route_match;
using corio::http::route_params;
using corio::http::router;

constexpr std::uint16_t bit(method m) {
    return static_cast<std::uint16_t>(1U << static_cast<unsigned>(m));
}

// A handler whose response body names it, so a test can tell which one a lookup found.
corio::http::handler named(std::string_view name) {
    return [name](request&) { return response::text(name); };
}

std::string call(const route_match& match) {
    request r;
    return std::string(match.target->sync(r).body());
}

router sample_routes() {
    router routes;
    routes.get("/plaintext", named("plaintext"));
    routes.get("/json", named("json"));
    routes.post("/json", named("json-post"));
    EXPECT_TRUE(routes.add(method::put, "/item", named("item-put")));
    return routes;
}

TEST(router, exact_match) {
    const router routes = sample_routes();
    const route_match m = routes.find(method::get, "/plaintext");
    ASSERT_NE(m.target, nullptr);
    EXPECT_TRUE(m.path_known);
    EXPECT_EQ(call(m), "plaintext");
    EXPECT_EQ(call(routes.find(method::get, "/json")), "json");
    EXPECT_EQ(call(routes.find(method::post, "/json")), "json-post");
    EXPECT_EQ(call(routes.find(method::put, "/item")), "item-put");
}

TEST(router, matching_is_exact) {
    const router routes = sample_routes();
    for (std::string_view path : {"/plaintext/", "/plaintex", "/PLAINTEXT", "plaintext", "/plaintext?x=1", ""}) {
        const route_match m = routes.find(method::get, path);
        EXPECT_EQ(m.target, nullptr) << path;
        EXPECT_FALSE(m.path_known) << path;
    }
}

TEST(router, unknown_path_is_404) {
    const router routes = sample_routes();
    const route_match m = routes.find(method::get, "/missing");
    EXPECT_EQ(m.target, nullptr);
    EXPECT_FALSE(m.path_known);
    EXPECT_EQ(m.allowed_methods, 0);
}

TEST(router, known_path_with_other_method_is_405_with_allow_bits) {
    const router routes = sample_routes();
    const route_match m = routes.find(method::delete_, "/plaintext");
    EXPECT_EQ(m.target, nullptr);
    EXPECT_TRUE(m.path_known);
    EXPECT_EQ(m.allowed_methods, bit(method::get) | bit(method::head));

    const route_match post = routes.find(method::post, "/plaintext");
    EXPECT_EQ(post.target, nullptr);
    EXPECT_TRUE(post.path_known);

    const route_match json = routes.find(method::patch, "/json");
    EXPECT_TRUE(json.path_known);
    EXPECT_EQ(json.allowed_methods, bit(method::get) | bit(method::head) | bit(method::post));

    // No GET route: HEAD is not allowed either.
    const route_match item = routes.find(method::get, "/item");
    EXPECT_EQ(item.target, nullptr);
    EXPECT_TRUE(item.path_known);
    EXPECT_EQ(item.allowed_methods, bit(method::put));
    EXPECT_EQ(routes.find(method::head, "/item").target, nullptr);
}

TEST(router, head_falls_back_to_get) {
    const router routes = sample_routes();
    const route_match m = routes.find(method::head, "/plaintext");
    ASSERT_NE(m.target, nullptr);
    EXPECT_EQ(call(m), "plaintext");
    EXPECT_EQ(m.target, routes.find(method::get, "/plaintext").target);
}

TEST(router, explicit_head_route_wins_over_get) {
    router routes;
    routes.get("/r", named("get"));
    ASSERT_TRUE(routes.add(method::head, "/r", named("head")));
    EXPECT_EQ(call(routes.find(method::head, "/r")), "head");
    EXPECT_EQ(call(routes.find(method::get, "/r")), "get");
}

TEST(router, duplicate_add_is_an_error) {
    router routes;
    ASSERT_TRUE(routes.add(method::get, "/dup", named("first")));
    const corio::result<void> again = routes.add(method::get, "/dup", named("second"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().value(), EEXIST);
    EXPECT_EQ(again.error(), std::errc::file_exists);
    EXPECT_EQ(call(routes.find(method::get, "/dup")), "first") << "the first handler must stay";
    // Same path, another method: fine.
    EXPECT_TRUE(routes.add(method::post, "/dup", named("post")));
}

TEST(router_death, duplicate_get_aborts_with_a_message) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            router routes;
            routes.get("/twice", named("a"));
            routes.get("/twice", named("b"));
        },
        "route GET /twice: defined twice");
}

TEST(router, lookup_with_a_view_that_is_not_nul_terminated) {
    const router routes = sample_routes();
    const std::string buffer = "/jsonXYZ /plaintext HTTP/1.1";
    const std::string_view json(buffer.data(), 5);
    ASSERT_NE(json.data()[json.size()], '\0');
    EXPECT_EQ(call(routes.find(method::get, json)), "json");
    const std::string_view plaintext(buffer.data() + 9, 10);
    EXPECT_EQ(plaintext, "/plaintext");
    EXPECT_EQ(call(routes.find(method::get, plaintext)), "plaintext");
    EXPECT_FALSE(routes.find(method::get, std::string_view(buffer.data(), 4)).path_known); // "/jso"
}

// The capture named `name` of the last lookup into `p`.
std::string_view capture(const route_params& p, std::string_view name) {
    for (std::size_t i = 0; i < p.count; ++i) {
        if (p.names[i] == name) return p.values[i];
    }
    return "<none>";
}

// The literal table grows as routes are added: every path of a large table is found with its own
// handler (paths of every length, so every word/byte case of the hash and the comparison), and
// paths one byte off are not.
TEST(router, many_literal_paths) {
    router routes;
    std::vector<std::string> paths;
    for (int i = 0; i < 2000; ++i) {
        std::string path(1, '/');
        path += std::to_string(i);
        path.append(static_cast<std::size_t>(i % 37), 'p');
        paths.push_back(path);
    }
    for (const std::string& p : paths)
        routes.get(p, named(p));
    for (const std::string& p : paths) {
        const route_match m = routes.find(method::get, p);
        ASSERT_NE(m.target, nullptr) << p;
        EXPECT_EQ(call(m), p);
        std::string off = p;
        off.back() = off.back() == 'p' ? 'q' : 'x';
        EXPECT_EQ(routes.find(method::get, off).target, nullptr) << off;
        EXPECT_EQ(routes.find(method::get, p + "/").target, nullptr) << p;
    }
    EXPECT_EQ(routes.find(method::get, "").target, nullptr);
    EXPECT_EQ(routes.find(method::get, "/").target, nullptr);
}

TEST(router, captures_a_segment_and_the_rest) {
    router routes;
    routes.get("/users/:id", named("user"));
    routes.get("/users/:id/posts/:post", named("post"));
    routes.get("/files/*path", named("file"));
    route_params p;
    EXPECT_EQ(call(routes.find(method::get, "/users/42", &p)), "user");
    EXPECT_EQ(p.count, 1U);
    EXPECT_EQ(capture(p, "id"), "42");
    EXPECT_EQ(call(routes.find(method::get, "/users/7/posts/abc", &p)), "post");
    EXPECT_EQ(capture(p, "id"), "7");
    EXPECT_EQ(capture(p, "post"), "abc");
    EXPECT_EQ(call(routes.find(method::get, "/files/a/b/c.txt", &p)), "file");
    EXPECT_EQ(capture(p, "path"), "a/b/c.txt");
    EXPECT_EQ(call(routes.find(method::get, "/files/", &p)), "file");
    EXPECT_EQ(capture(p, "path"), "");
    EXPECT_EQ(call(routes.find(method::get, "/files", &p)), "file") << "*rest may be empty";
    EXPECT_EQ(capture(p, "path"), "");
    // A capture is one non-empty segment: no match for an empty one or an extra one.
    for (std::string_view path : {"/users/", "/users//posts/x", "/users/1/", "/users/1/posts", "/users/1/posts/x/y"}) {
        EXPECT_EQ(routes.find(method::get, path).target, nullptr) << path;
    }
}

TEST(router, the_most_specific_pattern_wins) {
    router routes;
    routes.get("/users/:id", named("by-id"));
    routes.get("/users/me", named("me"));
    routes.get("/users/*rest", named("rest"));
    routes.get("/:section/list", named("section-list"));
    routes.get("/users/list", named("users-list"));
    route_params p;
    EXPECT_EQ(call(routes.find(method::get, "/users/me", &p)), "me");
    EXPECT_EQ(p.count, 0U);
    EXPECT_EQ(call(routes.find(method::get, "/users/5", &p)), "by-id");
    EXPECT_EQ(call(routes.find(method::get, "/users/5/x", &p)), "rest");
    EXPECT_EQ(capture(p, "rest"), "5/x");
    EXPECT_EQ(call(routes.find(method::get, "/users/list", &p)), "users-list");
    EXPECT_EQ(call(routes.find(method::get, "/items/list", &p)), "section-list");
    EXPECT_EQ(capture(p, "section"), "items");
}

TEST(router, a_pattern_answers_a_method_the_literal_path_lacks) {
    router routes;
    routes.get("/users/me", named("me"));
    routes.del("/users/:id", named("delete"));
    route_params p;
    EXPECT_EQ(call(routes.find(method::delete_, "/users/me", &p)), "delete");
    EXPECT_EQ(capture(p, "id"), "me");
    const route_match m = routes.find(method::put, "/users/me");
    EXPECT_EQ(m.target, nullptr);
    EXPECT_TRUE(m.path_known);
    EXPECT_EQ(m.allowed_methods, bit(method::get) | bit(method::head) | bit(method::delete_));
}

TEST(router, patterns_of_the_same_shape_conflict) {
    router routes;
    ASSERT_TRUE(routes.add(method::get, "/a/:x/b", named("first")));
    const corio::result<void> again = routes.add(method::get, "/a/:y/b", named("second"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), std::errc::file_exists);
    EXPECT_TRUE(routes.add(method::post, "/a/:y/b", named("post"))) << "another method is no conflict";
    EXPECT_TRUE(routes.add(method::get, "/a/:x/c", named("other literal")));
    route_params p;
    EXPECT_EQ(call(routes.find(method::post, "/a/1/b", &p)), "post");
    EXPECT_EQ(capture(p, "x"), "1") << "the names of the pattern added first";
}

TEST(router, malformed_patterns_are_refused) {
    router routes;
    for (std::string_view bad :
         {"", "relative", "/a/:", "/a/*", "/a/*rest/b", "/:x/:x", "/:a/:b/:c/:d/:e/:f/:g/:h/:i"}) {
        const corio::result<void> added = routes.add(method::get, bad, named("bad"));
        ASSERT_FALSE(added) << bad;
        EXPECT_EQ(added.error(), std::errc::invalid_argument) << bad;
    }
    // A streamed body needs a coroutine that can wait for it.
    const corio::result<void> sync_stream = routes.add(method::post, "/up", named("sync"), {.stream_body = true});
    ASSERT_FALSE(sync_stream);
    EXPECT_EQ(sync_stream.error(), std::errc::invalid_argument);
}

// Issue 25: "/greet/{name}" was matched literally, so /greet/bob answered 404.
TEST(router, brace_captures_are_refused) {
    router routes;
    for (std::string_view bad : {"/greet/{name}", "/{a}/b", "/files/{*path}"}) {
        const corio::result<void> added = routes.add(method::get, bad, named("bad"));
        ASSERT_FALSE(added) << bad;
        EXPECT_EQ(added.error(), std::errc::invalid_argument) << bad;
    }
}

TEST(router_death, a_brace_capture_aborts_pointing_to_colon_name) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            router routes;
            routes.get("/greet/{name}/x/{*rest}", named("a"));
        },
        "route GET /greet/\\{name\\}/x/\\{\\*rest\\}: captures are written :name in corio, not \\{name\\} "
        "\\(write /greet/:name/x/\\*rest\\)");
}

TEST(router, async_handlers_and_options_are_kept) {
    router routes;
    routes.post("/upload", [](request&) -> corio::task<response> { co_return response::text("async"); },
                {.max_body_bytes = 99, .stream_body = true});
    const route_match m = routes.find(method::post, "/upload");
    ASSERT_NE(m.target, nullptr);
    EXPECT_FALSE(m.target->sync);
    ASSERT_TRUE(m.target->async);
    EXPECT_EQ(m.target->options.max_body_bytes, 99U);
    EXPECT_TRUE(m.target->options.stream_body);
    request r;
    corio::task<response> t = m.target->async(r);
    ASSERT_TRUE(t.start());
    EXPECT_EQ(t.result().body(), "async");
}

} // namespace
