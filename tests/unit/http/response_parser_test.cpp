// SPDX-License-Identifier: MIT
// response_parser and response_reader: heads and bodies of every framing read in every split of the
// input (two pieces at each offset, and byte by byte), interim responses skipped, responses to HEAD,
// 204 and 304 without a body, each malformed or oversized case with its failure, and bytes after
// the end of a response never consumed.
#include "response_parser.hpp"
#include "response_reader.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace {

using corio::http::client_response;
using corio::http::response_head;
using corio::http::response_limits;
using corio::http::response_outcome;
using corio::http::response_parser;
using reader = corio::http::detail::response_reader;

struct read_result {
    reader::state where = reader::state::head;
    reader::failure why = reader::failure::none;
    client_response response;
    std::size_t consumed = 0;
    bool keep_alive = false;
};

// Feeds `pieces` one after another as a connection would (unused bytes offered again with the next
// piece); with `eof`, the connection ends after the last one.
read_result read(const std::vector<std::string_view>& pieces, bool eof, bool to_head = false,
                 std::uint64_t max_body = 1 << 20, response_limits limits = {}) {
    response_parser parser(limits);
    reader r(parser, max_body);
    read_result out;
    r.reset(out.response, to_head);
    std::string pending;
    for (const std::string_view piece : pieces) {
        pending.append(piece);
        if (r.where() == reader::state::done || r.where() == reader::state::failed) continue;
        const std::size_t used = r.feed(std::span<const char>(pending.data(), pending.size()));
        out.consumed += used;
        pending.erase(0, used);
    }
    if (eof) r.end_of_input(std::span<const char>(pending.data(), pending.size()));
    out.where = r.where();
    out.why = r.why();
    out.keep_alive = r.keep_alive();
    return out;
}

// `input` in two pieces at every offset and byte by byte: each gives `check` the same outcome.
template <class Check>
void every_split(std::string_view input, bool eof, Check check, bool to_head = false) {
    for (std::size_t i = 0; i <= input.size(); ++i) {
        SCOPED_TRACE("split at " + std::to_string(i));
        check(read({input.substr(0, i), input.substr(i)}, eof, to_head));
    }
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < input.size(); ++i)
        bytes.push_back(input.substr(i, 1));
    SCOPED_TRACE("byte by byte");
    check(read(bytes, eof, to_head));
}

TEST(ResponseReader, ContentLengthInEverySplit) {
    const std::string_view input = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b \r\n\r\nhello";
    every_split(input, false, [&](const read_result& r) {
        ASSERT_EQ(r.where, reader::state::done);
        EXPECT_EQ(r.response.status(), 200);
        EXPECT_EQ(r.response.reason(), "OK");
        EXPECT_EQ(r.response.body(), "hello");
        EXPECT_EQ(r.response.header("x-a"), "b");
        EXPECT_EQ(r.response.header("CONTENT-LENGTH"), "5");
        EXPECT_EQ(r.response.header_count(), 2U);
        EXPECT_TRUE(r.keep_alive);
        EXPECT_EQ(r.consumed, input.size());
    });
}

TEST(ResponseReader, ChunkedWithTrailersInEverySplit) {
    const std::string_view input = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nT: v\r\n\r\n";
    every_split(input, false, [&](const read_result& r) {
        ASSERT_EQ(r.where, reader::state::done);
        EXPECT_EQ(r.response.status(), 201);
        EXPECT_EQ(r.response.body(), "hello, world");
        EXPECT_TRUE(r.keep_alive);
        EXPECT_EQ(r.consumed, input.size());
    });
}

TEST(ResponseReader, CloseDelimitedBodyInEverySplit) {
    const std::string_view input = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end";
    every_split(input, true, [&](const read_result& r) {
        ASSERT_EQ(r.where, reader::state::done);
        EXPECT_EQ(r.response.body(), "until the end");
        EXPECT_FALSE(r.keep_alive);
    });
    // Without the end of the connection the body is not known to be complete.
    EXPECT_EQ(read({input}, false).where, reader::state::until_close);
}

TEST(ResponseReader, InterimResponsesAreSkipped) {
    const std::string_view input = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                                   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    every_split(input, false, [&](const read_result& r) {
        ASSERT_EQ(r.where, reader::state::done);
        EXPECT_EQ(r.response.status(), 200);
        EXPECT_EQ(r.response.header_count(), 1U);
        EXPECT_FALSE(r.response.header("link"));
        EXPECT_EQ(r.response.body(), "ok");
    });
}

TEST(ResponseReader, NoBodyForHeadAnd204And304) {
    const std::string_view head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    every_split(
        head, false,
        [&](const read_result& r) {
            ASSERT_EQ(r.where, reader::state::done);
            EXPECT_EQ(r.response.body(), "");
            EXPECT_EQ(r.consumed, head.size());
            EXPECT_TRUE(r.keep_alive);
        },
        true);
    for (const std::string_view status : {"204 No Content", "304 Not Modified"}) {
        std::string input = "HTTP/1.1 ";
        input.append(status).append("\r\nContent-Length: 3\r\n\r\n");
        const read_result r = read({input, "abc"}, false);
        ASSERT_EQ(r.where, reader::state::done) << status;
        EXPECT_EQ(r.consumed, input.size()) << "the next response's bytes stay unread";
    }
}

TEST(ResponseReader, Http10WithoutKeepAliveEndsWithTheConnection) {
    const read_result r = read({"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"}, false);
    ASSERT_EQ(r.where, reader::state::done);
    EXPECT_EQ(r.response.version_minor(), 0);
    EXPECT_FALSE(r.keep_alive);
}

TEST(ResponseReader, BytesAfterTheResponseAreNotConsumed) {
    const std::string_view first = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
    std::string two(first);
    two.append("HTTP/1.1 200 OK\r\n");
    const read_result r = read({two}, false);
    ASSERT_EQ(r.where, reader::state::done);
    EXPECT_EQ(r.consumed, first.size());
    const std::string_view chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    std::string with_junk(chunked);
    with_junk.append("junk");
    const read_result c = read({with_junk}, false);
    ASSERT_EQ(c.where, reader::state::done);
    EXPECT_EQ(c.consumed, chunked.size());
}

TEST(ResponseReader, MalformedResponsesFail) {
    const std::string_view cases[] = {
        "garbage\r\n\r\n",
        "HTTP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nName : value\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
        // Status codes outside 100..599, and bare LF line ends (both taken by llhttp 8).
        "HTTP/1.1 700 Odd\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",
        "HTTP/1.1 204 No Content\n\n",
    };
    for (const std::string_view input : cases) {
        every_split(input, false, [&](const read_result& r) {
            EXPECT_EQ(r.where, reader::state::failed) << input;
            EXPECT_EQ(r.why, reader::failure::malformed) << input;
        });
    }
}

TEST(ResponseReader, OversizedHeadAndBodyAreTooLarge) {
    std::string big_field = "HTTP/1.1 200 OK\r\nX: ";
    big_field.append(20000, 'a').append("\r\n\r\n");
    EXPECT_EQ(read({big_field}, false).why, reader::failure::too_large);
    // A head that never ends fails once it passes the limit, not when the connection ends.
    std::string endless = "HTTP/1.1 200 OK\r\n";
    endless.append(17000, 'x');
    EXPECT_EQ(read({endless}, false).why, reader::failure::too_large);
    std::string many = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 70; ++i)
        many.append("A").append(std::to_string(i)).append(": b\r\n");
    many.append("\r\n");
    EXPECT_EQ(read({many}, false).why, reader::failure::too_large);

    const std::string length = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n";
    EXPECT_EQ(read({length}, false, false, 10).why, reader::failure::too_large);
    EXPECT_EQ(read({length, "hello world"}, false, false, 11).response.body(), "hello world");
    const std::string chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n";
    every_split(chunked, false, [](const read_result& r) { EXPECT_EQ(r.response.body(), "hello world"); });
    for (std::size_t i = 0; i <= chunked.size(); ++i) {
        const std::string_view all(chunked);
        EXPECT_EQ(read({all.substr(0, i), all.substr(i)}, false, false, 10).why, reader::failure::too_large);
    }
    EXPECT_EQ(read({"HTTP/1.1 200 OK\r\n\r\n", std::string(11, 'a')}, true, false, 10).why, reader::failure::too_large);
}

// An unfinished head is judged the same however its bytes came: garbage cut by the close is
// malformed whole or byte by byte (the reader parses what it skipped when the input ends).
TEST(ResponseReader, AnUnfinishedHeadIsJudgedAlikeInEverySplit) {
    every_split("HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2\r\nbad header\x01", true, [](const read_result& r) {
        EXPECT_EQ(r.where, reader::state::failed);
        EXPECT_EQ(r.why, reader::failure::malformed);
    });
    every_split("HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2\r\nX-C: 3", true, [](const read_result& r) {
        EXPECT_EQ(r.where, reader::state::failed);
        EXPECT_EQ(r.why, reader::failure::truncated);
    });
}

TEST(ResponseReader, TruncatedResponsesFailAtTheEndOfInput) {
    EXPECT_EQ(read({}, true).why, reader::failure::truncated);
    EXPECT_EQ(read({"HTTP/1.1 200 OK\r\nContent-"}, true).why, reader::failure::truncated);
    EXPECT_EQ(read({"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"}, true).why, reader::failure::truncated);
    EXPECT_EQ(read({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"}, true).why,
              reader::failure::truncated);
}

// A head trickled byte by byte is parsed a logarithmic number of times plus once per blank line,
// not once per byte (each parse starts again from the head's first byte): linear work, not quadratic.
TEST(ResponseReader, TrickledHeadIsNotParsedAgainPerByte) {
    std::string head = "HTTP/1.1 200 OK\r\n";
    while (head.size() < 12000) // 50 fields (the limit is 64) of 240 bytes
        head.append("X-Field-").append(std::to_string(head.size())).append(": ").append(224, 'v').append("\r\n");
    head.append("Content-Length: 2\r\n\r\nok");
    response_parser parser(response_limits{});
    reader r(parser, 1 << 20);
    client_response out;
    r.reset(out, false);
    std::size_t used = 0;
    for (std::size_t end = 1; end <= head.size() && r.where() != reader::state::done; ++end)
        used += r.feed(std::span<const char>(head.data() + used, end - used));
    EXPECT_EQ(r.where(), reader::state::done);
    EXPECT_EQ(out.body(), "ok");
    EXPECT_LE(parser.parses(), 20U);                   // 12,000 pieces before the blank line
    EXPECT_LE(parser.bytes_parsed(), 3 * head.size()); // once per piece would be 12,000² / 2
}

TEST(ResponseParser, ParsesTheHeadInPlace) {
    response_parser parser({});
    response_head head;
    const std::string_view input = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    const response_outcome o = parser.parse(std::span<const char>(input.data(), input.size()), false, head);
    ASSERT_EQ(o.what, response_outcome::kind::complete);
    EXPECT_EQ(o.consumed, input.size());
    EXPECT_EQ(head.status, 404);
    EXPECT_EQ(head.framing, corio::http::response_body_framing::none);
    EXPECT_TRUE(head.keep_alive);
    ASSERT_EQ(head.headers.size(), 1U);
    EXPECT_EQ(head.headers[0].name.data(), input.data() + 24) << "views into the input, no copy";
}

TEST(ClientResponse, CopiesKeepTheirOwnViews) {
    read_result r = read({"HTTP/1.1 200 OK\r\nA: 1\r\nContent-Length: 1\r\n\r\nx"}, false);
    client_response copy = r.response;
    client_response moved = std::move(r.response);
    EXPECT_EQ(copy.header("a"), "1");
    EXPECT_EQ(moved.header("A"), "1");
    EXPECT_EQ(moved.header_at(0).name, "A");
    EXPECT_EQ(moved.take_body(), "x");
}

} // namespace
