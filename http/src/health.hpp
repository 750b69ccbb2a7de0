// SPDX-License-Identifier: MIT
// health: what a server's liveness and readiness endpoints (server_config::health_path and
// ready_path) answer. Each shard stamps a heartbeat of its own from a timer on its wheel; liveness,
// asked on any shard (or by the runtime for systemd's watchdog), fails when some shard's stamp is
// older than the bound, so a shard stuck in a handler that spins is seen by the others. Readiness
// is "no drain has started and every check the service registered passes". Nothing here runs on
// a request to another route: the heartbeat is a timer, the answers are computed on the probe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <corio/core/shard.hpp>
#include <corio/core/timer_wheel.hpp>

namespace corio::http::detail {

/// What a probe answers: whether it passes, and a line saying why (ending in a newline).
struct probe_result {
    bool ok = false;
    std::string text;
};

/// The heartbeats of a server's shards, its drain flag and its readiness checks.
class health {
public:
    /// A shard whose heartbeat is older than `bound_ms` counts as stuck.
    explicit health(std::uint32_t bound_ms);
    ~health();
    health(const health&) = delete;
    health& operator=(const health&) = delete;

    /// Makes room for `shard_count` heartbeats, none started (before any shard starts).
    void prepare(unsigned shard_count);
    /// Stamps shard `s`'s heartbeat and arms its timer (on `s`'s thread).
    void start(shard& s);
    /// Disarms shard `s`'s heartbeat, which stops counting (on `s`'s thread, before its reactor goes).
    void finish(shard& s) noexcept;

    /// The first shard whose heartbeat is older than the bound, and how old it is; -1 if none.
    /// Any thread.
    int stuck_shard(std::uint64_t& silent_ms) const noexcept;
    /// Liveness: "live", or a failure naming the stuck shard.
    probe_result liveness() const;

    /// From now on readiness answers 503 (a drain has started). Any thread.
    void set_draining() noexcept { _draining.store(true, std::memory_order_release); }
    /// True once set_draining() was called since prepare().
    bool draining() const noexcept { return _draining.load(std::memory_order_acquire); }
    /// Adds a readiness check named `name` (before the server starts).
    void add_check(std::string name, std::function<bool()> passes) {
        _checks.push_back({std::move(name), std::move(passes)});
    }
    /// Readiness: "ready", or why not (draining, or which check failed); runs the checks here.
    probe_result readiness() const;

private:
    struct beat;

    std::uint32_t _bound_ms;
    std::atomic<bool> _draining{false};
    std::vector<std::unique_ptr<beat>> _beats;
    struct named_check {
        std::string name;
        std::function<bool()> passes;
    };
    std::vector<named_check> _checks;
};

} // namespace corio::http::detail
