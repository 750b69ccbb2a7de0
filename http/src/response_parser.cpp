// SPDX-License-Identifier: MIT
// The second file that includes llhttp.h (request_parser.cpp is the first): llhttp in HTTP_RESPONSE mode.
#include "response_parser.hpp"

#include "head_fields.hpp"

#include <llhttp.h>

namespace corio::http {

struct response_parser::state {
    llhttp_t parser{};
    llhttp_t initial{}; // as llhttp_init() left it: copied back before each parse (see request_parser)
    llhttp_settings_t settings{};
    response_limits limits;
    const char* begin = nullptr;
    head_fields fields;
    const char* reason_at = nullptr;
    std::size_t reason_length = 0;
    bool to_head_request = false;
    bool head_done = false;
    bool too_large = false;
    response_head* out = nullptr;
    std::uint64_t parses = 0;
    std::uint64_t bytes_parsed = 0;

    explicit state(const response_limits& l) : limits(l), fields(l.max_headers) {}

    static state& of(llhttp_t* p) { return *static_cast<state*>(p->data); }

    // Every head byte seen so far is within max_head_bytes (checked at each span: a head without
    // line ends grows a span, not the count of spans).
    bool within_limit(const char* at, std::size_t n) {
        if (static_cast<std::size_t>(at + n - begin) <= limits.max_head_bytes) return true;
        too_large = true;
        return false;
    }

    int finish_header() {
        switch (fields.finish()) {
        case head_fields::outcome::malformed:
            return -1;
        case head_fields::outcome::too_many:
            too_large = true;
            return -1;
        default:
            return 0;
        }
    }

    static int on_status(llhttp_t* p, const char* at, std::size_t n) {
        state& s = of(p);
        extend_span(s.reason_at, s.reason_length, at, n);
        return s.within_limit(at, n) ? 0 : -1;
    }
    static int on_header_field(llhttp_t* p, const char* at, std::size_t n) {
        state& s = of(p);
        // llhttp 8 takes a bare LF for a line end; RFC 9112 2.2 lets a recipient refuse it, and we
        // do: the line before a field (the status line or another field) ends with CRLF. The end of
        // the last line and the blank line are checked in parse().
        if (!s.fields.name_started() && (at[-1] != '\n' || at[-2] != '\r')) return -1;
        s.fields.name_piece(at, n);
        return s.within_limit(at, n) ? 0 : -1;
    }
    static int on_header_value(llhttp_t* p, const char* at, std::size_t n) {
        state& s = of(p);
        if (!s.fields.value_piece(at, n)) return -1;
        return s.within_limit(at, n) ? 0 : -1;
    }
    static int on_header_value_complete(llhttp_t* p) {
        state& s = of(p);
        s.fields.value_complete();
        return s.finish_header();
    }
    static int on_headers_complete(llhttp_t* p) {
        state& s = of(p);
        if (s.finish_header() != 0 || p->http_major != 1) return -1;
        // A status code is 100..599 (RFC 9110 15); llhttp takes any three digits, and a 0xx would
        // pass for an interim response below.
        if (p->status_code < 100 || p->status_code > 599) return -1;
        if (p->status_code < 200) {
            // 101 would switch protocols, which this client never asks for.
            if (p->status_code == 101) return -1;
            return 1; // interim: no body whatever its fields say; on_message_complete skips it
        }
        // Both framings at once is how responses are smuggled (RFC 9112 6.3: a server must not send it).
        if ((p->flags & F_TRANSFER_ENCODING) != 0 && (p->flags & F_CONTENT_LENGTH) != 0) return -1;
        response_head& h = *s.out;
        h.status = p->status_code;
        h.version_minor = p->http_minor;
        h.reason = {s.reason_at == nullptr ? "" : s.reason_at, s.reason_length};
        h.headers = s.fields.list();
        h.content_length = 0;
        if (s.to_head_request || p->status_code == 204 || p->status_code == 304) {
            h.framing = response_body_framing::none;
        } else if ((p->flags & F_CHUNKED) != 0) {
            h.framing = response_body_framing::chunked;
        } else if ((p->flags & F_TRANSFER_ENCODING) != 0) {
            h.framing = response_body_framing::until_close; // chunked is not the final coding (RFC 9112 6.3)
        } else if ((p->flags & F_CONTENT_LENGTH) != 0) {
            h.framing = p->content_length == 0 ? response_body_framing::none : response_body_framing::length;
            h.content_length = p->content_length;
        } else {
            h.framing = response_body_framing::until_close;
        }
        h.keep_alive = llhttp_should_keep_alive(p) != 0 && h.framing != response_body_framing::until_close;
        s.head_done = true;
        return HPE_PAUSED;
    }
    static int on_message_complete(llhttp_t* p) {
        // Only interim responses get here (the final head pauses first): forget their fields.
        state& s = of(p);
        s.fields.clear();
        s.reason_at = nullptr;
        s.reason_length = 0;
        return 0;
    }
};

response_parser::response_parser(const response_limits& limits) : _state(std::make_unique<state>(limits)) {
    state& s = *_state;
    llhttp_settings_init(&s.settings);
    s.settings.on_status = &state::on_status;
    s.settings.on_header_field = &state::on_header_field;
    s.settings.on_header_value = &state::on_header_value;
    s.settings.on_header_value_complete = &state::on_header_value_complete;
    s.settings.on_headers_complete = &state::on_headers_complete;
    s.settings.on_message_complete = &state::on_message_complete;
    llhttp_init(&s.parser, HTTP_RESPONSE, &s.settings);
    s.parser.data = &s;
    s.initial = s.parser;
}

response_parser::~response_parser() = default;

const response_limits& response_parser::limits() const noexcept {
    return _state->limits;
}

std::uint64_t response_parser::parses() const noexcept {
    return _state->parses;
}

std::uint64_t response_parser::bytes_parsed() const noexcept {
    return _state->bytes_parsed;
}

response_outcome response_parser::parse(std::span<const char> data, bool to_head_request, response_head& out) {
    state& s = *_state;
    ++s.parses;
    s.bytes_parsed += data.size();
    s.parser = s.initial;
    s.begin = data.data();
    s.fields.clear();
    s.reason_at = nullptr;
    s.reason_length = 0;
    s.to_head_request = to_head_request;
    s.head_done = s.too_large = false;
    s.out = &out;

    response_outcome result;
    const llhttp_errno_t err = llhttp_execute(&s.parser, data.data(), data.size());
    if (s.head_done && err == HPE_PAUSED) {
        result.consumed = static_cast<std::size_t>(llhttp_get_error_pos(&s.parser) - data.data());
        const std::string_view head(data.data(), result.consumed);
        result.what = head.ends_with("\r\n\r\n") ? response_outcome::kind::complete : response_outcome::kind::malformed;
        return result;
    }
    if (s.too_large) {
        result.what = response_outcome::kind::too_large;
    } else if (err != HPE_OK) {
        result.what = response_outcome::kind::malformed;
    } else if (data.size() > s.limits.max_head_bytes) {
        result.what = response_outcome::kind::too_large; // not ended within the limit
    }
    return result;
}

bool blank_line_after(std::string_view text, std::size_t searched) noexcept {
    // From two bytes back: a blank line may straddle the end of what was searched.
    for (std::size_t at = text.find('\n', searched >= 2 ? searched - 2 : 0); at != std::string_view::npos;
         at = text.find('\n', at + 1)) {
        const std::string_view after = text.substr(at + 1, 2);
        if (after.starts_with('\n') || after == "\r\n") return true;
    }
    return false;
}

} // namespace corio::http
