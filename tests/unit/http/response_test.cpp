// SPDX-License-Identifier: MIT
// response: the text() and copy_of() constructors, header formatting, and the switch between an
// owned body buffer and a borrowed body view.
#include <corio/http/response.hpp>

#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

namespace {

using corio::http::response;
using corio::http::status;

TEST(response, default_is_an_empty_200) {
    const response r;
    EXPECT_EQ(r.status_code(), status::ok);
    EXPECT_TRUE(r.content_type().empty());
    EXPECT_TRUE(r.extra_headers().empty());
    EXPECT_TRUE(r.body().empty());
}

TEST(response, text_borrows_its_body) {
    static constexpr std::string_view hello = "Hello, World!";
    const response r = response::text(hello);
    EXPECT_EQ(r.status_code(), status::ok);
    EXPECT_EQ(r.content_type(), "text/plain");
    EXPECT_EQ(r.body(), hello);
    EXPECT_EQ(r.body().data(), hello.data()) << "text() must not copy the body";
}

TEST(response, text_with_status) {
    const response r = response::text("gone", status::not_found);
    EXPECT_EQ(r.status_code(), status::not_found);
    EXPECT_EQ(r.body(), "gone");
}

TEST(response, copy_of_owns_a_copy) {
    std::string source = "{\"a\":1}";
    response r = response::copy_of(source, "application/json", status::created);
    source.assign("overwritten!");
    EXPECT_EQ(r.status_code(), status::created);
    EXPECT_EQ(r.content_type(), "application/json");
    EXPECT_EQ(r.body(), "{\"a\":1}");
    EXPECT_NE(r.body().data(), source.data());
}

TEST(response, copy_of_a_body_larger_than_the_inline_buffer) {
    const std::string big(5000, 'z');
    const response r = response::copy_of(big, "application/octet-stream");
    EXPECT_EQ(r.body(), big);
}

TEST(response, copy_of_survives_moves) {
    response a = response::copy_of("short body", "text/plain");
    response b = std::move(a);
    EXPECT_EQ(b.body(), "short body");
    response c;
    c = std::move(b);
    EXPECT_EQ(c.body(), "short body");
}

TEST(response, add_header_formats_name_value_lines) {
    response r;
    r.add_header("X-Request-Id", "abc123").add_header("Cache-Control", "no-store");
    EXPECT_EQ(r.extra_headers(), "X-Request-Id: abc123\r\nCache-Control: no-store\r\n");
}

TEST(response, add_header_copies_its_arguments) {
    response r;
    std::string name = "X-Temp";
    std::string value = std::string(100, 'v');
    r.add_header(name, value);
    name.assign("??????");
    value.assign(100, '?');
    EXPECT_EQ(r.extra_headers(), "X-Temp: " + std::string(100, 'v') + "\r\n");
}

TEST(response, set_status_and_content_type) {
    response r;
    r.set_status(status::no_content).set_content_type("text/html");
    EXPECT_EQ(r.status_code(), status::no_content);
    EXPECT_EQ(r.content_type(), "text/html");
}

TEST(response, body_buffer_versus_body_view) {
    response r;
    r.body_buffer().append(std::string_view("owned"));
    EXPECT_EQ(r.body(), "owned");

    static constexpr std::string_view borrowed = "borrowed";
    r.set_body_view(borrowed);
    EXPECT_EQ(r.body(), "borrowed");
    EXPECT_EQ(r.body().data(), borrowed.data());

    // Asking for the buffer switches back to the owned body, which kept its contents.
    r.body_buffer().append(std::string_view("+more"));
    EXPECT_EQ(r.body(), "owned+more");
}

TEST(response, text_then_body_buffer_replaces_the_view) {
    response r = response::text("literal");
    r.body_buffer().append(std::string_view("built"));
    EXPECT_EQ(r.body(), "built");
    EXPECT_EQ(r.content_type(), "text/plain");
}

} // namespace
