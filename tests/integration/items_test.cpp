// SPDX-License-Identifier: MIT
// The items example's routes over loopback: 201 with the tax, 400 for malformed JSON, 422 for a
// missing or mistyped field, each with its exact JSON body; a chunked body; keep-alive across errors.
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.hpp"
#include "items.hpp"
#include "loopback_client.hpp"

namespace {

using corio::test::loopback_client;
using corio::test::reply;
using corio::test::served;

std::string post_items(std::string_view body) {
    return fmt::format("POST /items HTTP/1.1\r\nHost: loopback\r\nContent-Type: application/json\r\n"
                       "Content-Length: {}\r\n\r\n{}",
                       body.size(), body);
}

corio::http::router items_routes() {
    corio::http::router routes;
    items::add_routes(routes);
    return routes;
}

struct case_ {
    std::string_view body;
    int status;
    std::string_view answer;
};

TEST(items, answers_each_body_with_its_exact_json) {
    served s(corio::test::loopback_config(), 1, items_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    const case_ cases[] = {
        {R"j({"name":"widget","price":100})j", 201, R"j({"status":"created","tax":19})j"},
        {R"j({"price":2.5,"name":"Zürich ☕"})j", 201, R"j({"status":"created","tax":0.475})j"},
        {R"j( { "name" : "x" , "price" : -10 } )j", 201, R"j({"status":"created","tax":-1.9})j"},
        {R"j({"name":"x","price":0,"extra":[1,{"y":null}]})j", 201, R"j({"status":"created","tax":0})j"},
        {R"j({"name":"x","price":1)j", 400, // the number runs into the end of the input
         R"j({"error":"malformed JSON","detail":"invalid number (or beyond the range of a double)"})j"},
        {R"j({"name":"x,"price":1})j", 400, R"j({"error":"malformed JSON","detail":"unclosed string"})j"},
        {R"j({"name":"x","price":[1,}})j", 400,
         R"j({"error":"malformed JSON","detail":"unexpected structure (brackets, commas, colons or keys)"})j"},
        {R"j({"name":"x","price":1e999})j", 400,
         R"j({"error":"malformed JSON","detail":"invalid number (or beyond the range of a double)"})j"},
        {R"j({"name":"x","price":1} [])j", 400,
         R"j({"error":"malformed JSON","detail":"trailing content after the JSON value"})j"},
        {"", 400, R"j({"error":"malformed JSON","detail":"empty body"})j"},
        {R"j({"name":"x"})j", 422, R"j({"error":"invalid field","field":"price","expected":"number"})j"},
        {R"j({"price":1})j", 422, R"j({"error":"invalid field","field":"name","expected":"string"})j"},
        {R"j({"name":"x","price":"12"})j", 422, R"j({"error":"invalid field","field":"price","expected":"number"})j"},
        {R"j({"name":null,"price":1})j", 422, R"j({"error":"invalid field","field":"name","expected":"string"})j"},
        {R"j(["name","price"])j", 422, R"j({"error":"invalid field","field":"$","expected":"object"})j"},
    };
    for (const case_& c : cases) {
        reply r;
        ASSERT_TRUE(client.roundtrip(post_items(c.body), r)) << client.error() << " for " << c.body;
        EXPECT_EQ(r.status, c.status) << c.body;
        EXPECT_EQ(r.body, c.answer) << c.body;
        EXPECT_EQ(r.header("Content-Type"), "application/json") << c.body;
    }
}

TEST(items, chunked_body) {
    served s(corio::test::loopback_config(), 1, items_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("POST /items HTTP/1.1\r\nHost: loopback\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "e\r\n{\"name\":\"a\",\"p\r\n9\r\nrice\":10}\r\n0\r\n\r\n",
                                 r))
        << client.error();
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, R"j({"status":"created","tax":1.9})j");
}

TEST(items, other_methods_and_paths) {
    served s(corio::test::loopback_config(), 1, items_routes());
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip(corio::test::get("/items"), r)) << client.error();
    EXPECT_EQ(r.status, 405);
    ASSERT_TRUE(client.roundtrip(corio::test::get("/nothing"), r)) << client.error();
    EXPECT_EQ(r.status, 404);
}

} // namespace
