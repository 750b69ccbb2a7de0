// SPDX-License-Identifier: MIT
#include "worker.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <span>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <corio/core/buffer_ring.hpp>
#include <corio/core/timer_wheel.hpp>
#include <corio/net/tcp_connector.hpp>

#include "response_framer.hpp"
#include "response_parser.hpp"

namespace corio::load {

std::uint64_t monotonic_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000U + static_cast<std::uint64_t>(ts.tv_nsec);
}

// ---------------------------------------------------------------------------------------------
// coordinator

std::uint64_t coordinator::ready_and_wait(unsigned index, reactor* loop, const std::string& error) {
    std::unique_lock lock(_mutex);
    _reactors[index] = loop;
    if (!error.empty() && _error.empty()) _error = error;
    ++_ready;
    _changed.notify_all();
    _changed.wait(lock, [&] { return _released; });
    return _start_ns;
}

void coordinator::publish(second_sample&& sample) {
    std::lock_guard lock(_mutex);
    _samples.push_back(std::move(sample));
}

void coordinator::finished(unsigned index) {
    std::lock_guard lock(_mutex);
    _reactors[index] = nullptr;
    ++_finished;
    _changed.notify_all();
}

std::string coordinator::wait_ready() {
    std::unique_lock lock(_mutex);
    _changed.wait(lock, [&] { return _ready == _workers; });
    return _error;
}

void coordinator::start(std::uint64_t start_ns) {
    std::lock_guard lock(_mutex);
    _start_ns = start_ns;
    _released = true;
    _changed.notify_all();
}

void coordinator::abort() {
    _stop.store(true, std::memory_order_release);
    start(0);
}

void coordinator::stop() {
    _stop.store(true, std::memory_order_release);
    std::lock_guard lock(_mutex);
    for (reactor* r : _reactors) {
        if (r != nullptr) r->notify();
    }
}

std::vector<second_sample> coordinator::take_samples() {
    std::lock_guard lock(_mutex);
    std::vector<second_sample> out;
    out.swap(_samples);
    return out;
}

unsigned coordinator::finished_count() const {
    std::lock_guard lock(_mutex);
    return _finished;
}

bool coordinator::wait_finished_until(std::uint64_t deadline_ns) {
    std::unique_lock lock(_mutex);
    while (_finished < _workers) {
        const std::uint64_t now = monotonic_ns();
        if (now >= deadline_ns) return false;
        _changed.wait_for(lock, std::chrono::nanoseconds(deadline_ns - now));
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// the worker's connections and their driver

namespace {

constexpr std::uint16_t buffer_group = 0;
constexpr unsigned max_connecting = 256;              // connects in flight per thread (listen backlogs)
constexpr std::uint64_t retry_delay_ns = 100'000'000; // after a failed connect
constexpr std::uint32_t housekeeping_ms = 50;         // timeouts, retries, idle seconds
constexpr std::uint64_t second_ns = 1'000'000'000;

class driver;

enum class conn_state : std::uint8_t {
    idle,       // no socket
    connecting, // connect in flight
    open,       // receiving; sending when the load says so
    closing,    // waiting for its last completions before the slot is reused
    retry_wait, // a connect failed; activity_ns holds when to try again
};

enum conn_flag : std::uint8_t {
    recv_armed = 1 << 0,
    send_inflight = 1 << 1,
    connect_pending = 1 << 2,
    starved = 1 << 3,        // in the driver's list of receives to re-arm (buffers ran out)
    close_expected = 1 << 4, // the last response said the server closes: send nothing more
    counted = 1 << 5,        // its first connect attempt has ended (start-up accounting)
    reopening = 1 << 6,      // the connect in flight replaces a connection closed during the test
};

// One connection. Its index is also its slot in the ring's table of direct descriptors.
struct alignas(64) connection final : completion_target {
    enum : unsigned { op_recv, op_io }; // receives; the connect, then sends
    void on_completion(unsigned op, int result, std::uint32_t cqe_flags) override;
    /// A connection whose responses are framed with its driver's `parser`.
    explicit connection(http::response_parser& parser) noexcept : framer(parser) {}

    driver* owner = nullptr;
    http::response_framer framer;
    std::uint64_t sent_ns = 0;     // closed loop: when the batch in flight went out
    std::uint64_t activity_ns = 0; // last send, receive or connect start; retry time in retry_wait
    std::uint64_t sent = 0;        // requests sent (open loop: also its schedule sequence)
    std::uint64_t answered = 0;    // requests answered or given up
    std::uint32_t index = 0;
    std::uint32_t cycle_pos = 0; // next request of the request cycle
    std::uint32_t send_bytes = 0;
    conn_state state = conn_state::idle;
    std::uint8_t flags = 0;

    std::uint64_t outstanding() const noexcept { return sent - answered; }
};

enum class phase : std::uint8_t { connecting, running, stopped };

struct driver_timer : timer {
    explicit driver_timer(callback on_fire) : timer(on_fire) {}
    driver* owner = nullptr;
};

class driver final : completion_target {
public:
    driver(const load_config& config, const request_set& requests, const worker_plan& plan, coordinator& board)
        : _config(config), _requests(requests), _plan(plan), _board(board), _peer(config.address),
          _open_loop(plan.rate > 0), _housekeeping(&driver::on_housekeeping), _deadline(&driver::on_deadline) {
        _housekeeping.owner = this;
        _deadline.owner = this;
        _result.connections = plan.connections;
        _result.cpu = plan.cpu;
        if (_open_loop) _interval_ns = 1e9 / plan.rate;
        _active = plan.connections;
        if (!config.stages.empty()) {
            // This thread's share of the whole: its connections' part of all of them.
            const double share = static_cast<double>(plan.connections) / static_cast<double>(config.connections);
            _profile = load_profile(config.stages_from, config.warmup_ns, config.stages, share);
            _staged = true;
        }
    }

    ~driver() {
        if (_loop) {
            _loop->remove_turn_hook(&driver::on_turn, this);
            _loop->timers().cancel(_housekeeping);
            _loop->timers().cancel(_deadline);
        }
        // The buffer ring unregisters through the reactor: it goes first.
        _buffers.reset();
        _loop.reset();
    }

    bool setup(std::string& error) {
        const unsigned n = _plan.connections;
        reactor_config ring;
        ring.sq_entries = std::clamp(std::bit_ceil(n * 2U), 1024U, 32768U);
        ring.cq_entries = std::clamp(std::bit_ceil(n * 4U), 16384U, 65536U);
        const auto buffers = std::clamp(std::bit_ceil(n), 1024U, 16384U);
        auto set_up = create_reactor_with_buffers(ring, buffer_group, buffers, _config.recv_buffer_size, error);
        if (!set_up) return false;
        _loop = std::move(set_up->loop);
        _buffers = std::move(set_up->buffers);
        // Every thread met the same refusal: the first says it. On epoll the connections' slots
        // are duplicate descriptors, so a thread holds at most RLIMIT_NOFILE of them.
        if (_plan.index == 0 && !_loop->fallback_reason().empty()) {
            std::fprintf(stderr, "corio-load: %s — using epoll\n", _loop->fallback_reason().c_str());
        }
        if (auto files = _loop->register_files(n); !files) {
            error = "registering " + std::to_string(n) + " direct descriptors failed: " + files.error().message() +
                    (files.error().value() == EMFILE ? " (a thread holds at most RLIMIT_NOFILE connections: raise "
                                                       "ulimit -n or use more threads)"
                                                     : "");
            return false;
        }
        _conns.reserve(n);
        for (unsigned i = 0; i < n; ++i) {
            _conns.emplace_back(_parser);
            _conns[i].owner = this;
            _conns[i].index = i;
            _conns[i].cycle_pos = (_plan.first_connection + i) % _requests.cycle();
            _conns[i].framer.set_head_requests(_requests.head());
        }
        _stamp.reserve(n);
        _starved.reserve(n);
        _sources = _config.sources;
        _loop->add_turn_hook(&driver::on_turn, this);
        _loop->set_notify_handler([](void* self) { static_cast<driver*>(self)->begin_stop(); }, this);
        _loop->timers().schedule(_housekeeping, _loop->now_ms() + housekeeping_ms);
        connect_more();
        return true;
    }

    void run() { _loop->run(); }

    thread_result& result() noexcept { return _result; }

    // --- completions ---

    void recv_done(connection& c, int res, std::uint32_t flags) {
        if ((flags & cqe_flags::more) == 0) c.flags &= static_cast<std::uint8_t>(~recv_armed);
        if (res > 0) {
            if ((flags & cqe_flags::buffer) != 0) {
                const std::uint16_t id = cqe_flags::buffer_id(flags);
                const std::span<char> data = _buffers->take(id, static_cast<std::size_t>(res));
                _result.bytes_read += static_cast<std::uint64_t>(res);
                if (c.state == conn_state::open) received(c, data);
                _buffers->recycle(id);
            }
            if (c.state == conn_state::open && (c.flags & recv_armed) == 0) arm_recv(c);
        } else if (res == -ENOBUFS) {
            // The ring ran dry this turn; the bytes wait in the socket until the next turn re-arms.
            if (c.state == conn_state::open && (c.flags & starved) == 0) {
                c.flags |= starved;
                _starved.push_back(&c);
            }
        } else if (res == 0) {
            if (c.state == conn_state::open) peer_closed(c);
        } else if (c.state == conn_state::open) {
            ++_result.errors[static_cast<unsigned>(error_kind::read)];
            ++_result.io_errnos[-res];
            close(c);
        }
        maybe_finish(c);
    }

    void io_done(connection& c, int res) {
        if ((c.flags & connect_pending) != 0) {
            c.flags &= static_cast<std::uint8_t>(~connect_pending);
            --_connecting;
            connect_done(c, res);
        } else {
            c.flags &= static_cast<std::uint8_t>(~send_inflight);
            if (res >= 0) _result.bytes_written += static_cast<std::uint64_t>(res);
            if (c.state == conn_state::open) {
                if (res < 0 || static_cast<std::uint32_t>(res) != c.send_bytes) {
                    ++_result.errors[static_cast<unsigned>(error_kind::write)];
                    ++_result.io_errnos[res < 0 ? -res : EIO];
                    close(c);
                } else if (_open_loop) {
                    try_send(c); // requests that came due while the send was in flight
                }
            }
        }
        maybe_finish(c);
    }

    // The timeout_at() wake-up completed.
    void on_completion(unsigned, int, std::uint32_t) override { _wake_armed = false; }

private:
    // --- clock ---

    // One clock read per loop turn: every completion of a turn was produced during the turn's one
    // io_uring_enter (DEFER_TASKRUN), so they share its return time.
    std::uint64_t now() noexcept {
        if (!_now_valid) {
            _now = monotonic_ns();
            _now_valid = true;
        }
        return _now;
    }

    // --- connection life ---

    void connect_more() {
        if (_in_connect_more) return; // open() failing at once comes back here
        _in_connect_more = true;
        while (_connecting < max_connecting && _next_initial < _conns.size())
            open(_conns[_next_initial++]);
        _in_connect_more = false;
    }

    void open(connection& c) {
        const net::socket_address* source =
            _sources.empty() ? nullptr : &_sources[(_plan.first_connection + c.index) % _sources.size()];
        auto fd = net::open_client_socket(_peer, {source, true});
        if (!fd) {
            connect_failed(c, fd.error().value());
            return;
        }
        const int raw = *fd;
        // The table keeps its own reference: the process's descriptor goes away at once, so the
        // connections of a thread are bounded by RLIMIT_NOFILE per ring, not per process.
        auto installed = _loop->update_files(c.index, &raw, 1);
        ::close(raw);
        if (!installed) {
            connect_failed(c, installed.error().value());
            return;
        }
        c.framer.reset();
        c.flags = static_cast<std::uint8_t>((c.flags & (counted | reopening)) | connect_pending);
        c.state = conn_state::connecting;
        c.activity_ns = now();
        ++_connecting;
        _loop->connect(fixed_file{c.index}, _peer.data(), _peer.size(), make_user_data(&c, connection::op_io));
    }

    void connect_done(connection& c, int res) {
        if (c.state != conn_state::connecting) return; // timed out and cancelled: maybe_finish reopens
        if (res < 0) {
            connect_failed(c, -res);
            return;
        }
        const std::uint64_t t = now();
        c.state = conn_state::open;
        ++_result.connects;
        if ((c.flags & reopening) != 0) ++_result.reconnects;
        c.flags &= static_cast<std::uint8_t>(~reopening);
        _result.connect_time.record(t > c.activity_ns ? t - c.activity_ns : 0);
        c.activity_ns = t;
        first_attempt_over(c);
        arm_recv(c);
        if (_phase == phase::running) kick(c);
    }

    void connect_failed(connection& c, int err) {
        ++_result.errors[static_cast<unsigned>(error_kind::connect)];
        ++_result.connect_errnos[err];
        c.state = conn_state::retry_wait;
        c.activity_ns = now() + retry_delay_ns;
        if (_open_loop) drop_owed(c);
        first_attempt_over(c);
    }

    void first_attempt_over(connection& c) {
        if ((c.flags & counted) != 0) return;
        c.flags |= counted;
        ++_initial_done;
        if (_phase == phase::connecting) connect_more();
    }

    void arm_recv(connection& c) {
        _loop->recv_multishot(fixed_file{c.index}, _buffers->group(), make_user_data(&c, connection::op_recv));
        c.flags |= recv_armed;
    }

    // Stops using `c`: its unanswered requests are lost (the caller counted the error, if any);
    // once no operation refers to it any more, it is opened again.
    void close(connection& c) {
        if (c.state != conn_state::open && c.state != conn_state::connecting) return;
        _result.lost += c.outstanding();
        c.answered = c.sent;
        c.state = conn_state::closing;
        if ((c.flags & recv_armed) != 0) _loop->cancel(fixed_file{c.index}, make_user_data(&c, connection::op_recv));
        if ((c.flags & (connect_pending | send_inflight)) != 0)
            _loop->cancel(fixed_file{c.index}, make_user_data(&c, connection::op_io));
        check_quota();
    }

    void maybe_finish(connection& c) {
        if (c.state != conn_state::closing) return;
        if ((c.flags & (recv_armed | send_inflight | connect_pending | starved)) != 0) return;
        c.state = conn_state::idle;
        if (_phase == phase::stopped) return;
        if (_phase == phase::running) c.flags |= reopening;
        open(c);
    }

    void peer_closed(connection& c) {
        bool completed = false;
        c.framer.finish([&](const http::framed_response& r) {
            completed = true;
            if (c.outstanding() > 0) answered(c, r, now());
        });
        if (c.framer.failed()) {
            ++_result.errors[static_cast<unsigned>(error_kind::parse)]; // a cut head that was malformed
        } else if (c.outstanding() > 0 || (!completed && !c.framer.idle())) {
            ++_result.errors[static_cast<unsigned>(error_kind::closed)];
        }
        close(c);
    }

    // --- requests and responses ---

    void received(connection& c, std::span<char> data) {
        const std::uint64_t t = now();
        c.activity_ns = t;
        bool unsolicited = false;
        const bool ok = c.framer.feed(data, [&](const http::framed_response& r) {
            if (c.outstanding() == 0) {
                unsolicited = true;
                return;
            }
            answered(c, r, t);
        });
        if (!ok || unsolicited) {
            ++_result.errors[static_cast<unsigned>(error_kind::parse)];
            close(c);
            return;
        }
        if (check_quota()) return;
        if (_phase == phase::running) kick(c);
    }

    void answered(connection& c, const http::framed_response& r, std::uint64_t t) {
        if (_warming && t >= _measure_ns && _phase == phase::running) end_warmup();
        std::uint64_t since;
        if (_open_loop) {
            since = scheduled_ns(c, c.answered);
        } else {
            since = c.sent_ns;
        }
        const std::uint64_t latency = t > since ? t - since : 0;
        ++c.answered;
        ++_result.requests;
        ++_result.statuses[r.status < _result.statuses.size() ? r.status : 0];
        if (r.close) c.flags |= close_expected;
        if (_phase != phase::running || _warming) return;
        if (t >= _next_second_ns) roll_seconds(t);
        _result.latency.record(latency);
        _second.record(latency);
    }

    // The next request(s) on `c`, if the load says so.
    void kick(connection& c) {
        if (_open_loop) {
            try_send(c);
        } else if (c.outstanding() == 0 && c.state == conn_state::open && c.index < _active &&
                   (c.flags & (send_inflight | close_expected)) == 0) {
            std::uint64_t k = _config.pipeline;
            if (_plan.quota != 0) k = std::min(k, _plan.quota - _result.sent);
            if (k == 0) return;
            send(c, static_cast<std::uint32_t>(k));
            _stamp.push_back(&c);
        }
    }

    // Open loop: sends what has come due on `c`, as far as its pipeline has room.
    void try_send(connection& c) {
        if (c.state != conn_state::open || (c.flags & (send_inflight | close_expected)) != 0 ||
            _phase != phase::running) {
            return;
        }
        const std::uint64_t due = due_on(c);
        if (due <= c.sent) return;
        const std::uint64_t room = _config.pipeline - std::min<std::uint64_t>(c.outstanding(), _config.pipeline);
        const std::uint64_t k = std::min(due - c.sent, room);
        if (k > 0) send(c, static_cast<std::uint32_t>(k));
    }

    void send(connection& c, std::uint32_t k) {
        const std::string_view bytes = _requests.batch(c.cycle_pos, k);
        c.cycle_pos = _requests.next(c.cycle_pos, k);
        c.send_bytes = static_cast<std::uint32_t>(bytes.size());
        _loop->send_all(fixed_file{c.index}, bytes.data(), bytes.size(), make_user_data(&c, connection::op_io));
        c.flags |= send_inflight;
        if (c.outstanding() == 0) c.activity_ns = now();
        c.sent += k;
        _result.sent += k;
    }

    // Open loop: requests scheduled on `c` so far. Request n of the thread (at start + n * interval)
    // goes to connection n % connections, so connection j's k-th request is n = k * connections + j.
    std::uint64_t due_on(const connection& c) const noexcept {
        return _next_n > c.index ? (_next_n - c.index - 1) / _conns.size() + 1 : 0;
    }
    std::uint64_t scheduled_ns(const connection& c, std::uint64_t k) const noexcept {
        const double n = static_cast<double>(k * _conns.size() + c.index);
        if (_staged) return _start_ns + _profile.time_of(n);
        return _start_ns + static_cast<std::uint64_t>(n * _interval_ns);
    }
    // Open loop, a connection that cannot connect: what came due is lost, not sent late.
    void drop_owed(connection& c) {
        const std::uint64_t due = due_on(c);
        if (due > c.sent) {
            _result.lost += due - c.sent;
            c.sent = due;
            c.answered = due;
            check_quota();
        }
    }

    // Open loop, once per turn: makes the requests due by now go out, and sets the wake-up for the
    // next one (an io_uring timeout: the timer wheel's 10 ms ticks would delay sends).
    void schedule() {
        const std::uint64_t t = now();
        std::uint64_t due = 0;
        if (t >= _start_ns) {
            due = _staged ? static_cast<std::uint64_t>(_profile.integral(t - _start_ns)) + 1
                          : static_cast<std::uint64_t>(static_cast<double>(t - _start_ns) / _interval_ns) + 1;
        }
        if (_plan.quota != 0) due = std::min(due, _plan.quota);
        if (due > _next_n) {
            const std::uint64_t count = due - _next_n;
            const std::size_t n = _conns.size();
            std::size_t j = static_cast<std::size_t>(_next_n % n);
            _next_n = due;
            for (std::uint64_t i = 0; i < std::min<std::uint64_t>(count, n); ++i) {
                connection& c = _conns[j];
                if (c.state == conn_state::retry_wait) {
                    drop_owed(c);
                } else {
                    try_send(c);
                }
                j = j + 1 == n ? 0 : j + 1;
            }
        }
        if (!_wake_armed && (_plan.quota == 0 || _next_n < _plan.quota)) {
            std::uint64_t at = _start_ns + static_cast<std::uint64_t>(static_cast<double>(_next_n) * _interval_ns);
            if (_staged) {
                // A stage ramping to 0 schedules nothing more: wake with the housekeeping timer.
                const std::uint64_t when = _profile.time_of(static_cast<double>(_next_n));
                if (when == UINT64_MAX) return;
                at = _start_ns + when;
            }
            _wake.tv_sec = static_cast<std::int64_t>(at / second_ns);
            _wake.tv_nsec = static_cast<long long>(at % second_ns);
            _loop->timeout_at(_wake, make_user_data(this));
            _wake_armed = true;
        }
    }

    // True (and stopping) once every request of the quota is answered or lost.
    bool check_quota() {
        if (_plan.quota == 0 || _phase != phase::running) return false;
        if (_result.requests + _result.lost < _plan.quota) return false;
        begin_stop();
        return true;
    }

    // --- phases ---

    void begin_run() {
        const std::uint64_t start = _board.ready_and_wait(_plan.index, _loop.get(), {});
        _now_valid = false;
        if (start == 0 || _board.stop_requested()) {
            _phase = phase::stopped;
            _loop->stop();
            return;
        }
        _phase = phase::running;
        _start_ns = start;
        _measure_ns = start + _config.warmup_ns;
        _warming = _config.warmup_ns != 0;
        _result.start_ns = _measure_ns;
        _next_second_ns = _measure_ns + second_ns;
        _seconds_base = _result;
        if (_staged && !_open_loop) _active = active_at(start);
        if (_config.duration_ns != 0) {
            const std::uint64_t run_ns = _config.warmup_ns + _config.duration_ns;
            // From the start, not from the loop's clock: that was last read before the wait for the
            // start line, which --start-at can make long.
            _loop->timers().schedule(_deadline, start / 1'000'000 + (run_ns + 999'999) / 1'000'000);
        }
        if (!_open_loop) {
            for (connection& c : _conns)
                kick(c);
        }
    }

    // The end of the warm-up: what it counted is forgotten, so no figure includes it.
    void end_warmup() {
        _warming = false;
        const std::uint64_t connects = _result.connects;
        auto connect_time = std::make_unique<histogram>(_result.connect_time);
        const std::map<int, std::uint64_t> connect_errnos = _result.connect_errnos;
        _result.latency.clear();
        _result.requests = 0;
        _result.sent = 0;
        _result.lost = 0;
        _result.bytes_read = 0;
        _result.bytes_written = 0;
        _result.reconnects = 0;
        _result.errors.fill(0);
        _result.statuses.fill(0);
        _result.io_errnos.clear();
        // Connections are set up before the warm-up: their figures stay.
        _result.connects = connects;
        _result.connect_time = *connect_time;
        _result.connect_errnos = connect_errnos;
        _seconds_base.requests = 0;
        _seconds_base.errors.fill(0);
        _seconds_base.bytes_read = 0;
        _seconds_base.bytes_written = 0;
        _second.clear();
    }

    // Closed loop with --stages: this thread's connections that may send at `t`.
    std::size_t active_at(std::uint64_t t) const noexcept {
        const double v = std::round(_profile.value_at(t > _start_ns ? t - _start_ns : 0));
        return std::min(_conns.size(), static_cast<std::size_t>(std::max(0.0, v)));
    }

    void begin_stop() {
        if (_phase == phase::stopped) return;
        // Stopped before the start line: the thread running the test still waits for this one.
        if (_phase == phase::connecting) _board.ready_and_wait(_plan.index, nullptr, "stopped while connecting");
        const std::uint64_t t = monotonic_ns();
        if (_phase == phase::running) {
            if (_warming) end_warmup(); // stopped during the warm-up: nothing of it counts
            if (t >= _next_second_ns) roll_seconds(t);
            publish_second(); // the last, partial second
            _result.end_ns = t;
        }
        _phase = phase::stopped;
        _loop->stop();
    }

    // Publishes every whole second that ended before `t`.
    void roll_seconds(std::uint64_t t) {
        while (t >= _next_second_ns) {
            publish_second();
            ++_current_second;
            _next_second_ns += second_ns;
        }
    }

    void publish_second() {
        second_sample s;
        s.second = _current_second;
        s.requests = _result.requests - _seconds_base.requests;
        s.errors = _result.error_total() - _seconds_base.error_total();
        for (std::size_t k = 0; k < error_kind_count; ++k)
            s.errors_by_kind[k] = _result.errors[k] - _seconds_base.errors[k];
        s.bytes_read = _result.bytes_read - _seconds_base.bytes_read;
        s.bytes_written = _result.bytes_written - _seconds_base.bytes_written;
        s.max_ns = _second.max();
        s.latency = _second.sparse();
        _seconds_base.requests = _result.requests;
        _seconds_base.errors = _result.errors;
        _seconds_base.bytes_read = _result.bytes_read;
        _seconds_base.bytes_written = _result.bytes_written;
        _second.clear();
        _board.publish(std::move(s));
    }

    // --- hooks and timers ---

    static void on_turn(void* context) {
        auto* d = static_cast<driver*>(context);
        d->_now_valid = false;
        for (connection* c : d->_starved) {
            c->flags &= static_cast<std::uint8_t>(~starved);
            if (c->state == conn_state::open && (c->flags & recv_armed) == 0) d->arm_recv(*c);
            d->maybe_finish(*c);
        }
        d->_starved.clear();
        if (d->_phase == phase::connecting && d->_initial_done >= d->_conns.size()) d->begin_run();
        if (d->_phase != phase::running) return;
        if (d->_board.stop_requested()) {
            d->begin_stop();
            return;
        }
        if (d->_warming && d->now() >= d->_measure_ns) d->end_warmup();
        if (d->_open_loop) {
            d->schedule();
        } else if (d->_staged) {
            // Closed loop: connections join as the profile ramps up (and leave, after their answer,
            // as it ramps down).
            const std::size_t was = d->_active;
            d->_active = d->active_at(d->now());
            for (std::size_t i = was; i < d->_active; ++i)
                d->kick(d->_conns[i]);
        }
        // Closed loop: the batches queued this turn leave with the submission that follows.
        if (!d->_stamp.empty()) {
            const std::uint64_t t = monotonic_ns();
            for (connection* c : d->_stamp)
                c->sent_ns = t;
            d->_stamp.clear();
        }
    }

    static void on_housekeeping(timer& t) {
        driver* d = static_cast<driver_timer&>(t).owner;
        d->housekeeping();
        d->_loop->timers().schedule(t, d->_loop->now_ms() + housekeeping_ms);
    }

    static void on_deadline(timer& t) { static_cast<driver_timer&>(t).owner->begin_stop(); }

    void housekeeping() {
        const std::uint64_t t = now();
        if (_phase == phase::running && _warming && t >= _measure_ns) end_warmup();
        if (_phase == phase::running && !_warming && t >= _next_second_ns) roll_seconds(t);
        std::size_t open_now = 0;
        for (connection& c : _conns) {
            if (c.state == conn_state::open) ++open_now;
            switch (c.state) {
            case conn_state::open:
                if (t - c.activity_ns < _config.timeout_ns) break;
                if (c.outstanding() > 0) {
                    ++_result.errors[static_cast<unsigned>(error_kind::timeout)];
                    close(c);
                } else if ((c.flags & close_expected) != 0) {
                    close(c); // the server said it would close, and did not
                }
                break;
            case conn_state::connecting:
                if (t - c.activity_ns >= _config.timeout_ns) {
                    ++_result.errors[static_cast<unsigned>(error_kind::connect)];
                    ++_result.connect_errnos[ETIMEDOUT];
                    first_attempt_over(c);
                    close(c);
                }
                break;
            case conn_state::retry_wait:
                if (t >= c.activity_ns && _phase != phase::stopped) open(c);
                break;
            default:
                break;
            }
            if (_phase == phase::stopped) return;
        }
        // Bounded by --requests alone, a test whose server is gone would retry forever: give up
        // after a while without any open connection.
        if (open_now > 0 || _phase != phase::running || _config.duration_ns != 0) {
            _all_down_since = 0;
        } else if (_all_down_since == 0) {
            _all_down_since = t;
        } else if (t - _all_down_since >= std::max<std::uint64_t>(5 * _config.timeout_ns, 1'000'000'000)) {
            _result.gave_up = true;
            begin_stop();
        }
    }

    const load_config& _config;
    const request_set& _requests;
    worker_plan _plan;
    coordinator& _board;
    net::socket_address _peer;
    std::vector<net::socket_address> _sources;
    bool _open_loop;
    double _interval_ns = 0;

    std::unique_ptr<reactor> _loop;
    std::unique_ptr<buffer_ring> _buffers;
    // Response heads of every connection of this thread (llhttp, strict). As generous as a load
    // generator must be with servers it does not know: 64 KiB of head, 1,024 fields.
    http::response_parser _parser{http::response_limits{.max_head_bytes = 64 * 1024, .max_headers = 1024}};
    std::vector<connection> _conns;
    std::vector<connection*> _stamp;   // closed loop: batches queued this turn
    std::vector<connection*> _starved; // receives to re-arm
    driver_timer _housekeeping;
    driver_timer _deadline;

    phase _phase = phase::connecting;
    std::size_t _next_initial = 0;
    std::size_t _initial_done = 0;
    unsigned _connecting = 0;
    bool _in_connect_more = false;
    std::uint64_t _now = 0;
    bool _now_valid = false;

    std::uint64_t _start_ns = 0;
    std::uint64_t _measure_ns = 0; // the end of the warm-up: figures count from here
    bool _warming = false;
    bool _staged = false;              // --stages: the rate or the active connections follow _profile
    load_profile _profile;             // this thread's share of the load over time
    std::size_t _active = 0;           // closed loop: connections [0, _active) may send
    std::uint64_t _all_down_since = 0; // when the last open connection went away (0: some are open)
    std::uint64_t _next_n = 0;         // open loop: requests of this thread scheduled so far
    uring_timespec _wake{};
    bool _wake_armed = false;

    thread_result _result;
    thread_result _seconds_base; // counters at the start of the current second (histograms unused)
    histogram _second;
    std::uint32_t _current_second = 0;
    std::uint64_t _next_second_ns = 0;
};

void connection::on_completion(unsigned op, int result, std::uint32_t cqe_flags) {
    if (op == op_recv) {
        owner->recv_done(*this, result, cqe_flags);
    } else {
        owner->io_done(*this, result);
    }
}

} // namespace

thread_result run_worker(const load_config& config, const request_set& requests, const worker_plan& plan,
                         coordinator& board, std::string& error) {
    if (plan.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(plan.cpu, &set);
        if (const int err = pthread_setaffinity_np(pthread_self(), sizeof set, &set); err != 0) {
            error = "pinning thread " + std::to_string(plan.index) + " to CPU " + std::to_string(plan.cpu) +
                    " failed: " + std::strerror(err);
        }
    }
    auto d = std::make_unique<driver>(config, requests, plan, board);
    if (error.empty() && !d->setup(error)) error = "thread " + std::to_string(plan.index) + ": " + error;
    if (!error.empty()) {
        board.ready_and_wait(plan.index, nullptr, error);
        board.finished(plan.index);
        return {};
    }
    d->run();
    thread_result result = std::move(d->result());
    // Unpublish the reactor before it goes away: stop() may be notifying it from another thread.
    board.finished(plan.index);
    d.reset();
    return result;
}

} // namespace corio::load
