// SPDX-License-Identifier: MIT
#include "request_parser.hpp"

#include "head_fields.hpp"
#include "request_scan.hpp"

#include <string>
#include <string_view>

#include <llhttp.h>

namespace corio::http {

namespace {

http::method map_method(std::uint8_t m) noexcept {
    switch (m) {
    case HTTP_GET:
        return method::get;
    case HTTP_HEAD:
        return method::head;
    case HTTP_POST:
        return method::post;
    case HTTP_PUT:
        return method::put;
    case HTTP_DELETE:
        return method::delete_;
    case HTTP_PATCH:
        return method::patch;
    case HTTP_OPTIONS:
        return method::options;
    case HTTP_CONNECT:
        return method::connect;
    case HTTP_TRACE:
        return method::trace;
    default:
        return method::other;
    }
}

} // namespace

struct request_parser::state {
    llhttp_t parser{};
    // The parser as llhttp_init() left it (type, settings, data): copying it back is what
    // llhttp_reset() does (init, then restore those), in a few moves instead of two calls and a memset.
    llhttp_t initial{};
    llhttp_settings_t settings{};
    parse_limits limits;
    const char* begin = nullptr;
    head_fields fields;
    std::size_t host_count = 0; // Host fields in the head
    const char* url_at = nullptr;
    std::size_t url_length = 0;
    const char* method_at = nullptr;
    std::size_t method_length = 0;
    const char* head_end = nullptr; // furthest byte of the request head seen so far
    const char* body_at = nullptr;
    std::size_t body_length = 0;
    bool body_copied = false;
    std::string body_scratch;    // de-chunked bodies; keeps its capacity between requests
    std::string decoded_scratch; // percent-decoded captures and query pairs; keeps its capacity too
    bool headers_done = false;
    bool message_done = false;
    bool head_paused = false;          // the route streams the body: parsing stopped after the head
    bool stop_at_chunked_body = false; // parse()'s argument
    bool keep_alive = true;
    bool expect_seen = false;     // the first Expect field decides expect_continue
    bool expect_continue = false; // it was "100-continue"
    http::status error_status = status::bad_request;
    const router* routes = nullptr;
    bool use_scan = true; // request_scan first, llhttp when it declines
    request* out = nullptr;
    parse_outcome* result = nullptr;
    std::uint64_t body_limit = 0;

    explicit state(const parse_limits& l) : limits(l), fields(l.max_headers) {}

    static state& of(llhttp_t* p) { return *static_cast<state*>(p->data); }

    // Fills the request from its parsed head, looks up its route and decodes its captures and
    // query; false for a malformed percent-escape (400).
    bool fill_head(http::method m, std::string_view method_name, int minor, std::string_view target) {
        // One search for the query; the path is what precedes it in origin form ("/p?q").
        const std::size_t question = target.find('?');
        std::string_view path = target.substr(0, question);
        if (!target.starts_with('/')) {
            // Absolute form (RFC 9112 3.2.2): route on the path; the authority is not ours to check.
            if (const std::size_t scheme = target.find("://"); scheme != std::string_view::npos) {
                const std::size_t slash = target.find_first_of("/?", scheme + 3);
                path = slash == std::string_view::npos || target[slash] == '?' ? std::string_view("/")
                                                                               : target.substr(slash);
                path = path.substr(0, path.find('?'));
            }
        }
        out->_method = m;
        out->_method_name = method_name;
        out->_version_minor = static_cast<std::uint8_t>(minor);
        out->_target = target;
        out->_path = path;
        out->_query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
        out->_headers = fields.list();
        result->expect_continue = expect_continue;
        out->_params.count = 0;
        result->route = routes == nullptr ? route_match{} : routes->find(out->_method, out->_path, &out->_params);
        return out->decode(decoded_scratch);
    }

    // The llhttp path's fill_head(), from what its callbacks collected.
    bool fill_parsed_head() {
        return fill_head(map_method(parser.method), {method_at == nullptr ? "" : method_at, method_length},
                         parser.http_minor, {url_at == nullptr ? "" : url_at, url_length});
    }

    // The request at the start of `data` when request_scan reads its head: complete, within every
    // limit, with a body (if any) that is all there and not streamed. False to let llhttp decide
    // (which then parses from scratch: nothing here has to be undone).
    bool scan(std::span<char> data, parse_outcome& outcome) {
        scanned_head head;
        if (!scan_request_head({data.data(), data.size()}, fields, head)) return false;
        if (head.host_count > 1 || (head.host_count == 0 && head.version_minor != 0)) return false;
        if (head.head_bytes > limits.max_header_bytes || head.target.size() > limits.max_url_bytes) return false;
        expect_continue = head.expect_continue;
        if (!fill_head(head.method, head.method_name, head.version_minor, head.target)) return false;
        const endpoint* target = outcome.route.target;
        const std::uint64_t limit = target != nullptr && target->options.max_body_bytes != 0
                                        ? target->options.max_body_bytes
                                        : limits.max_body_bytes;
        if (head.content_length > 0) {
            const bool streamed = target != nullptr && target->options.stream_body;
            if (streamed || head.content_length > limit || head.content_length > data.size() - head.head_bytes)
                return false;
        }
        outcome.what = parse_outcome::kind::complete;
        outcome.consumed = head.head_bytes + head.content_length;
        // llhttp_should_keep_alive() for a request: HTTP/1.1 unless "close", 1.0 only with "keep-alive".
        out->_keep_alive = head.version_minor == 1 ? !head.connection_close : head.connection_keep_alive;
        out->_body = {data.data() + head.head_bytes, head.content_length};
        out->_body_read = 0;
        return true;
    }

    int fail(http::status s) {
        error_status = s;
        return HPE_USER;
    }

    void end_of_head(const char* at, std::size_t n) {
        if (at + n > head_end) head_end = at + n;
    }

    int finish_header() {
        if (headers_done) { // a chunked body's trailer field: parsed, then ignored
            fields.drop();
            return 0;
        }
        switch (fields.finish()) {
        case head_fields::outcome::none:
            return 0;
        case head_fields::outcome::malformed:
            return fail(status::bad_request);
        case head_fields::outcome::too_many:
            return fail(status::request_header_fields_too_large);
        case head_fields::outcome::added:
            break;
        }
        // Checked as each field ends rather than by a scan of every field once the head is parsed.
        const header_field& f = fields.last();
        switch (classify_field_name(f.name)) {
        case field_name::host:
            ++host_count;
            break;
        case field_name::expect:
            if (!expect_seen) {
                expect_seen = true;
                expect_continue = expects_continue(f.value);
            }
            break;
        default:
            break;
        }
        return 0;
    }

    static int on_method(llhttp_t* p, const char* at, std::size_t n) {
        state& s = of(p);
        extend_span(s.method_at, s.method_length, at, n);
        return 0;
    }
    static int on_url(llhttp_t* p, const char* at, std::size_t n) {
        state& s = of(p);
        extend_span(s.url_at, s.url_length, at, n);
        s.end_of_head(at, n);
        return s.url_length > s.limits.max_url_bytes ? s.fail(status::uri_too_long) : 0;
    }
    static int on_header_field(llhttp_t* p, const char* at, std::size_t n) {
        state& s = of(p);
        s.fields.name_piece(at, n);
        s.end_of_head(at, n);
        return 0;
    }
    static int on_header_value(llhttp_t* p, const char* at, std::size_t n) {
        state& s = of(p);
        if (!s.fields.value_piece(at, n)) return s.fail(status::bad_request);
        s.end_of_head(at, n);
        return 0;
    }
    static int on_header_value_complete(llhttp_t* p) {
        state& s = of(p);
        s.fields.value_complete();
        return s.finish_header();
    }
    static int on_headers_complete(llhttp_t* p) {
        state& s = of(p);
        if (s.finish_header() != 0) return -1;
        if (p->http_major != 1) {
            s.fail(status::http_version_not_supported);
            return -1;
        }
        // RFC 9112 3.2: 400 for an HTTP/1.1 request without a Host field, and for any request with
        // more than one (which authority would the request be for?). HTTP/1.0 may omit it.
        if (s.host_count > 1 || (s.host_count == 0 && p->http_minor != 0)) {
            s.fail(status::bad_request);
            return -1;
        }
        if (static_cast<std::size_t>(s.head_end - s.begin) > s.limits.max_header_bytes) {
            s.fail(status::request_header_fields_too_large);
            return -1;
        }
        s.headers_done = true;
        if (!s.fill_parsed_head()) {
            s.fail(status::bad_request);
            return -1;
        }
        s.body_limit = s.limits.max_body_bytes;
        const endpoint* target = s.result->route.target;
        if (target != nullptr && target->options.max_body_bytes != 0) s.body_limit = target->options.max_body_bytes;
        if ((p->flags & F_CONTENT_LENGTH) != 0 && p->content_length > s.body_limit) {
            s.fail(status::payload_too_large);
            return -1;
        }
        const bool has_body = (p->flags & F_CHUNKED) != 0 || p->content_length > 0;
        const bool streamed = target != nullptr && target->options.stream_body;
        const bool chunked_elsewhere = s.stop_at_chunked_body && (p->flags & F_CHUNKED) != 0;
        if (!(streamed || chunked_elsewhere) || !has_body || p->upgrade != 0) return 0;
        // The handler reads the body itself. llhttp checks the transfer codings after this callback,
        // so a streamed body gets the same checks here (RFC 9112 6.1: chunked must come last).
        if ((p->flags & F_TRANSFER_ENCODING) != 0 && (p->flags & F_CHUNKED) == 0) {
            s.fail(status::not_implemented);
            return -1;
        }
        s.head_paused = true;
        return HPE_PAUSED;
    }
    static int on_body(llhttp_t* p, const char* at, std::size_t n) {
        state& s = of(p);
        if (s.body_length + n > s.body_limit) return s.fail(status::payload_too_large);
        if (s.body_at == nullptr) {
            s.body_at = at;
        } else if (!s.body_copied && s.body_at + s.body_length == at) {
            // contiguous continuation (a span split by the end of the input)
        } else {
            // A second chunk: collect the body in the scratch buffer (the input stays untouched so
            // that an incomplete request can be parsed again from its start).
            if (!s.body_copied) {
                s.body_scratch.assign(s.body_at, s.body_length);
                s.body_copied = true;
            }
            s.body_scratch.append(at, n);
        }
        s.body_length += n;
        return 0;
    }
    static int on_message_complete(llhttp_t* p) {
        state& s = of(p);
        s.keep_alive = llhttp_should_keep_alive(p) != 0;
        s.message_done = true;
        return HPE_PAUSED; // one request per parse() call
    }
};

namespace {

// One table from parser errors to the status sent before closing. llhttp reports a version it
// does not know and junk after the version with one code; only the former is a 505.
http::status status_for(llhttp_errno_t err, const char* reason) noexcept {
    switch (err) {
    case HPE_INVALID_VERSION:
        return reason != nullptr && std::string_view(reason).starts_with("Invalid") ? status::http_version_not_supported
                                                                                    : status::bad_request;
    case HPE_INVALID_TRANSFER_ENCODING:
        return status::not_implemented;
    default:
        return status::bad_request;
    }
}

} // namespace

request_parser::request_parser(const parse_limits& limits, const router* routes)
    : _state(std::make_unique<state>(limits)) {
    state& s = *_state;
    s.routes = routes;
    llhttp_settings_init(&s.settings);
    s.settings.on_method = &state::on_method;
    s.settings.on_url = &state::on_url;
    s.settings.on_header_field = &state::on_header_field;
    s.settings.on_header_value = &state::on_header_value;
    s.settings.on_header_value_complete = &state::on_header_value_complete;
    s.settings.on_headers_complete = &state::on_headers_complete;
    s.settings.on_body = &state::on_body;
    s.settings.on_message_complete = &state::on_message_complete;
    llhttp_init(&s.parser, HTTP_REQUEST, &s.settings);
    s.parser.data = &s;
    s.initial = s.parser;
}

request_parser::~request_parser() = default;

void request_parser::set_scan(bool on) noexcept {
    _state->use_scan = on;
}

void request_parser::attach_body(request& out, std::string_view body) noexcept {
    out._body = body;
    out._body_read = 0;
}

parse_outcome request_parser::parse(std::span<char> data, request& out, bool stop_at_chunked_body) {
    state& s = *_state;
    parse_outcome result;
    s.out = &out;
    s.result = &result;
    s.fields.clear();
    if (s.use_scan && s.scan(data, result)) return result;

    // llhttp, from scratch.
    result = parse_outcome{};
    s.stop_at_chunked_body = stop_at_chunked_body;
    s.parser = s.initial;
    s.begin = data.data();
    s.fields.clear();
    s.host_count = 0;
    s.url_at = s.method_at = s.body_at = nullptr;
    s.url_length = s.method_length = s.body_length = 0;
    s.head_end = data.data();
    s.body_copied = false;
    s.headers_done = s.message_done = s.head_paused = s.expect_seen = s.expect_continue = false;
    s.error_status = status::bad_request;
    const llhttp_errno_t err = llhttp_execute(&s.parser, data.data(), data.size());
    out._body = {};
    out._body_read = 0;
    if (s.head_paused && err == HPE_PAUSED) {
        result.what = parse_outcome::kind::head;
        result.consumed = static_cast<std::size_t>(llhttp_get_error_pos(&s.parser) - data.data());
        out._keep_alive = llhttp_should_keep_alive(&s.parser) != 0;
        if ((s.parser.flags & F_CHUNKED) != 0) {
            result.framing = body_framing::chunked;
        } else {
            result.framing = body_framing::length;
            result.body_length = s.parser.content_length;
        }
        return result;
    }
    if (s.message_done && (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE)) {
        result.what = parse_outcome::kind::complete;
        result.consumed = static_cast<std::size_t>(llhttp_get_error_pos(&s.parser) - data.data());
        result.upgrade = s.parser.upgrade != 0;
        out._keep_alive = s.keep_alive && !result.upgrade;
        out._body = s.body_copied ? std::string_view(s.body_scratch)
                                  : std::string_view(s.body_at == nullptr ? "" : s.body_at, s.body_length);
        return result;
    }
    if (err == HPE_OK) {
        // Incomplete: refuse heads that outgrow the limit before they end; otherwise say how many
        // bytes a Content-Length body still needs so the connection does not re-parse per packet.
        if (!s.headers_done && data.size() > s.limits.max_header_bytes) {
            result.what = parse_outcome::kind::error;
            result.error_status = status::request_header_fields_too_large;
            return result;
        }
        result.what = parse_outcome::kind::incomplete;
        if (s.headers_done) {
            result.head_complete = true;
            out._keep_alive = llhttp_should_keep_alive(&s.parser) != 0;
            out._body = {};
            if ((s.parser.flags & F_CONTENT_LENGTH) != 0 && (s.parser.flags & F_CHUNKED) == 0) {
                result.need = data.size() + s.parser.content_length;
            }
        }
        return result;
    }
    result.what = parse_outcome::kind::error;
    result.head_complete = s.headers_done; // the request's method, target and fields are filled in
    // llhttp reports a failing non-span callback with its own code (HPE_CB_*), a span callback's with ours.
    const bool ours = err == HPE_USER || err == HPE_CB_HEADERS_COMPLETE || err == HPE_CB_HEADER_VALUE_COMPLETE;
    result.error_status = ours ? s.error_status : status_for(err, llhttp_get_error_reason(&s.parser));
    return result;
}

} // namespace corio::http
