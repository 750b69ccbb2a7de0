// SPDX-License-Identifier: MIT
// request_parser: complete, incomplete and pipelined requests, bodies (Content-Length and chunked),
// keep-alive rules, and every malformed or oversized request with the status it is answered with.
#include "request_parser.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace {

using corio::http::method;
using corio::http::parse_limits;
using corio::http::parse_outcome;
using corio::http::request;
using corio::http::request_parser;
using corio::http::status;
using kind = parse_outcome::kind;

constexpr std::string_view techempower_get = "GET /plaintext?x=1&y=two HTTP/1.1\r\n"
                                             "Host: tfb-server:8080\r\n"
                                             "Accept: text/plain,text/html;q=0.9\r\n"
                                             "Connection: keep-alive\r\n"
                                             "\r\n";

// Parses `text` (copied into a mutable buffer that outlives the request's views).
struct parse_run {
    explicit parse_run(std::string_view text, const parse_limits& limits = {}) : buffer(text), parser(limits) {}
    parse_outcome parse() { return parser.parse(std::span<char>(buffer.data(), buffer.size()), req); }
    parse_outcome parse_prefix(std::size_t n) { return parser.parse(std::span<char>(buffer.data(), n), req); }
    parse_outcome parse_from(std::size_t offset) {
        return parser.parse(std::span<char>(buffer.data() + offset, buffer.size() - offset), req);
    }

    std::string buffer;
    request_parser parser;
    request req;
};

// The outcome of parsing `text` alone.
parse_outcome outcome_of(std::string_view text, const parse_limits& limits = {}) {
    parse_run run(text, limits);
    return run.parse();
}

void expect_techempower_fields(const request& r) {
    EXPECT_EQ(r.method(), method::get);
    EXPECT_EQ(r.method_name(), "GET");
    EXPECT_EQ(r.target(), "/plaintext?x=1&y=two");
    EXPECT_EQ(r.path(), "/plaintext");
    EXPECT_EQ(r.query(), "x=1&y=two");
    EXPECT_EQ(r.version_minor(), 1);
    EXPECT_TRUE(r.keep_alive());
    ASSERT_EQ(r.headers().size(), 3U);
    EXPECT_EQ(r.headers()[0].name, "Host");
    EXPECT_EQ(r.headers()[0].value, "tfb-server:8080");
    EXPECT_EQ(r.headers()[1].name, "Accept");
    EXPECT_EQ(r.headers()[1].value, "text/plain,text/html;q=0.9");
    EXPECT_EQ(r.headers()[2].name, "Connection");
    EXPECT_EQ(r.header("host"), "tfb-server:8080");
    EXPECT_EQ(r.header("HOST"), "tfb-server:8080");
    EXPECT_EQ(r.header("aCcEpT"), "text/plain,text/html;q=0.9");
    EXPECT_FALSE(r.header("Content-Length").has_value());
    EXPECT_FALSE(r.header("Hos").has_value());
    EXPECT_TRUE(r.body().empty());
}

TEST(request_parser, complete_techempower_get) {
    parse_run run(techempower_get);
    const parse_outcome out = run.parse();
    ASSERT_EQ(out.what, kind::complete);
    EXPECT_EQ(out.consumed, techempower_get.size());
    EXPECT_FALSE(out.upgrade);
    expect_techempower_fields(run.req);
}

TEST(request_parser, views_point_into_the_input) {
    parse_run run(techempower_get);
    ASSERT_EQ(run.parse().what, kind::complete);
    const char* begin = run.buffer.data();
    const char* end = begin + run.buffer.size();
    EXPECT_GE(run.req.target().data(), begin);
    EXPECT_LT(run.req.target().data(), end);
    EXPECT_GE(run.req.headers()[0].value.data(), begin);
    EXPECT_LT(run.req.headers()[0].value.data(), end);
}

TEST(request_parser, every_prefix_is_incomplete_and_the_whole_is_complete) {
    parse_run run(techempower_get);
    for (std::size_t n = 0; n < techempower_get.size(); ++n) {
        const parse_outcome out = run.parse_prefix(n);
        ASSERT_EQ(out.what, kind::incomplete) << "prefix of " << n << " bytes";
    }
    const parse_outcome out = run.parse();
    ASSERT_EQ(out.what, kind::complete);
    EXPECT_EQ(out.consumed, techempower_get.size());
    expect_techempower_fields(run.req);
}

TEST(request_parser, every_prefix_of_a_body_request) {
    const std::string_view text = "POST /update?queries=2 HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
    parse_run run(text);
    for (std::size_t n = 0; n < text.size(); ++n) {
        ASSERT_EQ(run.parse_prefix(n).what, kind::incomplete) << "prefix of " << n << " bytes";
    }
    const parse_outcome out = run.parse();
    ASSERT_EQ(out.what, kind::complete);
    EXPECT_EQ(out.consumed, text.size());
    EXPECT_EQ(run.req.method(), method::post);
    EXPECT_EQ(run.req.path(), "/update");
    EXPECT_EQ(run.req.query(), "queries=2");
    EXPECT_EQ(run.req.body(), "hello world");
}

TEST(request_parser, pipelined_requests_parse_one_after_another) {
    const std::string second = "POST /json HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
    const std::string third = "GET /last HTTP/1.1\r\nHost: h\r\n\r\n";
    parse_run run(std::string(techempower_get) + second + third);

    parse_outcome out = run.parse();
    ASSERT_EQ(out.what, kind::complete);
    ASSERT_EQ(out.consumed, techempower_get.size());
    expect_techempower_fields(run.req);

    std::size_t offset = out.consumed;
    out = run.parse_from(offset);
    ASSERT_EQ(out.what, kind::complete);
    ASSERT_EQ(out.consumed, second.size());
    EXPECT_EQ(run.req.method(), method::post);
    EXPECT_EQ(run.req.path(), "/json");
    EXPECT_EQ(run.req.body(), "abc");
    EXPECT_EQ(run.req.headers().size(), 2U);

    offset += out.consumed;
    out = run.parse_from(offset);
    ASSERT_EQ(out.what, kind::complete);
    ASSERT_EQ(out.consumed, third.size());
    EXPECT_EQ(run.req.path(), "/last");
    EXPECT_TRUE(run.req.query().empty());
    EXPECT_TRUE(run.req.body().empty());
    EXPECT_EQ(offset + out.consumed, run.buffer.size());
}

TEST(request_parser, complete_request_followed_by_a_partial_one) {
    parse_run run(std::string(techempower_get) + "GET /next HT");
    const parse_outcome first = run.parse();
    ASSERT_EQ(first.what, kind::complete);
    EXPECT_EQ(first.consumed, techempower_get.size());
    EXPECT_EQ(run.parse_from(first.consumed).what, kind::incomplete);
}

TEST(request_parser, content_length_body) {
    parse_run run("PUT /item/7 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n12345");
    const parse_outcome out = run.parse();
    ASSERT_EQ(out.what, kind::complete);
    EXPECT_EQ(out.consumed, run.buffer.size());
    EXPECT_EQ(run.req.method(), method::put);
    EXPECT_EQ(run.req.body(), "12345");
    EXPECT_EQ(run.req.header("content-length"), "5");
    EXPECT_EQ(run.req.header("Content-Type"), "text/plain");
}

TEST(request_parser, chunked_body_with_trailer_is_dechunked_and_input_untouched) {
    const std::string_view text = "POST /upload HTTP/1.1\r\n"
                                  "Host: h\r\n"
                                  "Transfer-Encoding: chunked\r\n"
                                  "\r\n"
                                  "4\r\nWiki\r\n"
                                  "5\r\npedia\r\n"
                                  "e\r\n in\r\n\r\nchunks.\r\n"
                                  "0\r\n"
                                  "X-Checksum: abc\r\n"
                                  "\r\n";
    parse_run run(text);
    const parse_outcome out = run.parse();
    ASSERT_EQ(out.what, kind::complete);
    EXPECT_EQ(out.consumed, text.size());
    EXPECT_EQ(run.req.body(), "Wikipedia in\r\n\r\nchunks.");
    EXPECT_EQ(run.buffer, text) << "parsing must not rewrite the input";
    EXPECT_EQ(run.req.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(run.req.header("host"), "h");
    EXPECT_FALSE(run.req.header("X-Checksum")) << "trailer fields are parsed and ignored";
}

TEST(request_parser, every_prefix_of_a_chunked_request) {
    const std::string_view text = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    parse_run run(text);
    for (std::size_t n = 0; n < text.size(); ++n) {
        ASSERT_EQ(run.parse_prefix(n).what, kind::incomplete) << "prefix of " << n << " bytes";
    }
    ASSERT_EQ(run.parse().what, kind::complete);
    EXPECT_EQ(run.req.body(), "abcde");
    EXPECT_EQ(run.buffer, text);
}

TEST(request_parser, chunked_then_plain_request_on_one_parser) {
    // The de-chunking scratch buffer must not leak into the next request's body.
    request_parser parser{parse_limits{}};
    std::string chunked =
        "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n1\r\ny\r\n0\r\n\r\n";
    std::string plain = "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nzz";
    request r;
    ASSERT_EQ(parser.parse(std::span<char>(chunked.data(), chunked.size()), r).what, kind::complete);
    EXPECT_EQ(r.body(), "xy");
    ASSERT_EQ(parser.parse(std::span<char>(plain.data(), plain.size()), r).what, kind::complete);
    EXPECT_EQ(r.body(), "zz");
    EXPECT_EQ(r.body().data(), plain.data() + plain.size() - 2);
}

TEST(request_parser, need_hint_for_an_incomplete_content_length_body) {
    const std::string_view head = "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n";
    const std::string body(100, 'b');
    parse_run run(std::string(head) + body);

    parse_outcome out = run.parse_prefix(head.size());
    ASSERT_EQ(out.what, kind::incomplete);
    EXPECT_EQ(out.need, head.size() + body.size());

    out = run.parse_prefix(head.size() + 40);
    ASSERT_EQ(out.what, kind::incomplete);
    EXPECT_EQ(out.need, head.size() + body.size());

    out = run.parse_prefix(10); // inside the head: no hint
    ASSERT_EQ(out.what, kind::incomplete);
    EXPECT_EQ(out.need, 0U);

    out = run.parse();
    ASSERT_EQ(out.what, kind::complete);
    EXPECT_EQ(run.req.body(), body);
}

TEST(request_parser, no_need_hint_for_chunked_bodies) {
    const std::string_view text = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc";
    const parse_outcome out = outcome_of(text);
    ASSERT_EQ(out.what, kind::incomplete);
    EXPECT_EQ(out.need, 0U);
}

TEST(request_parser, http10_closes_by_default) {
    parse_run run("GET / HTTP/1.0\r\nHost: h\r\n\r\n");
    ASSERT_EQ(run.parse().what, kind::complete);
    EXPECT_EQ(run.req.version_minor(), 0);
    EXPECT_FALSE(run.req.keep_alive());
}

TEST(request_parser, http10_with_keep_alive) {
    parse_run run("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    ASSERT_EQ(run.parse().what, kind::complete);
    EXPECT_EQ(run.req.version_minor(), 0);
    EXPECT_TRUE(run.req.keep_alive());
}

TEST(request_parser, http11_connection_close) {
    parse_run run("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    ASSERT_EQ(run.parse().what, kind::complete);
    EXPECT_EQ(run.req.version_minor(), 1);
    EXPECT_FALSE(run.req.keep_alive());
}

TEST(request_parser, http11_keeps_alive_by_default) {
    parse_run run("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_EQ(run.parse().what, kind::complete);
    EXPECT_TRUE(run.req.keep_alive());
}

TEST(request_parser, other_methods_and_empty_header_values) {
    parse_run run("DELETE /x HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Padded:   v  \r\n\r\n");
    ASSERT_EQ(run.parse().what, kind::complete);
    EXPECT_EQ(run.req.method(), method::delete_);
    EXPECT_EQ(run.req.header("x-empty"), "");
    EXPECT_EQ(run.req.header("x-padded"), "v");

    parse_run propfind("PROPFIND /dav HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_EQ(propfind.parse().what, kind::complete);
    EXPECT_EQ(propfind.req.method(), method::other);
    EXPECT_EQ(propfind.req.method_name(), "PROPFIND");
}

TEST(request_parser, upgrade_is_reported_and_not_kept_alive) {
    parse_run run("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    const parse_outcome out = run.parse();
    ASSERT_EQ(out.what, kind::complete);
    EXPECT_TRUE(out.upgrade);
    EXPECT_EQ(out.consumed, run.buffer.size());
    EXPECT_FALSE(run.req.keep_alive());
}

// Malformed requests: each is an error with the status the server answers before closing.

void expect_error(std::string_view text, status expected, const parse_limits& limits = {}) {
    const parse_outcome out = outcome_of(text, limits);
    ASSERT_EQ(out.what, kind::error) << text;
    EXPECT_EQ(out.error_status, expected) << text;
}

// RFC 9112 3.2: an HTTP/1.1 request needs exactly one Host field (empty is allowed); no request
// may carry two; HTTP/1.0 may omit it.
TEST(request_parser, http11_without_exactly_one_host_is_400) {
    expect_error("GET / HTTP/1.1\r\n\r\n", status::bad_request);
    expect_error("GET / HTTP/1.1\r\nX-Host: h\r\n\r\n", status::bad_request);
    expect_error("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", status::bad_request);
    expect_error("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", status::bad_request);
    expect_error("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", status::bad_request);
    EXPECT_EQ(outcome_of("GET / HTTP/1.1\r\nhOST: h\r\n\r\n").what, kind::complete);
    EXPECT_EQ(outcome_of("GET / HTTP/1.1\r\nHost:\r\n\r\n").what, kind::complete);
    EXPECT_EQ(outcome_of("GET / HTTP/1.0\r\n\r\n").what, kind::complete);
    // A Host field in a chunked body's trailer section is not the request's.
    EXPECT_EQ(outcome_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nHost: b\r\n\r\n").what,
              kind::complete);
}

TEST(request_parser, garbage_request_line) {
    expect_error("\x01\x02garbage\r\n\r\n", status::bad_request);
    expect_error("GET\r\n\r\n", status::bad_request);
    // llhttp reports junk after the version with the code of an unknown version; it is a 400.
    expect_error("GET / HTTP/1.1 extra\r\n\r\n", status::bad_request);
    expect_error("GET /  HTTP/1.1 extra\r\n\r\n", status::bad_request);
}

TEST(request_parser, content_length_and_transfer_encoding_together) {
    expect_error(
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        status::bad_request);
    expect_error(
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        status::bad_request);
}

TEST(request_parser, two_different_content_lengths) {
    expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                 status::bad_request);
}

TEST(request_parser, non_numeric_content_length) {
    expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3x\r\n\r\nabc", status::bad_request);
    expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", status::bad_request);
    expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", status::bad_request);
}

TEST(request_parser, transfer_encoding_not_ending_in_chunked) {
    // The parser answers 501 Not Implemented (status table in request_parser.cpp).
    expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\nabc", status::not_implemented);
    expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc", status::not_implemented);
}

TEST(request_parser, unsupported_http_versions) {
    for (std::string_view text : {"GET / HTTP/2.0\r\n\r\n", "GET / HTTP/1.2\r\n\r\n", "GET / HTTP/3.1\r\n\r\n"}) {
        const parse_outcome out = outcome_of(text);
        ASSERT_EQ(out.what, kind::error) << text;
        EXPECT_TRUE(out.error_status == status::http_version_not_supported || out.error_status == status::bad_request)
            << text << " -> " << static_cast<int>(out.error_status);
    }
    expect_error("GET / HTTP/2.0\r\n\r\n", status::http_version_not_supported);
    expect_error("GET / HTTP/1.2\r\n\r\n", status::http_version_not_supported);
}

TEST(request_parser, whitespace_before_the_colon) {
    expect_error("GET / HTTP/1.1\r\nHost : h\r\n\r\n", status::bad_request);
    expect_error("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", status::bad_request);
}

// Regression: llhttp 8 took "Transfer-Encoding : chunked" as an unknown header named
// "Transfer-Encoding " and parsed the chunked body as the next request (request smuggling).
TEST(request_parser, transfer_encoding_with_space_before_colon_is_not_smuggled) {
    expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /admin "
                 "HTTP/1.1\r\nHost: h\r\n\r\n",
                 status::bad_request);
}

TEST(request_parser, obs_fold) {
    expect_error("GET / HTTP/1.1\r\nHost: h\r\nX-Folded: first\r\n second\r\n\r\n", status::bad_request);
    expect_error("GET / HTTP/1.1\r\nHost: h\r\nX-Folded: first\r\n\tsecond\r\nHost: h\r\n\r\n", status::bad_request);
    // A fold right after the colon (empty first line) too.
    expect_error("GET / HTTP/1.1\r\nHost: h\r\nX-Folded:\r\n second\r\n\r\n", status::bad_request);
    expect_error("GET / HTTP/1.1\r\nHost: h\r\nX-Folded: \r\n second\r\n\r\n", status::bad_request);
    // An empty value is not a fold.
    parse_run empty("GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Next: n\r\n\r\n");
    ASSERT_EQ(empty.parse().what, kind::complete);
    EXPECT_EQ(empty.req.header("x-empty"), "");
    EXPECT_EQ(empty.req.header("x-next"), "n");
}

TEST(request_parser, no_header_value_holds_a_line_break) {
    // Whatever llhttp accepts, a value handed to a handler never contains CR or LF.
    for (std::string_view text :
         {"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n \r\n\r\n", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\t\r\nY: b\r\n\r\n",
          "GET / HTTP/1.1\r\nHost: h\r\nX: a \r\n  b\r\n\r\n"}) {
        parse_run run(text);
        const parse_outcome out = run.parse();
        if (out.what != kind::complete) continue;
        for (const auto& h : run.req.headers()) {
            EXPECT_EQ(h.value.find_first_of("\r\n"), std::string_view::npos) << text;
            EXPECT_EQ(h.name.find_first_of("\r\n "), std::string_view::npos) << text;
        }
    }
}

TEST(request_parser, bare_lf_ending_a_header_line) {
    // Strict mode: a bare LF ending a header line is refused.
    expect_error("GET / HTTP/1.1\r\nHost: h\n\r\n", status::bad_request);
}

TEST(request_parser, url_longer_than_the_limit) {
    const parse_limits limits{.max_url_bytes = 32};
    const std::string at_limit = "GET /" + std::string(31, 'u') + " HTTP/1.1\r\nHost: h\r\n\r\n";
    const std::string over = "GET /" + std::string(32, 'u') + " HTTP/1.1\r\nHost: h\r\n\r\n";
    EXPECT_EQ(outcome_of(at_limit, limits).what, kind::complete);
    expect_error(over, status::uri_too_long, limits);
    // Also while the URL is still arriving.
    expect_error("GET /" + std::string(40, 'u'), status::uri_too_long, limits);
}

TEST(request_parser, more_headers_than_max_headers) {
    const parse_limits limits{.max_headers = 4};
    std::string four = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 3; ++i)
        four += "X-H" + std::to_string(i) + ": v\r\n";
    const std::string five = four + "X-H3: v\r\n\r\n";
    four += "\r\n";
    parse_run ok(four, limits);
    ASSERT_EQ(ok.parse().what, kind::complete);
    EXPECT_EQ(ok.req.headers().size(), 4U);
    expect_error(five, status::request_header_fields_too_large, limits);
}

TEST(request_parser, head_larger_than_max_header_bytes_while_incomplete) {
    const parse_limits limits{.max_header_bytes = 128};
    const std::string partial = "GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(200, 'v'); // no end of head yet
    expect_error(partial, status::request_header_fields_too_large, limits);
    // Just below the limit it is still merely incomplete.
    EXPECT_EQ(outcome_of(partial.substr(0, 128), limits).what, kind::incomplete);
}

TEST(request_parser, head_larger_than_max_header_bytes_when_complete) {
    const parse_limits limits{.max_header_bytes = 128};
    expect_error("GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(200, 'v') + "\r\n\r\n",
                 status::request_header_fields_too_large, limits);
    std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 10; ++i)
        many += "X-Header-" + std::to_string(i) + ": value\r\n";
    many += "\r\n";
    ASSERT_GT(many.size(), 128U);
    expect_error(many, status::request_header_fields_too_large, limits);
}

TEST(request_parser, small_head_with_a_body_beyond_max_header_bytes_is_fine) {
    const parse_limits limits{.max_header_bytes = 128};
    const std::string body(1000, 'x');
    parse_run run("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + body, limits);
    ASSERT_EQ(run.parse().what, kind::complete);
    EXPECT_EQ(run.req.body(), body);
    // And incomplete (the head is done, most of the body is missing) is not a 431 either.
    EXPECT_EQ(run.parse_prefix(200).what, kind::incomplete);
}

TEST(request_parser, content_length_above_max_body_bytes) {
    const parse_limits limits{.max_body_bytes = 16};
    EXPECT_EQ(outcome_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 16\r\n\r\n0123456789abcdef", limits).what,
              kind::complete);
    // Refused as soon as the head is in, before the body arrives.
    expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n", status::payload_too_large, limits);
}

TEST(request_parser, chunked_body_above_max_body_bytes) {
    const parse_limits limits{.max_body_bytes = 16};
    expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "8\r\n01234567\r\n8\r\n89abcdef\r\n1\r\nX\r\n0\r\n\r\n",
                 status::payload_too_large, limits);
    // Exactly at the limit is fine.
    parse_run ok("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n",
                 limits);
    ASSERT_EQ(ok.parse().what, kind::complete);
    EXPECT_EQ(ok.req.body(), "0123456789abcdef");
}

TEST(request_parser, error_after_a_good_request_does_not_poison_the_next_parse) {
    parse_run run("GET / HTTP/1.1\r\nHost : h\r\n\r\n");
    EXPECT_EQ(run.parse().what, kind::error);
    std::string good(techempower_get);
    request r;
    const parse_outcome out = run.parser.parse(std::span<char>(good.data(), good.size()), r);
    ASSERT_EQ(out.what, kind::complete);
    expect_techempower_fields(r);
}

} // namespace
