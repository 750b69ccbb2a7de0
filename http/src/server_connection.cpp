// SPDX-License-Identifier: MIT
#include <cstdio>
#include <exception>

#include "response_writer.hpp"
#include "server_shard.hpp"

namespace corio::http {

// The idle-connection budget (DESIGN.md: at most 128 bytes of RSS per idle keep-alive connection,
// allocator rounding included); mimalloc rounds this object up to its 112-byte size class.
static_assert(sizeof(server_connection) <= 112, "server_connection outgrew its memory budget");

server_connection::server_connection(server::shard_state& state, int fd) noexcept
    : tcp_connection(state, fd), timer(&server_connection::on_idle) {}

server_connection::~server_connection() {
    owner().shard().reactor().timers().cancel(*this);
}

void server_connection::open() {
    reactor& loop = owner().shard().reactor();
    loop.timers().schedule(*this, loop.now_ms() + state().owner.config().idle_timeout_ms);
    start();
}

void server_connection::on_idle(timer& t) {
    static_cast<server_connection&>(t).abort();
}

std::size_t server_connection::on_data(std::span<char> data) {
    server::shard_state& st = state();
    std::size_t offset = 0;
    bool wrote = false;
    while (offset < data.size() && !closing()) {
        const parse_outcome parsed = st.parser.parse(data.subspan(offset), st.scratch);
        if (parsed.what == parse_outcome::kind::incomplete) {
            if (parsed.need != 0) wait_for_input(parsed.need);
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
        const bool close = !st.scratch.keep_alive() || parsed.upgrade;
        serve(st.scratch, close);
        if (close) close_after_flush();
    }
    if (wrote) {
        flush();
        reactor& loop = owner().shard().reactor();
        loop.timers().schedule(*this, loop.now_ms() + st.owner.config().idle_timeout_ms);
    }
    return offset;
}

void server_connection::serve(request& req, bool close) {
    server::shard_state& st = state();
    response_framing framing;
    framing.date_line = st.date.line(owner().shard().reactor().wall_seconds());
    framing.head = req.method() == method::head;
    framing.close = close;
    framing.keep_alive_header = !close && req.version_minor() == 0;

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
