// SPDX-License-Identifier: MIT
#include <corio/http/client.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include <corio/core/ascii.hpp>
#include <corio/core/log.hpp>
#include <corio/core/shard.hpp>

#include "byte_classes.hpp"
#include "client_connection.hpp"
#include "client_exchange.hpp"
#include "client_shard.hpp"
#include "client_url.hpp"

namespace corio::http {

namespace {

// The shard parts this thread made, by client (as pg::pool keeps its parts).
struct local_part {
    const client* owner;
    detail::client_shard* part;
};
thread_local std::vector<local_part> local_parts;

void destroy_part(void* context) {
    auto* part = static_cast<detail::client_shard*>(context);
    std::erase_if(local_parts, [part](const local_part& p) { return p.part == part; });
    delete part;
}

// True when no byte of `value` is CR, LF or NUL; eight bytes at a time.
bool clean_value(std::string_view value) noexcept {
    using namespace detail::swar;
    std::size_t i = 0;
    for (; i + 8 <= value.size(); i += 8) {
        const std::uint64_t w = load(value.data() + i);
        if ((below(w, 1) | equal(w, '\r') | equal(w, '\n')) != 0) return false;
    }
    for (; i < value.size(); ++i)
        if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0') return false;
    return true;
}

// A field the client can send: a token for a name, no CR, LF or NUL in the value (they would let a
// caller's data add fields or a second request), and none of the fields that frame the message,
// which the client writes itself.
bool sendable(std::string_view name, std::string_view value) noexcept {
    if (name.empty() || !clean_value(value)) return false;
    for (const char c : name)
        if (!detail::is_token_byte(c)) return false;
    switch (name.size()) { // only the names of that length are compared
    case 10:
        return !equal_ignoring_case(name, "connection");
    case 14:
        return !equal_ignoring_case(name, "content-length");
    case 17:
        return !equal_ignoring_case(name, "transfer-encoding");
    default:
        return true;
    }
}

bool all_sendable(const detail::call_fields& fields) noexcept {
    for (const auto& [name, value] : fields.owned)
        if (!sendable(name, value)) return false;
    for (const header_field& f : fields.lent)
        if (!sendable(f.name, f.value)) return false;
    return true;
}

// A target the request line can carry: a path (and query) without controls or spaces, which would
// let it inject fields.
bool sendable_target(std::string_view target) noexcept {
    if (target.empty() || target.front() != '/') return false;
    for (const char c : target)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
    return true;
}

detail::client_url url_at(const origin& to, std::string_view target) noexcept {
    return {to.host(), to.port(), target, to.authority()};
}

result<client_response> head_of(result<client_stream> done) {
    if (!done) return tl::unexpected(done.error());
    return done->take_head();
}

bool idempotent(method m) noexcept {
    return m == method::get || m == method::head || m == method::put || m == method::delete_ || m == method::options ||
           m == method::trace;
}

} // namespace

client::client(client_config config) : _config(config) {}

client::~client() = default;

result<void> client::add_host(std::string_view host) {
    // What the shards take as it is: a numeric address, and `localhost` (the loopback address).
    if (host == "localhost" || net::socket_address::parse(host, 80)) return {};
    result<net::socket_address> address = net::socket_address::resolve(host, 80);
    if (!address) return tl::unexpected(address.error());
    _hosts.push_back({std::string(host), *address});
    return {};
}

detail::client_shard& client::local() {
    for (const local_part& p : local_parts)
        if (p.owner == this) return *p.part;
    return make_local(nullptr);
}

void client::run_over(net::transport& over) {
    for (const local_part& p : local_parts) {
        if (p.owner != this) continue;
        if (&p.part->connections().transport() != &over) {
            fatal("http::client::run_over called after the shard's first request");
        }
        return; // already so
    }
    make_local(&over);
}

detail::client_shard& client::make_local(net::transport* over) {
    shard* s = shard::current();
    if (s == nullptr) {
        fatal("http::client used outside a shard thread; call it from code the runtime runs");
    }
    auto* part = new detail::client_shard(_config, *s, _hosts, over);
    local_parts.push_back({this, part});
    s->at_exit(&destroy_part, part);
    return *part;
}

task<result<client_response>> client::request(method m, std::string url, header_list headers, std::string body) {
    co_return head_of(co_await call_owning(m, std::move(url), std::move(headers), std::move(body), nullptr, false));
}

task<result<client_response>> client::request(method m, std::string url, header_list headers, body_source& body) {
    co_return head_of(co_await call_owning(m, std::move(url), std::move(headers), {}, &body, false));
}

task<result<client_stream>> client::open(method m, std::string url, header_list headers, std::string body) {
    return call_owning(m, std::move(url), std::move(headers), std::move(body), nullptr, true);
}

task<result<client_stream>> client::open(method m, std::string url, header_list headers, body_source& body) {
    return call_owning(m, std::move(url), std::move(headers), {}, &body, true);
}

task<result<client_response>> client::request(const origin& to, method m, std::string_view target,
                                              std::span<const header_field> headers, std::string_view body) {
    co_return head_of(co_await call(m, url_at(to, target), {{}, headers}, body, nullptr, false));
}

task<result<client_response>> client::request(const origin& to, method m, std::string_view target,
                                              std::span<const header_field> headers, body_source& body) {
    co_return head_of(co_await call(m, url_at(to, target), {{}, headers}, {}, &body, false));
}

task<result<client_stream>> client::open(const origin& to, method m, std::string_view target,
                                         std::span<const header_field> headers, std::string_view body) {
    return call(m, url_at(to, target), {{}, headers}, body, nullptr, true);
}

task<result<client_stream>> client::open(const origin& to, method m, std::string_view target,
                                         std::span<const header_field> headers, body_source& body) {
    return call(m, url_at(to, target), {{}, headers}, {}, &body, true);
}

task<result<client_stream>> client::call_owning(method m, std::string url, header_list headers, std::string body,
                                                body_source* source, bool stream) {
    const result<detail::client_url> to = detail::parse_client_url(url);
    if (!to) co_return tl::unexpected(to.error());
    co_return co_await call(m, *to, {headers, {}}, body, source, stream);
}

namespace {

// Writes `source`'s body on `ex`'s connection, a piece at a time while the connection has room;
// stops early when the exchange ends first (an early answer, a failure, the deadline). An error of
// the source is returned (the exchange is then abandoned and its connection closed).
task<std::error_code> upload(detail::client_exchange& ex, body_source& source) {
    constexpr std::size_t piece_size = 64 << 10;
    const std::unique_ptr<char[]> piece(new char[piece_size]);
    std::optional<std::uint64_t> left = source.size();
    while (ex.where() != detail::client_exchange::phase::done) {
        const std::size_t want =
            left ? static_cast<std::size_t>(std::min<std::uint64_t>(*left, piece_size)) : piece_size;
        result<std::size_t> got = want == 0 ? result<std::size_t>(0) : co_await source.read({piece.get(), want});
        if (ex.where() == detail::client_exchange::phase::done) break;
        if (!got) co_return got.error();
        // A source that ends before its announced size cannot be sent as a valid request.
        if (*got == 0 && left && *left != 0) co_return make_error_code(std::errc::message_size);
        if (*got == 0) {
            ex.connection()->end_body();
            break;
        }
        if (left) *left -= *got;
        ex.connection()->write_body({piece.get(), *got});
        if (!ex.connection()->room_for_body()) co_await ex; // resumed by room() or by the end of the exchange
    }
    co_return std::error_code();
}

} // namespace

task<result<client_stream>> client::call(method m, detail::client_url url, detail::call_fields headers,
                                         std::string_view body, body_source* source, bool stream) {
    if (!sendable_target(url.target)) co_return tl::unexpected(make_error_code(client_errc::bad_url));
    if (m == method::connect || m == method::other || !all_sendable(headers))
        co_return tl::unexpected(make_error_code(client_errc::bad_request));
    detail::client_shard& part = local();
    const result<detail::origin_pool*> pool = part.origin(url.host, url.port);
    if (!pool) co_return tl::unexpected(pool.error());
    const std::uint64_t deadline =
        part.home().reactor().now_ms() + static_cast<std::uint64_t>(_config.exchange_timeout.count());
    const std::uint64_t prefetch = stream ? std::max<std::uint32_t>(_config.stream_prefetch_bytes, 1) : 0;
    for (int attempt = 0;; ++attempt) {
        detail::client_exchange ex(**pool, deadline);
        ex.pipelinable = (m == method::get || m == method::head) && source == nullptr && body.empty();
        ex.acquire(attempt > 0);
        co_await ex;
        if (ex.error) co_return tl::unexpected(ex.error);
        if (source == nullptr) {
            ex.connection()->send(ex, m, url, headers, body, prefetch);
        } else {
            const std::optional<std::uint64_t> size = source->size();
            ex.connection()->send_head(ex, m, url, headers,
                                       size ? detail::request_framing{detail::request_framing::kind::length, *size}
                                            : detail::request_framing{detail::request_framing::kind::chunked},
                                       prefetch);
            if (const std::error_code failed = co_await upload(ex, *source)) co_return tl::unexpected(failed);
        }
        co_await ex;
        if (!ex.error) co_return std::move(ex.stream);
        // Only a request the server cannot have answered, and may safely get twice, goes again.
        const bool broke = ex.error == client_errc::reset || ex.error == client_errc::closed;
        if (attempt > 0 || !broke || ex.any_byte || !idempotent(m) || source != nullptr)
            co_return tl::unexpected(ex.error);
    }
}

} // namespace corio::http
