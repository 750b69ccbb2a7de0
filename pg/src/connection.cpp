// SPDX-License-Identifier: MIT
// One of the two files that include libpq-fe.h (rows.cpp is the other).
#include "connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include <corio/core/log.hpp>

#include "shard_pool.hpp"

static_assert(std::is_same_v<PGconn, ::pg_conn>, "connection.hpp re-declares libpq's PGconn as struct pg_conn");

namespace corio::pg::detail {

namespace {

// libpq's messages end with a newline; errors keep the text without it.
std::string trimmed(const char* message) {
    std::string_view text = message == nullptr ? std::string_view() : std::string_view(message);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.remove_suffix(1);
    return std::string(text);
}

error server_error(const PGresult* res, errc code = errc::server_error) {
    const char* sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    return error(code, trimmed(primary != nullptr ? primary : PQresultErrorMessage(res)),
                 sqlstate != nullptr ? sqlstate : "");
}

// libpq reports a refused password only in its message text ("password authentication failed for
// user ...", "no password supplied", SCRAM's "server signature" complaints).
error connect_error(PGconn* conn) {
    std::string message = trimmed(conn != nullptr ? PQerrorMessage(conn) : "libpq could not allocate a connection");
    const bool auth = message.find("authentication") != std::string::npos ||
                      message.find("password") != std::string::npos || message.find("SCRAM") != std::string::npos;
    return error(auth ? errc::authentication_failed : errc::connection_failed, std::move(message));
}

} // namespace

connection::connection(shard_pool& owner)
    : timer(&connection::on_timer), _owner(owner), _watch(owner.home().reactor(), &connection::on_ready, this),
      _ring(16), _backoff(owner.config().reconnect_min) {}

connection::~connection() {
    wheel().cancel(*this);
    for (std::uint64_t seq = _head; seq != _tail; ++seq)
        if (at(seq).res != nullptr) PQclear(at(seq).res);
    close_socket();
}

timer_wheel& connection::wheel() noexcept {
    return _owner.home().reactor().timers();
}

void connection::open() {
    _state = state::connecting;
    // PQconnectStart parses the conninfo (key=value or a postgresql:// URL) and resolves a host name
    // synchronously (see pool.hpp); the rest of the handshake, SCRAM included, is driven by PQconnectPoll.
    _conn = PQconnectStart(_owner.config().conninfo.c_str());
    if (_conn == nullptr || PQstatus(_conn) == CONNECTION_BAD) return connect_failed(connect_error(_conn));
    wheel().schedule(*this, _owner.home().reactor().now_ms() +
                                static_cast<std::uint64_t>(_owner.config().connect_timeout.count()));
    _watch.set_fd(PQsocket(_conn));
    // libpq: after PQconnectStart, behave as if PQconnectPoll had answered PGRES_POLLING_WRITING.
    _connect_wait = net::socket_watch::direction::write;
    _watch.want_write();
}

void connection::on_ready(void* self, net::socket_watch::direction d, int result) {
    auto& c = *static_cast<connection*>(self);
    switch (c._state) {
    case state::connecting:
        if (d == c._connect_wait) c.connect_step();
        return;
    case state::ready:
        if (result < 0)
            return c.broken(
                error(errc::connection_lost, fmt::format("poll on the socket failed: {}", std::strerror(-result))));
        if (d == net::socket_watch::direction::read)
            c.read();
        else
            c.flush();
        return;
    case state::closed:
    case state::backoff:
        return;
    }
}

void connection::connect_step() {
    const PostgresPollingStatusType status = PQconnectPoll(_conn);
    // libpq may move to another socket (the next address of a host, a retry without SSL).
    if (PQsocket(_conn) != _watch.fd()) _watch.set_fd(PQsocket(_conn));
    switch (status) {
    case PGRES_POLLING_READING:
        _connect_wait = net::socket_watch::direction::read;
        _watch.want_read();
        return;
    case PGRES_POLLING_OK:
        return connected();
    case PGRES_POLLING_FAILED:
        return connect_failed(connect_error(_conn));
    default:
        _connect_wait = net::socket_watch::direction::write;
        _watch.want_write();
        return;
    }
}

void connection::connected() {
    wheel().cancel(*this);
    if (PQsetnonblocking(_conn, 1) != 0 || PQenterPipelineMode(_conn) == 0) return connect_failed(connect_error(_conn));
    PQsetNoticeReceiver(_conn, &connection::on_notice, nullptr);
    _state = state::ready;
    ++_epoch;
    _opened_at_ms = _owner.home().reactor().now_ms();
    _prepared.clear(); // a new session has none of the old one's statements
    _owner.stats().connects.add();
    if (_opened_before) _owner.stats().reconnects.add();
    _opened_before = true;
    // The read poll stays armed while the connection is open: a server that goes away while the
    // connection is idle (pg_terminate_backend, shutdown) is noticed at once, not at the next query.
    _watch.want_read();
    _owner.on_connected(*this);
}

void connection::connect_failed(error e) {
    wheel().cancel(*this);
    close_socket();
    _opened_before = true;
    _owner.stats().connect_failures.add();
    back_off();
    _owner.on_connect_failed(e);
}

void connection::back_off() {
    _state = state::backoff;
    wheel().schedule(*this, _owner.home().reactor().now_ms() + static_cast<std::uint64_t>(_backoff.count()));
    _backoff = std::min(_backoff * 2, _owner.config().reconnect_max);
}

void connection::on_notice(void*, const PGresult* notice) {
    // The COMMIT after each write warns that no transaction block is open (SQLSTATE 25P01): that
    // is expected. Anything else goes to the log sink (libpq's default receiver prints to stderr).
    const char* state = PQresultErrorField(notice, PG_DIAG_SQLSTATE);
    if (state != nullptr && std::string_view(state) == "25P01") return;
    std::string_view message = PQresultErrorMessage(notice);
    while (!message.empty() && message.back() == '\n')
        message.remove_suffix(1);
    log(log_level::warning, "PostgreSQL: " + std::string(message));
}

void connection::on_timer(timer& t) {
    auto& c = static_cast<connection&>(t);
    if (c._state == state::backoff) return c.open();
    if (c._state == state::connecting)
        c.connect_failed(error(errc::timed_out, fmt::format("no connection to the server within {} ms (pool_config::"
                                                            "connect_timeout)",
                                                            c._owner.config().connect_timeout.count())));
}

void connection::close_socket() noexcept {
    // The polls go first: a poll in the ring holds a reference to the socket, which would keep it
    // open after PQfinish closed the descriptor.
    _watch.stop();
    if (_conn != nullptr) PQfinish(_conn);
    _conn = nullptr;
}

void connection::push(const entry& e) {
    if (_tail - _head == _ring.size()) {
        std::vector<entry> bigger(_ring.size() * 2);
        for (std::uint64_t seq = _head; seq != _tail; ++seq)
            bigger[seq & (bigger.size() - 1)] = at(seq);
        _ring.swap(bigger);
    }
    at(_tail++) = e;
    if (e.what == entry::kind::sync) return;
    // A statement: this batch needs its Sync at the start of the next turn.
    ++_unsynced;
    if (!in_sync_list) _owner.want_sync(*this);
}

void connection::send(query_op& op) {
    param_sink& params = _owner.params();
    params.clear();
    op.encode(op.params, params);
    if (params.refused() != 0)
        return op.finish(tl::unexpected(
            error(errc::bad_parameter, fmt::format("parameter ${}: {}", params.refused(), params.refused_reason()))));
    const char* const* values = params.values();
    const bool pinned = op.pinned != nullptr;
    int sent = 0;
    if (op.stmt != nullptr) {
        const std::uint32_t id = op.stmt->id();
        if (id >= _prepared.size()) _prepared.resize(id + 1, 0);
        if (_prepared[id] == 0) {
            // Parse goes out in the same batch, before the first execution (FIFO on the server too).
            if (PQsendPrepare(_conn, op.stmt->name(), op.stmt->sql().c_str(), 0, nullptr) == 0)
                return broken(error(errc::connection_lost, trimmed(PQerrorMessage(_conn))));
            _prepared[id] = 1;
            entry prepare{entry::kind::prepare};
            prepare.pinned = pinned;
            prepare.stmt_id = id;
            push(prepare);
            _owner.stats().prepares.add();
        }
        sent = PQsendQueryPrepared(_conn, op.stmt->name(), params.count(), values, nullptr, nullptr, 0);
    } else {
        // libpq wants the SQL NUL-terminated and a view need not be: copied into the shard's scratch.
        std::string& sql = _owner.sql_scratch();
        sql.assign(op.sql);
        if (sql.find('\0') != std::string::npos)
            return op.finish(tl::unexpected(error(errc::bad_parameter, "the SQL text holds a NUL byte")));
        sent = PQsendQueryParams(_conn, sql.c_str(), params.count(), nullptr, values, nullptr, nullptr, 0);
    }
    if (sent == 0) {
        error e(errc::connection_lost, trimmed(PQerrorMessage(_conn)));
        op.finish(tl::unexpected(e));
        return broken(std::move(e));
    }
    entry q{entry::kind::query};
    q.pinned = pinned;
    q.op = &op;
    op.where = query_op::state::in_flight;
    op.conn = this;
    op.seq = _tail;
    push(q);
    ++_in_flight;
    _owner.stats().queries.add();
    // A write commits on its own (see connection.hpp): its locks must not last to the batch's end.
    if (!pinned && (op.stmt != nullptr ? op.stmt->may_write() : may_write(op.sql))) {
        if (PQsendQueryParams(_conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) == 0)
            return broken(error(errc::connection_lost, trimmed(PQerrorMessage(_conn))));
        push(entry{entry::kind::commit});
        _owner.stats().commits.add();
    }
}

void connection::send_rollback_release() {
    if (PQsendQueryParams(_conn, "ROLLBACK", 0, nullptr, nullptr, nullptr, nullptr, 0) == 0)
        return broken(error(errc::connection_lost, trimmed(PQerrorMessage(_conn))));
    entry e{entry::kind::rollback};
    e.pinned = true;
    push(e);
}

void connection::sync() {
    in_sync_list = false;
    if (_state != state::ready || _unsynced == 0) return;
    // In libpq 15 PQpipelineSync flushes what is buffered: one Sync per batch is one send(2) per
    // batch, however many statements the turn produced.
    if (PQpipelineSync(_conn) == 0) return broken(error(errc::connection_lost, trimmed(PQerrorMessage(_conn))));
    _unsynced = 0;
    push(entry{entry::kind::sync});
    _owner.stats().syncs.add();
    if (!_write_pending) flush();
    if (_write_pending) _owner.stats().write_waits.add();
}

void connection::flush() {
    const int pending = PQflush(_conn);
    if (pending < 0) return broken(error(errc::connection_lost, trimmed(PQerrorMessage(_conn))));
    _write_pending = pending == 1;
    // The socket is full: write the rest when it drains. The read poll stays armed meanwhile, so
    // answers are consumed and the server never blocks on a client that blocks on it.
    if (_write_pending) _watch.want_write();
}

void connection::read() {
    if (PQconsumeInput(_conn) == 0) return broken(error(errc::connection_lost, trimmed(PQerrorMessage(_conn))));
    read_results();
    if (_state != state::ready) return;
    if (PQstatus(_conn) == CONNECTION_BAD) return broken(error(errc::connection_lost, trimmed(PQerrorMessage(_conn))));
    if (_write_pending) flush();
    if (_state == state::ready) _watch.want_read();
}

void connection::read_results() {
    while (_state == state::ready && _cursor != _tail) {
        if (PQisBusy(_conn) != 0) return;
        entry& e = at(_cursor);
        PGresult* res = PQgetResult(_conn);
        if (e.what == entry::kind::sync) {
            if (res == nullptr) return;
            const ExecStatusType status = PQresultStatus(res);
            if (status != PGRES_PIPELINE_SYNC) {
                error lost = server_error(res, errc::connection_lost);
                PQclear(res);
                return broken(std::move(lost));
            }
            PQclear(res);
            settle(_cursor++);
            continue;
        }
        if (res == nullptr) {
            // The NULL that ends a statement's results; before its result it means "not yet".
            if (e.got == entry::outcome::pending) return;
            ++_cursor;
            continue;
        }
        if (e.got != entry::outcome::pending) {
            PQclear(res); // a second result for one statement: not expected for one statement
            continue;
        }
        switch (PQresultStatus(res)) {
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
        case PGRES_EMPTY_QUERY:
            e.got = entry::outcome::ok;
            if (e.what == entry::kind::commit) {
                PQclear(res); // what matters is that it succeeded
            } else {
                e.res = res;
            }
            break;
        case PGRES_PIPELINE_ABORTED:
            e.got = entry::outcome::aborted;
            PQclear(res);
            break;
        default:
            e.got = entry::outcome::failed;
            e.res = res;
            _batch_failed = true;
            // A FATAL error ends the session (pg_terminate_backend, shutdown): libpq marks the
            // connection bad, and everything in flight fails with the server's reason.
            if (PQstatus(_conn) == CONNECTION_BAD) return broken(server_error(res, errc::connection_lost));
            break;
        }
    }
}

void connection::settle(std::uint64_t sync_seq) {
    // Take the batch out of the FIFO first: delivering resumes callers, who may write more statements.
    _settle.clear();
    for (std::uint64_t seq = _head; seq != sync_seq; ++seq)
        _settle.push_back(at(seq));
    _head = sync_seq + 1;
    const bool failed_batch = std::exchange(_batch_failed, false);
    _settling = true;
    for (const entry& e : _settle)
        if (e.what == entry::kind::query) --_in_flight;
    pool_stats& stats = _owner.stats();

    // Statements: a failed Parse's error goes to the first execution of that statement in the batch
    // (re-sending it would prepare and fail again, forever); the others are re-sent and fail in turn.
    for (std::size_t i = 0; i < _settle.size(); ++i) {
        entry& e = _settle[i];
        if (e.what != entry::kind::prepare) continue;
        // A Parse that succeeded keeps its statement even when the batch's transaction rolls back:
        // prepared statements are not transactional.
        _prepared[e.stmt_id] = e.got == entry::outcome::ok ? 2 : 0;
        if (e.got == entry::outcome::failed) {
            for (std::size_t j = i + 1; j < _settle.size(); ++j) {
                entry& q = _settle[j];
                if (q.what != entry::kind::query || q.op == nullptr || q.op->stmt == nullptr ||
                    q.op->stmt->id() != e.stmt_id)
                    continue;
                q.got = entry::outcome::failed;
                if (q.res != nullptr) PQclear(q.res);
                q.res = std::exchange(e.res, nullptr);
                break;
            }
        }
        if (e.res != nullptr) PQclear(e.res);
        e.res = nullptr;
    }

    // A COMMIT that succeeded made everything before it final, in a failed batch too. One that
    // failed (a deferred constraint) gives its error to the statement it was to commit.
    std::size_t committed = 0;
    for (std::size_t i = 0; i < _settle.size(); ++i) {
        entry& e = _settle[i];
        if (e.what != entry::kind::commit) continue;
        if (e.got == entry::outcome::ok) committed = i;
        if (e.got == entry::outcome::failed && i > 0 && _settle[i - 1].what == entry::kind::query) {
            entry& q = _settle[i - 1];
            if (q.res != nullptr) PQclear(q.res);
            q.got = entry::outcome::failed;
            q.res = std::exchange(e.res, nullptr);
        }
        if (e.res != nullptr) PQclear(e.res);
        e.res = nullptr;
    }

    bool release = false;
    for (std::size_t i = 0; i < _settle.size(); ++i) {
        entry& e = _settle[i];
        if (e.what == entry::kind::rollback) {
            if (e.res != nullptr) PQclear(e.res);
            // Skipped because the transaction's last statement failed in the same batch: again.
            if (e.got == entry::outcome::aborted && _state == state::ready)
                send_rollback_release();
            else
                release = true;
            continue;
        }
        if (e.what != entry::kind::query) continue;
        query_op* op = e.op;
        if (op == nullptr) {
            if (e.res != nullptr) PQclear(e.res);
            stats.discarded.add();
            continue;
        }
        if (e.got == entry::outcome::ok && (!failed_batch || e.pinned || i < committed)) {
            op->finish(rows(e.res));
        } else if (e.got == entry::outcome::failed) {
            error failure = server_error(e.res);
            PQclear(e.res);
            op->finish(tl::unexpected(std::move(failure)));
        } else if (e.pinned) {
            if (e.res != nullptr) PQclear(e.res);
            op->finish(
                tl::unexpected(error(errc::aborted, "not executed: an earlier statement of the transaction failed")));
        } else {
            // Skipped, or run and rolled back with the batch: nothing of it happened; send it again.
            if (e.res != nullptr) PQclear(e.res);
            op->where = query_op::state::created;
            op->conn = nullptr;
            stats.requeued.add();
            _owner.issue(*op, true);
        }
    }
    _settle.clear();
    _settling = false;
    if (release && _held) _owner.release(*this);
    _owner.on_settled(*this);
}

void connection::forget(query_op& op) noexcept {
    if (op.seq >= _head && op.seq < _tail && at(op.seq).op == &op) {
        at(op.seq).op = nullptr;
        return;
    }
    for (entry& e : _settle)
        if (e.op == &op) e.op = nullptr;
}

void connection::broken(error e) {
    // Everything written is lost with the session: whether a statement ran is unknown to the client.
    _owner.stats().connections_lost.add();
    close_socket();
    _state = state::closed;
    _held = false;
    ++_epoch;
    // A vector of its own (an allocation on a rare path): broken() may run inside settle(), whose
    // batch is in _settle.
    std::vector<entry> lost;
    lost.reserve(_tail - _head);
    for (std::uint64_t seq = _head; seq != _tail; ++seq)
        lost.push_back(at(seq));
    _head = _cursor = _tail = 0;
    _in_flight = _unsynced = 0;
    _write_pending = _batch_failed = false;
    // A connection that served a while reopens at once (statements issued meanwhile wait for it); one
    // that breaks soon after opening (a server that accepts and then drops sessions) backs off, the
    // wait doubling each time, so a flapping server does not get a reconnect storm.
    if (_owner.home().reactor().now_ms() - _opened_at_ms >= settled_after_ms) {
        _backoff = _owner.config().reconnect_min;
        open();
    } else {
        back_off();
    }
    for (entry& gone : lost) {
        if (gone.res != nullptr) PQclear(gone.res);
        if (gone.what == entry::kind::query && gone.op != nullptr) gone.op->finish(tl::unexpected(e));
    }
    _owner.on_lost(*this, e);
}

} // namespace corio::pg::detail
