// SPDX-License-Identifier: MIT
#include <corio/http/server.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <corio/core/log.hpp>
#include <corio/net/socket_activation.hpp>

#include "health.hpp"
#include "server_connection.hpp"

namespace corio::http {

namespace {

parse_limits limits_of(const server_config& c) {
    return {c.max_url_bytes, c.max_header_bytes, c.max_headers, c.max_body_bytes};
}

void on_accept(void* context, int fd) {
    auto* st = static_cast<server::shard_state*>(context);
    auto* c = new server_connection(*st, fd);
    c->open();
    if (st->size() >= st->owner.config().max_connections) st->listener.pause();
}

// A probe's answer: 200 when it passes, 503 when it does not, with its line as the body.
response probe_response(const detail::probe_result& probe) {
    return response::text(probe.text, probe.ok ? status::ok : status::service_unavailable);
}

} // namespace

// Two cache lines' worth of counters: the alignment costs no padding.
static_assert(sizeof(server::shard_counters) == 128, "server::shard_counters outgrew its 128 bytes");

server_stats server::shard_counters::snapshot() const noexcept {
    server_stats s;
    s.requests = requests.value();
    s.parse_errors = parse_errors.value();
    s.handler_timeouts = handler_timeouts.value();
    s.connections_opened = connections.opened.value();
    s.connections_closed = connections.closed.value();
    s.connections_open = connections.open.value();
    s.bytes_in = connections.bytes_in.value();
    s.bytes_out = connections.bytes_out.value();
    s.recv_no_buffers = connections.recv_no_buffers.value();
    s.accept_backoffs = accept_backoffs.value();
    s.output_pending = connections.output_pending.value();
    for (std::size_t c = 0; c < responses.size(); ++c)
        s.responses[c] = responses[c].value();
    return s;
}

server::shard_state::shard_state(corio::shard& s, const server& server_owner, int listen_fd,
                                 shard_counters* server_counters, net::transport* over)
    : shard_state(s, server_owner, listen_fd, server_counters, over,
                  server_counters != nullptr ? nullptr : std::make_unique<shard_counters>()) {}

server::shard_state::shard_state(corio::shard& s, const server& server_owner, int listen_fd,
                                 shard_counters* server_counters, net::transport* over,
                                 std::unique_ptr<shard_counters> own)
    : net::connection_set(s, &(server_counters != nullptr ? *server_counters : *own).connections, over),
      timer([](timer& t) { static_cast<shard_state&>(t).on_timer(); }), owner(server_owner),
      own_counters(std::move(own)), counters(server_counters != nullptr ? *server_counters : *own_counters),
      listener(s.reactor(), listen_fd, &on_accept, this, &counters.accept_backoffs),
      parser(limits_of(server_owner.config()), &server_owner.routes()) {
    // Responses leave in one send per batch; Nagle would only delay the next batch's first segment.
    // Accepted sockets inherit TCP_NODELAY from the listening one: no system call per connection.
    // (A socket-activated listener may be a Unix socket, which has no Nagle to turn off.)
    const int one = 1;
    if (listen_fd >= 0 && setsockopt(listen_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 &&
        errno != EOPNOTSUPP && errno != ENOPROTOOPT) {
        log(log_level::warning, std::string("setting TCP_NODELAY on the listening socket failed (") +
                                    std::strerror(errno) + "): answers may wait for the client's ACKs");
    }
    set_discard_limit(server_owner.config().linger_max_bytes);
    set_unsent_limit(server_owner.config().max_unsent_in_socket);
}

// Connections refer to the listener and parser: they go first, before the members do.
server::shard_state::~shard_state() {
    shard().reactor().timers().cancel(*this);
    destroy_all();
}

void server::shard_state::drain() {
    listener.stop();
    connection_set::drain();
    shard().reactor().timers().schedule(*this, shard().reactor().now_ms() + owner.config().drain_timeout_ms);
}

void server::shard_state::stop_after(std::uint32_t delay_ms) {
    if (_stage != stop_stage::serving) return;
    if (delay_ms == 0) {
        close_listener();
        return;
    }
    _stage = stop_stage::delaying;
    shard().reactor().timers().schedule(*this, shard().reactor().now_ms() + delay_ms);
}

// The process's listeners all close before any of its connections is told to close: a client
// whose connection is closed reconnects at once, and on a port shared with SO_REUSEPORT the kernel
// may hand that connection to another shard's listener still open here, whose close a moment later
// would reset it in the accept queue. Once every listener of the server is closed, reconnections go
// to the other process on the port (a hand-over) or are refused cleanly. The wait polls on the
// wheel's ticks (the shards close theirs within a tick of each other) and gives up after a second,
// so that a shard stuck in a handler cannot hold the others' drain.
void server::shard_state::close_listener() {
    listener.stop();
    owner._open_listeners.fetch_sub(1, std::memory_order_acq_rel);
    _stage = stop_stage::closing_listeners;
    _listeners_deadline_ms = shard().reactor().now_ms() + 1000;
    wait_for_listeners();
}

void server::shard_state::wait_for_listeners() {
    reactor& loop = shard().reactor();
    if (owner._open_listeners.load(std::memory_order_acquire) != 0 && loop.now_ms() < _listeners_deadline_ms) {
        loop.timers().schedule(*this, loop.now_ms() + 1);
        return;
    }
    _stage = stop_stage::draining;
    drain();
}

void server::shard_state::on_timer() {
    switch (_stage) {
    case stop_stage::delaying:
        close_listener();
        break;
    case stop_stage::closing_listeners:
        wait_for_listeners();
        break;
    case stop_stage::serving: // drain() called directly (benchmarks, fuzzing)
    case stop_stage::draining:
        close_all();
        break;
    }
}

std::optional<response> server::shard_state::run_before(request& req, std::size_t& passed) {
    for (passed = 0; passed < chain.size(); ++passed) {
        if (std::optional<response> answer = chain[passed]->before(req)) return answer;
    }
    return std::nullopt;
}

void server::shard_state::run_after(std::size_t passed, const request& req, response& res) {
    while (passed != 0)
        chain[--passed]->after(req, res);
}

void server::shard_state::run_refused(const request& req, const response& res) {
    for (const auto& m : chain)
        m->refused(req, res);
}

void server::shard_state::connection_closed() noexcept {
    if (listener.paused() && size() < owner.config().max_connections) listener.resume();
}

server::server(router routes, server_config config)
    : _routes(std::move(routes)), _config(std::move(config)),
      _health(std::make_unique<detail::health>(std::max<std::uint32_t>(_config.liveness_bound_ms, 1))) {}

server::~server() {
    for (int fd : _listen_fds) {
        if (fd >= 0) ::close(fd);
    }
}

result<void> server::prepare(unsigned shard_count) {
    _failure.clear();
    _inherited = false;
    for (int fd : _listen_fds) {
        if (fd >= 0) ::close(fd);
    }
    _listen_fds.assign(shard_count, -1);
    _shards.clear();
    _shards.resize(shard_count);
    _counters = std::vector<shard_counters>(shard_count);
    _health->prepare(shard_count);
    _open_listeners.store(0, std::memory_order_relaxed);
    if (auto added = add_operations_routes(); !added) return added;
    if (_config.socket_activation) {
        auto inherited = net::take_inherited_sockets();
        if (!inherited) {
            _failure =
                fmt::format("cannot take the sockets systemd passed: LISTEN_FDS or LISTEN_PID is not a number ({})",
                            inherited.error().message());
            return tl::unexpected(inherited.error());
        }
        if (!inherited->empty()) return listen_on_inherited(*inherited);
    }
    auto address = net::socket_address::resolve(_config.address, _config.port);
    if (!address) {
        _failure = fmt::format("cannot listen on {} port {}: the address does not resolve ({})", _config.address,
                               _config.port, address.error().message());
        return tl::unexpected(address.error());
    }
    // One SO_REUSEPORT socket per shard; with port 0 the first socket picks the port for all. The
    // first claims the port exclusively unless sharing it with other processes was asked for.
    for (unsigned i = 0; i < shard_count; ++i) {
        const net::port_claim claim =
            i == 0 && !_config.reuse_port ? net::port_claim::exclusive : net::port_claim::shared;
        auto fd = net::open_listening_socket(*address, _config.backlog, claim);
        if (!fd) {
            _failure = fd.error() == std::errc::address_in_use && i == 0
                           ? fmt::format("cannot listen on {} port {}: the port is already in use ({}); "
                                         "stop what holds it, choose another port, or share it on purpose "
                                         "(server_config::reuse_port)",
                                         _config.address, address->port(), fd.error().message())
                           : fmt::format("cannot listen on {} port {}: {}", _config.address, address->port(),
                                         fd.error().message());
            return tl::unexpected(fd.error());
        }
        _listen_fds[i] = *fd;
        if (i == 0) {
            auto bound = net::socket_address::local_of(*fd);
            if (!bound) return tl::unexpected(bound.error());
            _port = bound->port();
            address = address->with_port(_port);
        }
    }
    return {};
}

// Socket activation: one socket passed. When it allows SO_REUSEPORT (ReusePort=yes in the .socket
// unit) shards other than 0 bind sockets of their own to its address, joining its reuseport group,
// so the kernel spreads connections over the shards by hash as it does without systemd. Otherwise,
// or when joining is refused (the kernel lets only the socket owner's user join: a DynamicUser
// service cannot join a group systemd's root-owned socket started), they get duplicates of the
// descriptor: one socket and accept queue shared by all, each connection taken by whichever shard's
// accept comes first (io_uring wakes the most recent waiter, so under light load one shard takes
// most). Each shard's listener owns and closes its own descriptor.
result<void> server::listen_on_inherited(const std::vector<int>& fds) {
    if (fds.size() != 1) {
        _failure = fmt::format("systemd passed {} sockets (LISTEN_FDS); the server listens on exactly one "
                               "(one ListenStream= in the .socket unit)",
                               fds.size());
        return system_error(EINVAL);
    }
    const int fd = fds[0];
    if (auto adopted = net::adopt_listening_socket(fd); !adopted) {
        _failure = fmt::format("descriptor {} from systemd (LISTEN_FDS) is not a listening TCP socket: {}", fd,
                               adopted.error().message());
        return adopted;
    }
    auto bound = net::socket_address::local_of(fd);
    if (!bound) {
        _failure = fmt::format("descriptor {} from systemd (LISTEN_FDS): {}", fd, bound.error().message());
        return tl::unexpected(bound.error());
    }
    _listen_fds[0] = fd;
    int reuse_port = 0;
    socklen_t length = sizeof reuse_port;
    if (getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &reuse_port, &length) != 0) reuse_port = 0;
    for (std::size_t i = 1; i < _listen_fds.size(); ++i) {
        if (reuse_port != 0) {
            if (auto joined = net::open_listening_socket(*bound, _config.backlog, net::port_claim::shared)) {
                _listen_fds[i] = *joined;
                continue;
            }
            reuse_port = 0; // refused (another user's group): duplicates for this shard and the rest
        }
        _listen_fds[i] = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (_listen_fds[i] < 0) {
            _failure = fmt::format("duplicating the socket from systemd for shard {}: {}", i, std::strerror(errno));
            return last_system_error();
        }
    }
    _config.address = bound->host();
    _port = bound->port();
    _inherited = true;
    return {};
}

std::string server::describe() const {
    return fmt::format("listening on {} port {}{}", _config.address, _port,
                       _inherited ? " (a socket from systemd)" : "");
}

result<void> server::start(shard& s) {
    if (s.id() >= _shards.size()) return system_error(EINVAL);
    const int fd = std::exchange(_listen_fds[s.id()], -1);
    _shards[s.id()] = std::make_unique<shard_state>(s, *this, fd, &_counters[s.id()]);
    for (const middleware_factory& make : _middlewares)
        _shards[s.id()]->chain.push_back(make());
    _shards[s.id()]->listener.start();
    _open_listeners.fetch_add(1, std::memory_order_acq_rel);
    if (!_config.health_path.empty()) _health->start(s);
    return {};
}

void server::stop(shard& s) {
    _health->set_draining();
    shard_state* st = _shards[s.id()].get();
    if (st == nullptr) return;
    st->stop_after(_config.drain_delay_ms);
}

bool server::drained(shard& s) {
    const shard_state* st = _shards[s.id()].get();
    return st == nullptr || (st->stage() == shard_state::stop_stage::draining && st->empty());
}

void server::finish(shard& s) {
    _health->finish(s);
    _shards[s.id()].reset(); // its counters stay in _counters
}

server& server::use(middleware_factory make) {
    _middlewares.push_back(std::move(make));
    return *this;
}

server& server::add_readiness_check(std::string name, std::function<bool()> check) {
    _health->add_check(std::move(name), std::move(check));
    return *this;
}

bool server::live() const noexcept {
    std::uint64_t silent_ms = 0;
    return _health->stuck_shard(silent_ms) < 0;
}

server_stats server::stats(unsigned shard_id) const {
    return shard_id < _counters.size() ? _counters[shard_id].snapshot() : server_stats{};
}

std::string server::metrics_text() const {
    std::vector<server_stats> shards;
    shards.reserve(_counters.size());
    for (const shard_counters& c : _counters)
        shards.push_back(c.snapshot());
    return prometheus_text(shards);
}

// The operations endpoints are ordinary GET routes, added once (a second start reuses them): the
// router refuses a route taken by the embedder (EEXIST) and makes the literal path beat matching
// patterns. Routes of their own, so no other request pays for them.
result<void> server::add_operations_routes() {
    if (_operations_routes) return {};
    if (auto added =
            add_literal_route("metrics_path", _config.metrics_path,
                              [this](request&) { return response::copy_of(metrics_text(), prometheus_content_type); });
        !added)
        return added;
    if (auto added = add_literal_route("health_path", _config.health_path,
                                       [this](request&) { return probe_response(_health->liveness()); });
        !added)
        return added;
    if (auto added = add_literal_route("ready_path", _config.ready_path,
                                       [this](request&) { return probe_response(_health->readiness()); });
        !added)
        return added;
    _operations_routes = true;
    return {};
}

result<void> server::add_literal_route(std::string_view flag, std::string_view path, handler answer) {
    if (path.empty()) return {};
    if (path.find_first_of(":*") != std::string_view::npos) {
        log(log_level::error, fmt::format("{} {}: must be a literal path (no :name or *rest)", flag, path));
        return system_error(EINVAL);
    }
    auto added = _routes.add(method::get, path, std::move(answer));
    if (!added) {
        log(log_level::error,
            fmt::format("{} {}: {}", flag, path,
                        added.error() == std::errc::file_exists ? "the routes already have GET on that path"
                                                                : "not a valid path"));
        return added;
    }
    return {};
}

} // namespace corio::http
