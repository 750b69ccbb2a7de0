// SPDX-License-Identifier: MIT
#include "proxy.hpp"

#include <corio/http/body_writer.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <corio/core/ascii.hpp>

namespace gateway {

namespace {

using corio::http::request;
using corio::http::response;
using corio::http::status;

// What the gateway does with a header field, by its name.
enum class role : std::uint8_t {
    pass,              // forwarded as it is
    drop,              // hop-by-hop (RFC 9110 7.6.1), or this server's own
    content_length,    // frames the request body: sent again by the client
    transfer_encoding, // likewise
    forwarded_for,     // a request's X-Forwarded-For: the client's address is appended
    content_type,      // a response's: goes through response::set_content_type
};

// The role of field `name` of a request (`in_request`) or of a response. Hop-by-hop fields
// concern one connection, not the message; Expect: 100-continue is answered here (when the body
// is first read); a response's Server and Date are this server's own. Only the names of `name`'s
// length are compared.
role role_of(std::string_view name, bool in_request) noexcept {
    const auto is = [name](std::string_view lower) { return corio::equal_ignoring_case(name, lower); };
    switch (name.size()) {
    case 2:
        return is("te") ? role::drop : role::pass;
    case 4:
        return !in_request && is("date") ? role::drop : role::pass;
    case 6:
        return is(in_request ? "expect" : "server") ? role::drop : role::pass;
    case 7:
        return is("trailer") || is("upgrade") ? role::drop : role::pass;
    case 10:
        return is("connection") || is("keep-alive") ? role::drop : role::pass;
    case 12:
        return !in_request && is("content-type") ? role::content_type : role::pass;
    case 14:
        return is("content-length") ? role::content_length : role::pass;
    case 15:
        return in_request && is("x-forwarded-for") ? role::forwarded_for : role::pass;
    case 16:
        return is("proxy-connection") ? role::drop : role::pass;
    case 17:
        return is("transfer-encoding") ? role::transfer_encoding : role::pass;
    case 18:
        return is("proxy-authenticate") ? role::drop : role::pass;
    case 19:
        return is("proxy-authorization") ? role::drop : role::pass;
    default:
        return role::pass;
    }
}

// True when `connection` (a Connection field's value) lists `name`: that field is hop-by-hop too.
bool listed(std::string_view connection, std::string_view name) noexcept {
    while (!connection.empty()) {
        const std::size_t comma = connection.find(',');
        std::string_view token = connection.substr(0, comma);
        while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
            token.remove_prefix(1);
        while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
            token.remove_suffix(1);
        if (corio::equal_ignoring_case(token, name)) return true;
        if (comma == std::string_view::npos) break;
        connection.remove_prefix(comma + 1);
    }
    return false;
}

response failure(status code, std::string_view why) {
    return response::copy_of(why, "text/plain", code);
}

// The request body as its client sends it, read as the upstream takes it.
class request_source final : public corio::http::body_source {
public:
    request_source(request& req, std::optional<std::uint64_t> size) noexcept : _req(req), _size(size) {}
    std::optional<std::uint64_t> size() const noexcept override { return _size; }
    corio::task<corio::result<std::size_t>> read(std::span<char> into) override {
        co_return co_await _req.read_body(into);
    }

private:
    request& _req;
    std::optional<std::uint64_t> _size;
};

// What the client's request failed with, when it was its body that failed (read_body's errors).
std::optional<response> body_failure(const std::error_code& e) {
    if (e.category() != std::system_category() && e.category() != std::generic_category()) return std::nullopt;
    switch (e.value()) {
    case EMSGSIZE:
        return failure(status::payload_too_large, "the request body is larger than the gateway forwards\n");
    case EPROTO:
        return failure(status::bad_request, "the request body is malformed\n");
    case ETIMEDOUT:
        return failure(status::request_timeout, "the request body did not arrive in time\n");
    default:
        return failure(status::bad_request, "the request body could not be read: " + e.message() + "\n");
    }
}

// Passes the rest of the upstream's body on as it arrives, a piece at a time (the server stalls it
// while the client reads slower than the upstream sends).
corio::task<void> pass_on(corio::http::client_stream& from, corio::http::body_writer& out) {
    constexpr std::size_t piece_size = 32 << 10;
    const std::unique_ptr<char[]> piece(new char[piece_size]);
    while (true) {
        const corio::result<std::size_t> n = co_await from.read_body({piece.get(), piece_size});
        if (!n) {
            out.abort(); // the upstream broke off: the client must not take the cut body as whole
            co_return;
        }
        if (*n == 0 || !co_await out.write({piece.get(), *n})) co_return;
    }
}

// The producer of an answer to HEAD, which the server never runs.
corio::task<void> no_body(corio::http::body_writer&) {
    co_return;
}

// The Content-Length an upstream's answer gives, if any.
std::optional<std::uint64_t> length_of(const corio::http::client_response& head) {
    const std::optional<std::string_view> field = head.header("content-length");
    std::uint64_t n = 0;
    if (!field || std::from_chars(field->data(), field->data() + field->size(), n).ec != std::errc())
        return std::nullopt;
    return n;
}

// The response to `m` before its fields: streaming the body from `from`, or none for HEAD (with
// the upstream's framing: the server sends a streamed response's length, or chunked, with an
// answer to HEAD and runs no producer), or without a body yet (one that came whole with the head).
response framed(std::shared_ptr<corio::http::client_stream> from, const corio::http::client_response& head,
                corio::http::method m, status code) {
    if (from) {
        const std::optional<std::uint64_t> length = from->content_length();
        return response::stream([from](corio::http::body_writer& out) { return pass_on(*from, out); }, "", code,
                                length);
    }
    if (m == corio::http::method::head) return response::stream(no_body, "", code, length_of(head));
    return response(code);
}

corio::task<response> forward(const upstream& to, request& req) {
    // The client's fields go on as views of its request (which outlives the call), less the
    // hop-by-hop ones and those the client frames itself.
    const std::string_view connection = req.header("connection").value_or("");
    std::vector<corio::http::header_field> fields;
    fields.reserve(req.headers().size() + 1);
    std::string forwarded_for; // the addresses the request came through, then its client's (one field)
    std::optional<std::uint64_t> length;
    bool chunked = false;
    for (const corio::http::header_field& f : req.headers()) {
        const role r = role_of(f.name, true);
        if (r == role::content_length && !length) {
            std::uint64_t n = 0; // the server has checked the body's framing
            std::from_chars(f.value.data(), f.value.data() + f.value.size(), n);
            length = n;
        }
        chunked = chunked || r == role::transfer_encoding;
        if (r == role::forwarded_for) forwarded_for.append(forwarded_for.empty() ? "" : ", ").append(f.value);
        if (r != role::pass || (!connection.empty() && listed(connection, f.name))) continue;
        fields.push_back(f);
    }
    if (const auto client = req.peer()) forwarded_for.append(forwarded_for.empty() ? "" : ", ").append(client->host());
    if (!forwarded_for.empty()) fields.push_back({"X-Forwarded-For", forwarded_for});
    const corio::http::method m = req.method();
    // A body streams to the upstream as it arrives.
    request_source body(req, chunked ? std::nullopt : length);
    // (Not a conditional inside co_await: GCC 12 destroys such a temporary twice.)
    corio::task<corio::result<corio::http::client_stream>> call =
        chunked || (length && *length != 0) ? to.calls->open(to.at, m, req.target(), fields, body)
                                            : to.calls->open(to.at, m, req.target(), fields);
    corio::result<corio::http::client_stream> answer = co_await std::move(call);
    if (!answer) {
        if (auto refused = body_failure(answer.error())) co_return std::move(*refused);
        if (corio::http::is_timeout(answer.error()))
            co_return failure(status::gateway_timeout, "the upstream did not answer in time\n");
        co_return failure(status::bad_gateway, "the upstream failed: " + answer.error().message() + "\n");
    }
    // A body that came whole with the head is sent with it; a longer one streams, with its length
    // when the upstream gave one.
    const auto code = static_cast<status>(answer->head().status());
    std::shared_ptr<corio::http::client_stream> from;
    if (!answer->complete()) from = std::make_shared<corio::http::client_stream>(std::move(*answer));
    const corio::http::client_response& head = from ? from->head() : answer->head();
    response res = framed(std::move(from), head, m, code);
    const std::string_view upstream_connection = head.header("connection").value_or("");
    for (std::size_t i = 0; i < head.header_count(); ++i) {
        const corio::http::header_field f = head.header_at(i);
        const role r = role_of(f.name, false);
        if (r == role::content_type) {
            res.set_content_type(f.value);
        } else if (r == role::pass && (upstream_connection.empty() || !listed(upstream_connection, f.name))) {
            res.add_header(f.name, f.value);
        }
    }
    if (!res.streamed()) res.set_body(head.body());
    co_return res;
}

} // namespace

corio::http::router routes(const upstream& to) {
    corio::http::router table;
    const auto handler = [&to](request& req) { return forward(to, req); };
    // Bodies stream through: the gateway never holds one whole.
    const corio::http::route_options streamed{.max_body_bytes = to.max_body_bytes, .stream_body = true};
    for (const corio::http::method m : {corio::http::method::get, corio::http::method::post, corio::http::method::put,
                                        corio::http::method::delete_, corio::http::method::patch}) {
        if (auto added = table.add(m, "/*rest", corio::http::async_handler(handler), streamed); !added) std::abort();
    }
    return table;
}

} // namespace gateway
