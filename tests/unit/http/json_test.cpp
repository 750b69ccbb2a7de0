// SPDX-License-Identifier: MIT
// json_writer: separators in nested containers, string escaping and every value type.
#include <corio/http/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace {

using corio::http::json_writer;
using corio::http::response;

std::string text(const response::buffer& b) {
    return {b.data(), b.size()};
}

TEST(json_writer, nested_objects_and_arrays_with_commas) {
    response::buffer out;
    json_writer w(out);
    w.begin_object()
        .key("id")
        .value(std::int64_t{1})
        .key("list")
        .begin_array()
        .value(std::int64_t{1})
        .value(std::int64_t{2})
        .begin_object()
        .key("inner")
        .begin_array()
        .end_array()
        .key("empty")
        .begin_object()
        .end_object()
        .end_object()
        .begin_array()
        .value("x")
        .end_array()
        .end_array()
        .key("after")
        .value(true)
        .end_object();
    EXPECT_EQ(text(out), R"({"id":1,"list":[1,2,{"inner":[],"empty":{}},["x"]],"after":true})");
}

TEST(json_writer, techempower_message_object) {
    response res;
    corio::http::json_body(res).begin_object().key("message").value("Hello, World!").end_object();
    EXPECT_EQ(res.content_type(), "application/json");
    EXPECT_EQ(res.body(), R"({"message":"Hello, World!"})");
}

TEST(json_writer, array_of_objects) {
    response::buffer out;
    json_writer w(out);
    w.begin_array();
    for (std::int64_t i = 1; i <= 3; ++i) {
        w.begin_object().key("id").value(i).key("randomNumber").value(i * 100).end_object();
    }
    w.end_array();
    EXPECT_EQ(text(out), R"([{"id":1,"randomNumber":100},{"id":2,"randomNumber":200},{"id":3,"randomNumber":300}])");
}

TEST(json_writer, escapes_quotes_backslashes_and_control_characters) {
    response::buffer out;
    json_writer w(out);
    w.begin_array()
        .value("say \"hi\"")
        .value("back\\slash")
        .value(std::string_view("\x01 and \x1f", 7))
        .value("line\nbreak\r\ttab")
        .value(std::string_view("nul\0byte", 8))
        .value("")
        .value("caf\xc3\xa9 / </script>") // UTF-8 and '/' pass through
        .end_array();
    EXPECT_EQ(text(out), "[\"say \\\"hi\\\"\",\"back\\\\slash\",\"\\u0001 and \\u001f\",\"line\\nbreak\\r\\ttab\","
                         "\"nul\\u0000byte\",\"\",\"caf\xc3\xa9 / </script>\"]");
}

// Strings are scanned eight bytes at a time for what needs escaping: every escaped byte value at
// every position of strings of every length up to 24 (the scan's word, overlapping-tail and
// short-string cases) is escaped, and bytes that need none (UTF-8 included) are copied as they are.
TEST(json_writer, escapes_found_at_every_position_and_length) {
    const auto escaped = [](unsigned char c) -> std::string {
        switch (c) {
        case '"':
            return "\\\"";
        case '\\':
            return "\\\\";
        case '\n':
            return "\\n";
        case '\r':
            return "\\r";
        case '\t':
            return "\\t";
        default: {
            if (c >= 0x20) return std::string(1, static_cast<char>(c));
            static constexpr char hex[] = "0123456789abcdef";
            return std::string("\\u00") + hex[c >> 4] + hex[c & 15];
        }
        }
    };
    for (std::size_t length = 1; length <= 24; ++length) {
        for (std::size_t at = 0; at < length; ++at) {
            for (int v = 0; v < 256; ++v) {
                std::string input(length, 'x');
                input[at] = static_cast<char>(v);
                std::string expected = "\"";
                for (const char c : input)
                    expected += escaped(static_cast<unsigned char>(c));
                expected += '"';
                response::buffer out;
                json_writer(out).value(std::string_view(input));
                ASSERT_EQ(text(out), expected) << "length " << length << ", byte " << v << " at " << at;
            }
        }
    }
}

TEST(json_writer, keys_are_escaped_too) {
    response::buffer out;
    json_writer(out).begin_object().key("a\"b").null().end_object();
    EXPECT_EQ(text(out), R"({"a\"b":null})");
}

TEST(json_writer, integers) {
    response::buffer out;
    json_writer w(out);
    w.begin_array()
        .value(std::int64_t{0})
        .value(std::int64_t{-42})
        .value(std::numeric_limits<std::int64_t>::max())
        .value(std::numeric_limits<std::int64_t>::min())
        .end_array();
    EXPECT_EQ(text(out), "[0,-42,9223372036854775807,-9223372036854775808]");
}

// Issue 25: value(42) and value(v.size()) were ambiguous overloads.
TEST(json_writer, integers_of_every_width) {
    response::buffer out;
    const std::vector<int> v(3);
    json_writer(out)
        .begin_array()
        .value(42)
        .value(v.size())
        .value(std::int8_t{-128})
        .value(std::uint8_t{255})
        .value(short{-3})
        .value(std::uint16_t{65535})
        .value(-7L)
        .value(7U)
        .value(std::numeric_limits<std::uint64_t>::max())
        .value(std::numeric_limits<long long>::min())
        .end_array();
    EXPECT_EQ(text(out), "[42,3,-128,255,-3,65535,-7,7,18446744073709551615,-9223372036854775808]");
}

TEST(json_writer, doubles) {
    response::buffer out;
    json_writer w(out);
    w.begin_array()
        .value(1.5)
        .value(0.1)
        .value(-2.25)
        .value(1e300)
        .value(std::numeric_limits<double>::quiet_NaN())
        .value(std::numeric_limits<double>::infinity())
        .end_array();
    EXPECT_EQ(text(out), "[1.5,0.1,-2.25,1e+300,null,null]");
}

TEST(json_writer, bools_and_null) {
    response::buffer out;
    json_writer(out).begin_object().key("t").value(true).key("f").value(false).key("n").null().end_object();
    EXPECT_EQ(text(out), R"({"t":true,"f":false,"n":null})");
}

TEST(json_writer, top_level_scalar) {
    response::buffer out;
    json_writer(out).value("alone");
    EXPECT_EQ(text(out), R"("alone")");
}

TEST(json_writer, deep_nesting_up_to_the_limit) {
    response::buffer out;
    json_writer w(out);
    for (int i = 0; i < 64; ++i)
        w.begin_array();
    for (int i = 0; i < 64; ++i)
        w.end_array();
    EXPECT_EQ(text(out), std::string(64, '[') + std::string(64, ']'));
}

TEST(json_writer_death, nesting_deeper_than_64_levels_aborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            response::buffer out;
            json_writer w(out);
            for (int i = 0; i < 65; ++i)
                w.begin_object();
        },
        "nested deeper than 64 levels");
}

TEST(json_writer, separators_reset_per_container_level) {
    // A nested container that had items must not make the next sibling container start with a comma.
    response::buffer out;
    json_writer w(out);
    w.begin_array().begin_array().value(std::int64_t{1}).end_array().begin_array().end_array().value(false).end_array();
    EXPECT_EQ(text(out), "[[1],[],false]");
}

TEST(json_writer, appends_to_an_existing_body) {
    response res;
    res.body_buffer().append(std::string_view("prefix:"));
    json_writer(res.body_buffer()).begin_array().value(std::int64_t{7}).end_array();
    EXPECT_EQ(res.body(), "prefix:[7]");
}

} // namespace
