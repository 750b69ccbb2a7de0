// SPDX-License-Identifier: MIT
// client: HTTP/1.1 calls out of a shard, on the shard's own reactor. One client object is made once
// (before or outside the runtime) and shared by every shard; each shard keeps its own keep-alive
// connections per origin (host:port), at most client_config::connections_per_origin of them, made
// lazily on the shard's first call and closed when the shard ends (shard::at_exit). No lock, no
// blocking call on a shard. Typical use, in a handler coroutine:
//
//     static corio::http::client upstream;
//     auto answer = co_await upstream.get("http://127.0.0.1:8081/users/7");
//     if (!answer) co_return corio::http::is_timeout(answer.error()) ? gateway_timeout() : bad_gateway();
//     std::string_view body = answer->body();
//
// Host names: numeric addresses and `localhost` work as they are; any other name must be resolved
// before the runtime starts, with add_host() (a blocking getaddrinfo on the calling thread). The
// address is kept for the client's life, not refreshed.
//
// Errors are values (client_error.hpp): refused, reset, closed, timeouts (connect, response head,
// whole exchange), malformed and too large answers each have a code; after any of them the pool
// goes on (a connection whose exchange failed is closed, never reused). A request whose method is
// idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) is sent once more, on another connection, when
// its connection broke before any byte of the answer came (a keep-alive connection the server closed
// while the request was on its way); nothing else is retried, nor a body streamed from a body_source.
//
// A service calling one upstream often can name it once as an origin (origin.hpp) and give each
// call its target, header fields and body as views: nothing is copied or parsed per call but what
// goes on the wire (the views must stay valid until the call's task ends).
//
// Large bodies stream both ways: open() returns once the response head is in and the body is read
// as it arrives (client_stream.hpp); a body_source gives the request body piece by piece as the
// connection takes it (sent with its Content-Length, or chunked when its size is not known).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <corio/core/result.hpp>
#include <corio/core/task.hpp>
#include <corio/http/client_error.hpp>
#include <corio/http/client_response.hpp>
#include <corio/http/client_stream.hpp>
#include <corio/http/origin.hpp>
#include <corio/http/request.hpp>
#include <corio/net/transport.hpp>

namespace corio::http {

namespace detail {
class client_shard;
struct client_url;
struct resolved_host;
} // namespace detail

/// Limits and timeouts of a client; the same for every shard and origin.
struct client_config {
    unsigned connections_per_origin = 16; ///< connections one shard keeps to one origin at most
    unsigned max_waiting = 1024;          ///< calls a shard queues per origin for a connection; past it: pool_full
    /// Requests one connection carries at once. Above 1, a pool at its connection limit pipelines
    /// GET and HEAD requests without a body (RFC 9112 9.3.2: only what may be repeated) behind those
    /// in flight; answers come in order, so a slow one delays those behind it. Default 1: none.
    unsigned pipeline_depth = 1;
    std::chrono::milliseconds connect_timeout{2000};   ///< from the start of a connect to its end
    std::chrono::milliseconds head_timeout{10000};     ///< from the request written to the response head parsed
    std::chrono::milliseconds exchange_timeout{30000}; ///< from the call to the whole response received
    /// An idle keep-alive connection is closed after this long: keep it below the servers' own
    /// keep-alive timeout, so that a request rarely meets a connection the server is closing.
    std::chrono::milliseconds idle_timeout{30000};
    std::uint32_t max_head_bytes = 16384;   ///< response head, interim responses included
    std::uint32_t max_headers = 64;         ///< header fields of a response
    std::uint64_t max_body_bytes = 8 << 20; ///< decoded response body (not for open(), whose body streams)
    /// open(): a read of the streamed body that gets no byte for this long fails (body_timed_out).
    std::chrono::milliseconds body_timeout{10000};
    /// open(): body bytes that came with the head and are kept with it, at most.
    std::uint32_t stream_prefetch_bytes = 65536;
};

/// A request body the client reads piece by piece as the connection takes it (a streamed upload).
class body_source {
public:
    virtual ~body_source() = default;
    /// The body's size, sent as Content-Length, when known; otherwise the body is sent chunked.
    virtual std::optional<std::uint64_t> size() const noexcept = 0;
    /// Copies the next piece of the body into `into`: its size, 0 at the end, or an error (the call
    /// then fails with it and the connection closes).
    virtual task<result<std::size_t>> read(std::span<char> into) = 0;
};

/// Header fields to send: name and value, owned.
using header_list = std::vector<std::pair<std::string, std::string>>;

namespace detail {
/// The header fields of one call: the caller's owned list, or views it lends.
struct call_fields {
    std::span<const std::pair<std::string, std::string>> owned;
    std::span<const header_field> lent;
};
} // namespace detail

/// A pool of HTTP/1.1 connections per shard and origin. Must outlive the runtime whose shards use it.
class client {
public:
    /// Keeps `config`; opens nothing yet.
    explicit client(client_config config = {});
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// Resolves `host` now (blocking getaddrinfo: call it before the runtime starts, never on a
    /// shard); URLs naming it then connect to that address. A numeric address or `localhost` needs
    /// no resolving (nothing is done). A name that does not resolve is an error of
    /// net::resolver_category() naming why.
    result<void> add_host(std::string_view host);

    /// `GET url` (http://host[:port][/target]) with no extra fields: the whole response, or why
    /// not. Call on a shard thread; the task runs there. `url` is copied into the task.
    task<result<client_response>> get(std::string url) { return request(method::get, std::move(url), {}, {}); }
    /// `m url` with `headers` (after Host, which the client adds unless `headers` has one) and
    /// `body` (sent with Content-Length; Content-Length, Transfer-Encoding and Connection fields in
    /// `headers` are refused as bad_request). Everything is moved into the task. Call on a shard.
    task<result<client_response>> request(method m, std::string url, header_list headers = {}, std::string body = {});
    /// `m url` with `headers` and the body read from `body` as it is sent (`body` must outlive the
    /// call).
    task<result<client_response>> request(method m, std::string url, header_list headers, body_source& body);
    /// Like request(), but the result comes once the response head is in: its body is read as it
    /// arrives (client_stream::read_body), however large.
    task<result<client_stream>> open(method m, std::string url, header_list headers = {}, std::string body = {});
    /// open() with the request body read from `body` as it is sent (`body` must outlive the call).
    task<result<client_stream>> open(method m, std::string url, header_list headers, body_source& body);

    /// `GET target` ("/path?query") at `to`. `to` and `target` are borrowed: they must stay valid
    /// until the task ends.
    task<result<client_response>> get(const origin& to, std::string_view target) {
        return request(to, method::get, target, {}, {});
    }
    /// request() at `to`, with everything borrowed, not copied: `to`, `target`, `headers` and `body`
    /// must stay valid until the task ends (co_await it where it is made).
    task<result<client_response>> request(const origin& to, method m, std::string_view target,
                                          std::span<const header_field> headers = {}, std::string_view body = {});
    /// request() at `to`, borrowing its arguments, with the body read from `body`.
    task<result<client_response>> request(const origin& to, method m, std::string_view target,
                                          std::span<const header_field> headers, body_source& body);
    /// open() at `to`, borrowing its arguments as request() at an origin does.
    task<result<client_stream>> open(const origin& to, method m, std::string_view target,
                                     std::span<const header_field> headers = {}, std::string_view body = {});
    /// open() at `to`, borrowing its arguments, with the body read from `body`.
    task<result<client_stream>> open(const origin& to, method m, std::string_view target,
                                     std::span<const header_field> headers, body_source& body);

    /// Runs the calling shard's connections of this client over `over` instead of sockets (`over`
    /// must outlive the shard's use of the client): over a net::loopback, a test answers the calls
    /// itself. Call on the shard before its first request there.
    void run_over(net::transport& over);

    /// The configuration.
    const client_config& config() const noexcept { return _config; }

    /// The calling shard's part, made on first use (the client's own code; a shard thread only).
    detail::client_shard& local();

private:
    detail::client_shard& make_local(net::transport* over);
    // Every call, its arguments borrowed: `body`, or `source` when not null; with `stream`, the
    // result comes with the head.
    task<result<client_stream>> call(method m, detail::client_url url, detail::call_fields headers,
                                     std::string_view body, body_source* source, bool stream);
    // A call by URL, owning its arguments.
    task<result<client_stream>> call_owning(method m, std::string url, header_list headers, std::string body,
                                            body_source* source, bool stream);

    client_config _config;
    std::vector<detail::resolved_host> _hosts; // filled by add_host() before the shards run, read-only after
};

} // namespace corio::http
