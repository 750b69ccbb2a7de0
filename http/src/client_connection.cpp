// SPDX-License-Identifier: MIT
#include "client_connection.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include <corio/core/ascii.hpp>
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
    // Only when the shard ends with exchanges or a body in flight: their frames are never resumed.
    if (_ex != nullptr) std::exchange(_ex, nullptr)->abandon();
    while (client_exchange* ex = pop_behind())
        ex->abandon();
    if (_stream != nullptr) {
        _stream->_conn = nullptr;
        _stream->_error = make_error_code(client_errc::closed);
    }
    if (_pool != nullptr) _pool->detach(*this);
}

void client_connection::send(client_exchange& ex, method m, const client_url& url, const call_fields& headers,
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

void client_connection::send_head(client_exchange& ex, method m, const client_url& url, const call_fields& headers,
                                  request_framing body, std::uint64_t prefetch) {
    ex.to_head = m == method::head;
    ex.prefetch = prefetch;
    if (_ex == nullptr) {
        _ex = &ex;
        _reader.reset(ex.stream._head, ex.to_head, prefetch);
    } else { // pipelined: its answer comes after those of the requests before it
        ex.next = nullptr;
        (_last != nullptr ? _last->next : _behind) = &ex;
        _last = &ex;
    }
    ++_in_flight;
    ++_exchanges;
    // Only requests without a body that may safely be repeated share the connection (RFC 9112 9.3.2).
    _exclusive = _exclusive || body.how != request_framing::kind::none || (m != method::get && m != method::head);
    // The head in one reservation of the output, each piece copied once.
    const std::string_view verb = method_name(m);
    bool has_host = false;
    std::size_t size = verb.size() + 1 + url.target.size() + 11 + 2;
    const auto measure = [&](std::string_view name, std::string_view value) {
        has_host = has_host || (name.size() == 4 && equal_ignoring_case(name, "host"));
        size += name.size() + 2 + value.size() + 2;
    };
    for (const auto& [name, value] : headers.owned)
        measure(name, value);
    for (const header_field& f : headers.lent)
        measure(f.name, f.value);
    if (!has_host) size += 6 + url.authority.size() + 2;
    constexpr std::size_t framing_room = 48; // "Content-Length: <20 digits>\r\n" or the chunked line
    char* const start = reserve(size + framing_room);
    char* at = start;
    const auto put = [&at](std::string_view piece) {
        std::memcpy(at, piece.data(), piece.size());
        at += piece.size();
    };
    put(verb);
    put(" ");
    put(url.target);
    put(" HTTP/1.1\r\n");
    const auto field = [&put](std::string_view name, std::string_view value) {
        put(name);
        put(": ");
        put(value);
        put("\r\n");
    };
    for (const auto& [name, value] : headers.owned)
        field(name, value);
    for (const header_field& f : headers.lent)
        field(f.name, f.value);
    if (!has_host) {
        put("Host: ");
        put(url.authority);
        put("\r\n");
    }
    if (body.how == request_framing::kind::length) {
        put("Content-Length: ");
        at = std::to_chars(at, at + 20, body.length).ptr;
        put("\r\n");
    } else if (body.how == request_framing::kind::chunked) {
        put("Transfer-Encoding: chunked\r\n");
    }
    put("\r\n");
    commit(static_cast<std::size_t>(at - start));
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
    client_exchange* last = _last != nullptr ? _last : _ex;
    if (last != nullptr) last->sent();
}

client_exchange* client_connection::pop_behind() noexcept {
    client_exchange* ex = _behind;
    if (ex == nullptr) return nullptr;
    _behind = ex->next;
    if (_behind == nullptr) _last = nullptr;
    ex->next = nullptr;
    return ex;
}

bool client_connection::can_carry_more() const noexcept {
    return !closing() && !_exclusive && !_uploading && _stream == nullptr && _in_flight != 0 &&
           _in_flight < _config->pipeline_depth;
}

void client_connection::on_output_sent(std::size_t) {
    if (_ex != nullptr && _uploading && room_for_body()) _ex->room();
}

void client_connection::drop_exchange(client_exchange& gone) noexcept {
    // Its answer would be read into freed memory, and those behind it wait for that answer: the
    // connection closes, and they fail as a connection closed before their answer began (a retry).
    if (_ex == &gone) {
        _ex = nullptr;
    } else {
        client_exchange* before = nullptr;
        for (client_exchange* at = _behind; at != nullptr; before = at, at = at->next) {
            if (at != &gone) continue;
            (before != nullptr ? before->next : _behind) = gone.next;
            if (_last == &gone) _last = before;
            break;
        }
    }
    --_in_flight;
    close_now();
}

void client_connection::end_all(std::error_code head, std::error_code behind) noexcept {
    // Each finish() resumes its caller at once, and a failed call may be tried again: the failed
    // ones go in the order they were sent, and before a head that got its answer, whose caller may
    // start new calls. The connection lets go of them all first.
    client_exchange* first = std::exchange(_ex, nullptr);
    client_exchange* next = std::exchange(_behind, nullptr);
    _last = nullptr;
    _in_flight = 0;
    if (first != nullptr && head) first->finish(head);
    while (client_exchange* ex = next) {
        next = std::exchange(ex->next, nullptr);
        ex->finish(behind);
    }
    if (first != nullptr && !head) first->finish(head);
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

void client_connection::close_now(std::error_code head) noexcept {
    if (_pool != nullptr) std::exchange(_pool, nullptr)->detach(*this);
    abort();
    // Requests pipelined behind had no byte of their answer: they may be tried again elsewhere.
    end_all(head, make_error_code(client_errc::closed));
}

void client_connection::next_in_line() noexcept {
    _ex = pop_behind();
    if (_ex != nullptr) {
        _reader.reset(_ex->stream._head, _ex->to_head, _ex->prefetch);
    } else {
        _exclusive = false;
    }
}

void client_connection::complete(std::error_code e, bool reusable) {
    if (!reusable || _uploading) return close_now(e);
    client_exchange* ex = std::exchange(_ex, nullptr);
    --_in_flight;
    next_in_line();
    // May start waiters' exchanges on this connection at once (or pipeline them behind).
    if (_pool != nullptr) _pool->give_back(*this);
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
    } else {
        next_in_line();
        if (_pool != nullptr) _pool->give_back(*this);
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
    // One response after another: pipelined answers may share a receive.
    std::size_t offset = 0;
    while (!closing()) {
        if (_stream != nullptr) {
            offset += stream_input(data.subspan(offset));
            if (_stream != nullptr) return offset; // it reads on later (or the rest waits for a read)
            continue;                              // its body ended: the next answer follows
        }
        if (offset == data.size()) return offset;
        if (_ex == nullptr) {
            // Nothing was asked: a server's 408 before it closes, or junk. Not a connection to reuse.
            close_now();
            return data.size();
        }
        client_exchange& ex = *_ex;
        ex.any_byte = true;
        const bool had_head = _reader.head_received();
        offset += _reader.feed(data.subspan(offset));
        switch (_reader.where()) {
        case response_reader::state::done:
            // Bytes after the response that no request waits for: the connection is out of step.
            complete({}, _reader.keep_alive() && (offset == data.size() || _behind != nullptr));
            continue;
        case response_reader::state::failed:
            complete(make_error_code(error_of(_reader.why())), false);
            return data.size();
        default:
            if (!had_head && _reader.head_received()) ex.head_received();
            if (!_reader.prefetched()) return offset;
            // A streamed response: the exchange ends with its head, and the stream reads the rest.
            _stream = &ex.stream;
            _stream->_conn = this;
            _stream->_length = _reader.content_length();
            _ex = nullptr;
            --_in_flight;
            ex.finish({}); // the call returns the stream (which moves: stream_moved)
        }
    }
    return data.size();
}

std::size_t client_connection::stream_input(std::span<char> data) {
    std::size_t used = 0;
    while (_read != nullptr) {
        stream_read& r = *_read;
        const response_reader::piece p = _reader.read_into(data.subspan(used), r._into);
        used += p.used;
        r._produced = p.produced;
        if (_reader.where() == response_reader::state::done) {
            end_stream({}, _reader.keep_alive() && (used == data.size() || _behind != nullptr));
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
    if (_pool != nullptr) std::exchange(_pool, nullptr)->detach(*this);
    end_all(make_error_code(client_errc::reset), make_error_code(client_errc::closed));
}

} // namespace corio::http::detail
