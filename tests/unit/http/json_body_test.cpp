// SPDX-License-Identifier: MIT
// json_reader: typed fields, nested objects and arrays with their error paths, every error kind and
// its response, unicode, numbers at the edges, the padded (no copy) constructor.
#include <corio/http/json_body.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

using corio::http::json_error_kind;
using corio::http::json_object;
using corio::http::json_reader;
using corio::http::json_value;
using corio::http::status;

std::string malformed_detail(std::string_view body) {
    json_reader r(body);
    EXPECT_EQ(r.error().kind, json_error_kind::malformed) << body;
    return std::string(r.error().detail);
}

// "field expected" of an invalid_field error, or the kind's number otherwise.
template <class T>
std::string invalid_field(std::string_view body, std::string_view name) {
    json_reader r(body);
    T out{};
    r.field(name, out);
    if (r.error().kind != json_error_kind::invalid_field) return "kind " + std::to_string(int(r.error().kind));
    return r.error().field + " " + std::string(r.error().expected);
}

TEST(json_reader, reads_typed_fields_in_any_order) {
    json_reader r(R"({"flag":true,"count":-42,"price":12.5,"name":"widget","copy":"kept","none":null})");
    std::string_view name;
    std::string copy;
    double price = 0;
    std::int64_t count = 0;
    bool flag = false;
    std::int64_t absent = 7;
    std::string_view none = "untouched";
    r.field("name", name).field("price", price).field("count", count).field("flag", flag).field("copy", copy);
    r.optional("absent", absent).optional("none", none);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(name, "widget");
    EXPECT_EQ(copy, "kept");
    EXPECT_EQ(price, 12.5);
    EXPECT_EQ(count, -42);
    EXPECT_TRUE(flag);
    EXPECT_EQ(absent, 7);
    EXPECT_EQ(none, "untouched");
}

TEST(json_reader, integers_are_numbers_too) {
    json_reader r(R"({"price":3})");
    double price = 0;
    r.field("price", price);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(price, 3.0);
}

TEST(json_reader, nested_objects_and_arrays) {
    json_reader r(R"({"customer":{"address":{"city":"Zürich"}},"tags":["a","b"],)"
                  R"("lines":[{"sku":"x","qty":1},{"sku":"y","qty":2}],"matrix":[[1,2],[3]]})");
    std::string_view city;
    std::vector<std::string> tags;
    std::vector<std::int64_t> qty;
    std::vector<std::vector<std::int64_t>> matrix;
    r.object("customer", [&](json_object& c) { c.object("address", [&](json_object& a) { a.field("city", city); }); });
    r.array("tags", [&](json_value& v) { v.get(tags.emplace_back()); });
    r.array("lines",
            [&](json_value& v) { v.object([&](json_object& line) { line.field("qty", qty.emplace_back()); }); });
    r.array("matrix", [&](json_value& row) {
        auto& out = matrix.emplace_back();
        row.array([&](json_value& cell) { cell.get(out.emplace_back()); });
    });
    ASSERT_TRUE(r.ok()) << r.error().field << r.error().detail;
    EXPECT_EQ(city, "Zürich");
    EXPECT_EQ(tags, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(qty, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(matrix, (std::vector<std::vector<std::int64_t>>{{1, 2}, {3}}));
}

TEST(json_reader, nested_errors_name_their_path) {
    json_reader a(R"({"customer":{"address":{"city":5}}})");
    std::string_view city;
    a.object("customer", [&](json_object& c) { c.object("address", [&](json_object& x) { x.field("city", city); }); });
    EXPECT_EQ(a.error().field, "customer.address.city");
    EXPECT_EQ(a.error().expected, "string");

    json_reader b(R"({"lines":[{"qty":1},{"qty":"two"}]})");
    std::int64_t qty = 0;
    int calls = 0;
    b.array("lines", [&](json_value& v) {
        ++calls;
        v.object([&](json_object& line) { line.field("qty", qty); });
    });
    EXPECT_EQ(b.error().field, "lines[1].qty");
    EXPECT_EQ(b.error().expected, "integer");
    EXPECT_EQ(calls, 2);

    json_reader c(R"({"matrix":[[1],[2,"x"]]})");
    c.array("matrix", [&](json_value& row) { row.array([&](json_value& cell) { cell.get(qty); }); });
    EXPECT_EQ(c.error().field, "matrix[1][1]");

    json_reader d(R"({"customer":[]})");
    d.object("customer", [](json_object&) { FAIL() << "not an object"; });
    EXPECT_EQ(d.error().field, "customer");
    EXPECT_EQ(d.error().expected, "object");

    json_reader e(R"({"lines":{}})");
    e.array("lines", [](json_value&) { FAIL() << "not an array"; });
    EXPECT_EQ(e.error().field, "lines");
    EXPECT_EQ(e.error().expected, "array");
}

TEST(json_reader, missing_and_wrong_type_fields_are_invalid) {
    EXPECT_EQ(invalid_field<double>(R"({"name":"x"})", "price"), "price number");
    EXPECT_EQ(invalid_field<double>(R"({"price":"10"})", "price"), "price number");
    EXPECT_EQ(invalid_field<double>(R"({"price":null})", "price"), "price number");
    EXPECT_EQ(invalid_field<std::string_view>(R"({"name":1})", "name"), "name string");
    EXPECT_EQ(invalid_field<std::string>(R"({"name":{}})", "name"), "name string");
    EXPECT_EQ(invalid_field<bool>(R"({"on":"true"})", "on"), "on boolean");
    EXPECT_EQ(invalid_field<std::int64_t>(R"({"n":1.5})", "n"), "n integer");
    EXPECT_EQ(invalid_field<std::int64_t>(R"({"n":true})", "n"), "n integer");
    // The root itself: "$".
    EXPECT_EQ(invalid_field<double>(R"([1,2])", "price"), "$ object");
    EXPECT_EQ(invalid_field<double>(R"("text")", "price"), "$ object");
    EXPECT_EQ(invalid_field<double>(R"(12)", "price"), "$ object");
    // An optional field present with the wrong type is still an error.
    json_reader r(R"({"n":"x"})");
    std::int64_t n = 0;
    r.optional("n", n);
    EXPECT_EQ(r.error().field, "n");
}

// Issue 25: field("n", int&) was 19 lines of template errors.
TEST(json_reader, integers_of_every_width) {
    json_reader r(R"({"i":-5,"u":7,"s":40000,"z":18446744073709551615,"b":-128,"ub":255,"l":-9007199254740993})");
    int i = 0;
    unsigned u = 0;
    std::uint16_t s = 0;
    std::size_t z = 0;
    std::int8_t b = 0;
    std::uint8_t ub = 0;
    long long l = 0;
    r.field("i", i).field("u", u).field("s", s).field("z", z).field("b", b).field("ub", ub).field("l", l);
    ASSERT_TRUE(r.ok()) << r.error().field << " " << r.error().expected;
    EXPECT_EQ(i, -5);
    EXPECT_EQ(u, 7U);
    EXPECT_EQ(s, 40000);
    EXPECT_EQ(z, std::numeric_limits<std::size_t>::max());
    EXPECT_EQ(b, -128);
    EXPECT_EQ(ub, 255);
    EXPECT_EQ(l, -9007199254740993LL);

    json_reader opt(R"({"n":3,"none":null})");
    short n = 0;
    short none = 9;
    opt.optional("n", n).optional("none", none);
    EXPECT_TRUE(opt.ok());
    EXPECT_EQ(n, 3);
    EXPECT_EQ(none, 9);

    std::vector<std::uint32_t> values;
    json_reader arr(R"({"v":[1,2,4294967295]})");
    arr.array("v", [&](json_value& e) {
        std::uint32_t x = 0;
        e.get(x);
        values.push_back(x);
    });
    EXPECT_TRUE(arr.ok());
    EXPECT_EQ(values, (std::vector<std::uint32_t>{1, 2, 4294967295U}));
}

TEST(json_reader, an_integer_that_does_not_fit_names_the_field_and_the_range) {
    EXPECT_EQ(invalid_field<std::uint8_t>(R"({"n":256})", "n"), "n integer from 0 to 255");
    EXPECT_EQ(invalid_field<std::int8_t>(R"({"n":-129})", "n"), "n integer from -128 to 127");
    EXPECT_EQ(invalid_field<unsigned>(R"({"n":-1})", "n"), "n integer from 0 to 4294967295");
    EXPECT_EQ(invalid_field<int>(R"({"n":2147483648})", "n"), "n integer from -2147483648 to 2147483647");
    EXPECT_EQ(invalid_field<std::uint16_t>(R"({"n":1.5})", "n"), "n integer from 0 to 65535");
    EXPECT_EQ(invalid_field<std::size_t>(R"({"n":18446744073709551616})", "n"),
              "n integer from 0 to 18446744073709551615");
    EXPECT_EQ(invalid_field<int>(R"({"n":"1"})", "n"), "n integer from -2147483648 to 2147483647");
    // The error answer is a 422 naming the field.
    json_reader r(R"({"qty":300})");
    std::uint8_t qty = 0;
    r.field("qty", qty);
    const corio::http::response res = r.error_response();
    EXPECT_EQ(res.status_code(), status::unprocessable_entity);
    EXPECT_NE(res.body().find(R"("field":"qty")"), std::string_view::npos) << res.body();
    EXPECT_NE(res.body().find("integer from 0 to 255"), std::string_view::npos) << res.body();
}

TEST(json_reader, first_error_wins) {
    json_reader r(R"({"a":"x","b":"y"})");
    double a = 0;
    double b = 0;
    r.field("a", a).field("b", b).field("c", b);
    EXPECT_EQ(r.error().field, "a");
}

TEST(json_reader, malformed_bodies) {
    EXPECT_EQ(malformed_detail(""), "empty body");
    EXPECT_EQ(malformed_detail("   \r\n"), "empty body");
    EXPECT_EQ(malformed_detail(R"({"name":"x)"), "unclosed string");
    EXPECT_EQ(malformed_detail("{\"name\":\"a\x01\"}"), "unescaped control character in a string");
    EXPECT_EQ(malformed_detail(R"({"name":"\q"})"), "invalid string escape");
    EXPECT_EQ(malformed_detail(R"({"name":"\ud800"})"), "invalid string escape"); // lone surrogate
    EXPECT_EQ(malformed_detail("{\"name\":\"\xff\"}"), "invalid UTF-8");
    EXPECT_EQ(malformed_detail(R"({"price":01})"), "invalid number (or beyond the range of a double)");
    EXPECT_EQ(malformed_detail(R"({"price":1.2.3})"), "invalid number (or beyond the range of a double)");
    EXPECT_EQ(malformed_detail(R"({"price":1e309})"), "invalid number (or beyond the range of a double)");
    EXPECT_EQ(malformed_detail(R"({"ok":tru})"), "invalid literal");
    EXPECT_EQ(malformed_detail(R"({"a":1} x)"), "trailing content after the JSON value");
    EXPECT_EQ(malformed_detail(R"({"a":1}})"), "trailing content after the JSON value");
    EXPECT_EQ(malformed_detail(R"({"a":1} {"b":2})"), "trailing content after the JSON value");
    for (std::string_view body : {R"({"a":1,})", R"({"a" 1})", R"({"a":[1,2})", R"({"a":[1,{"b":2}])", "{", "}"})
        EXPECT_FALSE(malformed_detail(body).empty()) << body;
    // Deeper than json_max_depth.
    const std::string deep =
        std::string(corio::http::json_max_depth + 1, '[') + std::string(corio::http::json_max_depth + 1, ']');
    EXPECT_EQ(malformed_detail(deep), "nested too deeply");
    const std::string ok_deep =
        std::string(corio::http::json_max_depth, '[') + std::string(corio::http::json_max_depth, ']');
    EXPECT_TRUE(json_reader(ok_deep).ok());
}

TEST(json_reader, malformed_json_is_found_before_any_field) {
    // The damage comes after the field the handler reads: still a 400, never a 422 or a value.
    json_reader r(R"({"name":"x","price":[1,})");
    std::string_view name;
    r.field("name", name);
    EXPECT_EQ(r.error().kind, json_error_kind::malformed);
    EXPECT_TRUE(name.empty());
}

TEST(json_reader, unicode_strings) {
    json_reader r(R"({"raw":"Zürich – 東京 😀","escaped":"\u00fc\u6771\ud83d\ude00","ctl":"a\"b\\c\n\t\/"})");
    std::string_view raw;
    std::string_view escaped;
    std::string_view ctl;
    r.field("raw", raw).field("escaped", escaped).field("ctl", ctl);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(raw, "Zürich – 東京 😀");
    EXPECT_EQ(escaped, "ü東😀");
    EXPECT_EQ(ctl, "a\"b\\c\n\t/");
    // Keys are compared as written (simdjson's field lookup): an escaped spelling does not match.
    EXPECT_EQ(invalid_field<double>(R"({"pr\u0069ce":2})", "price"), "price number");
}

TEST(json_reader, numbers_at_the_edges) {
    json_reader r(R"({"max":9223372036854775807,"min":-9223372036854775808,"big":1.7976931348623157e308,)"
                  R"("tiny":5e-324,"under":1e-400,"negzero":-0,"exp":1E2,"huge_int":18446744073709551616})");
    std::int64_t max = 0;
    std::int64_t min = 0;
    double big = 0;
    double tiny = 0;
    double under = 1;
    double negzero = 1;
    double exp = 0;
    double huge = 0;
    r.field("max", max).field("min", min).field("big", big).field("tiny", tiny).field("under", under);
    r.field("negzero", negzero).field("exp", exp).field("huge_int", huge);
    ASSERT_TRUE(r.ok()) << r.error().field << r.error().detail;
    EXPECT_EQ(max, std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(min, std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(big, std::numeric_limits<double>::max());
    EXPECT_EQ(tiny, std::numeric_limits<double>::denorm_min());
    EXPECT_EQ(under, 0.0);
    EXPECT_EQ(negzero, 0.0);
    EXPECT_TRUE(std::signbit(negzero));
    EXPECT_EQ(exp, 100.0);
    EXPECT_EQ(huge, 18446744073709551616.0);
    // One past int64's range fits a double but not an integer.
    EXPECT_EQ(invalid_field<std::int64_t>(R"({"n":9223372036854775808})", "n"), "n integer");
    EXPECT_EQ(invalid_field<std::int64_t>(R"({"n":-9223372036854775809})", "n"), "n integer");
}

TEST(json_reader, root_value_of_any_type) {
    json_reader a("[1,2,3]");
    std::int64_t sum = 0;
    a.root().array([&](json_value& v) {
        std::int64_t n = 0;
        v.get(n);
        sum += n;
    });
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(sum, 6);
    json_reader s(R"("just text")");
    std::string_view text;
    s.root().get(text);
    EXPECT_EQ(text, "just text");
    json_reader n("null");
    EXPECT_TRUE(n.root().is_null());
}

TEST(json_reader, error_responses) {
    json_reader bad("{");
    const auto r400 = bad.error_response();
    EXPECT_EQ(r400.status_code(), status::bad_request);
    EXPECT_EQ(r400.content_type(), "application/json");
    EXPECT_EQ(r400.body(), fmt::format(R"({{"error":"malformed JSON","detail":"{}"}})", bad.error().detail));

    json_reader empty("");
    EXPECT_EQ(empty.error_response().body(), R"({"error":"malformed JSON","detail":"empty body"})");

    json_reader wrong(R"({"price":"x"})");
    double price = 0;
    wrong.field("price", price);
    const auto r422 = wrong.error_response();
    EXPECT_EQ(r422.status_code(), status::unprocessable_entity);
    EXPECT_EQ(r422.content_type(), "application/json");
    EXPECT_EQ(r422.body(), R"({"error":"invalid field","field":"price","expected":"number"})");
}

TEST(json_reader, padded_input_is_read_in_place_and_short_capacity_is_copied) {
    std::string buffer = R"({"name":"in place"})";
    const std::size_t size = buffer.size();
    buffer.resize(size + corio::http::json_padding, 'x'); // junk after the body is fine
    std::string_view name;
    json_reader r(std::string_view(buffer.data(), size), buffer.size());
    r.field("name", name);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(name, "in place");
    json_reader c(std::string_view(buffer.data(), size), size); // no room: copied
    std::string_view again;
    c.field("name", again);
    EXPECT_EQ(again, "in place");
}

TEST(json_reader, readers_alive_together_and_reused) {
    // A second reader on the same thread (an async handler's) gets a state of its own.
    json_reader a(R"({"v":"first"})");
    json_reader b(R"({"v":"second"})");
    std::string_view va;
    std::string_view vb;
    a.field("v", va);
    b.field("v", vb);
    EXPECT_EQ(va, "first");
    EXPECT_EQ(vb, "second");
    for (int i = 0; i < 100; ++i) {
        json_reader r(fmt::format(R"({{"i":{}}})", i));
        std::int64_t n = -1;
        r.field("i", n);
        ASSERT_EQ(n, i);
    }
    json_reader moved = std::move(a);
    EXPECT_TRUE(moved.ok());
}

} // namespace
