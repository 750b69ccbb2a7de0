// SPDX-License-Identifier: MIT
#include "load_test.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <corio/core/runtime.hpp>

#include "request_set.hpp"
#include "worker.hpp"

namespace corio::load {

namespace {

// Direct descriptors are capped by RLIMIT_NOFILE per ring: take the hard limit.
void raise_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

unsigned ephemeral_ports() {
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    unsigned low = 32768;
    unsigned high = 60999;
    in >> low >> high;
    return high >= low ? high - low + 1 : 28232;
}

bool is_loopback_v4(const net::socket_address& a) {
    if (a.family() != AF_INET) return false;
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(a.data());
    return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
}

// One source address has one set of ephemeral ports per destination: past that, connects fail with
// EADDRNOTAVAIL. On loopback every 127.x.y.z is local, so spread there by default.
std::vector<net::socket_address> pick_sources(const load_config& config, std::vector<std::string>& notes) {
    if (!config.sources.empty()) return config.sources;
    const unsigned usable = ephemeral_ports() * 9 / 10;
    if (config.connections <= usable) return {};
    if (!is_loopback_v4(config.address)) {
        notes.push_back(std::to_string(config.connections) + " connections exceed the " + std::to_string(usable) +
                        " usable ephemeral ports of one source address: pass several with --source");
        return {};
    }
    const unsigned count = (config.connections + usable - 1) / usable;
    std::vector<net::socket_address> sources;
    for (unsigned i = 1; i <= count; ++i)
        sources.push_back(*net::socket_address::parse("127.0.0." + std::to_string(i), 0));
    notes.push_back("connections spread over source addresses 127.0.0.1-127.0.0." + std::to_string(count));
    return sources;
}

double realtime_s() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Sleeps until the wall clock reads `unix_s` (--start-at). False, with `error`, when that moment is
// more than a second gone: workers started together must not quietly start late.
bool wait_for_start(double unix_s, int signal_fd, std::string& error) {
    const double late = realtime_s() - unix_s;
    if (late > 1.0) {
        error = "the set-up ended " + std::to_string(late) + " s after --start-at: give a later time";
        return false;
    }
    for (;;) {
        const double left = unix_s - realtime_s();
        if (left <= 0) return true;
        // In slices, so that SIGINT/SIGTERM (on the signalfd) still end a long wait.
        const double slice = std::min(left, 0.1);
        timespec ts{static_cast<time_t>(slice), static_cast<long>((slice - std::floor(slice)) * 1e9)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        if (signal_fd >= 0) {
            signalfd_siginfo info{};
            if (read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
                error = "stopped by a signal before --start-at";
                return false;
            }
        }
    }
}

sigset_t termination_signals() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    return s;
}

} // namespace

bool run_load_test(const load_config& config_in, test_result& out, std::string& error,
                   const std::function<void(const progress_info&)>& progress) {
    out = test_result{};
    load_config config = config_in;
    const request_set requests = request_set::build(config.spec, config.pipeline, error);
    if (requests.cycle() == 0) return false;
    raise_file_limit();
    config.sources = pick_sources(config, out.notes);
    for (const auto& s : config.sources)
        out.sources.push_back(s.to_string().substr(0, s.to_string().rfind(':')));

    const unsigned threads = std::min(config.threads, config.connections);
    std::vector<int> cpus = config.cpus.empty() ? allowed_cpus() : config.cpus;
    if (cpus.empty()) cpus.push_back(-1);
    std::vector<worker_plan> plans(threads);
    unsigned first = 0;
    std::uint64_t quota_given = 0;
    for (unsigned i = 0; i < threads; ++i) {
        worker_plan& p = plans[i];
        p.index = i;
        p.cpu = config.pin ? cpus[i % cpus.size()] : -1;
        p.connections = config.connections / threads + (i < config.connections % threads ? 1 : 0);
        p.first_connection = first;
        first += p.connections;
        p.rate = config.rate * p.connections / config.connections;
        if (config.requests != 0) {
            p.quota = config.requests * p.connections / config.connections;
            quota_given += p.quota;
        }
    }
    // The quota's remainder, one each, so that the threads' quotas add up to --requests.
    for (unsigned i = 0; config.requests != 0 && quota_given < config.requests; i = (i + 1) % threads, ++quota_given)
        ++plans[i].quota;
    for (const worker_plan& p : plans) {
        if (config.requests != 0 && p.quota == 0) {
            error = "--requests " + std::to_string(config.requests) + " is less than the number of threads";
            return false;
        }
    }

    // Workers inherit the mask: termination signals reach only the signalfd read below.
    const sigset_t signals = termination_signals();
    sigset_t previous;
    int signal_fd = -1;
    if (config.handle_signals) {
        pthread_sigmask(SIG_BLOCK, &signals, &previous);
        signal_fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    }

    // Without --connect-early the connections open at --start-at, and the load follows at once.
    if (config.start_at_s != 0 && !config.connect_early && !wait_for_start(config.start_at_s, signal_fd, error)) {
        if (config.handle_signals) {
            if (signal_fd >= 0) close(signal_fd);
            pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        }
        return false;
    }
    coordinator board(threads);
    std::vector<thread_result> results(threads);
    std::vector<std::string> errors(threads);
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
        workers.emplace_back([&, i] { results[i] = run_worker(config, requests, plans[i], board, errors[i]); });
    }
    auto finish = [&] {
        for (std::thread& t : workers)
            t.join();
        if (config.handle_signals) {
            if (signal_fd >= 0) close(signal_fd);
            pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        }
    };

    if (std::string failed = board.wait_ready(); !failed.empty()) {
        board.abort();
        finish();
        error = failed;
        return false;
    }
    if (config.start_at_s != 0 && config.connect_early && !wait_for_start(config.start_at_s, signal_fd, error)) {
        board.abort();
        finish();
        return false;
    }
    const std::uint64_t start = monotonic_ns();
    out.start_unix_s = realtime_s();
    out.intended_start_unix_s = config.start_at_s;
    out.measure_unix_s = out.start_unix_s + static_cast<double>(config.warmup_ns) / 1e9;
    board.start(start);
    const std::uint64_t measure = start + config.warmup_ns;

    auto cumulative = std::make_unique<histogram>();
    std::vector<second_sample> samples;
    // The progress line shows the newest second every thread has published, with the totals of
    // the seconds up to it: what the timeline will record. A thread publishes a second when it next
    // runs after the second ended, so at the tick some have not yet (the line showed 0 req/s in
    // alternate seconds and totals that lagged the summary).
    struct second_total {
        std::uint64_t requests = 0;
        std::uint64_t errors = 0;
        unsigned threads = 0; // threads that published this second
    };
    std::map<std::uint32_t, second_total> seconds;
    std::uint64_t shown_requests = 0; // the seconds before `next_shown`, summed
    std::uint64_t shown_errors = 0;
    std::uint32_t next_shown = 0;
    // Ticks a little after each whole second, when the threads have usually published it.
    std::uint64_t next_tick = measure + 1'050'000'000;
    // A backstop far past the planned end, in case a thread cannot stop by itself.
    const std::uint64_t backstop =
        config.duration_ns != 0 ? measure + config.duration_ns + config.timeout_ns * 2 + 5'000'000'000 : 0;
    bool signalled = false;
    bool stopped = false;
    while (!board.wait_finished_until(std::min(next_tick, monotonic_ns() + 100'000'000))) {
        if (signal_fd >= 0) {
            signalfd_siginfo info{};
            if (read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info) && !stopped) {
                signalled = true;
                stopped = true;
                board.stop();
            }
        }
        const std::uint64_t now = monotonic_ns();
        if (backstop != 0 && now > backstop && !stopped) {
            stopped = true;
            out.notes.push_back("a thread did not stop at the end of the duration; stopped it");
            board.stop();
        }
        if (now < next_tick) continue;
        next_tick += 1'000'000'000;
        std::vector<second_sample> fresh = board.take_samples();
        for (const second_sample& s : fresh) {
            for (const auto& [index, count] : s.latency)
                cumulative->add_bucket(index, count);
            second_total& t = seconds[s.second];
            t.requests += s.requests;
            t.errors += s.errors;
            ++t.threads;
        }
        std::move(fresh.begin(), fresh.end(), std::back_inserter(samples));
        // Seconds complete across the threads, in order; the line shows the newest of them.
        bool advanced = false;
        std::uint64_t last_second = 0;
        for (auto it = seconds.find(next_shown);
             it != seconds.end() && it->first == next_shown && it->second.threads == threads;
             it = seconds.find(next_shown)) {
            shown_requests += it->second.requests;
            shown_errors += it->second.errors;
            last_second = it->second.requests;
            seconds.erase(it);
            ++next_shown;
            advanced = true;
        }
        if (progress && advanced) {
            progress_info info;
            info.elapsed_s = next_shown;
            info.total_s = static_cast<double>(config.duration_ns) / 1e9;
            info.requests = shown_requests;
            info.last_second_rps = static_cast<double>(last_second);
            info.p99_ns = cumulative->percentile(99);
            info.errors = shown_errors;
            progress(info);
        }
    }
    finish();
    std::vector<second_sample> rest = board.take_samples();
    std::move(rest.begin(), rest.end(), std::back_inserter(samples));

    const std::uint64_t give_up_s = std::max<std::uint64_t>(5 * config.timeout_ns, 1'000'000'000) / 1'000'000'000;
    for (unsigned i = 0; i < threads; ++i) {
        if (!errors[i].empty()) out.notes.push_back(errors[i]);
        if (results[i].gave_up) {
            out.notes.push_back("thread " + std::to_string(i) + " stopped: no connection could be opened for " +
                                std::to_string(give_up_s) + " s");
        }
        out.total.merge(results[i]);
    }
    out.threads = std::move(results);
    out.total.start_ns = measure;
    out.elapsed_s = out.total.end_ns > measure ? static_cast<double>(out.total.end_ns - measure) / 1e9 : 0.0;
    out.timeline = merge_timeline(samples);
    if (!out.timeline.empty()) {
        timeline_point& last = out.timeline.back();
        last.duration_s = std::clamp(out.elapsed_s - last.second, 0.0, 1.0);
    }
    if (signalled) {
        out.stopped_by = "signal";
    } else if (out.total.gave_up) {
        out.stopped_by = "no connection";
    } else if (config.requests != 0 && out.total.requests + out.total.lost >= config.requests) {
        out.stopped_by = "requests";
    } else {
        out.stopped_by = "duration";
    }
    return true;
}

} // namespace corio::load
