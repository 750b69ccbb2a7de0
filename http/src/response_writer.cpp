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

struct appender {
    char* at;
    void put(std::string_view s) noexcept {
        std::memcpy(at, s.data(), s.size());
        at += s.size();
    }
};

bool has_no_body(status code) noexcept {
    const auto c = static_cast<unsigned>(code);
    return c < 200 || code == status::no_content || code == status::not_modified;
}

} // namespace

void write_response(net::tcp_connection& out, const response& res, const response_framing& framing) {
    const std::string_view reason = reason_phrase(res.status_code());
    char digits[3];
    const auto code = static_cast<unsigned>(res.status_code());
    digits[0] = static_cast<char>('0' + code / 100 % 10);
    digits[1] = static_cast<char>('0' + code / 10 % 10);
    digits[2] = static_cast<char>('0' + code % 10);

    const std::string_view body = res.body();
    const bool bodiless = has_no_body(res.status_code());
    char length_text[24];
    const std::size_t length_size = static_cast<std::size_t>(
        std::to_chars(length_text, length_text + sizeof length_text, body.size()).ptr - length_text);

    const std::string_view type = res.content_type();
    const std::string_view extra = res.extra_headers();
    const std::string_view connection = framing.close ? close_line : framing.keep_alive_header ? keep_alive_line : "";
    const std::string_view sent_body = framing.head || bodiless ? std::string_view() : body;
    // A streamed body has no length up front: chunked, or (HTTP/1.0) ended by closing.
    const bool has_length = !bodiless && !res.streamed();
    const std::string_view coding = framing.chunked && !bodiless ? chunked_line : "";

    std::size_t head_size = 9 + 3 + 1 + reason.size() + 2 + server_line.size() + framing.date_line.size() +
                            extra.size() + connection.size() + crlf.size();
    if (!type.empty()) head_size += content_type_name.size() + type.size() + 2;
    if (has_length) head_size += content_length_name.size() + length_size + 2;
    head_size += coding.size();

    // Typical responses are serialized with one reservation; a large body goes through write().
    const std::size_t inline_body =
        head_size + sent_body.size() + sizeof(net::output_chunk) <= net::output_chunk::pooled_size ? sent_body.size()
                                                                                                   : 0;
    appender a{out.reserve(head_size + inline_body)};
    a.put("HTTP/1.1 ");
    a.put({digits, 3});
    a.put(" ");
    a.put(reason);
    a.put(crlf);
    a.put(server_line);
    a.put(framing.date_line);
    if (!type.empty()) {
        a.put(content_type_name);
        a.put(type);
        a.put(crlf);
    }
    if (has_length) {
        a.put(content_length_name);
        a.put({length_text, length_size});
        a.put(crlf);
    }
    a.put(coding);
    a.put(extra);
    a.put(connection);
    a.put(crlf);
    if (inline_body != 0) a.put(sent_body);
    out.commit(head_size + inline_body);
    if (inline_body == 0 && !sent_body.empty()) out.write(sent_body);
}

} // namespace corio::http
