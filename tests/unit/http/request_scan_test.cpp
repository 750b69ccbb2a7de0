// SPDX-License-Identifier: MIT
// request_scan: it reads the common request shape (so the fast path is taken at all), declines
// every departure from it, and request_parser gives the same result with it as with llhttp alone,
// for heads it reads, heads it declines, limits, routes, bodies and pipelined requests.
#include "request_scan.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <corio/http/response.hpp>
#include <corio/http/router.hpp>

#include "request_parser.hpp"
#include "same_parse.hpp"

namespace {

using corio::http::head_fields;
using corio::http::parse_limits;
using corio::http::parse_outcome;
using corio::http::request;
using corio::http::request_parser;
using corio::http::scan_request_head;
using corio::http::scanned_head;

constexpr std::string_view techempower = "GET /plaintext HTTP/1.1\r\n"
                                         "Host: 127.0.0.1:18080\r\n"
                                         "Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9\r\n"
                                         "Connection: keep-alive\r\n"
                                         "\r\n";

// Scans `text`; true if request_scan read it.
bool scans(std::string_view text) {
    head_fields fields(64);
    scanned_head head;
    return scan_request_head(text, fields, head);
}

TEST(request_scan, reads_the_common_shape) {
    head_fields fields(64);
    scanned_head head;
    ASSERT_TRUE(scan_request_head(techempower, fields, head));
    EXPECT_EQ(head.method, corio::http::method::get);
    EXPECT_EQ(head.method_name, "GET");
    EXPECT_EQ(head.target, "/plaintext");
    EXPECT_EQ(head.version_minor, 1);
    EXPECT_EQ(head.host_count, 1);
    EXPECT_TRUE(head.connection_keep_alive);
    EXPECT_FALSE(head.connection_close);
    EXPECT_EQ(head.head_bytes, techempower.size());
    ASSERT_EQ(fields.list().size(), 3U);
    EXPECT_EQ(fields.list()[1].name, "Accept");
    EXPECT_EQ(fields.list()[1].value, "text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9");
}

TEST(request_scan, reads_bodies_blanks_and_other_methods) {
    head_fields fields(64);
    scanned_head head;
    constexpr std::string_view post = "POST /b?q=%41 HTTP/1.0\r\nHost:x\r\nContent-Length: 0012\r\nX-Empty:   \r\n"
                                      "Expect: 100-continue\r\nConnection: CLOSE\r\n\r\n";
    ASSERT_TRUE(scan_request_head(post, fields, head));
    EXPECT_EQ(head.version_minor, 0);
    EXPECT_TRUE(head.has_content_length);
    EXPECT_EQ(head.content_length, 12U);
    EXPECT_TRUE(head.expect_continue);
    EXPECT_TRUE(head.connection_close);
    EXPECT_EQ(fields.list()[2].value, "");
    for (std::string_view m : {"PUT", "HEAD", "DELETE", "PATCH", "OPTIONS"})
        EXPECT_TRUE(scans(std::string(m) + " / HTTP/1.1\r\nHost: h\r\n\r\n")) << m;
}

// Every one of these leaves the decision to llhttp (which refuses some and accepts others).
const std::vector<std::string> departures = {
    "get / HTTP/1.1\r\nHost: h\r\n\r\n",                 // method in lower case
    "CONNECT h:1 HTTP/1.1\r\nHost: h\r\n\r\n",           // a method the scan does not know
    "PROPFIND / HTTP/1.1\r\nHost: h\r\n\r\n",            //
    "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",                // two blanks
    "GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n",         // absolute form
    "GET * HTTP/1.1\r\nHost: h\r\n\r\n",                 // asterisk form
    "GET /a#f HTTP/1.1\r\nHost: h\r\n\r\n",              // fragment
    "GET /\x80 HTTP/1.1\r\nHost: h\r\n\r\n",             // byte above ASCII in the target
    "GET / HTTP/1.2\r\nHost: h\r\n\r\n",                 // another version
    "GET / HTTP/2.0\r\nHost: h\r\n\r\n",                 //
    "GET / HTTP/1.1\nHost: h\r\n\r\n",                   // bare LF
    "GET / HTTP/1.1\r\nHost: h\n\r\n",                   //
    "GET / HTTP/1.1\r\nHost: h\r\n\n",                   //
    "GET / HTTP/1.1\r\nHost: h\r\n\r",                   // cut short
    "GET / HTTP/1.1\r\nHost : h\r\n\r\n",                // blank before the colon
    "GET / HTTP/1.1\r\n: h\r\n\r\n",                     // empty name
    "GET / HTTP/1.1\r\nHo\"st: h\r\n\r\n",               // not a token
    "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",      // obs-fold
    "GET / HTTP/1.1\r\nHost: h\r\nX: a\tb\r\n\r\n",      // tab in a value
    "GET / HTTP/1.1\r\nHost: h\r\nX:\ta\r\n\r\n",        // tab before a value
    "GET / HTTP/1.1\r\nHost: h\r\nX: \xe9t\xe9\r\n\r\n", // obs-text
    "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n",     // DEL
    "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",      // CR inside a value
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nProxy-Connection: close\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nConnection: close\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\nx",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 \r\n\r\nx",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1234567890123456789\r\n\r\n",
};

TEST(request_scan, declines_every_departure_from_the_common_shape) {
    for (const std::string& text : departures)
        EXPECT_FALSE(scans(text)) << text;
    for (std::size_t n = 0; n < techempower.size(); ++n)
        EXPECT_FALSE(scans(techempower.substr(0, n))) << n;
}

// Parses every input with request_scan first and with llhttp alone, under `limits`, with routes.
void expect_same_parse(const std::vector<std::string>& inputs, const parse_limits& limits) {
    corio::http::router routes;
    const auto ok = [](request&) { return corio::http::response{}; };
    routes.get("/plaintext", ok).get("/p/:x", ok).post("/b", ok, {.max_body_bytes = 8});
    request_parser fast(limits, &routes), slow(limits, &routes);
    slow.set_scan(false);
    for (const std::string& text : inputs) {
        std::string buffer = text;
        // Request after request, as a pipelining connection feeds them; and every prefix of the first.
        for (std::size_t offset = 0; offset < buffer.size();) {
            const std::span<char> rest(buffer.data() + offset, buffer.size() - offset);
            request a, b;
            const parse_outcome fa = fast.parse(rest, a);
            const parse_outcome sb = slow.parse(rest, b);
            ASSERT_TRUE(corio::test::same_parse(fa, a, sb, b)) << text << " at " << offset;
            if (fa.what != parse_outcome::kind::complete) break;
            offset += fa.consumed;
        }
        for (std::size_t n = 0; n < buffer.size(); ++n) {
            request a, b;
            ASSERT_TRUE(
                corio::test::same_parse(fast.parse({buffer.data(), n}, a), a, slow.parse({buffer.data(), n}, b), b))
                << text << " cut at " << n;
        }
    }
}

TEST(request_scan, gives_what_llhttp_alone_gives) {
    std::vector<std::string> inputs = departures;
    inputs.emplace_back(techempower);
    inputs.push_back(std::string(techempower) + std::string(techempower) + "GET /p/%7e?x HTTP/1.1\r\nHost: h\r\n\r\n");
    inputs.emplace_back(
        "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n\r\n12345678GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    inputs.emplace_back("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n123456789");  // over the route's limit
    inputs.emplace_back("POST /plaintext HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nab"); // body cut short
    inputs.emplace_back("GET /p/%zz HTTP/1.1\r\nHost: h\r\n\r\n");                             // bad escape: 400
    inputs.emplace_back("GET / HTTP/1.1\r\n\r\n");                                             // no Host: 400
    inputs.emplace_back("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n");                       // two: 400
    inputs.emplace_back("GET / HTTP/1.0\r\n\r\n");                                             // 1.0 needs none
    inputs.emplace_back("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    inputs.emplace_back("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nExpect: x\r\n\r\n");
    inputs.emplace_back("GET / HTTP/1.1\r\nHost: h\r\nX: trailing   \r\nY:\r\n\r\n");
    inputs.emplace_back("GET /" + std::string(40, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n"); // over a tight URL limit
    std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 6; ++i)
        many += "X" + std::to_string(i) + ": v\r\n";
    inputs.push_back(many + "\r\n"); // over a tight field count
    expect_same_parse(inputs, parse_limits{});
    expect_same_parse(inputs, parse_limits{32, 128, 4, 64});
}

} // namespace
