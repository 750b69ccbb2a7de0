// SPDX-License-Identifier: MIT
// server_connection: one HTTP/1.1 connection of a server shard, a net::tcp_connection: parses what
// arrives, runs handlers (or hands the request to an exchange when the handler suspends), queues the
// responses, and keeps the connection's deadlines on one timer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <corio/core/timer_wheel.hpp>
#include <corio/http/response.hpp>
#include <corio/net/tcp_connection.hpp>

#include "request_parser.hpp"
#include "response_writer.hpp"
#include "server_shard.hpp"

namespace corio::http {

/// One HTTP connection. Its state is `phase`; entering a phase (arm_timer) arms the one timer with
/// that phase's deadline, and the timer's expiry acts by phase:
///
///   phase    entered when                                      on expiry
///   idle     opened; a response done and the connection kept   close (a FIN, then a lingering read)
///   head     a request head has begun but not ended            408, close
///   body     the head ended and its body is still arriving     408, or the handler reading it
///            (Content-Length, chunked, or streamed to a handler) gets ETIMEDOUT
///   answer   a suspended handler works on the request          503 once its deadline passes
///   sending  a streamed response waits for the client to read  abort (the client stopped reading)
///   linger   the close lingers (tcp_connection::on_lingering)  abort
///
/// body and sending also run minimum-data-rate windows (server_config::min_data_rate). Two facts of
/// the request being received sit beside the phase: whether 100 Continue went out, and whether its
/// chunked body is being decoded in place (its state then lives in shard_state::chunked_bodies).
class server_connection final : public net::tcp_connection, private timer {
public:
    /// Where the connection is (see the table above): what its single timer counts down.
    enum class phase : std::uint8_t { idle, head, body, answer, sending, linger };

    server_connection(server::shard_state& state, int fd) noexcept;
    ~server_connection() override;

    /// Starts receiving and arms the idle timeout.
    void open();

    // For the exchange (the asynchronous request in progress).
    /// The server's configuration.
    const server_config& config() const noexcept;
    /// How a response to a request of `version_minor` (HEAD or not) is framed.
    response_framing framing(int version_minor, bool head, bool close) const noexcept;
    /// `x` is now the request in progress; the timer counts down `next` (capped by x's deadline).
    void exchange_started(detail::exchange& x, phase next);
    /// The exchange ended (its response is queued); `close`: the connection closes after it,
    /// lingering if the client may still be sending the `unread_body`.
    void exchange_finished(bool close, bool unread_body);
    /// Arms the timer for `next` (the deadline of an exchange in progress caps it).
    void arm_timer(phase next);
    /// Receiving a body or waiting for a reader: starts a new window of the minimum data rate
    /// (server_config::min_data_rate) now.
    void start_rate_window();
    /// Asks for more input while reading is paused.
    void want_input() noexcept;
    /// Queues `res` (its head only, if streamed) and counts it by status class: every final response
    /// of the server goes through here (interim 100 Continue lines do not).
    void queue_response(const response& res, const response_framing& framing);
    /// Runs the after() steps of the first `passed` middlewares on an exchange's response.
    void run_after(std::size_t passed, const request& req, response& res) { state().run_after(passed, req, res); }

private:
    std::size_t on_data(std::span<char> data) override;
    void on_partial_input() override;
    void on_output_sent(std::size_t bytes) override;
    void on_input(std::size_t bytes) override;
    // True when the window that just ended kept the minimum data rate.
    bool kept_rate() const noexcept;
    void on_peer_closed() override;
    void on_lingering() override;
    void on_drain() override;
    void serve(request& req, const parse_outcome& parsed, std::span<const char> raw, bool close);
    bool take_chunked_body(std::span<char> input, parse_outcome& parsed, std::size_t& raw_size);
    bool answer_expect_continue(request& req, const parse_outcome& parsed);
    bool over_shard_budget() const noexcept;
    /// Answers `code` and closes; `req`: what was parsed of the refused request, if its head ended.
    void fail(status code, const request* req = nullptr);
    server::shard_state& state() const noexcept { return static_cast<server::shard_state&>(owner()); }
    static void on_timer(timer& t);

    detail::exchange* _exchange = nullptr; // the asynchronous request in progress
    phase _phase = phase::idle;
    bool _continue_sent = false;     // 100 Continue already sent for the request being received
    bool _chunked_body = false;      // the input starts with a request whose chunked body is being decoded
    std::uint32_t _window_bytes = 0; // body bytes received or response bytes sent in this rate window
};

} // namespace corio::http
