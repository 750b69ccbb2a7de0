// SPDX-License-Identifier: MIT
// router: exact matches, 404 and 405 (with the Allow bits), HEAD answered by GET, duplicate routes,
// and lookups with views that are not NUL-terminated (paths sliced out of a receive buffer).
#include <corio/http/router.hpp>

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>

#include <gtest/gtest.h>

namespace {

using corio::http::method;
using corio::http::request;
using corio::http::response;
using corio::http::route_match;
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
    return std::string((*match.target)(r).body());
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
        "route GET /twice is defined twice");
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

} // namespace
