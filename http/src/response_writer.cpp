// SPDX-License-Identifier: MIT
#include "response_writer.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>

#include <corio/net/output_chunk.hpp>

namespace corio::http {

namespace {

constexpr std::string_view server_line = "Server: corio\r\n";
constexpr std::string_view content_type_name = "Content-Type: ";
constexpr std::string_view content_length_name = "Content-Length: ";
constexpr std::string_view close_line = "Connection: close\r\n";
constexpr std::string_view keep_alive_line = "Connection: keep-alive\r\n";
constexpr std::string_view chunked_line = "Transfer-Encoding: chunked\r\n";
constexpr std::string_view crlf = "\r\n";

// Precomputed blocks for the common heads, so that a typical response is a few copies of constant
// size (which the compiler turns into moves) rather than a memcpy call per piece.
constexpr std::string_view ok_head = "HTTP/1.1 200 OK\r\nServer: corio\r\n";
constexpr std::string_view text_plain_line = "Content-Type: text/plain\r\n";
constexpr std::string_view json_line = "Content-Type: application/json\r\n";
// "Date: Tue, 24 Nov 2026 12:00:00 GMT\r\n": IMF-fixdate has a fixed length (4-digit years).
constexpr std::size_t date_line_size = 37;

struct appender {
    char* at;
    void put(std::string_view s) noexcept {
        std::memcpy(at, s.data(), s.size());
        at += s.size();
    }
    // For pieces that are usually empty: no call for nothing.
    void put_if_any(std::string_view s) noexcept {
        if (!s.empty()) put(s);
    }
    // Sizes above 16 go as 16-byte pieces, the last one overlapping the one before: GCC would copy
    // an odd size such as the Date line's 37 bytes with `rep movsb`, slow to start for so few.
    template <std::size_t N>
    void put_fixed(const char* s) noexcept {
        if constexpr (N > 16) {
            for (std::size_t i = 0; i + 16 < N; i += 16)
                std::memcpy(at + i, s + i, 16);
            std::memcpy(at + N - 16, s + N - 16, 16);
        } else {
            std::memcpy(at, s, N);
        }
        at += N;
    }
};

bool has_no_body(status code) noexcept {
    const auto c = static_cast<unsigned>(code);
    return c < 200 || code == status::no_content || code == status::not_modified;
}

// Comparisons with powers of ten, not divisions (GCC emits a `div` for the obvious loop).
std::size_t decimal_digits(std::uint64_t n) noexcept {
    std::size_t digits = 1;
    for (std::uint64_t bound = 10; digits < 20 && n >= bound; bound *= 10)
        ++digits;
    return digits;
}

std::uint64_t load8(const char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

// `value` == `name` (8 to 16 characters), compared as two 8-byte words (the second overlapping the
// first) rather than with a call to memcmp.
template <std::size_t N>
bool is(std::string_view value, const char (&name)[N]) noexcept {
    static_assert(N - 1 >= 8 && N - 1 <= 16);
    return value.size() == N - 1 && load8(value.data()) == load8(name) &&
           load8(value.data() + N - 9) == load8(name + N - 9);
}

// The common response: 200, a body of known length, the content type of `TypeLine`, no extra
// fields, keep-alive HTTP/1.1, a fixed-length Date line, all of it within one pooled chunk. Every
// piece but the length digits and the body is a copy of constant size. False (nothing written)
// when it does not fit in a pooled chunk.
template <const std::string_view& TypeLine>
bool write_common(net::tcp_connection& out, std::string_view date_line, std::string_view body, bool head) {
    const std::size_t digits = decimal_digits(body.size());
    const std::string_view sent_body = head ? std::string_view() : body;
    const std::size_t size =
        ok_head.size() + date_line_size + TypeLine.size() + content_length_name.size() + digits + 4 + sent_body.size();
    if (size + sizeof(net::output_chunk) > net::output_chunk::large_size) return false;
    appender a{out.reserve(size)};
    a.put_fixed<ok_head.size()>(ok_head.data());
    a.put_fixed<date_line_size>(date_line.data());
    a.put_fixed<TypeLine.size()>(TypeLine.data());
    a.put_fixed<content_length_name.size()>(content_length_name.data());
    a.at = std::to_chars(a.at, a.at + digits, body.size()).ptr;
    a.put_fixed<4>("\r\n\r\n");
    a.put_if_any(sent_body);
    out.commit(size);
    return true;
}

// Any response, piece by piece (out of line: the common response does not pay for its frame).
[[gnu::noinline]] void write_any(net::tcp_connection& out, const response& res, const response_framing& framing) {
    const bool ok = res.status_code() == status::ok;
    const std::string_view reason = ok ? std::string_view() : reason_phrase(res.status_code());

    const std::string_view body = res.body();
    const bool bodiless = has_no_body(res.status_code());
    // A streamed body has its length up front only when it was given one.
    const std::optional<std::uint64_t> streamed_length = res.stream_length();
    const std::uint64_t length = res.streamed() ? streamed_length.value_or(0) : body.size();
    const std::size_t length_size = decimal_digits(length);

    const std::string_view type = res.content_type();
    const std::string_view extra = res.extra_headers();
    const std::string_view connection = framing.close ? close_line : framing.keep_alive_header ? keep_alive_line : "";
    const std::string_view sent_body = framing.head || bodiless ? std::string_view() : body;
    // Otherwise it is chunked, or (HTTP/1.0) ended by closing.
    const bool has_length = !bodiless && (!res.streamed() || streamed_length.has_value());
    const std::string_view coding = framing.chunked && !bodiless ? chunked_line : "";

    std::size_t head_size = (ok ? ok_head.size() : 9 + 3 + 1 + reason.size() + 2 + server_line.size()) +
                            framing.date_line.size() + extra.size() + connection.size() + crlf.size();
    if (!type.empty()) head_size += content_type_name.size() + type.size() + 2;
    if (has_length) head_size += content_length_name.size() + length_size + 2;
    head_size += coding.size();

    // Typical responses are serialized with one reservation; a large body goes through write().
    const std::size_t inline_body =
        head_size + sent_body.size() + sizeof(net::output_chunk) <= net::output_chunk::large_size ? sent_body.size()
                                                                                                  : 0;
    appender a{out.reserve(head_size + inline_body)};
    if (ok) {
        a.put_fixed<ok_head.size()>(ok_head.data());
    } else {
        const auto code = static_cast<unsigned>(res.status_code());
        const char digits[3] = {static_cast<char>('0' + code / 100 % 10), static_cast<char>('0' + code / 10 % 10),
                                static_cast<char>('0' + code % 10)};
        a.put("HTTP/1.1 ");
        a.put({digits, 3});
        a.put(" ");
        a.put(reason);
        a.put(crlf);
        a.put(server_line);
    }
    a.put(framing.date_line);
    if (!type.empty()) {
        a.put(content_type_name);
        a.put(type);
        a.put(crlf);
    }
    if (has_length) {
        a.put(content_length_name);
        a.at = std::to_chars(a.at, a.at + length_size, length).ptr; // straight into the output
        a.put(crlf);
    }
    a.put_if_any(coding);
    a.put_if_any(extra);
    a.put_if_any(connection);
    a.put(crlf);
    if (inline_body != 0) a.put(sent_body);
    out.commit(head_size + inline_body);
    if (inline_body == 0 && !sent_body.empty()) out.write(sent_body);
}

} // namespace

void write_response(net::tcp_connection& out, const response& res, const response_framing& framing) {
    if (res.status_code() == status::ok && !res.streamed() && res.extra_headers().empty() && !framing.close &&
        !framing.keep_alive_header && !framing.chunked && framing.date_line.size() == date_line_size) {
        const std::string_view type = res.content_type();
        if (is(type, "text/plain") && write_common<text_plain_line>(out, framing.date_line, res.body(), framing.head)) {
            return;
        }
        if (is(type, "application/json") && write_common<json_line>(out, framing.date_line, res.body(), framing.head)) {
            return;
        }
    }
    write_any(out, res, framing);
}

void write_continue(net::tcp_connection& out) {
    out.write("HTTP/1.1 100 Continue\r\n\r\n");
}

void write_chunk(net::tcp_connection& out, std::string_view bytes) {
    char size[20];
    char* end = std::to_chars(size, size + sizeof size - 2, bytes.size(), 16).ptr;
    *end++ = '\r';
    *end++ = '\n';
    out.write({size, static_cast<std::size_t>(end - size)});
    out.write(bytes);
    out.write("\r\n");
}

void write_last_chunk(net::tcp_connection& out) {
    out.write("0\r\n\r\n");
}

} // namespace corio::http
