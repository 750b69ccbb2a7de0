// SPDX-License-Identifier: MIT
#include <corio/http/response.hpp>

#include <limits>

#include <fmt/core.h>

#include <corio/core/log.hpp>

namespace corio::http {

response response::copy_of(std::string_view body, static_text content_type, status code) {
    response r(code);
    r._content_type = content_type.view();
    r.copy_body(body);
    return r;
}

response response::stream(body_producer producer, std::string_view content_type, status code,
                          std::optional<std::uint64_t> length) {
    response r(code);
    r.copy_content_type(content_type);
    r._producer = std::move(producer);
    r._stream_length = length.value_or(no_length);
    return r;
}

response& response::add_header(std::string_view name, std::string_view value) {
    _headers.append(name);
    _headers.append(std::string_view(": "));
    _headers.append(value);
    _headers.append(std::string_view("\r\n"));
    return *this;
}

void response::copy_body(std::string_view body) {
    _body.clear();
    _body.append(body);
    _owns_body = true;
}

void response::copy_content_type(std::string_view value) {
    if (value.empty()) {
        drop_owned_content_type();
        _content_type = {};
        return;
    }
    if (value.size() > std::numeric_limits<std::uint16_t>::max()) {
        fatal(fmt::format("response::set_content_type: a content type of {} bytes (at most 65535)", value.size()));
    }
    // The header lines stay after the new content type.
    fmt::basic_memory_buffer<char, 64> lines;
    lines.append(extra_headers());
    _headers.clear();
    _headers.append(value);
    _headers.append(std::string_view(lines.data(), lines.size()));
    _owned_type_size = static_cast<std::uint16_t>(value.size());
}

void response::drop_owned_content_type() noexcept {
    if (_owned_type_size == 0) return;
    const std::size_t lines = _headers.size() - _owned_type_size;
    std::char_traits<char>::move(_headers.data(), _headers.data() + _owned_type_size, lines);
    _headers.resize(lines);
    _owned_type_size = 0;
}

} // namespace corio::http
