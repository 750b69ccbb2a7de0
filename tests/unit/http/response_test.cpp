// SPDX-License-Identifier: MIT
// response: the text() and copy_of() constructors, header formatting, and the switch between an
// owned body buffer and a borrowed body view. A run-time string handed to a response is copied
// (these tests run under the asan preset too, where a dangling body is a failure).
#include <corio/http/response.hpp>

#include <string>
#include <string_view>
#include <utility>

#include <corio/http/body_writer.hpp>

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

TEST(response, text_of_a_literal_borrows_it) {
    static constexpr char hello[] = "Hello, World!";
    const response r = response::text(hello);
    EXPECT_EQ(r.status_code(), status::ok);
    EXPECT_EQ(r.content_type(), "text/plain");
    EXPECT_EQ(r.body(), "Hello, World!");
    EXPECT_EQ(r.body().data(), &hello[0]) << "text() of a literal must not copy the body";
}

// Issue 25: `return response::text(s);` with a local std::string sent freed memory.
response text_of_a_local_string() {
    std::string local(300, 'b'); // longer than the inline room and any small-string buffer
    local.front() = 'a';
    return response::text(local);
}

TEST(response, text_of_a_local_string_outlives_it) {
    const response r = text_of_a_local_string();
    EXPECT_EQ(r.content_type(), "text/plain");
    ASSERT_EQ(r.body().size(), 300U);
    EXPECT_EQ(r.body().front(), 'a');
    EXPECT_EQ(r.body().back(), 'b');
}

TEST(response, text_copies_views_and_pointers) {
    std::string source = "view";
    const response from_view = response::text(std::string_view(source));
    const char* pointer = source.c_str();
    const response from_pointer = response::text(pointer, status::accepted);
    const response from_temporary = response::text(std::string("temporary"));
    source.assign("????");
    EXPECT_EQ(from_view.body(), "view");
    EXPECT_EQ(from_pointer.body(), "view");
    EXPECT_EQ(from_pointer.status_code(), status::accepted);
    EXPECT_EQ(from_temporary.body(), "temporary");
}

TEST(response, borrowed_keeps_the_view_it_is_given) {
    static const std::string long_lived(1000, 'x');
    const response r = response::borrowed(long_lived, "application/octet-stream", status::created);
    EXPECT_EQ(r.body().data(), long_lived.data());
    EXPECT_EQ(r.content_type(), "application/octet-stream");
    EXPECT_EQ(r.status_code(), status::created);
}

TEST(response, a_run_time_content_type_is_copied) {
    response r;
    r.add_header("X-A", "1");
    {
        std::string type = "application/vnd.corio+json; charset=utf-8";
        r.set_content_type(type);
        type.assign(type.size(), '?');
    }
    r.add_header("X-B", "2");
    response moved = std::move(r);
    EXPECT_EQ(moved.content_type(), "application/vnd.corio+json; charset=utf-8");
    EXPECT_EQ(moved.extra_headers(), "X-A: 1\r\nX-B: 2\r\n");
    moved.set_content_type("text/html");
    EXPECT_EQ(moved.content_type(), "text/html");
    EXPECT_EQ(moved.extra_headers(), "X-A: 1\r\nX-B: 2\r\n");
}

TEST(response, copy_of_and_stream_copy_their_content_type) {
    std::string type = "text/csv";
    const response copied = response::copy_of("a,b", type);
    const response streamed = response::stream([](corio::http::body_writer&) -> corio::task<void> { co_return; }, type);
    type.assign("????????");
    EXPECT_EQ(copied.content_type(), "text/csv");
    EXPECT_EQ(streamed.content_type(), "text/csv");
}

TEST(response, set_body_copies_and_borrow_body_borrows) {
    response r;
    std::string source = "copied";
    r.set_body(source);
    source.assign("??????");
    EXPECT_EQ(r.body(), "copied");
    static const std::string long_lived = "borrowed";
    r.borrow_body(long_lived);
    EXPECT_EQ(r.body().data(), long_lived.data());
    r.set_body("literal");
    EXPECT_EQ(r.body(), "literal");
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
    r.borrow_body(borrowed);
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
