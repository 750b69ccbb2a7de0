// SPDX-License-Identifier: MIT
#include "exchange.hpp"

#include <cstring>
#include <exception>
#include <new>

#include <fmt/format.h>

#include <corio/core/log.hpp>

#include "response_writer.hpp"
#include "server_connection.hpp"

namespace corio::http {

namespace detail {

namespace {

response internal_error() {
    return response::text("Internal Server Error", status::internal_server_error);
}

void report(std::string_view what, std::string_view path, const char* detail) {
    log(log_level::error, fmt::format("{} for {}: {}", what, path, detail));
}

} // namespace

exchange::exchange(server_connection& c, bool close, std::size_t block_bytes) noexcept
    : _conn(&c), _block_bytes(block_bytes), _close(close) {}

exchange::~exchange() = default;

void exchange::start_async(server_connection& c, const request& req, std::span<const char> raw,
                           const parse_outcome& parsed, bool close, std::size_t passed) {
    // One block: the exchange, the header fields, the request's bytes, and a body the parser
    // de-chunked into its own buffer (a body inside `raw` is rebased like every other view).
    const std::span<const header_field> headers = req.headers();
    const auto inside = [&](std::string_view v) {
        return v.data() >= raw.data() && v.data() + v.size() <= raw.data() + raw.size();
    };
    const std::size_t body_outside = inside(req.body()) ? 0 : req.body().size();
    const std::size_t decoded = req._decoded.size(); // percent-decoded text, in the parser's scratch
    const std::size_t block_bytes = sizeof(exchange) + headers.size_bytes() + raw.size() + body_outside + decoded;
    auto* x = new (shard_alloc(block_bytes)) exchange(c, close, block_bytes);
    auto* fields = reinterpret_cast<header_field*>(x + 1);
    char* bytes = reinterpret_cast<char*>(fields + headers.size());
    std::memcpy(bytes, raw.data(), raw.size());
    const auto rebase = [&](std::string_view v) {
        return inside(v) && !v.empty() ? std::string_view(bytes + (v.data() - raw.data()), v.size()) : v;
    };
    request& r = x->_request;
    r = req;
    r._method_name = rebase(req._method_name);
    r._target = rebase(req._target);
    r._path = rebase(req._path);
    r._query = rebase(req._query);
    for (std::size_t i = 0; i < headers.size(); ++i)
        fields[i] = {rebase(headers[i].name), rebase(headers[i].value)};
    r._headers = {fields, headers.size()};
    char* const decoded_copy = bytes + raw.size() + body_outside;
    if (decoded != 0) std::memcpy(decoded_copy, req._decoded.data(), decoded);
    const auto rebase_decoded = [&](std::string_view v) {
        const bool in_block = v.data() >= req._decoded.data() && v.data() + v.size() <= req._decoded.data() + decoded;
        return decoded != 0 && in_block && !v.empty()
                   ? std::string_view(decoded_copy + (v.data() - req._decoded.data()), v.size())
                   : rebase(v);
    };
    for (std::size_t i = 0; i < req._params.count; ++i) {
        r._params.values[i] = rebase_decoded(req._params.values[i]);
        r._params.raw[i] = rebase(req._params.raw[i]);
    }
    r._packed_query = rebase_decoded(req._packed_query);
    r._decoded = {decoded_copy, decoded};
    if (body_outside != 0) {
        char* body = bytes + raw.size();
        std::memcpy(body, req.body().data(), body_outside);
        r._body = {body, body_outside};
    } else {
        r._body = rebase(req._body);
    }
    r._exchange = x;
    x->_passed = passed;

    const endpoint& target = *parsed.route.target;
    const server_config& config = c.config();
    if (parsed.what == parse_outcome::kind::head) {
        x->_body.start(parsed.framing == body_framing::chunked, parsed.body_length,
                       target.options.max_body_bytes != 0 ? target.options.max_body_bytes : config.max_body_bytes,
                       config.max_header_bytes, parsed.expect_continue);
    }
    if (config.handler_timeout_ms != 0) {
        x->_deadline_ms = c.owner().shard().reactor().now_ms() + config.handler_timeout_ms;
    }
    x->launch(drive(*x, &target, response()));
}

void exchange::start_stream(server_connection& c, response&& res, int version_minor, bool head, bool close) {
    auto* x = new (shard_alloc(sizeof(exchange))) exchange(c, close, sizeof(exchange));
    x->_request._version_minor = static_cast<std::uint8_t>(version_minor);
    x->_request._method = head ? method::head : method::get;
    x->launch(drive(*x, nullptr, std::move(res)));
}

void exchange::launch(task<void> driver) {
    _driver = driver.release();
    _conn->exchange_started(*this,
                            _body.streaming() ? server_connection::phase::body : server_connection::phase::answer);
    resume(_driver);
}

bool exchange::resume(std::coroutine_handle<> h) {
    const bool nested = _running;
    _running = true;
    h.resume();
    _running = nested;
    if (!_finished || nested) return _finished;
    destroy();
    return true;
}

void exchange::destroy() noexcept {
    const std::size_t block_bytes = _block_bytes;
    this->~exchange();
    shard_free(this, block_bytes);
}

void exchange::cancel() noexcept {
    // The driver frame owns the handler's and the producer's frames: destroying it unwinds them all.
    if (!_finished) _driver.destroy();
    destroy();
}

task<void> exchange::drive(exchange& x, const endpoint* target, response res) {
    if (target != nullptr) {
        // A handler's exception answers 500 for that request; the connection and the shard go on.
        try {
            res = co_await target->async(x._request);
        } catch (const std::exception& e) {
            report("handler threw", x._request.path(), e.what());
            res = internal_error();
        } catch (...) {
            report("handler threw", x._request.path(), "an exception not derived from std::exception");
            res = internal_error();
        }
        x._conn->run_after(x._passed, x._request, res);
    }
    co_await x.respond(std::move(res));
    x._finished = true;
    // A body the handler did not read to its end cannot be told from the next request: close.
    const bool unread = x._body.unread();
    x._conn->exchange_finished(x._close || unread || x._body.error() != 0, unread);
    // Resumed by the exchange itself, it destroys itself once control is back there; resumed by
    // anything else (a timer, another shard), it goes now. This frame touches it no more.
    if (!x._running) x.destroy();
}

task<void> exchange::respond(response res) {
    server_connection& c = *_conn;
    const bool head = _request.method() == method::head;
    if (_body.unread()) _close = true;
    // Draining: this answer says close unless requests already received wait behind it (the last
    // of them will say it).
    if (c.owner().draining() && !c.input_pending()) _close = true;
    _sized = res.streamed() && res.stream_length().has_value();
    _left = res.stream_length().value_or(0);
    // An HTTP/1.0 client is sent a body of unknown length ended by the close.
    if (res.streamed() && !_sized && _request.version_minor() == 0) _close = true;
    response_framing framing = c.framing(_request.version_minor(), head, _close);
    framing.chunked = res.streamed() && !_sized && _request.version_minor() != 0;
    _chunked = framing.chunked;
    if (!c.closing()) c.queue_response(res, framing);
    _responded = true;
    c.flush();
    if (!res.streamed() || head || c.closing()) co_return;
    c.arm_timer(server_connection::phase::sending);
    body_writer out(this);
    try {
        co_await res.producer()(out);
    } catch (const std::exception& e) {
        report("body producer threw", _request.path(), e.what());
        c.abort(); // the head is out: a truncated body is the only way left to report the failure
        co_return;
    } catch (...) {
        report("body producer threw", _request.path(), "an exception not derived from std::exception");
        c.abort();
        co_return;
    }
    if (_chunked && !c.closing()) write_last_chunk(c);
    if (_sized && _left != 0) c.close_after_flush(); // fewer bytes than announced: only the close can tell
    c.flush();
}

bool exchange::write_piece(std::string_view bytes) noexcept {
    server_connection& c = *_conn;
    if (c.closing()) return false;
    if (bytes.empty()) return true; // an empty chunk would end the body
    if (_sized) {
        if (bytes.size() > _left) { // more than announced: it would be read as the next response
            c.close_after_flush();
            return false;
        }
        _left -= bytes.size();
    }
    if (_chunked) {
        write_chunk(c, bytes);
    } else {
        c.write(bytes);
    }
    c.flush();
    c.arm_timer(server_connection::phase::sending);
    return true;
}

bool exchange::room_to_write() const noexcept {
    return _conn->closing() || _conn->pending_output() < _conn->config().max_pending_output / 2;
}

void exchange::output_sent() {
    if (!_writer || !room_to_write()) return;
    resume(std::exchange(_writer, nullptr));
}

std::size_t exchange::feed(std::span<char> input) {
    _body.offer(input);
    _running = true; // resumed handlers may read on synchronously; the exchange stays until the end
    while (!_finished) {
        const std::coroutine_handle<> reader = _body.completed();
        if (!reader) break;
        resume(reader);
    }
    if (!_finished) _body.skip_framing();
    const std::size_t used = _body.withdraw(input);
    _running = false;
    if (_finished) destroy();
    return used;
}

void exchange::fail_body(int error) {
    if (const std::coroutine_handle<> reader = _body.fail(error)) resume(reader);
}

} // namespace detail

bool body_read::await_ready() noexcept {
    detail::exchange* x = _request->_exchange;
    if (x == nullptr || !x->_body.streaming()) {
        // A buffered body (or none): read it from memory.
        const std::string_view rest = _request->_body.substr(_request->_body_read);
        _produced = std::min(rest.size(), _into.size());
        std::memcpy(_into.data(), rest.data(), _produced);
        _request->_body_read += _produced;
        return true;
    }
    return x->_body.read(*this);
}

void body_read::await_suspend(std::coroutine_handle<> waiting) noexcept {
    detail::exchange* x = _request->_exchange;
    x->_body.wait(*this, waiting);
    server_connection& c = *x->_conn;
    if (x->_body.take_expect_continue()) {
        // RFC 9110 10.1.1: the handler reads the body, so the client may send it now.
        write_continue(c);
        c.flush();
        c.start_rate_window(); // the client may send only from now on
    }
    c.arm_timer(server_connection::phase::body);
    c.want_input();
}

result<std::size_t> body_read::await_resume() noexcept {
    if (_error != 0) return system_error(_error);
    return _produced;
}

body_write body_writer::write(std::string_view bytes) noexcept {
    return {_exchange, bytes};
}

void body_writer::abort() noexcept {
    _exchange->_conn->abort();
}

bool body_write::await_ready() noexcept {
    _ok = _exchange->write_piece(_bytes);
    return !_ok || _exchange->room_to_write();
}

void body_write::await_suspend(std::coroutine_handle<> waiting) noexcept {
    _exchange->_writer = waiting;
}

bool body_write::await_resume() noexcept {
    return _ok && !_exchange->_conn->closing();
}

} // namespace corio::http
