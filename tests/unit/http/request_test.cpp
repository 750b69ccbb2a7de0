// SPDX-License-Identifier: MIT
// request: percent-decoded route captures (raw_param() keeps them as sent), query_param() and the
// iteration over query pairs ('+' is a space there), and the 400 for a malformed escape; issue 25.
// Requests come from the shard's parser with a router, as the server makes them.
#include <corio/http/request.hpp>

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <corio/http/router.hpp>

#include "request_parser.hpp"

namespace {

using corio::http::parse_outcome;
using corio::http::query_pair;
using corio::http::request;
using corio::http::request_parser;
using corio::http::response;
using corio::http::router;
using corio::http::status;
using kind = parse_outcome::kind;

router test_routes() {
    router routes;
    routes.get("/hello/:name", [](request&) { return response::text("hi"); });
    routes.get("/files/*path", [](request&) { return response::text("file"); });
    routes.get("/search", [](request&) { return response::text("search"); });
    return routes;
}

// Parses GET `target` into `req` with the test routes; the buffer and parser outlive the views.
struct parsed {
    explicit parsed(std::string_view target)
        : routes(test_routes()), parser({}, &routes),
          buffer("GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n") {
        outcome = parser.parse(std::span<char>(buffer.data(), buffer.size()), req);
    }
    router routes;
    request_parser parser;
    std::string buffer;
    request req;
    parse_outcome outcome;
};

std::vector<std::pair<std::string, std::string>> pairs_of(const request& req) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const query_pair& p : req.query_params())
        out.emplace_back(p.name, p.value);
    return out;
}

TEST(request, route_params_are_percent_decoded_and_raw_is_kept) {
    parsed p("/hello/j%C3%B6rg%20x");
    ASSERT_EQ(p.outcome.what, kind::complete);
    EXPECT_EQ(p.req.param("name"), "j\xC3\xB6rg x");
    EXPECT_EQ(p.req.raw_param("name"), "j%C3%B6rg%20x");
    EXPECT_EQ(p.req.params().values[0], "j\xC3\xB6rg x");
    EXPECT_EQ(p.req.params().raw[0], "j%C3%B6rg%20x");
    EXPECT_EQ(p.req.path(), "/hello/j%C3%B6rg%20x") << "the path stays as sent";
}

TEST(request, a_param_without_escapes_is_a_view_of_the_path) {
    parsed p("/hello/plain+name");
    ASSERT_EQ(p.outcome.what, kind::complete);
    EXPECT_EQ(p.req.param("name"), "plain+name") << "'+' is a space in queries only";
    EXPECT_EQ(p.req.param("name").data(), p.req.raw_param("name").data());
}

TEST(request, rest_captures_are_decoded_too) {
    parsed p("/files/a%2Fb/c%41");
    ASSERT_EQ(p.outcome.what, kind::complete);
    EXPECT_EQ(p.req.param("path"), "a/b/cA");
    EXPECT_EQ(p.req.raw_param("path"), "a%2Fb/c%41");
}

TEST(request, query_param_and_pairs_are_decoded) {
    parsed p("/search?q=hello+w%C3%B6rld&n=5&&flag&q=second&a%3Db=c%26d");
    ASSERT_EQ(p.outcome.what, kind::complete);
    EXPECT_EQ(p.req.query_param("q"), "hello w\xC3\xB6rld");
    EXPECT_EQ(p.req.query_param("n"), "5");
    EXPECT_EQ(p.req.query_param("flag"), "");
    EXPECT_EQ(p.req.query_param("a=b"), "c&d");
    EXPECT_FALSE(p.req.query_param("missing").has_value());
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"q", "hello w\xC3\xB6rld"}, {"n", "5"}, {"flag", ""}, {"q", "second"}, {"a=b", "c&d"}};
    EXPECT_EQ(pairs_of(p.req), expected);
    EXPECT_EQ(p.req.query(), "q=hello+w%C3%B6rld&n=5&&flag&q=second&a%3Db=c%26d") << "query() stays as sent";
}

TEST(request, a_query_without_escapes_is_read_in_place) {
    parsed p("/search?a=1&b=&c");
    ASSERT_EQ(p.outcome.what, kind::complete);
    const std::vector<std::pair<std::string, std::string>> expected = {{"a", "1"}, {"b", ""}, {"c", ""}};
    EXPECT_EQ(pairs_of(p.req), expected);
    const std::string_view a = *p.req.query_param("a");
    EXPECT_GE(a.data(), p.buffer.data());
    EXPECT_LT(a.data(), p.buffer.data() + p.buffer.size());
}

TEST(request, no_query_has_no_pairs) {
    parsed p("/search");
    ASSERT_EQ(p.outcome.what, kind::complete);
    EXPECT_TRUE(pairs_of(p.req).empty());
    parsed q("/search?&&");
    EXPECT_TRUE(pairs_of(q.req).empty());
}

TEST(request, malformed_escapes_are_a_400) {
    for (const char* target : {"/hello/%zz", "/hello/abc%", "/hello/abc%4", "/search?q=%zz", "/search?q=1%",
                               "/search?%g1=x", "/files/a/%"}) {
        parsed p(target);
        EXPECT_EQ(p.outcome.what, kind::error) << target;
        EXPECT_EQ(p.outcome.error_status, status::bad_request) << target;
    }
}

TEST(request, a_malformed_escape_outside_captures_and_query_is_not_looked_at) {
    parsed p("/search%zz");
    EXPECT_EQ(p.outcome.what, kind::complete) << "routed as sent (a 404), not decoded";
}

} // namespace
