// SPDX-License-Identifier: MIT
// response_parser: frames HTTP/1.1 responses as their bytes arrive, in any split, without copying
// or allocating: a byte-driven state machine of a few words per connection that checks the status
// line, picks out Content-Length, Transfer-Encoding and Connection, and skips the body by length,
// by chunks (trailers included) or until the connection closes. Interim 1xx responses are skipped;
// a response that breaks the framing rules is reported as malformed and the connection must close.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace corio::load {

/// What the parser tells about one complete response.
struct response_info {
    std::uint16_t status = 0; ///< 100..599
    bool close = false;       ///< the server will close after it (Connection: close, or HTTP/1.0)
    std::uint64_t body = 0;   ///< body bytes (payload bytes of all chunks when chunked)
};

/// Incremental framing of the responses on one connection. 32 bytes of state.
class response_parser {
public:
    /// Longest status line plus header section accepted.
    static constexpr std::uint32_t max_head_bytes = 64 * 1024;

    /// Makes every response a response to HEAD (no body whatever the headers say).
    void set_head_requests(bool head) noexcept { _head = head; }
    /// Starts over (a new connection).
    void reset() noexcept {
        const bool head = _head;
        *this = response_parser{};
        _head = head;
    }
    /// True between responses (no byte of a response seen yet).
    bool idle() const noexcept { return _state == s_status && _pos == 0; }

    /// Feeds the next `size` bytes; calls `done(const response_info&)` for each complete response.
    /// Returns false once the input is malformed (later calls keep returning false).
    template <class Done>
    bool feed(const char* data, std::size_t size, Done&& done);

    /// The peer closed: completes a response framed by the connection's end. Returns true if it did
    /// (`done` was called); false if the parser was idle or a response was cut short.
    template <class Done>
    bool finish(Done&& done) {
        if (_state != s_until_close) return false;
        done(response_info{_status, true, _remaining});
        _state = s_status;
        _pos = 0;
        return true;
    }

private:
    enum state : std::uint8_t {
        s_status,
        s_reason,
        s_status_lf,
        s_header_start,
        s_name,
        s_value_ows,
        s_value,
        s_value_lf,
        s_head_end_lf,
        s_body,
        s_chunk_size,
        s_chunk_ext,
        s_chunk_size_lf,
        s_chunk_data,
        s_chunk_data_cr,
        s_chunk_data_lf,
        s_trailer_start,
        s_trailer_line,
        s_trailer_lf,
        s_trailer_end_lf,
        s_until_close,
        s_error,
    };
    enum header : std::uint8_t {
        h_content_length = 1,
        h_transfer_encoding = 2,
        h_connection = 4,
    };
    enum flag : std::uint8_t {
        f_has_length = 1,
        f_chunked = 2,
        f_close = 4,
        f_keep_alive = 8,
        f_http10 = 16,
        f_token_chunked = 32, // the last Transfer-Encoding token so far is "chunked"
        f_length_done = 64,   // Content-Length digits ended (only blanks may follow)
        f_until_close = 128,  // a final coding other than chunked: the body ends with the connection
    };

    static char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
    bool fail() noexcept {
        _state = s_error;
        return false;
    }
    bool header_char(char c) noexcept;
    void end_token() noexcept;
    bool end_header_line() noexcept;
    template <class Done>
    void complete(Done& done) {
        done(response_info{_status, close_after(), _body_bytes});
        _state = s_status;
        _pos = 0;
    }
    bool close_after() const noexcept {
        return (_flags & f_close) != 0 || ((_flags & f_http10) != 0 && (_flags & f_keep_alive) == 0);
    }
    // After the blank line: which framing the body has. Returns false when malformed.
    template <class Done>
    bool start_body(Done& done);

    std::uint64_t _remaining = 0; // body or chunk bytes left; Content-Length being read
    std::uint64_t _body_bytes = 0;
    std::uint32_t _head_bytes = 0;
    std::uint16_t _status = 0;
    std::uint16_t _pos = 0; // position in the status line, or in the header name / token
    state _state = s_status;
    std::uint8_t _flags = 0;
    std::uint8_t _candidates = 0; // header names still matching
    std::uint8_t _header = 0;     // the header whose value is being read
    std::uint8_t _token = 0;      // length of the current value token (Transfer-Encoding, Connection)
    std::uint8_t _token_kind = 0; // 1 "chunked", 2 "close", 4 "keep-alive" prefixes still matching
    bool _head = false;
};

template <class Done>
bool response_parser::start_body(Done& done) {
    _body_bytes = 0;
    if (_status < 200) {
        // Interim response (100 Continue, 103 Early Hints): the real one follows. 101 would switch
        // protocols, which a load generator does not speak.
        if (_status == 101) return fail();
        _state = s_status;
        _pos = 0;
        return true;
    }
    if (_head || _status == 204 || _status == 304) {
        complete(done);
        return true;
    }
    if ((_flags & f_chunked) != 0) {
        _state = s_chunk_size;
        _remaining = 0;
        _pos = 0;
        return true;
    }
    if ((_flags & f_has_length) != 0 && (_flags & f_until_close) == 0) {
        _body_bytes = _remaining;
        if (_remaining == 0) {
            complete(done);
        } else {
            _state = s_body;
        }
        return true;
    }
    // No framing: the body runs until the server closes (RFC 9112 section 6.3, rule 8).
    _state = s_until_close;
    _remaining = 0;
    return true;
}

template <class Done>
bool response_parser::feed(const char* data, std::size_t size, Done&& done) {
    const char* p = data;
    const char* const end = data + size;
    while (p < end) {
        switch (_state) {
        case s_status: {
            if (_pos == 0) {
                _flags = 0;
                _status = 0;
                _head_bytes = 0;
                // Fast path: the whole status line prefix is here.
                if (end - p >= 13 && std::memcmp(p, "HTTP/1.", 7) == 0 && (p[7] == '1' || p[7] == '0') && p[8] == ' ' &&
                    p[9] >= '1' && p[9] <= '5' && p[10] >= '0' && p[10] <= '9' && p[11] >= '0' && p[11] <= '9' &&
                    (p[12] == ' ' || p[12] == '\r')) {
                    if (p[7] == '0') _flags |= f_http10;
                    _status = static_cast<std::uint16_t>((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
                    _head_bytes = 12;
                    p += 12;
                    _pos = 12;
                    _state = s_reason;
                    break;
                }
            }
            const char c = *p++;
            ++_head_bytes;
            static constexpr char prefix[] = "HTTP/1.";
            if (_pos < 7) {
                if (c != prefix[_pos]) return fail();
            } else if (_pos == 7) {
                if (c == '0') {
                    _flags |= f_http10;
                } else if (c != '1') {
                    return fail();
                }
            } else if (_pos == 8) {
                if (c != ' ') return fail();
            } else if (_pos <= 11) {
                if (c < '0' || c > '9' || (_pos == 9 && (c < '1' || c > '5'))) return fail();
                _status = static_cast<std::uint16_t>(_status * 10 + (c - '0'));
            } else {
                if (c == ' ') {
                    _state = s_reason;
                } else if (c == '\r') {
                    _state = s_status_lf;
                } else {
                    return fail();
                }
            }
            ++_pos;
            break;
        }
        case s_reason: {
            const auto* cr = static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(end - p)));
            const char* stop = cr != nullptr ? cr : end;
            for (const char* q = p; q < stop; ++q) {
                if (*q == '\n') return fail();
            }
            _head_bytes += static_cast<std::uint32_t>(stop - p);
            if (_head_bytes > max_head_bytes) return fail();
            if (cr == nullptr) {
                p = end;
                break;
            }
            p = cr + 1;
            ++_head_bytes;
            _state = s_status_lf;
            break;
        }
        case s_status_lf:
        case s_value_lf:
        case s_head_end_lf: {
            if (*p++ != '\n') return fail();
            ++_head_bytes;
            if (_state == s_value_lf && !end_header_line()) return false;
            if (_state == s_head_end_lf) {
                if (!start_body(done)) return false;
            } else {
                _state = s_header_start;
            }
            break;
        }
        case s_header_start: {
            const char c = *p++;
            if (++_head_bytes > max_head_bytes) return fail();
            if (c == '\r') {
                _state = s_head_end_lf;
                break;
            }
            if (c == ':' || c == ' ' || c == '\t' || c == '\n') return fail();
            const char l = lower(c);
            _candidates = l == 'c' ? (h_content_length | h_connection) : l == 't' ? h_transfer_encoding : 0;
            _pos = 1;
            _state = s_name;
            break;
        }
        case s_name: {
            const char c = *p++;
            if (++_head_bytes > max_head_bytes) return fail();
            if (c == ':') {
                static constexpr std::uint16_t lengths[] = {0, 14, 17, 0, 10};
                _header = 0;
                for (const std::uint8_t h : {h_content_length, h_transfer_encoding, h_connection}) {
                    if ((_candidates & h) != 0 && lengths[h] == _pos) _header = h;
                }
                if (_header == h_content_length) {
                    // A repeated Content-Length must carry the same value; keep the first to compare.
                    if ((_flags & f_has_length) != 0) _body_bytes = _remaining;
                    _remaining = 0;
                    _flags &= static_cast<std::uint8_t>(~f_length_done);
                }
                _token = 0;
                _token_kind = 7;
                _state = s_value_ows;
                break;
            }
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return fail();
            if (_candidates != 0 && !header_char(lower(c))) _candidates = 0;
            ++_pos;
            break;
        }
        case s_value_ows:
            if (*p == ' ' || *p == '\t') {
                ++p;
                if (++_head_bytes > max_head_bytes) return fail();
                break;
            }
            _state = s_value;
            [[fallthrough]];
        case s_value: {
            if (_header == 0) {
                const auto* cr = static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(end - p)));
                const char* stop = cr != nullptr ? cr : end;
                _head_bytes += static_cast<std::uint32_t>(stop - p);
                if (_head_bytes > max_head_bytes) return fail();
                p = stop;
                if (cr != nullptr) {
                    ++p;
                    ++_head_bytes;
                    _state = s_value_lf;
                }
                break;
            }
            const char c = *p++;
            if (++_head_bytes > max_head_bytes) return fail();
            if (c == '\r') {
                _state = s_value_lf;
                break;
            }
            if (c == '\n') return fail();
            if (_header == h_content_length) {
                if (c >= '0' && c <= '9' && (_flags & f_length_done) == 0) {
                    if (_remaining > (UINT64_MAX - 9) / 10) return fail();
                    _remaining = _remaining * 10 + static_cast<std::uint64_t>(c - '0');
                    ++_token;
                } else if ((c == ' ' || c == '\t') && _token > 0) {
                    _flags |= f_length_done;
                } else {
                    return fail();
                }
            } else if (c == ',' || c == ' ' || c == '\t') {
                end_token();
            } else {
                const char l = lower(c);
                static constexpr char words[3][11] = {"chunked", "close", "keep-alive"};
                static constexpr std::uint8_t sizes[3] = {7, 5, 10};
                for (unsigned w = 0; w < 3; ++w) {
                    const auto bit = static_cast<std::uint8_t>(1U << w);
                    if ((_token_kind & bit) != 0 && (_token >= sizes[w] || words[w][_token] != l)) {
                        _token_kind &= static_cast<std::uint8_t>(~bit);
                    }
                }
                if (_token < 255) ++_token;
            }
            break;
        }
        case s_body: {
            const auto n =
                static_cast<std::uint64_t>(end - p) < _remaining ? static_cast<std::uint64_t>(end - p) : _remaining;
            p += n;
            _remaining -= n;
            if (_remaining == 0) complete(done);
            break;
        }
        case s_chunk_size: {
            const char c = *p++;
            int digit = -1;
            if (c >= '0' && c <= '9') {
                digit = c - '0';
            } else if (lower(c) >= 'a' && lower(c) <= 'f') {
                digit = lower(c) - 'a' + 10;
            }
            if (digit >= 0) {
                if (++_pos > 15) return fail();
                _remaining = _remaining * 16 + static_cast<std::uint64_t>(digit);
            } else if (_pos == 0) {
                return fail();
            } else if (c == ';' || c == ' ' || c == '\t') {
                _state = s_chunk_ext;
            } else if (c == '\r') {
                _state = s_chunk_size_lf;
            } else {
                return fail();
            }
            break;
        }
        case s_chunk_ext: {
            const char c = *p++;
            if (c == '\r') {
                _state = s_chunk_size_lf;
            } else if (c == '\n' || ++_pos > 4096) {
                return fail();
            }
            break;
        }
        case s_chunk_size_lf:
            if (*p++ != '\n') return fail();
            _pos = 0;
            _body_bytes += _remaining;
            _state = _remaining == 0 ? s_trailer_start : s_chunk_data;
            break;
        case s_chunk_data: {
            const auto n =
                static_cast<std::uint64_t>(end - p) < _remaining ? static_cast<std::uint64_t>(end - p) : _remaining;
            p += n;
            _remaining -= n;
            if (_remaining == 0) _state = s_chunk_data_cr;
            break;
        }
        case s_chunk_data_cr:
            if (*p++ != '\r') return fail();
            _state = s_chunk_data_lf;
            break;
        case s_chunk_data_lf:
            if (*p++ != '\n') return fail();
            _state = s_chunk_size;
            _remaining = 0;
            _pos = 0;
            break;
        case s_trailer_start: {
            const char c = *p++;
            if (c == '\r') {
                _state = s_trailer_end_lf;
            } else if (c == '\n' || c == ' ' || c == '\t') {
                return fail();
            } else {
                _state = s_trailer_line;
            }
            break;
        }
        case s_trailer_line: {
            const char c = *p++;
            if (++_head_bytes > max_head_bytes || c == '\n') return fail();
            if (c == '\r') _state = s_trailer_lf;
            break;
        }
        case s_trailer_lf:
            if (*p++ != '\n') return fail();
            _state = s_trailer_start;
            break;
        case s_trailer_end_lf:
            if (*p++ != '\n') return fail();
            complete(done);
            break;
        case s_until_close:
            _remaining += static_cast<std::uint64_t>(end - p);
            p = end;
            break;
        case s_error:
            return false;
        }
    }
    return _state != s_error;
}

} // namespace corio::load
