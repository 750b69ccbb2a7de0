// SPDX-License-Identifier: MIT
#include <corio/http/response.hpp>

namespace corio::http {

response response::text(std::string_view body, status code) {
    response r(code);
    r.set_content_type("text/plain");
    r.set_body_view(body);
    return r;
}

response response::copy_of(std::string_view body, std::string_view content_type, status code) {
    response r(code);
    r.set_content_type(content_type);
    r.body_buffer().append(body);
    return r;
}

response response::stream(body_producer producer, std::string_view content_type, status code) {
    response r(code);
    r.set_content_type(content_type);
    r._producer = std::move(producer);
    return r;
}

response& response::add_header(std::string_view name, std::string_view value) {
    _headers.append(name);
    _headers.append(std::string_view(": "));
    _headers.append(value);
    _headers.append(std::string_view("\r\n"));
    return *this;
}

} // namespace corio::http
