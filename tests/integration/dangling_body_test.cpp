// SPDX-License-Identifier: MIT
// Issue 25: the natural line is the safe one. Handlers hand the response run-time strings that die
// when they return (a local std::string body, content type and header; an async handler's local),
// and the bytes on the wire must be those strings. Before the fix `response::text(local)` sent
// freed heap memory; under the asan preset any read of a dead string fails the test.
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <corio/core/runtime.hpp>
#include <corio/http/body_writer.hpp>
#include <corio/http/server.hpp>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using corio::http::request;
using corio::http::response;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::reply;

// Longer than any inline buffer, so that the string's bytes live on the heap and die with it.
std::string long_text(std::string_view what) {
    return fmt::format("{}:{}", what, std::string(600, 'x'));
}

corio::http::router dangling_routes() {
    corio::http::router routes;
    routes.get("/text", [](request&) {
        const std::string local = long_text("text");
        return response::text(local);
    });
    routes.get("/view", [](request&) {
        const std::string local = long_text("view");
        return response::text(std::string_view(local));
    });
    routes.get("/type-and-header", [](request&) {
        const std::string type = "application/x-" + std::string(100, 't');
        const std::string name = "X-" + std::string(100, 'n');
        const std::string value = std::string(200, 'v');
        response r = response::copy_of(long_text("copy"), type);
        r.add_header(name, value);
        r.set_content_type(type);
        return r;
    });
    routes.get("/async", [](request&) -> corio::task<response> {
        const std::string local = long_text("async");
        co_return response::text(local);
    });
    routes.get("/stream", [](request&) {
        const std::string type = "text/x-" + std::string(100, 's');
        return response::stream(
            [](corio::http::body_writer& out) -> corio::task<void> {
                const std::string piece = long_text("stream");
                co_await out.write(piece);
            },
            type);
    });
    return routes;
}

class dangling_body : public corio::test::served_fixture<dangling_routes> {
protected:
    reply fetch(std::string_view target) {
        _client = std::make_unique<loopback_client>(port());
        reply r;
        EXPECT_TRUE(_client->roundtrip(get(target), r)) << _client->error();
        return r;
    }

    std::unique_ptr<loopback_client> _client;
};

TEST_F(dangling_body, text_of_a_local_string_sends_its_bytes) {
    const reply r = fetch("/text");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, long_text("text"));
}

TEST_F(dangling_body, text_of_a_view_of_a_local_string_sends_its_bytes) {
    const reply r = fetch("/view");
    EXPECT_EQ(r.body, long_text("view"));
}

TEST_F(dangling_body, local_content_type_and_header_are_copied) {
    const reply r = fetch("/type-and-header");
    EXPECT_EQ(r.body, long_text("copy"));
    EXPECT_EQ(r.header("Content-Type"), "application/x-" + std::string(100, 't'));
    EXPECT_EQ(r.header("X-" + std::string(100, 'n')), std::string(200, 'v'));
}

TEST_F(dangling_body, async_handler_returns_text_of_a_local) {
    const reply r = fetch("/async");
    EXPECT_EQ(r.body, long_text("async"));
}

TEST_F(dangling_body, stream_with_a_local_content_type) {
    const reply r = fetch("/stream");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type"), "text/x-" + std::string(100, 's'));
    EXPECT_EQ(r.body, long_text("stream"));
}

} // namespace
