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

namespace gateway {

namespace {

using corio::http::request;
using corio::http::response;
using corio::http::status;

bool same_name(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
               return lower(x) == lower(y);
           });
}

// True when `connection` (a Connection field's value) lists `name`.
bool listed(std::string_view connection, std::string_view name) noexcept {
    while (!connection.empty()) {
        const std::size_t comma = connection.find(',');
        std::string_view token = connection.substr(0, comma);
        while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
            token.remove_prefix(1);
        while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
            token.remove_suffix(1);
        if (same_name(token, name)) return true;
        if (comma == std::string_view::npos) break;
        connection.remove_prefix(comma + 1);
    }
    return false;
}

// True for a hop-by-hop field: one that concerns one connection, not the message (or one the sender
// frames itself), or one that `connection` (the Connection field's value) lists.
bool hop_by_hop(std::string_view name, std::string_view connection) noexcept {
    bool named = false;
    switch (name.size()) { // only the names of that length are compared
    case 2:
        named = same_name(name, "te");
        break;
    case 7:
        named = same_name(name, "trailer") || same_name(name, "upgrade");
        break;
    case 10:
        named = same_name(name, "connection") || same_name(name, "keep-alive");
        break;
    case 14:
        named = same_name(name, "content-length");
        break;
    case 16:
        named = same_name(name, "proxy-connection");
        break;
    case 17:
        named = same_name(name, "transfer-encoding");
        break;
    case 18:
        named = same_name(name, "proxy-authenticate");
        break;
    case 19:
        named = same_name(name, "proxy-authorization");
        break;
    default:
        break;
    }
    return named || (!connection.empty() && listed(connection, name));
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

corio::task<response> forward(const upstream& to, request& req) {
    const std::string_view connection = req.header("connection").value_or("");
    corio::http::header_list fields;
    fields.reserve(req.headers().size() + 1);
    // X-Forwarded-For: the addresses the request came through, then its client's (one field).
    std::string forwarded_for;
    for (const corio::http::header_field& f : req.headers()) {
        // Expect: 100-continue is answered here, when the body is first read.
        if (hop_by_hop(f.name, connection) || same_name(f.name, "expect")) continue;
        if (same_name(f.name, "x-forwarded-for")) {
            forwarded_for.append(forwarded_for.empty() ? "" : ", ").append(f.value);
            continue;
        }
        fields.emplace_back(f.name, f.value);
    }
    if (const auto client = req.peer()) forwarded_for.append(forwarded_for.empty() ? "" : ", ").append(client->host());
    if (!forwarded_for.empty()) fields.emplace_back("X-Forwarded-For", std::move(forwarded_for));
    // HEAD goes upstream as GET: the server drops the body but sends its Content-Length, which an
    // answer to HEAD (without a body to measure) could not give.
    const corio::http::method m = req.method() == corio::http::method::head ? corio::http::method::get : req.method();
    std::string url;
    url.reserve(to.base.size() + req.target().size());
    url.append(to.base).append(req.target());
    // A body (the server has checked its framing) streams to the upstream as it arrives.
    std::optional<std::uint64_t> length;
    if (const auto field = req.header("content-length")) {
        std::uint64_t n = 0;
        std::from_chars(field->data(), field->data() + field->size(), n);
        length = n;
    }
    const bool chunked = req.header("transfer-encoding").has_value();
    corio::result<corio::http::client_stream> answer;
    if (chunked || (length && *length != 0)) {
        request_source body(req, chunked ? std::nullopt : length);
        answer = co_await to.calls->open(m, std::move(url), std::move(fields), body);
    } else {
        answer = co_await to.calls->open(m, std::move(url), std::move(fields));
    }
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
    response res(code);
    if (!answer->complete()) {
        from = std::make_shared<corio::http::client_stream>(std::move(*answer));
        res = response::stream([from](corio::http::body_writer& out) { return pass_on(*from, out); }, "", code,
                               from->content_length());
    }
    const corio::http::client_response& head = from ? from->head() : answer->head();
    const std::string_view upstream_connection = head.header("connection").value_or("");
    for (std::size_t i = 0; i < head.header_count(); ++i) {
        const corio::http::header_field f = head.header_at(i);
        // Server and Date are this server's own; Content-Type goes through set_content_type.
        if (hop_by_hop(f.name, upstream_connection) || same_name(f.name, "server") || same_name(f.name, "date"))
            continue;
        if (same_name(f.name, "content-type")) {
            res.set_content_type(f.value);
        } else {
            res.add_header(f.name, f.value);
        }
    }
    if (!from) res.set_body(head.body());
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
