// SPDX-License-Identifier: MIT
#include "proxy.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>
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

// A field that concerns one connection, not the message; or one the sender frames itself.
bool hop_by_hop(std::string_view name, std::string_view connection) noexcept {
    for (const std::string_view h :
         {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
          "transfer-encoding", "upgrade", "content-length"})
        if (same_name(name, h)) return true;
    return listed(connection, name);
}

response failure(status code, std::string_view why) {
    return response::copy_of(why, "text/plain", code);
}

corio::task<response> forward(const upstream& to, request& req) {
    const std::string_view connection = req.header("connection").value_or("");
    corio::http::header_list fields;
    fields.reserve(req.headers().size() + 1);
    // X-Forwarded-For: the addresses the request came through, then its client's (one field).
    std::string forwarded_for;
    for (const corio::http::header_field& f : req.headers()) {
        if (hop_by_hop(f.name, connection)) continue;
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
    auto answer =
        co_await to.calls->request(m, to.base + std::string(req.target()), std::move(fields), std::string(req.body()));
    if (!answer) {
        if (corio::http::is_timeout(answer.error()))
            co_return failure(status::gateway_timeout, "the upstream did not answer in time\n");
        co_return failure(status::bad_gateway, "the upstream failed: " + answer.error().message() + "\n");
    }
    response res(static_cast<status>(answer->status()));
    const std::string_view upstream_connection = answer->header("connection").value_or("");
    for (std::size_t i = 0; i < answer->header_count(); ++i) {
        const corio::http::header_field f = answer->header_at(i);
        // Server and Date are this server's own; Content-Type goes through set_content_type.
        if (hop_by_hop(f.name, upstream_connection) || same_name(f.name, "server") || same_name(f.name, "date"))
            continue;
        if (same_name(f.name, "content-type")) {
            res.set_content_type(f.value);
        } else {
            res.add_header(f.name, f.value);
        }
    }
    res.set_body(answer->body());
    co_return res;
}

} // namespace

corio::http::router routes(const upstream& to) {
    corio::http::router table;
    const auto handler = [&to](request& req) { return forward(to, req); };
    for (const corio::http::method m : {corio::http::method::get, corio::http::method::post, corio::http::method::put,
                                        corio::http::method::delete_, corio::http::method::patch}) {
        if (auto added = table.add(m, "/*rest", corio::http::async_handler(handler)); !added) std::abort();
    }
    return table;
}

} // namespace gateway
