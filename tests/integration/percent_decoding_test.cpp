// SPDX-License-Identifier: MIT
// Issue 25: decoded route parameters and query pairs over a real socket, for a synchronous handler
// and for an asynchronous one (which gets the server's copy of the request and the decoded text),
// and the 400 for a malformed escape, after which the connection is closed.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <corio/core/runtime.hpp>
#include <corio/core/sleep.hpp>
#include <corio/http/server.hpp>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::http::request;
using corio::http::response;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::reply;

std::string describe(const request& req) {
    std::string out = fmt::format("{}|{}|", req.param("name"), req.raw_param("name"));
    for (const corio::http::query_pair& p : req.query_params())
        out += fmt::format("{}={};", p.name, p.value);
    return out;
}

corio::http::router decoding_routes() {
    corio::http::router routes;
    routes.get("/hello/:name", [](request& req) { return response::text(describe(req)); });
    routes.get("/later/:name", [](request& req) -> corio::task<response> {
        co_await corio::sleep(1ms); // the receive buffer and the parser's scratch are reused meanwhile
        co_return response::text(describe(req));
    });
    return routes;
}

using percent_decoding = corio::test::served_fixture<decoding_routes>;

TEST_F(percent_decoding, a_synchronous_handler_sees_decoded_params_and_query) {
    loopback_client client(port());
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/hello/j%C3%B6rg%20x?n=1&q=a+b%26c"), r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "j\xC3\xB6rg x|j%C3%B6rg%20x|n=1;q=a b&c;");
}

TEST_F(percent_decoding, an_asynchronous_handler_keeps_them_across_a_suspension) {
    loopback_client client(port());
    // Pipelined: the second request is parsed (into the same scratch) while the first one sleeps.
    ASSERT_TRUE(client.send_all(get("/later/%41%42?k=%76%31") + get("/hello/zz%21?other=%78")));
    reply r;
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.body, "AB|%41%42|k=v1;");
    ASSERT_TRUE(client.read_response(r)) << client.error();
    EXPECT_EQ(r.body, "zz!|zz%21|other=x;");
}

TEST_F(percent_decoding, a_malformed_escape_is_a_400) {
    for (const char* target : {"/hello/%zz", "/hello/x?q=%", "/later/%4"}) {
        loopback_client client(port());
        reply r;
        ASSERT_TRUE(client.roundtrip(get(target), r)) << target << ": " << client.error();
        EXPECT_EQ(r.status, 400) << target;
    }
}

} // namespace
