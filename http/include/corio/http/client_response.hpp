// SPDX-License-Identifier: MIT
// client_response: the answer corio::http::client gives, owned by the caller. It holds a copy of the
// response head (status, reason, header fields) and the whole decoded body (Content-Length,
// chunked or ended by the close of the connection), so it stays valid however long it is kept,
// copied or moved. Header names are matched without regard to case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <corio/http/request.hpp>

namespace corio::http {

namespace detail {
class response_reader;
}

/// A complete HTTP response received by the client.
class client_response {
public:
    /// The status code (200, 404...).
    std::uint16_t status() const noexcept { return _status; }
    /// The reason phrase as sent ("OK"; may be empty).
    std::string_view reason() const noexcept { return view(_reason); }
    /// The minor HTTP version of the response (1 for HTTP/1.1, 0 for HTTP/1.0).
    std::uint8_t version_minor() const noexcept { return _version_minor; }
    /// Number of header fields.
    std::size_t header_count() const noexcept { return _fields.size(); }
    /// Header field `i` (0 .. header_count()-1), as received; valid as long as this response.
    header_field header_at(std::size_t i) const noexcept { return {view(_fields[i].name), view(_fields[i].value)}; }
    /// The value of the first field named `name` (any case), if there is one.
    std::optional<std::string_view> header(std::string_view name) const noexcept;
    /// The decoded body (chunked framing removed).
    const std::string& body() const noexcept { return _body; }
    /// Moves the body out (the response keeps an empty one).
    std::string take_body() noexcept { return std::move(_body); }

private:
    friend class detail::response_reader; // fills it as the response arrives
    // Offsets into _text, so that copies and moves keep working views.
    struct span {
        std::uint32_t offset = 0;
        std::uint32_t size = 0;
    };
    struct field {
        span name;
        span value;
    };
    std::string_view view(span s) const noexcept { return {_text.data() + s.offset, s.size}; }

    std::string _text; // reason and header fields, copied from the receive buffers
    std::vector<field> _fields;
    span _reason;
    std::string _body;
    std::uint16_t _status = 0;
    std::uint8_t _version_minor = 1;
};

} // namespace corio::http
