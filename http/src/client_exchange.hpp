// SPDX-License-Identifier: MIT
// client_exchange: one request and its response as a client call sees them, living in the call's
// coroutine frame. It waits in its origin's pool for a connection, then for the response that
// connection reads into it; it owns the deadlines of the exchange (the response head, the whole
// exchange) on the shard's timer wheel. `co_await` resumes once the current wait ends. If the frame
// goes away while it waits (with_timeout, a cancelled handler), it leaves the queue or closes the
// connection whose response is half read: nothing resumes a frame that is gone. A streamed request
// body is written between sending() and sent(), the call waiting for room on the connection; a
// streamed response ends the exchange once its head is in, its connection then held by `stream`.
#pragma once

#include <coroutine>
#include <cstdint>
#include <system_error>
#include <utility>

#include <corio/core/timer_wheel.hpp>
#include <corio/http/client_stream.hpp>

namespace corio::http::detail {

class origin_pool;
class client_connection;

/// One request/response of a client call.
class client_exchange : private timer {
public:
    /// Where the exchange is.
    enum class phase : std::uint8_t { created, waiting, connected, uploading, sent, done };

    /// An exchange with `pool`'s origin that must be over at loop time `deadline_ms`.
    client_exchange(origin_pool& pool, std::uint64_t deadline_ms) noexcept;
    ~client_exchange();
    client_exchange(const client_exchange&) = delete;
    client_exchange& operator=(const client_exchange&) = delete;

    bool await_ready() const noexcept { return _phase == phase::connected || _phase == phase::done; }
    void await_suspend(std::coroutine_handle<> frame) noexcept { _frame = frame; }
    void await_resume() const noexcept {}

    /// Asks the pool for a connection: connected() or finish() follows, maybe at once. `fresh`: not
    /// one that sat idle (a retry: the idle one that failed may have company).
    void acquire(bool fresh = false);
    /// The request's head has been written; its body follows piece by piece (`co_await` waits for
    /// room on the connection, or for the end of the exchange: an early answer or a failure).
    void sending() noexcept { _phase = phase::uploading; }
    /// The request has been written on the connection: waits for the response (head deadline armed).
    void sent();

    // From the pool and the connection.
    /// `c` is this exchange's (reused: it carried an exchange before).
    void connected(client_connection& c, bool reused) noexcept;
    /// The response head has been parsed: only the exchange deadline is left.
    void head_received() noexcept;
    /// The connection can take more of the request body: a call waiting for room goes on.
    void room() noexcept {
        if (auto frame = std::exchange(_frame, nullptr)) frame.resume();
    }
    /// The exchange ended (`e` empty: the response is complete); the connection is no longer its.
    void finish(std::error_code e) noexcept;
    /// The connection went away with the shard: forget it, resume nothing.
    void abandon() noexcept { _conn = nullptr; }

    /// The connection, between connected() and finish().
    client_connection* connection() const noexcept { return _conn; }
    phase where() const noexcept { return _phase; }

    std::error_code error;           ///< why it failed, once done
    client_stream stream;            ///< the response (its head, and its connection if the body streams)
    bool any_byte = false;           ///< some byte of the answer arrived (no retry then)
    bool reused = false;             ///< the connection had carried an exchange before
    bool pipelinable = false;        ///< may share a connection with others (GET or HEAD without a body)
    bool to_head = false;            ///< answers a HEAD (no body)
    std::uint64_t prefetch = 0;      ///< the response body streams (response_reader::reset)
    client_exchange* next = nullptr; ///< the pool's queue of waiting exchanges, then the connection's
    client_exchange** pprev = nullptr;

private:
    static void on_timer(timer& t);

    origin_pool& _pool;
    client_connection* _conn = nullptr;
    std::coroutine_handle<> _frame;
    std::uint64_t _deadline;
    phase _phase = phase::created;
    bool _head_pending = false; // the timer is the head deadline (earlier than the exchange's)
};

} // namespace corio::http::detail
