// SPDX-License-Identifier: MIT
#include "response_parser.hpp"

namespace corio::load {

namespace {
constexpr char content_length[] = "content-length";
constexpr char transfer_encoding[] = "transfer-encoding";
constexpr char connection[] = "connection";
} // namespace

// One more (lower-case) character of a header name: drops the candidates it rules out; false when
// none is left.
bool response_parser::header_char(char c) noexcept {
    if ((_candidates & h_content_length) != 0 && (_pos >= 14 || content_length[_pos] != c)) {
        _candidates &= static_cast<std::uint8_t>(~h_content_length);
    }
    if ((_candidates & h_transfer_encoding) != 0 && (_pos >= 17 || transfer_encoding[_pos] != c)) {
        _candidates &= static_cast<std::uint8_t>(~h_transfer_encoding);
    }
    if ((_candidates & h_connection) != 0 && (_pos >= 10 || connection[_pos] != c)) {
        _candidates &= static_cast<std::uint8_t>(~h_connection);
    }
    return _candidates != 0;
}

// The end of one token of a Transfer-Encoding or Connection value.
void response_parser::end_token() noexcept {
    if (_token == 0) return;
    if (_header == h_transfer_encoding) {
        // Only the last coding matters: chunked must be the final one to frame the body.
        if ((_token_kind & 1) != 0 && _token == 7) {
            _flags |= f_token_chunked;
        } else {
            _flags &= static_cast<std::uint8_t>(~f_token_chunked);
        }
    } else if (_header == h_connection) {
        if ((_token_kind & 2) != 0 && _token == 5) _flags |= f_close;
        if ((_token_kind & 4) != 0 && _token == 10) _flags |= f_keep_alive;
    }
    _token = 0;
    _token_kind = 7;
}

// The CRLF after a header value: applies what the value said.
bool response_parser::end_header_line() noexcept {
    if (_header == h_content_length) {
        if (_token == 0) return fail();
        // Two Content-Length fields that disagree make the framing ambiguous (RFC 9112 6.3).
        if ((_flags & f_has_length) != 0 && _body_bytes != _remaining) return fail();
        _flags |= f_has_length;
    } else if (_header == h_transfer_encoding) {
        end_token();
        if ((_flags & f_token_chunked) != 0) {
            _flags |= f_chunked;
            _flags &= static_cast<std::uint8_t>(~f_until_close);
        } else {
            // A final coding other than chunked leaves the length unknown: read until close.
            _flags &= static_cast<std::uint8_t>(~f_chunked);
            _flags |= f_until_close | f_close;
        }
    } else if (_header == h_connection) {
        end_token();
    }
    _header = 0;
    // Transfer-Encoding wins over Content-Length (RFC 9112 6.3, rule 3).
    return true;
}

} // namespace corio::load
