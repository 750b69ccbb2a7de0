// SPDX-License-Identifier: MIT
#include "client_connection.hpp"

#include <cerrno>
#include <utility>

#include <fmt/format.h>

#include <corio/http/client_error.hpp>

#include "client_exchange.hpp"
#include "client_shard.hpp"
#include "origin_pool.hpp"
#include "response_writer.hpp"

namespace corio::http::detail {

client_connection::client_connection(net::connection_set& set, int handle, origin_pool& pool, response_parser& parser,
                                     std::uint64_t max_body_bytes) noexcept
    : tcp_connection(set, handle), timer(&client_connection::on_timer), _pool(&pool), _config(&pool.part().config()),
      _reader(parser, max_body_bytes) {}

client_connection::~client_connection() {
    wheel().cancel(*this);
    // Only when the shard ends with an exchange or a body in flight: its frame is never resumed.
    if (_ex != nullptr) std::exchange(_ex, nullptr)->abandon();
    if (_stream != nullptr) {
        _stream->_conn = nullptr;
        _stream->_error = make_error_code(client_errc::closed);
    }
    if (_pool != nullptr) _pool->detach(*this);
}

void client_connection::send(client_exchange& ex, method m, const client_url& url, const header_list& headers,
                             std::string_view body, std::uint64_t prefetch) {
    // A body always goes with its length; so does an empty one where the method usually has one
    // (RFC 9110 8.6: a POST without Content-Length has no body to a server, but some want the field).
    request_framing framing;
    if (!body.empty() || m == method::post || m == method::put || m == method::patch) {
        framing = {request_framing::kind::length, body.size()};
    }
    send_head(ex, m, url, headers, framing, prefetch);
    write(body);
    end_body();
}

void client_connection::send_head(client_exchange& ex, method m, const client_url& url, const header_list& headers,
                                  request_framing body, std::uint64_t prefetch) {
    _ex = &ex;
    ++_exchanges;
    _reader.reset(ex.stream._head, m == method::head, prefetch);
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
    if (body.how == request_framing::kind::length) {
        char length[32];
        const auto end = fmt::format_to_n(length, sizeof length, "Content-Length: {}\r\n", body.length);
        write({length, end.out});
    } else if (body.how == request_framing::kind::chunked) {
        write("Transfer-Encoding: chunked\r\n");
    }
    write("\r\n");
    _chunked_body = body.how == request_framing::kind::chunked;
    _uploading = true;
    ex.sending();
}

void client_connection::write_body(std::string_view piece) {
    if (_chunked_body) {
        write_chunk(*this, piece);
    } else {
        write(piece);
    }
    flush();
}

void client_connection::end_body() {
    if (_chunked_body) write_last_chunk(*this);
    flush();
    _uploading = false;
    if (_ex != nullptr) _ex->sent();
}

void client_connection::on_output_sent(std::size_t) {
    if (_ex != nullptr && _uploading && room_for_body()) _ex->room();
}

void client_connection::drop_exchange() noexcept {
    _ex = nullptr;
    close_now();
}

void client_connection::drop_stream() noexcept {
    _stream = nullptr;
    _read = nullptr;
    close_now(); // the rest of the body is still coming
}

void client_connection::wait_read(stream_read& r) noexcept {
    _read = &r;
    wheel().schedule(*this,
                     owner().shard().reactor().now_ms() + static_cast<std::uint64_t>(_config->body_timeout.count()));
    if (reading_paused()) flush(); // once nothing is left to send, reading resumes with the input kept
}

void client_connection::went_idle() noexcept {
    wheel().schedule(*this,
                     owner().shard().reactor().now_ms() + static_cast<std::uint64_t>(_config->idle_timeout.count()));
}

void client_connection::left_idle() noexcept {
    wheel().cancel(*this);
}

void client_connection::on_timer(timer& t) {
    auto& c = static_cast<client_connection&>(t);
    if (c._stream != nullptr) return c.end_stream(make_error_code(client_errc::body_timed_out), false);
    c.close_now();
}

void client_connection::close_now() noexcept {
    if (_pool != nullptr) std::exchange(_pool, nullptr)->detach(*this);
    abort();
}

void client_connection::complete(std::error_code e, bool reusable) {
    client_exchange* ex = std::exchange(_ex, nullptr);
    if (!reusable || _uploading) {
        close_now();
    } else if (_pool != nullptr) {
        _pool->give_back(*this); // may start the next waiter's exchange on this connection at once
    }
    if (ex != nullptr) ex->finish(e);
}

void client_connection::end_stream(std::error_code e, bool reusable) {
    wheel().cancel(*this);
    client_stream* s = std::exchange(_stream, nullptr);
    stream_read* r = std::exchange(_read, nullptr);
    if (s != nullptr) {
        s->_conn = nullptr;
        s->_error = e;
    }
    if (!reusable || _uploading) {
        close_now();
    } else if (_pool != nullptr) {
        _pool->give_back(*this);
    }
    if (r == nullptr) return;
    // Bytes this read already has are its answer; otherwise what the stream holds, or the end.
    if (r->_produced == 0) r->await_ready();
    r->_waiting.resume();
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
    if (_stream != nullptr) return stream_input(data);
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
        if (!_reader.prefetched()) return used;
        // A streamed response: the exchange ends with its head, and the stream reads the rest.
        _stream = &_ex->stream;
        _stream->_conn = this;
        _stream->_length = _reader.content_length();
        std::exchange(_ex, nullptr)->finish({}); // the call returns the stream (which moves: stream_moved)
        if (_stream == nullptr || closing()) return data.size();
        return used + stream_input(data.subspan(used));
    }
}

std::size_t client_connection::stream_input(std::span<char> data) {
    std::size_t used = 0;
    while (_read != nullptr) {
        stream_read& r = *_read;
        const response_reader::piece p = _reader.read_into(data.subspan(used), r._into);
        used += p.used;
        r._produced = p.produced;
        if (_reader.where() == response_reader::state::done) {
            end_stream({}, _reader.keep_alive() && used == data.size());
            return used;
        }
        if (_reader.where() == response_reader::state::failed) {
            end_stream(make_error_code(client_errc::malformed), false);
            return data.size();
        }
        if (p.produced == 0) break; // more input is needed
        _read = nullptr;
        wheel().cancel(*this);
        r._waiting.resume(); // may read again at once, or drop the stream
        if (_stream == nullptr || closing()) return data.size();
    }
    // Nobody reads: the rest waits here, and no more is received until a read asks for it.
    if (used < data.size() && _read == nullptr) pause_reading();
    return used;
}

void client_connection::on_peer_closed() {
    if (_stream != nullptr) {
        // What arrived before the close is the stream's to read (the input kept while it paused).
        _reader.drain(unconsumed_input(), _stream->_head);
        if (_reader.where() == response_reader::state::done) return end_stream({}, false);
        return end_stream(make_error_code(error_of(_reader.why())), false);
    }
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
    static_cast<void>(error); // ECONNRESET, EPIPE, ETIMEDOUT (keep-alive probes): the connection broke
    if (_stream != nullptr) return end_stream(make_error_code(client_errc::reset), false);
    if (_ex == nullptr) {
        if (_pool != nullptr) std::exchange(_pool, nullptr)->detach(*this);
        return;
    }
    complete(make_error_code(client_errc::reset), false);
}

} // namespace corio::http::detail
