// SPDX-License-Identifier: MIT
#include "client_connection.hpp"

#include <cerrno>
#include <utility>

#include <fmt/format.h>

#include <corio/http/client_error.hpp>

#include "client_exchange.hpp"
#include "client_shard.hpp"
#include "origin_pool.hpp"

namespace corio::http::detail {

client_connection::client_connection(net::connection_set& set, int handle, origin_pool& pool, response_parser& parser,
                                     std::uint64_t max_body_bytes) noexcept
    : tcp_connection(set, handle), timer(&client_connection::on_idle_timeout), _pool(&pool),
      _reader(parser, max_body_bytes) {}

client_connection::~client_connection() {
    wheel().cancel(*this);
    // Only when the shard ends with an exchange in flight: its frame is never resumed.
    if (_ex != nullptr) std::exchange(_ex, nullptr)->abandon();
    if (_pool != nullptr) _pool->detach(*this);
}

void client_connection::send(client_exchange& ex, method m, const client_url& url, const header_list& headers,
                             std::string_view body) {
    _ex = &ex;
    ++_exchanges;
    _reader.reset(ex.response, m == method::head);
    write(method_name(m));
    write(" ");
    write(url.target);
    write(" HTTP/1.1\r\n");
    bool has_host = false;
    for (const auto& [name, value] : headers) {
        has_host = has_host || (name.size() == 4 && (name[0] | 0x20) == 'h' && (name[1] | 0x20) == 'o' &&
                                (name[2] | 0x20) == 's' && (name[3] | 0x20) == 't');
        write(name);
        write(": ");
        write(value);
        write("\r\n");
    }
    if (!has_host) {
        write("Host: ");
        write(url.authority);
        write("\r\n");
    }
    // A body always goes with its length; so does an empty one where the method usually has one
    // (RFC 9110 8.6: a POST without Content-Length has no body to a server, but some want the field).
    if (!body.empty() || m == method::post || m == method::put || m == method::patch) {
        char length[32];
        const auto end = fmt::format_to_n(length, sizeof length, "Content-Length: {}\r\n", body.size());
        write({length, end.out});
    }
    write("\r\n");
    write(body);
    flush();
    ex.sent();
}

void client_connection::drop_exchange() noexcept {
    _ex = nullptr;
    close_now();
}

void client_connection::went_idle() noexcept {
    wheel().schedule(*this, owner().shard().reactor().now_ms() +
                                static_cast<std::uint64_t>(_pool->part().config().idle_timeout.count()));
}

void client_connection::left_idle() noexcept {
    wheel().cancel(*this);
}

void client_connection::on_idle_timeout(timer& t) {
    static_cast<client_connection&>(t).close_now();
}

void client_connection::close_now() noexcept {
    if (_pool != nullptr) std::exchange(_pool, nullptr)->detach(*this);
    abort();
}

void client_connection::complete(std::error_code e, bool reusable) {
    client_exchange* ex = std::exchange(_ex, nullptr);
    if (!reusable) {
        close_now();
    } else if (_pool != nullptr) {
        _pool->give_back(*this); // may start the next waiter's exchange on this connection at once
    }
    if (ex != nullptr) ex->finish(e);
}

namespace {

// What a failed read tells the caller. A head too large is too_large whether the connection ended
// before the parser could tell (client_connection_fuzz found it called malformed there).
client_errc error_of(response_reader::failure why) noexcept {
    switch (why) {
    case response_reader::failure::too_large:
        return client_errc::too_large;
    case response_reader::failure::truncated:
        return client_errc::closed;
    default:
        return client_errc::malformed;
    }
}

} // namespace

std::size_t client_connection::on_data(std::span<char> data) {
    if (_ex == nullptr) {
        // Nothing was asked: a server's 408 before it closes, or junk. Not a connection to reuse.
        close_now();
        return data.size();
    }
    _ex->any_byte = true;
    const bool had_head = _reader.head_received();
    const std::size_t used = _reader.feed(data);
    switch (_reader.where()) {
    case response_reader::state::done:
        // Bytes after the response were never asked for: the connection is out of step.
        complete({}, _reader.keep_alive() && used == data.size());
        return used;
    case response_reader::state::failed:
        complete(make_error_code(error_of(_reader.why())), false);
        return data.size();
    default:
        if (!had_head && _reader.head_received()) _ex->head_received();
        return used;
    }
}

void client_connection::on_peer_closed() {
    if (_ex == nullptr) {
        // An idle keep-alive connection the server closed: it leaves the pool (and closes).
        if (_pool != nullptr) std::exchange(_pool, nullptr)->detach(*this);
        return;
    }
    _reader.end_of_input(unconsumed_input());
    if (_reader.where() == response_reader::state::done) return complete({}, false);
    complete(make_error_code(error_of(_reader.why())), false);
}

void client_connection::on_failed(int error) {
    if (_ex == nullptr) {
        if (_pool != nullptr) std::exchange(_pool, nullptr)->detach(*this);
        return;
    }
    static_cast<void>(error); // ECONNRESET, EPIPE, ETIMEDOUT (keep-alive probes): the connection broke
    complete(make_error_code(client_errc::reset), false);
}

} // namespace corio::http::detail
