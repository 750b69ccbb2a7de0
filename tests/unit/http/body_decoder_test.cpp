// SPDX-License-Identifier: MIT
// body_decoder: Content-Length and chunked bodies decoded in every split of input and output,
// chunk extensions and trailers, each malformed case, bytes after the end left alone, and the same
// accept/reject decision and payload as request_parser (llhttp) for a set of chunked bodies.
#include "body_decoder.hpp"
#include "request_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace {

using corio::http::body_decoder;
using corio::http::parse_limits;
using corio::http::parse_outcome;
using corio::http::request;
using corio::http::request_parser;
using framing = body_decoder::framing;
using state = body_decoder::state;

struct decoded {
    state what = state::more;
    std::string payload;
    std::size_t consumed = 0; // input bytes consumed in all (on error: the offending byte's offset)
};

// Feeds `input` in pieces of `in_piece` bytes into buffers of `out_room` bytes until the decoder
// reports done or error, or stops making progress with the whole input given.
decoded decode(body_decoder& d, std::string_view input, std::size_t in_piece, std::size_t out_room) {
    decoded r;
    std::string room(out_room, '\0');
    std::size_t given = 0; // input bytes offered so far (consumed or pending)
    for (int idle = 0; idle < 3;) {
        given = std::min(input.size(), std::max(given, r.consumed + in_piece));
        const std::span<const char> in(input.data() + r.consumed, given - r.consumed);
        const body_decoder::step s = d.decode(in, std::span<char>(room.data(), room.size()));
        EXPECT_LE(s.consumed, in.size());
        EXPECT_LE(s.produced, room.size());
        r.payload.append(room.data(), s.produced);
        r.consumed += s.consumed;
        r.what = s.what;
        if (s.what != state::more) break;
        idle = s.consumed == 0 && s.produced == 0 && given == input.size() ? idle + 1 : 0;
    }
    return r;
}

decoded decode_chunked(std::string_view input, std::size_t in_piece = 1 << 20, std::size_t out_room = 1 << 20,
                       std::uint32_t max_trailer_bytes = 16384) {
    body_decoder d;
    d.reset(framing::chunked, 0, max_trailer_bytes);
    decoded r = decode(d, input, in_piece, out_room);
    EXPECT_EQ(d.total(), r.payload.size());
    EXPECT_EQ(d.done(), r.what == state::done);
    return r;
}

// The same body decoded whole, byte by byte, into one-byte buffers and in mixed splits: one result.
decoded decode_every_way(std::string_view input) {
    const decoded whole = decode_chunked(input);
    for (std::size_t in_piece : {1, 2, 3, 7}) {
        for (std::size_t out_room : {1, 2, 5, 1 << 20}) {
            const decoded piecewise = decode_chunked(input, in_piece, out_room);
            EXPECT_EQ(piecewise.what, whole.what) << "in " << in_piece << " out " << out_room;
            EXPECT_EQ(piecewise.payload, whole.payload) << "in " << in_piece << " out " << out_room;
            EXPECT_EQ(piecewise.consumed, whole.consumed) << "in " << in_piece << " out " << out_room;
        }
    }
    return whole;
}

TEST(body_decoder, none_is_done_at_once) {
    body_decoder d;
    d.reset(framing::none);
    EXPECT_TRUE(d.done());
    const body_decoder::step s = d.decode(std::span<const char>("GET", 3), {});
    EXPECT_EQ(s.what, state::done);
    EXPECT_EQ(s.consumed, 0u);
    EXPECT_EQ(d.total(), 0u);
}

TEST(body_decoder, length_body_in_pieces) {
    const std::string input = "hello, worldGET / HTTP/1.1\r\n";
    for (std::size_t in_piece : {1, 2, 5, 100}) {
        for (std::size_t out_room : {1, 3, 12, 100}) {
            body_decoder d;
            d.reset(framing::length, 12);
            const decoded r = decode(d, input, in_piece, out_room);
            EXPECT_EQ(r.what, state::done);
            EXPECT_EQ(r.payload, "hello, world");
            EXPECT_EQ(r.consumed, 12u) << "the next request's bytes are not the body's";
            EXPECT_TRUE(d.done());
            EXPECT_EQ(d.total(), 12u);
        }
    }
}

TEST(body_decoder, length_zero_is_done_at_once) {
    body_decoder d;
    d.reset(framing::length, 0);
    EXPECT_TRUE(d.done());
    EXPECT_EQ(d.decode(std::span<const char>("x", 1), {}).consumed, 0u);
}

TEST(body_decoder, length_body_waits_for_room_and_input) {
    body_decoder d;
    d.reset(framing::length, 4);
    char out[4];
    body_decoder::step s = d.decode(std::span<const char>("ab", 2), std::span<char>(out, 0));
    EXPECT_EQ(s.what, state::more);
    EXPECT_EQ(s.consumed, 0u);
    s = d.decode(std::span<const char>("ab", 2), std::span<char>(out, 4));
    EXPECT_EQ(s.what, state::more);
    EXPECT_EQ(s.produced, 2u);
    s = d.decode(std::span<const char>("cdef", 4), std::span<char>(out, 4));
    EXPECT_EQ(s.what, state::done);
    EXPECT_EQ(s.consumed, 2u);
    EXPECT_EQ(std::string_view(out, 2), "cd");
    EXPECT_EQ(d.total(), 4u);
}

TEST(body_decoder, chunked_body) {
    const decoded r = decode_every_way("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n");
    EXPECT_EQ(r.what, state::done);
    EXPECT_EQ(r.payload, "hello, world");
}

TEST(body_decoder, chunked_hex_sizes_and_leading_zeros) {
    const std::string sixteen(16, 'x');
    const std::string twenty_six(26, 'y');
    const decoded r = decode_every_way("0010\r\n" + sixteen + "\r\n1A\r\n" + twenty_six + "\r\n1a\r\n" + twenty_six +
                                       "\r\n000\r\n\r\n");
    EXPECT_EQ(r.what, state::done);
    EXPECT_EQ(r.payload, sixteen + twenty_six + twenty_six);
}

TEST(body_decoder, chunked_extensions_and_trailers) {
    for (std::string_view input : {
             "5;a\r\nhello\r\n0\r\n\r\n",
             "5;a=b\r\nhello\r\n0\r\n\r\n",
             "5;a;b;c\r\nhello\r\n0\r\n\r\n",
             "5;a=\"b c\"\r\nhello\r\n0\r\n\r\n",
             "5;a=\"\"\r\nhello\r\n0\r\n\r\n",
             "5;a=\"b\";c=d\r\nhello\r\n0\r\n\r\n",
             "5;a=\"b\";c=\"\td\x80\"\r\nhello\r\n0;last=yes\r\n\r\n",
             "5;!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~\r\nhello\r\n0\r\n\r\n",
             "5\r\nhello\r\n0\r\nA: b\r\n\r\n",
             "5\r\nhello\r\n0\r\nA:b\r\nC-D:  e f\t\r\nE:\r\n\r\n",
             "5\r\nhello\r\n0\r\nServer-Timing: db;dur=53\x80\r\n\r\n",
             "5\r\nhello\r\n0\r\nContent-Lengthy: 1\r\nTransfer: x\r\n\r\n",
         }) {
        const decoded r = decode_every_way(input);
        EXPECT_EQ(r.what, state::done) << input;
        EXPECT_EQ(r.payload, "hello") << input;
        EXPECT_EQ(r.consumed, input.size()) << input;
    }
}

TEST(body_decoder, data_after_the_end_is_not_consumed) {
    const std::string body = "5\r\nhello\r\n0\r\nA: b\r\n\r\n";
    for (std::string_view next : {"GET / HTTP/1.1\r\n\r\n", "\r\n", "0\r\n\r\n", "\n"}) {
        const decoded r = decode_every_way(body + std::string(next));
        EXPECT_EQ(r.what, state::done);
        EXPECT_EQ(r.payload, "hello");
        EXPECT_EQ(r.consumed, body.size());
    }
}

TEST(body_decoder, empty_output_consumes_framing_only) {
    body_decoder d;
    d.reset(framing::chunked);
    const std::string_view input = "5;x=y\r\nhello\r\n0\r\nA: b\r\n\r\n";
    body_decoder::step s = d.decode(input, {});
    EXPECT_EQ(s.what, state::more);
    EXPECT_EQ(s.consumed, 7u) << "the chunk line, not the payload";
    EXPECT_EQ(s.produced, 0u);
    char out[5];
    s = d.decode(input.substr(7), out);
    EXPECT_EQ(s.what, state::done) << "the framing after the last payload byte goes with it";
    EXPECT_EQ(s.produced, 5u);
    EXPECT_EQ(s.consumed, input.size() - 7);
    EXPECT_EQ(std::string_view(out, 5), "hello");

    d.reset(framing::chunked);
    s = d.decode("0\r\n\r\n", {});
    EXPECT_EQ(s.what, state::done) << "an empty body ends with no room at all";
}

TEST(body_decoder, skip_counts_the_payload_in_any_split) {
    const std::string_view input = "5;x=y\r\nhello\r\n7\r\n, World\r\n0\r\nA: b\r\n\r\nnext";
    const std::size_t body = input.size() - 4;
    for (std::size_t piece = 1; piece <= input.size(); ++piece) {
        body_decoder d;
        d.reset(framing::chunked);
        std::size_t at = 0;
        body_decoder::step s;
        while (at < input.size()) {
            s = d.skip(input.substr(at, std::min(piece, input.size() - at)));
            EXPECT_EQ(s.produced, 0u);
            at += s.consumed;
            if (s.what != state::more) break;
        }
        EXPECT_EQ(s.what, state::done) << "piece " << piece;
        EXPECT_EQ(at, body) << "piece " << piece << ": the bytes after the body are not consumed";
        EXPECT_EQ(d.total(), 12u);
    }
    body_decoder d;
    d.reset(framing::chunked);
    EXPECT_EQ(d.skip("3\r\nabcX").what, state::error);
}

TEST(body_decoder, a_failed_decoder_stays_failed) {
    body_decoder d;
    d.reset(framing::chunked);
    EXPECT_EQ(d.decode("g\r\n", {}).what, state::error);
    const body_decoder::step s = d.decode("0\r\n\r\n", {});
    EXPECT_EQ(s.what, state::error);
    EXPECT_EQ(s.consumed, 0u);
    EXPECT_FALSE(d.done());
    d.reset(framing::chunked);
    EXPECT_EQ(d.decode("0\r\n\r\n", {}).what, state::done) << "reset starts afresh";
}

// Each malformed body with the offset of the byte it is refused at.
struct malformed {
    std::string_view input;
    std::size_t at;
};

TEST(body_decoder, malformed_chunked_bodies) {
    for (const malformed& m : {
             malformed{"\r\nhello\r\n0\r\n\r\n", 0},              // no chunk-size
             malformed{"x\r\n", 0},                               // not hex
             malformed{"+5\r\nhello\r\n0\r\n\r\n", 0},            // a sign
             malformed{"0x5\r\nhello\r\n0\r\n\r\n", 1},           // a C prefix
             malformed{"5g\r\nhello\r\n0\r\n\r\n", 1},            // junk after the size
             malformed{"5 \r\nhello\r\n0\r\n\r\n", 1},            // whitespace after the size
             malformed{"5\nhello\r\n0\r\n\r\n", 1},               // bare LF after the size
             malformed{"5\rXhello\r\n0\r\n\r\n", 2},              // CR without LF
             malformed{"5\r\nhelloXX0\r\n\r\n", 8},               // data not followed by CRLF
             malformed{"5\r\nhello\n0\r\n\r\n", 8},               // data followed by a bare LF
             malformed{"5\r\nhello\rX0\r\n\r\n", 9},              // data followed by CR without LF
             malformed{"5\r\nhello\r\n\r\n", 10},                 // no last chunk
             malformed{"10000000000000000\r\n", 16},              // 2^64 overflows
             malformed{"fffffffffffffffff\r\n", 16},              // so does 17 hex digits of f
             malformed{"5;\r\nhello\r\n0\r\n\r\n", 2},            // empty extension
             malformed{"5; a\r\nhello\r\n0\r\n\r\n", 2},          // whitespace before an extension name
             malformed{"5 ;a\r\nhello\r\n0\r\n\r\n", 1},          // whitespace before ';'
             malformed{"5;a ;b\r\nhello\r\n0\r\n\r\n", 3},        // whitespace after a name
             malformed{"5;a= b\r\nhello\r\n0\r\n\r\n", 4},        // whitespace after '='
             malformed{"5;a=\r\nhello\r\n0\r\n\r\n", 4},          // empty value
             malformed{"5;;a\r\nhello\r\n0\r\n\r\n", 2},          // empty name
             malformed{"5;=a\r\nhello\r\n0\r\n\r\n", 2},          // empty name before '='
             malformed{"5;a@b\r\nhello\r\n0\r\n\r\n", 3},         // not a tchar
             malformed{"5;a=b=c\r\nhello\r\n0\r\n\r\n", 5},       // '=' in a token value
             malformed{"5;a=b;c\r\nhello\r\n0\r\n\r\n", 5},       // ';' after an unquoted value (llhttp 8 rejects it)
             malformed{"5;a=b\"c\"\r\nhello\r\n0\r\n\r\n", 5},    // a quote inside a token
             malformed{"5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", 7},    // junk after a quoted-string
             malformed{"5;a=\"b\\\"\"\r\nhello\r\n0\r\n\r\n", 6}, // quoted-pair (llhttp 8 rejects it)
             malformed{"5;a=\"b\x7f\"\r\nhello\r\n0\r\n\r\n", 6}, // DEL in a quoted-string
             malformed{"5;a=\"b\r\nhello\r\n0\r\n\r\n", 6},       // unterminated quoted-string
             malformed{"5;a\rXhello\r\n0\r\n\r\n", 4},            // CR without LF after an extension
             malformed{"0\r\n\n", 3},                             // bare LF ending the trailer section
             malformed{"0\r\n\rX", 4},                            // CR without LF ending it
             malformed{"0\r\nA: b\n\r\n", 7},                     // bare LF ending a field line
             malformed{"0\r\nA: b\r\n\n", 9},                     // bare LF ending the section after a field
             malformed{"0\r\nA: b\rc\r\n\r\n", 8},                // CR inside a value
             malformed{"0\r\nA: b\r\n c\r\n\r\n", 9},             // obs-fold
             malformed{"0\r\nA: b\r\n\tc\r\n\r\n", 9},            // obs-fold with HTAB
             malformed{"0\r\n A: b\r\n\r\n", 3},                  // whitespace before a name
             malformed{"0\r\nA : b\r\n\r\n", 4},                  // whitespace before ':'
             malformed{"0\r\nA b: c\r\n\r\n", 4},                 // whitespace inside a name
             malformed{"0\r\n: b\r\n\r\n", 3},                    // empty name
             malformed{"0\r\nA\r\n\r\n", 4},                      // no ':'
             malformed{"0\r\nA@: b\r\n\r\n", 4},                  // not a tchar
             malformed{"0\r\nA: b\x01\r\n\r\n", 7},               // a control in a value
             malformed{"0\r\nA: b\x7f\r\n\r\n", 7},               // DEL in a value
             malformed{std::string_view("0\r\nA: \0\r\n\r\n", 11), 6}, // NUL in a value
             malformed{"0\r\nTransfer-Encoding: chunked\r\n\r\n", 20}, // framing fields in trailers
             malformed{"0\r\ncontent-length: 5\r\n\r\n", 17},
         }) {
        const decoded r = decode_every_way(m.input);
        EXPECT_EQ(r.what, state::error) << m.input;
        EXPECT_EQ(r.consumed, m.at) << m.input;
    }
}

TEST(body_decoder, largest_chunk_size_is_accepted) {
    body_decoder d;
    d.reset(framing::chunked);
    const body_decoder::step s = d.decode("ffffffffffffffff\r\nab", {});
    EXPECT_EQ(s.what, state::more);
    EXPECT_EQ(s.consumed, 18u);
}

TEST(body_decoder, oversize_trailers) {
    const std::string line = "A: " + std::string(20, 'b') + "\r\n"; // 25 bytes
    const std::string input = "0\r\n" + line + line + "\r\n";
    EXPECT_EQ(decode_chunked(input, 1 << 20, 1 << 20, 50).what, state::done);
    EXPECT_EQ(decode_chunked(input, 1, 1, 50).what, state::done);
    const decoded r = decode_chunked(input, 1 << 20, 1 << 20, 49);
    EXPECT_EQ(r.what, state::error);
    EXPECT_EQ(r.consumed, input.size() - 3) << "refused at the last byte of the second line";
    EXPECT_EQ(decode_chunked(input, 1, 1, 49).what, state::error);
    EXPECT_EQ(decode_chunked("0\r\n\r\n", 1 << 20, 1 << 20, 0).what, state::done) << "no trailer, no bytes";
}

TEST(body_decoder, payload_survives_any_split) {
    // Every split point of the input crossed with every buffer size up to the payload's.
    const std::string input = "3;e=\"v\"\r\nabc\r\n1\r\nd\r\nA\r\n0123456789\r\n0\r\nT: v\r\n\r\nNEXT";
    const std::string payload = "abcd0123456789";
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        for (std::size_t room = 1; room <= payload.size(); ++room) {
            body_decoder d;
            d.reset(framing::chunked);
            std::string got;
            std::string out(room, '\0');
            std::size_t at = 0;
            for (std::size_t end : {cut, input.size(), input.size(), input.size()}) {
                for (int round = 0; round < 20 && at <= end; ++round) {
                    const body_decoder::step s =
                        d.decode(std::span<const char>(input.data() + at, end - at), std::span<char>(out));
                    got.append(out.data(), s.produced);
                    at += s.consumed;
                    ASSERT_NE(s.what, state::error) << cut << " " << room;
                    if (s.consumed == 0 && s.produced == 0) break;
                }
            }
            EXPECT_TRUE(d.done()) << cut << " " << room;
            EXPECT_EQ(got, payload) << cut << " " << room;
            EXPECT_EQ(at, input.size() - 4) << cut << " " << room;
        }
    }
}

// Differential: the decoder and request_parser (llhttp) agree on a set of chunked bodies.
TEST(body_decoder, agrees_with_request_parser) {
    request_parser parser({8192, 16384, 64, 1u << 30});
    for (std::string_view body : {
             "0\r\n\r\n",
             "00\r\n\r\n",
             "5\r\nhello\r\n0\r\n\r\n",
             "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n",
             "000005\r\nhello\r\n0\r\n\r\n",
             "5;a\r\nhello\r\n0\r\n\r\n",
             "5;a=b\r\nhello\r\n0\r\n\r\n",
             "5;a=\"b c\"\r\nhello\r\n0\r\n\r\n",
             "5;a=\"b\";c=d\r\nhello\r\n0;z\r\n\r\n",
             "5;a=b;c\r\nhello\r\n0\r\n\r\n",
             "5;a=\"b\\c\"\r\nhello\r\n0\r\n\r\n",
             "5;a=\"b\"c\r\nhello\r\n0\r\n\r\n",
             "5; a\r\nhello\r\n0\r\n\r\n",
             "5 ;a\r\nhello\r\n0\r\n\r\n",
             "5;\r\nhello\r\n0\r\n\r\n",
             "5;a;\r\nhello\r\n0\r\n\r\n",
             "5;a=b=c\r\nhello\r\n0\r\n\r\n",
             "5\nhello\r\n0\r\n\r\n",
             "5\r\nhello\n0\r\n\r\n",
             "5\r\nhello\r\n\r\n",
             "\r\nhello\r\n0\r\n\r\n",
             "x\r\n\r\n",
             "0x5\r\nhello\r\n0\r\n\r\n",
             "10000000000000000\r\n\r\n",
             "5\r\nhello\r\n0\r\nA: b\r\nC-D:e\r\n\r\n",
             "5\r\nhello\r\n0\r\nA: b\r\n c\r\n\r\n",
             "5\r\nhello\r\n0\r\nA: b\n\r\n",
             "5\r\nhello\r\n0\r\nA: b\rc\r\n\r\n",
             "5\r\nhello\r\n0\r\nA\r\n\r\n",
             "5\r\nhello\r\n0\r\nA@: b\r\n\r\n",
             "5\r\nhello\r\n0\r\nA: b\x01\r\n\r\n",
             "5\r\nhello\r\n0\r\nA: b\x80\r\n\r\n",
             "5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n",
         }) {
        std::string whole = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(body);
        request req;
        const parse_outcome out = parser.parse(std::span<char>(whole.data(), whole.size()), req);
        ASSERT_NE(out.what, parse_outcome::kind::incomplete) << body;
        const decoded r = decode_every_way(body);
        ASSERT_NE(r.what, state::more) << body;
        EXPECT_EQ(r.what == state::done, out.what == parse_outcome::kind::complete) << body;
        if (r.what == state::done && out.what == parse_outcome::kind::complete) {
            EXPECT_EQ(r.payload, req.body()) << body;
            EXPECT_EQ(out.consumed, whole.size()) << body;
        }
    }
}

// Where llhttp 8 (as built here, LLHTTP_STRICT_MODE 0) skips bytes without looking at them, or
// accepts what RFC 9112 does not, the decoder refuses: each of these request_parser accepts.
// llhttp's strict mode (LLHTTP_STRICT_MODE, which corio compiles in) refuses these as the decoder
// does; its default mode let them through (two of them are request-smuggling vectors).
TEST(body_decoder, refused_like_strict_llhttp) {
    request_parser parser({8192, 16384, 64, 1u << 30});
    for (std::string_view body : {
             "5\rXhello\r\n0\r\n\r\n",   // any byte after a chunk line's CR
             "5;a\rXhello\r\n0\r\n\r\n", // the same after an extension
             "5\r\nhelloXX0\r\n\r\n",    // any two bytes after chunk data
             "0\r\n\rX",                 // CR and any byte ending the trailer section
             "0\r\nA : b\r\n\r\n",       // whitespace before ':' in a trailer
             "0\r\nA b: c\r\n\r\n",      // whitespace inside a trailer field name
             "0\r\n A: b\r\n\r\n",       // whitespace before a trailer field name
         }) {
        std::string whole = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(body);
        request req;
        EXPECT_EQ(parser.parse(std::span<char>(whole.data(), whole.size()), req).what, parse_outcome::kind::error)
            << body;
        EXPECT_EQ(decode_every_way(body).what, state::error) << body;
    }
}

// Where even strict llhttp is lenient, the streamed path is stricter than the buffered one. The
// test fails on purpose if Debian's llhttp changes, so that the differences are looked at again.
TEST(body_decoder, stricter_than_llhttp) {
    request_parser parser({8192, 16384, 64, 1u << 30});
    for (std::string_view body : {
             "0\r\n\n",                          // a bare LF ends the trailer section
             "0\r\nA: b\r\n\n",                  // also after a field
             "5;;a\r\nhello\r\n0\r\n\r\n",       // empty extension name
             "5;=a\r\nhello\r\n0\r\n\r\n",       // the same before '='
             "5;a=\r\nhello\r\n0\r\n\r\n",       // empty extension value
             "5;a=b\"c\"\r\nhello\r\n0\r\n\r\n", // a quote inside a token value
             "0;a=\"\x7f\"\r\n\r\n",             // DEL in a quoted-string
             "0\r\n: b\r\n\r\n",                 // empty trailer field name
             "0\r\nContent-Length: 5\r\n\r\n",   // a framing field in the trailers
         }) {
        std::string whole = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(body);
        request req;
        EXPECT_EQ(parser.parse(std::span<char>(whole.data(), whole.size()), req).what, parse_outcome::kind::complete)
            << body;
        EXPECT_EQ(decode_every_way(body).what, state::error) << body;
    }
}

} // namespace
