// SPDX-License-Identifier: MIT
// Fuzz target for body_decoder: input bytes 0 and 1 seed the split points of the input and the
// sizes of the output buffers (0 included); the rest is a chunked body. It is decoded piecewise and
// checked against request_parser (llhttp) parsing `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked`
// + the same bytes in one piece: same accept/reject decision, same payload, same end of the body.
// The decoder is stricter than llhttp 8 in known places (even in its strict mode llhttp takes a bare
// LF ending the trailers, empty or odd extension names and values, and empty trailer field names;
// the repairs below also cover the default mode's laxity after a CR and after chunk data); a
// rejection that llhttp accepts must be one of those: the offending bytes must be invalid by
// RFC 9112 and repairing them must leave llhttp's result unchanged. Anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "body_decoder.hpp"
#include "request_parser.hpp"

namespace {

using corio::http::body_decoder;
using corio::http::parse_outcome;
using corio::http::request;
using corio::http::request_parser;
using state = body_decoder::state;

void check(bool ok) {
    if (!ok) std::abort();
}

struct outcome {
    state what = state::more; // llhttp's: complete -> done, incomplete -> more
    std::string payload;
    std::size_t consumed = 0; // done: body bytes; error (decoder): offset of the offending byte
    // Payloads are compared once complete (llhttp shows none of an unfinished body).
    bool operator==(const outcome& o) const { return what == o.what && (what != state::done || payload == o.payload); }
};

outcome parse_whole(std::string_view body) {
    static request_parser parser({8192, 16384, 64, 1u << 30});
    static const std::string_view head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string whole = std::string(head) + std::string(body);
    request req;
    const parse_outcome out = parser.parse(std::span<char>(whole.data(), whole.size()), req);
    outcome o;
    if (out.what == parse_outcome::kind::complete) {
        o.what = state::done;
        o.payload = req.body();
        o.consumed = out.consumed - head.size();
    } else {
        o.what = out.what == parse_outcome::kind::error ? state::error : state::more;
    }
    return o;
}

// Decodes `body` in pieces and into buffers whose sizes come from `seed`.
outcome decode_piecewise(std::string_view body, std::uint16_t seed) {
    body_decoder d;
    d.reset(body_decoder::framing::chunked);
    outcome o;
    std::uint32_t rng = seed * 2654435761u + 1;
    const auto next = [&rng](std::uint32_t bound) {
        rng = rng * 1103515245u + 12345u;
        return (rng >> 16) % bound;
    };
    const std::uint32_t max_piece = 1 + (seed & 0x1f);
    const std::uint32_t max_room = (seed >> 8) & 0x1f;
    char room[32];
    std::size_t given = 0;
    for (int stalls = 0; stalls < 3;) {
        // Once nothing moves: all the input and one byte of room (the seed may allow none).
        const std::size_t want = stalls == 0 ? o.consumed + next(max_piece) + 1 : body.size();
        given = std::min(body.size(), std::max(given, want));
        const std::size_t out_size = stalls == 0 ? next(max_room + 1) : 1;
        const std::span<const char> in(body.data() + o.consumed, given - o.consumed);
        const body_decoder::step s = d.decode(in, std::span<char>(room, out_size));
        check(s.consumed <= in.size() && s.produced <= out_size);
        o.payload.append(room, s.produced);
        o.consumed += s.consumed;
        o.what = s.what;
        check(d.total() == o.payload.size() && d.done() == (s.what == state::done));
        if (s.what != state::more) break;
        stalls = s.consumed == 0 && s.produced == 0 ? stalls + 1 : 0;
    }
    return o;
}

// What the decoder would accept right before byte `at` of `body` (a copy of it is probed).
body_decoder decoder_at(std::string_view body, std::size_t at) {
    body_decoder d;
    d.reset(body_decoder::framing::chunked);
    char room[64];
    std::size_t done = 0;
    while (done < at) {
        const body_decoder::step s = d.decode(body.substr(done, at - done), room);
        check(s.what == state::more && (s.consumed != 0 || s.produced != 0));
        done += s.consumed;
    }
    return d;
}

bool accepts(body_decoder d, std::string_view bytes) {
    char room[8];
    const body_decoder::step s = d.decode(bytes, room);
    return s.what != state::error && s.consumed == bytes.size() && s.produced == 0;
}

constexpr bool is_tchar(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos);
}

std::size_t tokens(std::string_view s, std::size_t i) {
    while (i < s.size() && is_tchar(s[i]))
        ++i;
    return i;
}

// RFC 9112 7.1.1 chunk-ext (without BWS, and an unquoted value only last, as llhttp 8): *( ";" token [ "=" ( token /
// quoted-string ) ] ).
bool valid_extensions(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] != ';') return false;
        const std::size_t name_end = tokens(s, i + 1);
        if (name_end == i + 1) return false;
        i = name_end;
        if (i == s.size() || s[i] != '=') continue;
        if (++i < s.size() && s[i] == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i) {
                const auto c = static_cast<unsigned char>(s[i]);
                if (c == '\\')
                    ++i; // quoted-pair
                else if (c != '\t' && (c < 0x20 || c == 0x7f))
                    return false;
            }
            if (i++ == s.size()) return false;
        } else {
            const std::size_t value_end = tokens(s, i);
            if (value_end == i || value_end != s.size()) return false; // llhttp 8: an unquoted value ends the line
            i = value_end;
        }
    }
    return true;
}

// RFC 9112 5 field-line (a trailer line without its CRLF), no obs-fold.
bool valid_field_line(std::string_view s) {
    const std::size_t name_end = tokens(s, 0);
    if (name_end == 0 || name_end == s.size() || s[name_end] != ':') return false;
    for (char ch : s.substr(name_end + 1)) {
        const auto c = static_cast<unsigned char>(ch);
        if (c != '\t' && (c < 0x20 || c == 0x7f)) return false;
    }
    return true;
}

bool is_framing_field(std::string_view line) {
    std::string name(line.substr(0, line.find(':')));
    for (char& c : name)
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    return name == "content-length" || name == "transfer-encoding";
}

// Repairs the input where the decoder refused a byte that llhttp 8 does not check. Returns false
// when the refusal is none of the known differences.
bool repair(std::string& body, std::size_t at, bool& trailers_cut) {
    const body_decoder d = decoder_at(body, at);
    const std::size_t lf = at == 0 ? std::string::npos : body.rfind('\n', at - 1);
    const std::size_t line = lf == std::string::npos ? 0 : lf + 1; // start of the line holding `at`
    const body_decoder start = decoder_at(body, line);
    // 1. In the trailer section, a line that is no field line (or cannot become one), or names a framing field: end the
    // trailer section before it. llhttp splits such lines differently (it takes a CR and any byte as a
    // line end), so only its payload must stay: the section now ends, and a waiting llhttp completes.
    if (accepts(start, "x:\r\n")) {
        const std::size_t lf_end = body.find('\n', at);
        std::string_view text =
            std::string_view(body).substr(line, lf_end == std::string::npos ? lf_end : lf_end - line);
        if (lf_end == std::string::npos
                ? (tokens(text, 0) == text.size() || valid_field_line(text)) && !is_framing_field(text)
                : text.ends_with('\r') && valid_field_line(text.substr(0, text.size() - 1)) &&
                      !is_framing_field(text)) {
            return false;
        }
        body.replace(line, std::string::npos, "\r\n");
        trailers_cut = true;
        return true;
    }
    // 2. CR followed by something other than LF: llhttp takes any byte there.
    if (at > 0 && body[at - 1] == '\r' && at < body.size() && body[at] != '\n' && accepts(d, "\n")) {
        body[at] = '\n';
        return true;
    }
    // 3. No CRLF after chunk data, where nothing else may stand.
    if (accepts(d, "\r\n") && !accepts(d, "0") && !accepts(d, "a") && !accepts(d, ";") && !accepts(d, ":")) {
        if (body.compare(at, 2, "\r\n") == 0) return false;
        body.replace(at, std::min<std::size_t>(2, body.size() - at), "\r\n");
        return true;
    }
    // 4. A bare LF where a trailer line or the empty line ending the section starts.
    if (body[at] == '\n' && accepts(d, "x:\r\n")) {
        body.replace(at, 1, "\r\n");
        return true;
    }
    // 5. A chunk line whose extensions are invalid (or cannot become valid): drop them.
    if (accepts(start, "1\r\n")) {
        const std::size_t semicolon = body.find(';', line);
        if (semicolon >= at) return false;
        const std::size_t cr = body.find('\r', at);
        const std::string tail = body.substr(semicolon, cr == std::string::npos ? std::string::npos : cr - semicolon);
        if (valid_extensions(tail) ||
            (cr == std::string::npos && (valid_extensions(tail + "x") || valid_extensions(tail + "\"")))) {
            return false;
        }
        body.erase(semicolon, tail.size());
        return true;
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const auto seed = static_cast<std::uint16_t>(data[0] | (data[1] << 8));
    std::string body(reinterpret_cast<const char*>(data + 2), size - 2);
    // The payload, the decision and where it was taken do not depend on the splits.
    outcome decoder = decode_piecewise(body, seed);
    const outcome other_splits = decode_piecewise(body, static_cast<std::uint16_t>(~seed));
    check(decoder.what == other_splits.what && decoder.payload == other_splits.payload &&
          decoder.consumed == other_splits.consumed);
    outcome llhttp = parse_whole(body);
    outcome original = llhttp;
    for (int repairs = 0; !(decoder == llhttp); ++repairs) {
        // Only a refusal by the decoder can be llhttp's laxity; each repair removes one defect and leaves
        // llhttp's result as it was.
        check(decoder.what == state::error && llhttp.what != state::error &&
              repairs <= 2 * static_cast<int>(body.size()));
        bool trailers_cut = false;
        check(repair(body, decoder.consumed, trailers_cut));
        decoder = decode_piecewise(body, seed);
        llhttp = parse_whole(body);
        check(llhttp == original || (trailers_cut && llhttp.what == state::done &&
                                     (original.what == state::more || llhttp.payload == original.payload)));
        if (trailers_cut) original = llhttp;
    }
    // Both ended the body at the same byte: what follows belongs to the next request.
    if (decoder.what == state::done) check(decoder.consumed == llhttp.consumed);
    return 0;
}
