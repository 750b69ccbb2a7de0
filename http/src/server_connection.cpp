// SPDX-License-Identifier: MIT
#include <cstdio>
#include <exception>

#include "response_writer.hpp"
#include "server_shard.hpp"

namespace corio::http {

// The idle-connection budget (DESIGN.md: at most 128 bytes of RSS per idle keep-alive connection,
// allocator rounding included); mimalloc rounds this object up to its 112-byte size class.
static_assert(sizeof(server_connection) <= 112, "server_connection outgrew its memory budget");

namespace {
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
}

server_connection::server_connection(server::shard_state& state, int fd) noexcept
    : tcp_connection(state, fd), timer(&server_connection::on_timer) {}

server_connection::~server_connection() {
    owner().shard().reactor().timers().cancel(*this);
    state().connection_closed();
}

void server_connection::open() {
    arm_timer(phase::idle);
    start();
}

void server_connection::arm_timer(phase next) {
    const server_config& config = state().owner.config();
    reactor& loop = owner().shard().reactor();
    std::uint32_t timeout = config.idle_timeout_ms;
    if (next == phase::head) {
        // Counted from the head's first byte, not pushed back by every trickled byte (slowloris).
        if (_phase == phase::head) return;
        timeout = config.header_timeout_ms;
    } else if (next == phase::body) {
        timeout = config.body_timeout_ms; // progress timeout: every piece of the body re-arms it
    }
    _phase = next;
    loop.timers().schedule(*this, loop.now_ms() + timeout);
}

void server_connection::on_timer(timer& t) {
    auto& self = static_cast<server_connection&>(t);
    if (self._phase == phase::idle || self.closing()) {
        self.abort();
    } else {
        self.fail(status::request_timeout);
    }
}

// Part of a Content-Length body arrived (held until the whole body is there): progress re-arms
// the body timeout.
void server_connection::on_partial_input() {
    if (_phase == phase::body) arm_timer(phase::body);
}

std::size_t server_connection::on_data(std::span<char> data) {
    server::shard_state& st = state();
    const server_config& config = st.owner.config();
    std::size_t offset = 0;
    bool wrote = false;
    while (offset < data.size() && !closing()) {
        // Backpressure: a client that pipelines without reading stops being read, so the unsent
        // output stays bounded; reading resumes once the output has drained.
        if (pending_output() >= config.max_pending_output) {
            pause_reading();
            break;
        }
        const parse_outcome parsed = st.parser.parse(data.subspan(offset), st.scratch);
        if (parsed.what == parse_outcome::kind::incomplete) {
            if (parsed.need != 0) wait_for_input(parsed.need);
            if (!parsed.head_complete) {
                arm_timer(phase::head);
            } else {
                arm_timer(phase::body);
                if (parsed.expect_continue && !_continue_sent) wrote |= answer_expect_continue(st.scratch);
            }
            break;
        }
        wrote = true;
        if (parsed.what == parse_outcome::kind::error) {
            ++st.parse_errors;
            fail(parsed.error_status);
            return data.size();
        }
        offset += parsed.consumed;
        ++st.requests;
        _continue_sent = false;
        _phase = phase::idle; // a pipelined request after this one gets a header timeout of its own
        // Draining: requests already received are all answered; the close goes on the last of them.
        const bool close = !st.scratch.keep_alive() || parsed.upgrade || (st.draining() && offset == data.size());
        serve(st.scratch, close);
        if (close) close_after_flush();
    }
    if (offset == data.size() && !closing()) arm_timer(phase::idle);
    if (wrote) flush();
    return offset;
}

// Expect: 100-continue (RFC 9110 10.1.1): invite the body only if a handler will read it;
// otherwise answer the final status now and close rather than read a body nobody wants.
bool server_connection::answer_expect_continue(request& req) {
    const route_match match = state().owner.routes().find(req.method(), req.path());
    _continue_sent = true;
    if (match.target != nullptr) {
        write(continue_line);
        return true;
    }
    serve(req, true);
    close_after_flush();
    return true;
}

void server_connection::serve(request& req, bool close) {
    server::shard_state& st = state();
    response_framing framing;
    framing.date_line = st.date.line(owner().shard().reactor().wall_seconds());
    framing.head = req.method() == method::head;
    framing.close = close;
    framing.keep_alive_header = !close && req.version_minor() == 0;

    if (req.method() == method::options && req.target() == "*") {
        response res(status::ok);
        res.add_header("Allow", "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
        write_response(*this, res, framing);
        return;
    }
    const route_match match = st.owner.routes().find(req.method(), req.path());
    if (match.target == nullptr) {
        if (!match.path_known) {
            write_response(*this, response::text("Not Found", status::not_found), framing);
            return;
        }
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
        write_response(*this, res, framing);
        return;
    }
    // A handler's exception answers 500 for that request; the connection and the shard go on.
    try {
        write_response(*this, (*match.target)(req), framing);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "corio: handler for %.*s threw: %s\n", static_cast<int>(req.path().size()),
                     req.path().data(), e.what());
        write_response(*this, response::text("Internal Server Error", status::internal_server_error), framing);
    } catch (...) {
        write_response(*this, response::text("Internal Server Error", status::internal_server_error), framing);
    }
}

void server_connection::fail(status code) {
    server::shard_state& st = state();
    response_framing framing;
    framing.date_line = st.date.line(owner().shard().reactor().wall_seconds());
    framing.close = true;
    write_response(*this, response::text(reason_phrase(code), code), framing);
    close_after_flush();
}

} // namespace corio::http
