// SPDX-License-Identifier: MIT
#include "response_writer.hpp"

#include <charconv>
#include <cstring>

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
enum class known_type : std::uint8_t { none, text_plain, json };
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
    template <std::size_t N>
    void put_fixed(const char* s) noexcept {
        std::memcpy(at, s, N);
        at += N;
    }
};

bool has_no_body(status code) noexcept {
    const auto c = static_cast<unsigned>(code);
    return c < 200 || code == status::no_content || code == status::not_modified;
}

std::size_t decimal_digits(std::size_t n) noexcept {
    std::size_t digits = 1;
    for (; n >= 10; n /= 10)
        ++digits;
    return digits;
}

} // namespace

void write_response(net::tcp_connection& out, const response& res, const response_framing& framing) {
    const bool ok = res.status_code() == status::ok;
    const std::string_view reason = ok ? std::string_view() : reason_phrase(res.status_code());

    const std::string_view body = res.body();
    const bool bodiless = has_no_body(res.status_code());
    const std::size_t length_size = decimal_digits(body.size());

    const std::string_view type = res.content_type();
    const std::string_view extra = res.extra_headers();
    const std::string_view connection = framing.close ? close_line : framing.keep_alive_header ? keep_alive_line : "";
    const std::string_view sent_body = framing.head || bodiless ? std::string_view() : body;
    // A streamed body has no length up front: chunked, or (HTTP/1.0) ended by closing.
    const bool has_length = !bodiless && !res.streamed();
    const std::string_view coding = framing.chunked && !bodiless ? chunked_line : "";

    // Content-Type: one of the precomputed lines, or built from the name and the value.
    const known_type known = type == "text/plain"         ? known_type::text_plain
                             : type == "application/json" ? known_type::json
                                                          : known_type::none;
    const std::string_view type_line = known == known_type::text_plain ? text_plain_line
                                       : known == known_type::json     ? json_line
                                                                       : std::string_view();
    const std::size_t status_size = ok ? ok_head.size() : 9 + 3 + 1 + reason.size() + 2 + server_line.size();
    std::size_t head_size =
        status_size + framing.date_line.size() + extra.size() + connection.size() + crlf.size() + type_line.size();
    if (known == known_type::none && !type.empty()) head_size += content_type_name.size() + type.size() + 2;
    if (has_length) head_size += content_length_name.size() + length_size + 2;
    head_size += coding.size();

    // Typical responses are serialized with one reservation; a large body goes through write().
    const std::size_t inline_body =
        head_size + sent_body.size() + sizeof(net::output_chunk) <= net::output_chunk::pooled_size ? sent_body.size()
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
    if (framing.date_line.size() == date_line_size) {
        a.put_fixed<date_line_size>(framing.date_line.data());
    } else {
        a.put(framing.date_line);
    }
    if (known == known_type::text_plain) {
        a.put_fixed<text_plain_line.size()>(text_plain_line.data());
    } else if (known == known_type::json) {
        a.put_fixed<json_line.size()>(json_line.data());
    } else if (!type.empty()) {
        a.put(content_type_name);
        a.put(type);
        a.put(crlf);
    }
    if (has_length) {
        a.put(content_length_name);
        a.at = std::to_chars(a.at, a.at + length_size, body.size()).ptr; // straight into the output
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

} // namespace corio::http
