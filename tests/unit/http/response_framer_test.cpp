// SPDX-License-Identifier: MIT
// response_framer (corio-load's framing of responses, over response_parser and body_decoder):
// every split of the input gives the same responses; Content-Length, chunked (with extensions and
// trailers), HEAD, 1xx, 204/304, bodies until close, malformed input, heads cut and trickled.
#include "response_framer.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace {

using corio::http::framed_response;
using corio::http::response_framer;
using corio::http::response_limits;
using corio::http::response_parser;

// corio-load's limits (bench/loadgen/worker.cpp).
constexpr response_limits load_limits{.max_head_bytes = 64 * 1024, .max_headers = 1024};

struct outcome {
    std::vector<framed_response> responses;
    bool ok = true;
};

outcome parse_in_pieces(std::string_view input, std::size_t piece, bool head = false) {
    response_parser parser(load_limits);
    response_framer p(parser);
    p.set_head_requests(head);
    outcome o;
    for (std::size_t at = 0; at < input.size() && o.ok; at += piece) {
        const std::string_view part = input.substr(at, piece);
        o.ok = p.feed(part, [&](const framed_response& r) { o.responses.push_back(r); });
    }
    return o;
}

// Parses `input` whole and split into pieces of every size; all must agree.
outcome parse_all_ways(std::string_view input, bool head = false) {
    const outcome whole = parse_in_pieces(input, input.size() + 1, head);
    for (std::size_t piece = 1; piece < input.size(); ++piece) {
        const outcome o = parse_in_pieces(input, piece, head);
        EXPECT_EQ(o.ok, whole.ok) << "piece " << piece;
        EXPECT_EQ(o.responses.size(), whole.responses.size()) << "piece " << piece;
        for (std::size_t i = 0; i < std::min(o.responses.size(), whole.responses.size()); ++i) {
            EXPECT_EQ(o.responses[i].status, whole.responses[i].status);
            EXPECT_EQ(o.responses[i].body, whole.responses[i].body);
            EXPECT_EQ(o.responses[i].close, whole.responses[i].close);
        }
    }
    return whole;
}

constexpr std::string_view hello = "HTTP/1.1 200 OK\r\nServer: corio\r\nDate: Tue, 24 Nov 2026 22:00:00 GMT\r\n"
                                   "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";

TEST(response_framer, content_length_responses_back_to_back) {
    const std::string input =
        std::string(hello) + std::string(hello) + "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n" +
        "HTTP/1.1 500 Internal Server Error\r\nCONTENT-LENGTH:  3 \r\nConnection: close\r\n\r\nabc";
    const outcome o = parse_all_ways(input);
    ASSERT_TRUE(o.ok);
    ASSERT_EQ(o.responses.size(), 4U);
    EXPECT_EQ(o.responses[0].status, 200);
    EXPECT_EQ(o.responses[0].body, 13U);
    EXPECT_FALSE(o.responses[0].close);
    EXPECT_EQ(o.responses[2].status, 404);
    EXPECT_EQ(o.responses[2].body, 0U);
    EXPECT_EQ(o.responses[3].status, 500);
    EXPECT_EQ(o.responses[3].body, 3U);
    EXPECT_TRUE(o.responses[3].close);
}

TEST(response_framer, chunked_with_extensions_and_trailers) {
    const std::string input = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nHello\r\n7;ext=1\r\n, World\r\nA\r\n0123456789\r\n0\r\n\r\n"
                              "HTTP/1.1 201 Created\r\ntransfer-encoding: gzip, Chunked\r\n\r\n"
                              "3\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n" +
                              std::string(hello);
    const outcome o = parse_all_ways(input);
    ASSERT_TRUE(o.ok);
    ASSERT_EQ(o.responses.size(), 3U);
    EXPECT_EQ(o.responses[0].body, 22U);
    EXPECT_EQ(o.responses[1].status, 201);
    EXPECT_EQ(o.responses[1].body, 3U);
    EXPECT_EQ(o.responses[2].body, 13U);
}

TEST(response_framer, head_interim_and_bodiless_statuses) {
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    const outcome h = parse_all_ways(head + head, true);
    ASSERT_TRUE(h.ok);
    EXPECT_EQ(h.responses.size(), 2U);
    const std::string input = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
                              "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n" +
                              std::string(hello);
    const outcome o = parse_all_ways(input);
    ASSERT_TRUE(o.ok);
    ASSERT_EQ(o.responses.size(), 3U);
    EXPECT_EQ(o.responses[0].status, 204);
    EXPECT_EQ(o.responses[1].status, 304);
    EXPECT_EQ(o.responses[2].status, 200);
}

TEST(response_framer, http10_closes_unless_keep_alive) {
    const outcome a = parse_all_ways("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
    ASSERT_EQ(a.responses.size(), 1U);
    EXPECT_TRUE(a.responses[0].close);
    const outcome b = parse_all_ways("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok");
    ASSERT_EQ(b.responses.size(), 1U);
    EXPECT_FALSE(b.responses[0].close);
}

TEST(response_framer, body_until_close) {
    response_parser parser(load_limits);
    response_framer p(parser);
    std::vector<framed_response> seen;
    const std::string_view input = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome bytes";
    ASSERT_TRUE(p.feed(input, [&](const framed_response& r) { seen.push_back(r); }));
    EXPECT_TRUE(seen.empty());
    EXPECT_FALSE(p.idle());
    ASSERT_TRUE(p.feed(std::string_view(" and more"), [&](const framed_response& r) { seen.push_back(r); }));
    EXPECT_TRUE(p.finish([&](const framed_response& r) { seen.push_back(r); }));
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_EQ(seen[0].body, 19U);
    EXPECT_TRUE(seen[0].close);
    EXPECT_TRUE(p.idle());
}

TEST(response_framer, cut_short_is_not_complete) {
    response_parser parser(load_limits);
    response_framer p(parser);
    int n = 0;
    for (const std::size_t cut : {hello.size() - 3, std::size_t{30}}) { // in the body, in the head
        p.reset();
        const std::string_view input = hello.substr(0, cut);
        ASSERT_TRUE(p.feed(input, [&](const framed_response&) { ++n; }));
        EXPECT_EQ(n, 0);
        EXPECT_FALSE(p.idle());
        EXPECT_FALSE(p.finish([&](const framed_response&) { ++n; }));
    }
}

TEST(response_framer, malformed_inputs_are_rejected) {
    const char* bad[] = {
        "HTTP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "HTTP/1.1 700 Odd\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
        "HTTP/1.1 abc Bad\r\n\r\n",
        "XTTP/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: 1\r\n\tfolded\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
        "HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZ\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n",
    };
    for (const char* input : bad) {
        const outcome o = parse_all_ways(input);
        EXPECT_FALSE(o.ok) << testing::PrintToString(std::string(input));
    }
}

TEST(response_framer, head_section_is_bounded) {
    std::string huge = "HTTP/1.1 200 OK\r\n";
    while (huge.size() < load_limits.max_head_bytes + 100)
        huge += "X-Filler: 0123456789012345678901234567890123456789\r\n";
    for (const std::size_t piece : {huge.size(), std::size_t{1000}}) {
        response_parser parser(load_limits);
        response_framer p(parser);
        bool ok = true;
        for (std::size_t at = 0; at < huge.size() && ok; at += piece)
            ok = p.feed(std::string_view(huge).substr(at, piece), [](const framed_response&) {});
        EXPECT_FALSE(ok) << "piece " << piece;
    }
}

// llhttp 8 refuses a repeated Content-Length even with the same value (RFC 9112 6.3 lets a
// recipient refuse it); the framer this replaced in corio-load accepted equal ones.
TEST(response_framer, duplicate_content_length_is_refused) {
    const outcome o = parse_all_ways("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok");
    EXPECT_FALSE(o.ok);
}

// A head that arrives byte by byte is parsed again only at blank lines and at doubled sizes.
TEST(response_framer, trickled_head_is_parsed_a_few_times) {
    std::string head = "HTTP/1.1 200 OK\r\n";
    while (head.size() < 4000)
        head += "X-Filler: 0123456789012345678901234567890123456789\r\n";
    head += "Content-Length: 2\r\n\r\nok";
    response_parser parser(load_limits);
    response_framer p(parser);
    int n = 0;
    for (const char c : head)
        ASSERT_TRUE(p.feed(std::string_view(&c, 1), [&](const framed_response&) { ++n; }));
    EXPECT_EQ(n, 1);
    EXPECT_TRUE(p.idle());
    EXPECT_LE(parser.parses(), 16U);
    EXPECT_LE(parser.bytes_parsed(), 3 * head.size());
}

// Bytes after a response in the same piece as its cut head's end are framed, not lost.
TEST(response_framer, cut_head_then_pipelined_responses) {
    const std::string input = std::string(hello) + std::string(hello) + std::string(hello);
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
        response_parser parser(load_limits);
        response_framer p(parser);
        int n = 0;
        const auto count = [&](const framed_response& r) {
            EXPECT_EQ(r.body, 13U);
            ++n;
        };
        ASSERT_TRUE(p.feed(std::string_view(input).substr(0, cut), count));
        ASSERT_TRUE(p.feed(std::string_view(input).substr(cut), count));
        EXPECT_EQ(n, 3) << "cut " << cut;
        EXPECT_TRUE(p.idle());
    }
}

// A cut head whose bad bytes came after its last parse is judged when the connection ends.
TEST(response_framer, malformed_cut_head_is_refused_at_the_end) {
    const std::string_view input = "HTTP/1.1 200 OK\r\nX-A: \x01\x02\x03\x04";
    response_parser parser(load_limits);
    response_framer p(parser);
    const auto none = [](const framed_response&) { FAIL(); };
    for (const char c : input)
        ASSERT_TRUE(p.feed(std::string_view(&c, 1), none));
    EXPECT_FALSE(p.failed());
    EXPECT_FALSE(p.finish(none));
    EXPECT_TRUE(p.failed());
}

// A head the same as the last one is matched, not parsed again: the parser sees only the new ones,
// and what differs after a shared prefix (the length here) is read from the new head.
TEST(response_framer, repeated_heads_are_matched_not_parsed) {
    const std::string other = "HTTP/1.1 200 OK\r\nServer: corio\r\nDate: Tue, 24 Nov 2026 22:00:00 GMT\r\n"
                              "Content-Type: text/plain\r\nContent-Length: 14\r\n\r\nHello, World!!";
    const std::string input = std::string(hello) + std::string(hello) + other + other + std::string(hello);
    response_parser parser(load_limits);
    response_framer p(parser);
    std::vector<std::uint64_t> bodies;
    ASSERT_TRUE(p.feed(input, [&](const framed_response& r) { bodies.push_back(r.body); }));
    EXPECT_EQ(bodies, (std::vector<std::uint64_t>{13, 13, 14, 14, 13}));
    EXPECT_EQ(parser.parses(), 3U);
    // Answers to HEAD: the head is remembered with what it meant then (no body).
    p.reset();
    p.set_head_requests(true);
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    int n = 0;
    ASSERT_TRUE(p.feed(head + head + head, [&](const framed_response& r) {
        EXPECT_EQ(r.body, 0U);
        ++n;
    }));
    EXPECT_EQ(n, 3);
    EXPECT_EQ(parser.parses(), 4U);
}

} // namespace
