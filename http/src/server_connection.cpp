// SPDX-License-Identifier: MIT
#include "server_connection.hpp"

#include <algorithm>
#include <cerrno>
#include <exception>
#include <optional>

#include <fmt/format.h>

#include <corio/core/log.hpp>

#include "exchange.hpp"
#include "response_writer.hpp"

namespace corio::http {

// The idle-connection budget (DESIGN.md: at most 128 bytes of RSS per idle keep-alive connection,
// allocator rounding included); mimalloc rounds this object up to its 128-byte size class.
static_assert(sizeof(server_connection) <= 128, "server_connection outgrew its memory budget");

namespace {

void report_throw(std::string_view path, const char* what) {
    log(log_level::error, fmt::format("handler threw for {}: {}", path, what));
}

// Runs a synchronous handler; its exception answers 500 for that request and the connection and the
// shard go on. The response is built in place (no move of its inline buffers on the hot path).
response call_handler(const endpoint& target, request& req) {
    try {
        return target.sync(req);
    } catch (const std::exception& e) {
        report_throw(req.path(), e.what());
    } catch (...) {
        report_throw(req.path(), "an exception not derived from std::exception");
    }
    return response::text("Internal Server Error", status::internal_server_error);
}
} // namespace

server_connection::server_connection(server::shard_state& state, int fd) noexcept
    : tcp_connection(state, fd), timer(&server_connection::on_timer) {}

server_connection::~server_connection() {
    // A handler still suspended (the client went away, the server stopped) is unwound here.
    if (_exchange != nullptr) std::exchange(_exchange, nullptr)->cancel();
    if (_chunked_body) state().chunked_bodies.erase(this);
    owner().shard().reactor().timers().cancel(*this);
    state().connection_closed();
}

void server_connection::open() {
    arm_timer(phase::idle);
    start();
}

const server_config& server_connection::config() const noexcept {
    return state().owner.config();
}

response_framing server_connection::framing(int version_minor, bool head, bool close) const noexcept {
    response_framing f;
    f.date_line = state().date.line(owner().shard().reactor().wall_seconds());
    f.head = head;
    f.close = close;
    f.keep_alive_header = !close && version_minor == 0;
    return f;
}

void server_connection::arm_timer(phase next) {
    const server_config& c = config();
    reactor& loop = owner().shard().reactor();
    std::uint32_t timeout = c.idle_timeout_ms; // idle; sending: a client that reads nothing this long is cut
    const bool rate_windows = (next == phase::body || next == phase::sending) && c.min_data_rate != 0;
    switch (next) {
    case phase::idle:
        // Draining: a connection silent through the grace period is closed (gracefully).
        if (state().draining()) timeout = std::min(timeout, c.drain_grace_ms);
        break;
    case phase::head:
        // Counted from the head's first byte, not pushed back by every trickled byte (slowloris).
        if (_phase == phase::head) return;
        timeout = c.header_timeout_ms;
        break;
    case phase::body:
        timeout = c.body_timeout_ms; // progress timeout: every piece of the body re-arms it
        break;
    case phase::sending:
        break;
    case phase::linger:
        timeout = c.linger_timeout_ms;
        // Draining: a request racing the close arrives within a round trip, which the grace period
        // already outlasts; a client that keeps its side open must not hold the drain any longer.
        if (state().draining()) timeout = std::min(timeout, c.drain_grace_ms);
        break;
    default:
        break;
    }
    if (rate_windows) {
        // Windows run from the start of the body (or of the wait for the reader), not from each
        // piece: a client trickling a byte now and then cannot push them back.
        if (_phase == next) return;
        timeout = c.min_data_rate_window_ms;
        _window_bytes = 0;
    }
    _phase = next;
    std::uint64_t deadline = loop.now_ms() + timeout;
    // A handler at work has its own deadline; until it answers, that one caps every other.
    if (_exchange != nullptr && !_exchange->responded() && _exchange->deadline_ms() != 0) {
        deadline = next == phase::answer ? _exchange->deadline_ms() : std::min(deadline, _exchange->deadline_ms());
    } else if (next == phase::answer) {
        loop.timers().cancel(*this); // no deadline
        return;
    }
    loop.timers().schedule(*this, deadline);
}

void server_connection::start_rate_window() {
    const phase current = _phase;
    if (current != phase::body && current != phase::sending) return;
    _phase = phase::idle; // arm_timer() starts a window only on entering the phase
    arm_timer(current);
}

bool server_connection::kept_rate() const noexcept {
    const server_config& c = config();
    if (c.min_data_rate == 0 || closing()) return false;
    if (_phase == phase::sending && pending_output() == 0) return true; // nothing waits for the reader
    // Not reading (a handler that has not asked for more of its streamed body, or backpressure):
    // the client cannot be slower than the server lets it be.
    if (_phase == phase::body && reading_paused()) return true;
    if (_phase != phase::body && _phase != phase::sending) return false;
    return _window_bytes >= std::uint64_t{c.min_data_rate} * c.min_data_rate_window_ms / 1000;
}

void server_connection::on_timer(timer& t) {
    auto& self = static_cast<server_connection&>(t);
    detail::exchange* x = self._exchange;
    const bool handler_late = x != nullptr && !x->responded() && x->deadline_ms() != 0 &&
                              self.owner().shard().reactor().now_ms() >= x->deadline_ms();
    if (!handler_late && self.kept_rate()) {
        self.start_rate_window(); // fast enough for this window: on to the next
        return;
    }
    if (x != nullptr && !self.closing()) {
        if (handler_late) {
            // The handler missed its deadline: unwind it and answer for it.
            self._exchange = nullptr;
            x->cancel();
            self.state().counters.handler_timeouts.add();
            self.fail(status::service_unavailable);
        } else if (self._phase == phase::body) {
            self.arm_timer(phase::answer);
            x->fail_body(ETIMEDOUT); // the handler decides what to answer; the connection closes after it
        } else {
            self.abort(); // a streamed response's client stopped reading
        }
        return;
    }
    if (self._phase == phase::idle && !self.closing() && self.pending_output() == 0) {
        // Silent through the idle timeout (or a drain's grace period): a FIN, then a lingering read,
        // so that a request racing the close is dropped quietly rather than answered by a reset.
        self.close_after_flush(true);
    } else if (self._phase == phase::idle || self._phase == phase::sending || self.closing()) {
        self.abort(); // nothing to answer: a client that stopped reading its answers, or the linger ended
    } else {
        self.fail(status::request_timeout);
    }
}

// Part of a Content-Length body arrived (held until the whole body is there): progress re-arms
// the body timeout.
void server_connection::on_partial_input() {
    if (_phase == phase::body) arm_timer(phase::body);
}

void server_connection::on_input(std::size_t bytes) {
    if (_phase == phase::body) _window_bytes += static_cast<std::uint32_t>(std::min<std::size_t>(bytes, 1U << 30));
    if (_window_bytes > (1U << 31)) _window_bytes = 1U << 31; // saturates: only the minimum matters
}

void server_connection::on_output_sent(std::size_t bytes) {
    if (_phase == phase::sending) {
        _window_bytes += static_cast<std::uint32_t>(std::min<std::size_t>(bytes, 1U << 30));
        if (_window_bytes > (1U << 31)) _window_bytes = 1U << 31;
        arm_timer(phase::sending); // the client reads: progress (a no-op under a minimum data rate)
    }
    // Draining: answers queued before the stop are out; the grace period starts now.
    if (_phase == phase::idle && !closing() && _exchange == nullptr && pending_output() == 0 && state().draining()) {
        arm_timer(phase::idle);
    }
    if (_exchange != nullptr) _exchange->output_sent();
}

void server_connection::on_peer_closed() {
    if (_exchange != nullptr) _exchange->fail_body(ECONNRESET);
}

void server_connection::on_lingering() {
    arm_timer(phase::linger);
}

// Stop accepting is the listener's part; here a connection waiting for its next request starts the
// grace period (see server_config::drain_grace_ms). One with a request in progress answers it with
// Connection: close (serve() and the exchange see draining()) and closes after that answer.
void server_connection::on_drain() {
    if (closing()) return;
    if (_phase == phase::idle && _exchange == nullptr && pending_output() == 0) arm_timer(phase::idle);
}

void server_connection::want_input() noexcept {
    if (reading_paused()) flush(); // once the output is out, the connection resumes reading
}

void server_connection::exchange_started(detail::exchange& x, phase next) {
    _exchange = &x;
    arm_timer(next);
}

void server_connection::exchange_finished(bool close, bool unread_body) {
    _exchange = nullptr;
    if (close) {
        close_after_flush(unread_body);
        return;
    }
    arm_timer(phase::idle);
    want_input(); // requests that arrived meanwhile are waiting
}

std::size_t server_connection::on_data(std::span<char> data) {
    server::shard_state& st = state();
    const server_config& config = st.owner.config();
    std::size_t offset = 0;
    if (_exchange != nullptr) {
        // A request in progress: input is its streamed body, or waits (reading paused) until it ends.
        offset = _exchange->feed(data);
        if (_exchange != nullptr) {
            if (offset < data.size()) pause_reading();
            return offset;
        }
    }
    bool wrote = false;
    std::uint32_t served = 0;
    // Whose and when, for request::peer() and received_us(): the scratch request is the shard's.
    st.scratch._transport = &st.transport();
    st.scratch._peer_handle = handle();
    st.scratch._received_us = owner().shard().reactor().now_us();
    while (offset < data.size() && !closing()) {
        // Backpressure: a client that pipelines without reading stops being read, so the unsent
        // output stays bounded; reading resumes once the output has drained. Fairness: a connection
        // served its share of one arrival (max_requests_per_read) waits the same way, so the rest of
        // its input is offered again in a later turn, after the shard's other connections.
        if (pending_output() >= config.max_pending_output || over_shard_budget() ||
            (served == config.max_requests_per_read && served != 0)) {
            pause_reading();
            arm_timer(phase::sending); // cut only if the client stops reading altogether
            if (wrote) flush();
            return offset;
        }
        const std::span<char> input = data.subspan(offset);
        parse_outcome parsed = _chunked_body ? parse_outcome{} : st.parser.parse(input, st.scratch, true);
        std::size_t raw_size = parsed.consumed;
        const bool streams = parsed.route.target != nullptr && parsed.route.target->options.stream_body;
        if (_chunked_body ||
            (parsed.what == parse_outcome::kind::head && parsed.framing == body_framing::chunked && !streams)) {
            const bool started = !_chunked_body;
            if (!take_chunked_body(input, parsed, raw_size)) {
                if (closing()) return data.size(); // refused
                keep_input_before(offset + raw_size);
                arm_timer(phase::body);
                if (started && parsed.expect_continue && !_continue_sent) {
                    wrote |= answer_expect_continue(st.scratch, parsed);
                }
                break;
            }
        }
        if (parsed.what == parse_outcome::kind::incomplete) {
            if (parsed.need != 0) wait_for_input(parsed.need);
            if (!parsed.head_complete) {
                arm_timer(phase::head);
            } else {
                arm_timer(phase::body);
                if (parsed.expect_continue && !_continue_sent) wrote |= answer_expect_continue(st.scratch, parsed);
            }
            break;
        }
        wrote = true;
        if (parsed.what == parse_outcome::kind::error) {
            st.counters.parse_errors.add();
            fail(parsed.error_status, parsed.head_complete ? &st.scratch : nullptr);
            return data.size();
        }
        const std::span<const char> raw = input.first(raw_size);
        offset += parsed.consumed;
        st.counters.requests.add();
        ++served;
        _continue_sent = false;
        _phase = phase::idle; // a pipelined request after this one gets a header timeout of its own
        // Draining: requests already received are all answered; the close goes on the last of them.
        const bool close = !st.scratch.keep_alive() || parsed.upgrade || (st.draining() && offset == data.size());
        serve(st.scratch, parsed, raw, close);
        if (_exchange != nullptr && parsed.what == parse_outcome::kind::head) {
            offset += _exchange->feed(data.subspan(offset)); // the streamed body's first bytes
        }
        if (_exchange != nullptr) {
            // Responses go out in request order: the next request waits for this one's answer.
            if (offset < data.size()) pause_reading();
            flush();
            return offset;
        }
    }
    if (offset == data.size() && !closing()) arm_timer(phase::idle);
    if (wrote) flush();
    return offset;
}

// Framing a chunked body may carry before it must stop outweighing its data: 64 KiB covers every
// honest chunking (16-byte chunks of a 40 KiB body, a long trailer section), while a body of 1-byte
// chunks (5 framing bytes per data byte) is refused after about 13,000 chunks rather than read to
// its size limit: a 6 MB request of them would otherwise cost a whole body's worth of state-machine
// steps per data byte and keep the connection to repeat it.
constexpr std::uint64_t free_framing_bytes = 64 << 10;

// A chunked body that its route takes whole (or that the router's answer discards) is decoded in
// place, where it lies in the connection's input, as its pieces arrive: each byte is decoded once,
// where parsing the request again from its start for every piece costs time quadratic in the
// pieces. Between receives the connection keeps only the head and the payload decoded so far, and
// the decoder's state waits in the shard's table. Returns true once the body has ended: `parsed`
// then describes the complete request (its body attached to the shard's scratch request), `raw_size`
// is the size of its head and decoded body at the start of `input`, and parsed.consumed the input
// bytes it took. False while more is to come (`raw_size`: the bytes to keep) or after a refusal.
bool server_connection::take_chunked_body(std::span<char> input, parse_outcome& parsed, std::size_t& raw_size) {
    server::shard_state& st = state();
    chunked_body fresh;
    chunked_body* body = &fresh;
    if (_chunked_body) {
        body = &st.chunked_bodies.find(this)->second;
    } else {
        const server_config& config = st.owner.config();
        const endpoint* target = parsed.route.target;
        fresh.decoder.reset(body_decoder::framing::chunked, 0, config.max_header_bytes);
        fresh.limit = target != nullptr && target->options.max_body_bytes != 0 ? target->options.max_body_bytes
                                                                               : config.max_body_bytes;
        fresh.head_bytes = parsed.consumed;
    }
    const std::size_t payload_end = body->head_bytes + static_cast<std::size_t>(body->decoder.total());
    const std::span<char> rest = input.subspan(payload_end);
    const body_decoder::step step = body->decoder.decode(rest, rest);
    body->framing += step.consumed - step.produced;
    const std::uint64_t payload = body->decoder.total();
    const std::size_t head_bytes = body->head_bytes;
    std::optional<status> refusal;
    if (step.what == body_decoder::state::error) {
        refusal = status::bad_request;
    } else if (payload > body->limit) {
        refusal = status::payload_too_large;
    } else if (body->framing > free_framing_bytes && body->framing > payload) {
        refusal = status::bad_request;
    }
    if (step.what == body_decoder::state::more && !refusal) {
        if (!_chunked_body) st.chunked_bodies.emplace(this, fresh);
        _chunked_body = true;
        raw_size = payload_end + step.produced;
        return false;
    }
    const bool resumed = _chunked_body;
    if (_chunked_body) st.chunked_bodies.erase(this); // `body` is gone
    _chunked_body = false;
    if (refusal) {
        st.counters.parse_errors.add();
        // A body that came over several receives: the views of its head pointed into input since
        // moved, and the middlewares' refused() (the access log) wants them: parse the head again.
        bool head_known = !resumed;
        if (resumed && !st.chain.empty())
            head_known = st.parser.parse(input.first(head_bytes), st.scratch, true).what == parse_outcome::kind::head;
        fail(*refusal, head_known ? &st.scratch : nullptr);
        return false;
    }
    if (resumed) {
        // The views of the head parsed when it arrived pointed into input since moved: parse it again.
        parsed = st.parser.parse(input.first(head_bytes), st.scratch, true);
        if (parsed.what != parse_outcome::kind::head) {
            fail(status::bad_request);
            return false;
        }
    }
    request_parser::attach_body(st.scratch, {input.data() + head_bytes, static_cast<std::size_t>(payload)});
    parsed.what = parse_outcome::kind::complete;
    parsed.consumed = payload_end + step.consumed;
    raw_size = head_bytes + static_cast<std::size_t>(payload);
    return true;
}

// The shard's budget of unsent output (server_config::max_shard_pending_output): past it, this
// connection stops being read if it holds at least its share; past twice it, if it holds anything.
// A client that reads its answers holds nothing when its next request is parsed, so it goes on.
bool server_connection::over_shard_budget() const noexcept {
    const std::size_t mine = pending_output();
    if (mine == 0) return false;
    const server::shard_state& st = state();
    const std::uint64_t total = st.output_pending();
    const std::uint64_t budget = st.owner.config().max_shard_pending_output;
    if (total <= budget) return false;
    return total > 2 * budget || std::uint64_t{mine} * st.size() >= total;
}

// Expect: 100-continue (RFC 9110 10.1.1): invite the body only if a handler will read it;
// otherwise answer the final status now and close rather than read a body nobody wants.
bool server_connection::answer_expect_continue(request& req, const parse_outcome& parsed) {
    _continue_sent = true;
    if (parsed.route.target != nullptr) {
        write_continue(*this);
        return true;
    }
    serve(req, parsed, {}, true);
    close_after_flush(true); // the body may come anyway
    return true;
}

// The router's own answers: OPTIONS *, 404, 405 with Allow.
static response routing_answer(const request& req, const route_match& match) {
    if (req.method() == method::options && req.target() == "*") {
        response res(status::ok);
        res.add_header("Allow", "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
        return res;
    }
    if (!match.path_known) return response::text("Not Found", status::not_found);
    response res = response::text("Method Not Allowed", status::method_not_allowed);
    char allow[96];
    std::size_t n = 0;
    for (std::size_t m = 0; m < method_count; ++m) {
        if ((match.allowed_methods & (1U << m)) == 0) continue;
        const std::string_view name = method_name(static_cast<method>(m));
        if (n != 0) allow[n++] = ',', allow[n++] = ' ';
        name.copy(allow + n, name.size());
        n += name.size();
    }
    res.add_header("Allow", {allow, n});
    return res;
}

void server_connection::serve(request& req, const parse_outcome& parsed, std::span<const char> raw, bool close) {
    server::shard_state& st = state();
    const bool head = req.method() == method::head;
    const route_match& match = parsed.route;
    std::size_t passed = 0; // middlewares whose before() let the request through
    std::optional<response> early = st.chain.empty() ? std::nullopt : st.run_before(req, passed);
    if (!early && match.target == nullptr) early.emplace(routing_answer(req, match));
    if (early) {
        // A streamed body that no handler will read must not be taken for the next request.
        const bool unread_body = parsed.what == parse_outcome::kind::head;
        st.run_after(passed, req, *early);
        queue_response(*early, framing(req.version_minor(), head, close || unread_body));
        if (close || unread_body) close_after_flush(unread_body);
        return;
    }
    if (match.target->async) {
        detail::exchange::start_async(*this, req, raw, parsed, close, passed);
        return;
    }
    response res = call_handler(*match.target, req);
    st.run_after(passed, req, res);
    if (res.streamed()) {
        detail::exchange::start_stream(*this, std::move(res), req.version_minor(), head, close);
        return;
    }
    queue_response(res, framing(req.version_minor(), head, close));
    if (close) close_after_flush();
}

void server_connection::queue_response(const response& res, const response_framing& framing) {
    state().counters.count_response(res.status_code());
    write_response(*this, res, framing);
}

void server_connection::fail(status code, const request* req) {
    const response res = response::text(reason_phrase(code), code);
    server::shard_state& st = state();
    if (!st.chain.empty()) {
        request unparsed; // a head that never ended: only where and when
        if (req == nullptr) {
            unparsed._transport = &owner().transport();
            unparsed._peer_handle = handle();
            unparsed._received_us = owner().shard().reactor().now_us();
            req = &unparsed;
        }
        st.run_refused(*req, res);
    }
    queue_response(res, framing(1, false, true));
    close_after_flush(true); // the client may still be sending what was refused
}

} // namespace corio::http
