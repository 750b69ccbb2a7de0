// SPDX-License-Identifier: MIT
#include <corio/core/runtime.hpp>

#include <corio/core/log.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <corio/core/buffer_ring.hpp>
#include <corio/core/heap.hpp>
#include <corio/core/shard.hpp>
#include <corio/core/systemd_notify.hpp>

#include "memory_give_back.hpp"
#include "shard_mesh.hpp"

namespace corio {

namespace {

// Start-up rendezvous: each shard thread reports once, ready or failed.
struct startup {
    std::mutex mutex;
    std::condition_variable changed;
    unsigned reported = 0;
    std::string error;

    void report(std::string failure) {
        std::lock_guard lock(mutex);
        if (!failure.empty() && error.empty()) error = std::move(failure);
        ++reported;
        changed.notify_all();
    }
};

constexpr std::uint16_t recv_buffer_group = 0;

sigset_t termination_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    return signals;
}

} // namespace

// The timer base is the stop deadline: it makes sure the loop wakes up to give up on draining.
struct runtime::shard_thread : timer {
    shard_thread() noexcept : timer([](timer& t) { static_cast<shard_thread&>(t).self->reactor().stop(); }) {}

    unsigned id = 0;
    int cpu = -1;
    std::thread thread;
    std::atomic<bool> stop_requested{false};
    // The running loop, for notify() from other threads; the mutex keeps the reactor alive while
    // stop() notifies it (teardown clears the pointer under the same mutex before destroying it).
    std::mutex notify_mutex;
    reactor* running = nullptr;
    // Touched only on the shard's own thread:
    service* work = nullptr;
    shard* self = nullptr;
    bool stopped = false;
    std::uint64_t stop_deadline_ms = 0;
    std::uint32_t stop_timeout_ms = 0;

    runtime* owner = nullptr;
    unsigned total = 0;   // shards in the runtime
    bool counted = false; // added to owner->_drained (service drained, or the shard is leaving)

    void run(startup& rendezvous);

    // Stops the service, then keeps the loop turning until the service has drained and so have
    // all other shards' (or the deadline passes): so no completion is left referring to freed
    // objects, and a draining shard still answers the submit_to calls of the others.
    void stop_here() {
        if (stopped) return;
        stopped = true;
        work->stop(*self);
        reactor& loop = self->reactor();
        stop_deadline_ms = loop.now_ms() + stop_timeout_ms;
        loop.add_turn_hook(&shard_thread::check_drained, this);
        loop.timers().schedule(*this, stop_deadline_ms);
        check_drained(this);
    }

    static void check_drained(void* context) {
        auto* t = static_cast<shard_thread*>(context);
        reactor& loop = t->self->reactor();
        if (!t->counted && t->work->drained(*t->self)) t->count_drained();
        if (t->owner->_drained.load(std::memory_order_acquire) >= t->total || loop.now_ms() >= t->stop_deadline_ms) {
            loop.remove_turn_hook(&shard_thread::check_drained, t);
            loop.timers().cancel(*t);
            loop.stop();
        }
    }

    // The last shard to drain wakes the others, which may be waiting in io_uring with nothing to do.
    void count_drained() {
        counted = true;
        if (owner->_drained.fetch_add(1, std::memory_order_acq_rel) + 1 < total) return;
        for (auto& other : owner->_shards) {
            if (other.get() == this) continue;
            std::lock_guard lock(other->notify_mutex);
            if (other->running != nullptr) other->running->notify();
        }
    }
};

// The shard's thread: pins itself, sets up its heap, reactor and buffers, starts the service on
// them, reports to start()'s rendezvous, runs the loop until stopped, then tears down in order.
void runtime::shard_thread::run(startup& rendezvous) {
    // Termination signals are for wait_for_signal()'s signalfd, never for a shard thread.
    const sigset_t signals = termination_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    // However the thread ends, the shards waiting for everyone to drain must not wait for it.
    struct leaving {
        shard_thread* st;
        ~leaving() {
            if (!st->counted) st->count_drained();
        }
    } leave{this};
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (const int err = pthread_setaffinity_np(pthread_self(), sizeof set, &set); err != 0) {
            rendezvous.report("pinning shard " + std::to_string(id) + " to CPU " + std::to_string(cpu) +
                              " failed: " + std::strerror(err));
            return;
        }
    }
    heap_scope heap;
    std::string message;
    auto set_up = create_reactor_with_buffers(owner->_config.ring, recv_buffer_group, owner->_config.recv_buffers,
                                              owner->_config.recv_buffer_size, message);
    if (!set_up) {
        rendezvous.report("shard " + std::to_string(id) + ": " + message);
        return;
    }
    auto& loop = set_up->loop;
    auto& buffers = set_up->buffers;
    shard here(id, total, cpu, *loop, *buffers);
    shard::set_current(&here);
    // Armed before the service starts, so the timers a service finds armed include it.
    std::optional<detail::memory_give_back> give_back;
    if (owner->_config.give_back_ms != 0) give_back.emplace(here, owner->_config.give_back_ms);
    self = &here;
    owner->_mesh->attach(id, *loop);
    if (auto started = work->start(here); !started) {
        stop_here();
        rendezvous.report("shard " + std::to_string(id) +
                          ": starting the service failed: " + started.error().message());
    } else {
        loop->set_notify_handler(
            [](void* context) {
                auto* t = static_cast<shard_thread*>(context);
                if (t->stop_requested.load(std::memory_order_acquire)) t->stop_here();
            },
            this);
        if (id == 0) {
            owner->_features = loop->features();
            owner->_backend = loop->backend();
            owner->_backend_description = loop->describe();
            // Said once for the process, not once per shard: every shard met the same refusal.
            if (!loop->fallback_reason().empty()) {
                log(log_level::warning, loop->fallback_reason() + " — using epoll");
            }
        }
        {
            std::lock_guard lock(notify_mutex);
            running = loop.get();
        }
        // A stop() that raced with start-up saw no reactor to notify: notice it here.
        if (stop_requested.load(std::memory_order_acquire)) stop_here();
        rendezvous.report({});
        loop->run();
        stop_here();
    }
    owner->_mesh->detach(id);
    {
        std::lock_guard lock(notify_mutex);
        running = nullptr;
    }
    work->finish(here);
    here.run_exit_hooks();
    give_back.reset();
    shard::set_current(nullptr);
    buffers.reset();
    loop.reset();
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(owner->_stopped_fd, &one, sizeof one);
}

std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
    return cpus;
}

runtime::runtime(runtime_config config) : _config(std::move(config)) {}

runtime::~runtime() {
    stop();
    join();
    if (_stopped_fd >= 0) close(_stopped_fd);
}

result<void> runtime::start(service& work) {
    if (!_shards.empty()) return system_error(EALREADY);
    std::vector<int> cpus = _config.cpus.empty() ? allowed_cpus() : _config.cpus;
    if (cpus.empty()) cpus.push_back(-1);
    const unsigned count = _config.shards != 0 ? _config.shards : static_cast<unsigned>(cpus.size());
    if (_stopped_fd < 0) _stopped_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (_stopped_fd < 0) {
        _error = std::string("eventfd failed: ") + std::strerror(errno);
        return last_system_error();
    }
    _work = &work;
    if (auto prepared = work.prepare(count); !prepared) {
        const std::string why = work.failure();
        _error = why.empty() ? "preparing the service failed: " + prepared.error().message() : why;
        return prepared;
    }

    _mesh = std::make_unique<detail::shard_mesh>(count, _config.cross_shard_queue, _config.cross_shard_eventfd);
    _drained.store(0, std::memory_order_relaxed);
    startup rendezvous;
    for (unsigned i = 0; i < count; ++i) {
        auto st = std::make_unique<shard_thread>();
        st->id = i;
        st->owner = this;
        st->total = count;
        st->cpu = _config.pin ? cpus[i % cpus.size()] : -1;
        st->work = &work;
        st->stop_timeout_ms = _config.stop_timeout_ms;
        _shards.push_back(std::move(st));
    }
    for (auto& owned : _shards) {
        shard_thread* st = owned.get();
        st->thread = std::thread([st, &rendezvous] { st->run(rendezvous); });
    }

    std::unique_lock lock(rendezvous.mutex);
    rendezvous.changed.wait(lock, [&] { return rendezvous.reported == count; });
    if (!rendezvous.error.empty()) {
        _error = rendezvous.error;
        lock.unlock();
        stop();
        join();
        return system_error(ECANCELED);
    }
    return {};
}

void runtime::stop() noexcept {
    for (auto& st : _shards) {
        st->stop_requested.store(true, std::memory_order_release);
        std::lock_guard lock(st->notify_mutex);
        if (st->running != nullptr) st->running->notify();
    }
}

void runtime::join() {
    for (auto& st : _shards) {
        if (st->thread.joinable()) st->thread.join();
    }
    _shards.clear();
    _mesh.reset();
}

stop_signals_blocked::stop_signals_blocked() noexcept {
    const sigset_t signals = termination_signals();
    pthread_sigmask(SIG_BLOCK, &signals, &_previous);
}

stop_signals_blocked::~stop_signals_blocked() {
    // A second signal that came during the drain is delivered now, with its default action.
    pthread_sigmask(SIG_SETMASK, &_previous, nullptr);
}

int runtime::run(service& work) {
    const stop_signals_blocked held;
    if (auto started = start(work); !started) {
        log(log_level::error, _error);
        return 1;
    }
    const std::string what = work.describe();
    const unsigned count = shard_count();
    log((what.empty() ? std::string("started") : what) + ", " + std::to_string(count) +
        (count == 1 ? " shard, backend " : " shards, backend ") + _backend_description);
    return wait_for_signal();
}

namespace {

// Tells systemd `state`; a failure is said once per process, not on every watchdog ping.
void notify_systemd(std::string_view state) {
    static std::atomic<bool> failed{false};
    if (auto sent = systemd_notify(state); !sent && !failed.exchange(true)) {
        log(log_level::warning,
            "telling systemd " + std::string(state) + " failed (NOTIFY_SOCKET): " + sent.error().message());
    }
}

} // namespace

int runtime::wait_for_signal() {
    notify_systemd("READY=1");
    // WATCHDOG=1 at half the interval systemd asked for, as sd_watchdog_enabled(3) advises; none
    // while a shard is stuck, so that systemd restarts the service rather than being told all is well.
    const std::uint64_t watchdog_ms = systemd_watchdog_ms();
    const int poll_timeout =
        watchdog_ms == 0 ? -1 : static_cast<int>(std::min<std::uint64_t>(watchdog_ms / 2, 1 << 30));
    bool withheld = false;
    sigset_t signals = termination_signals();
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &signals, &previous);
    const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
    if (signal_fd < 0) {
        log(log_level::error, std::string("signalfd failed (") + std::strerror(errno) + "); stopping");
    } else {
        // Wait for a signal, or for the shard threads to end on their own (then stop the rest).
        pollfd fds[2] = {{signal_fd, POLLIN, 0}, {_stopped_fd, POLLIN, 0}};
        for (;;) {
            const int ready = poll(fds, 2, poll_timeout);
            if (ready < 0 && errno == EINTR) continue;
            if (ready != 0) break;
            const bool live = _work == nullptr || _work->live();
            if (live) notify_systemd("WATCHDOG=1");
            if (live == withheld) {
                log(live ? log_level::info : log_level::warning,
                    live ? "the shards turn again; WATCHDOG=1 resumes"
                         : "a shard is stuck; WATCHDOG=1 withheld until it turns");
            }
            withheld = !live;
        }
        // Consume the signal so that restoring the mask below does not deliver it again.
        if ((fds[0].revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            [[maybe_unused]] const ssize_t n = read(signal_fd, &info, sizeof info);
        }
        close(signal_fd);
    }
    notify_systemd("STOPPING=1");
    stop();
    join();
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return 0;
}

} // namespace corio
