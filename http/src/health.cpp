// SPDX-License-Identifier: MIT
#include "health.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace corio::http::detail {

namespace {

// CLOCK_MONOTONIC in milliseconds, the clock of every shard's loop (reactor::now_ms): a stamp taken
// on one shard compares with this read on any thread.
std::uint64_t monotonic_ms() noexcept {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1000 + static_cast<std::uint64_t>(now.tv_nsec) / 1'000'000;
}

} // namespace

// One shard's heartbeat: written by that shard only, read by any. A line of its own, so that
// stamping never invalidates a line another shard writes.
struct alignas(64) health::beat : timer {
    beat() noexcept : timer(&beat::on_timer) {}

    static void on_timer(timer& t) {
        auto& self = static_cast<beat&>(t);
        self.stamp.store(self.loop->now_ms(), std::memory_order_relaxed);
        self.loop->timers().schedule(self, self.loop->now_ms() + self.period_ms);
    }

    std::atomic<std::uint64_t> stamp{0}; // 0: not running (not started yet, or finished)
    reactor* loop = nullptr;
    std::uint32_t period_ms = 0;
};

health::health(std::uint32_t bound_ms) : _bound_ms(bound_ms) {}
health::~health() = default;

void health::prepare(unsigned shard_count) {
    _draining.store(false, std::memory_order_relaxed);
    _beats.clear();
    for (unsigned i = 0; i < shard_count; ++i)
        _beats.push_back(std::make_unique<beat>());
}

void health::start(shard& s) {
    beat& b = *_beats.at(s.id());
    b.loop = &s.reactor();
    // Four stamps per bound: a shard is called stuck only after missing about four in a row, so a
    // late tick or a long loop turn does not make it fail. The timer also wakes an idle shard,
    // which then stamps: an idle shard is live.
    b.period_ms = std::max<std::uint32_t>(_bound_ms / 4, 1);
    b.stamp.store(s.reactor().now_ms(), std::memory_order_relaxed);
    s.reactor().timers().schedule(b, s.reactor().now_ms() + b.period_ms);
}

void health::finish(shard& s) noexcept {
    if (s.id() >= _beats.size()) return;
    beat& b = *_beats[s.id()];
    if (b.loop != nullptr) b.loop->timers().cancel(b);
    b.loop = nullptr;
    b.stamp.store(0, std::memory_order_relaxed);
}

int health::stuck_shard(std::uint64_t& silent_ms) const noexcept {
    const std::uint64_t now = monotonic_ms();
    for (std::size_t i = 0; i < _beats.size(); ++i) {
        const std::uint64_t stamp = _beats[i]->stamp.load(std::memory_order_relaxed);
        // A stamp taken after `now` was read (another shard's turn began later) is fresh.
        if (stamp != 0 && now > stamp && now - stamp > _bound_ms) {
            silent_ms = now - stamp;
            return static_cast<int>(i);
        }
    }
    return -1;
}

probe_result health::liveness() const {
    std::uint64_t silent_ms = 0;
    const int stuck = stuck_shard(silent_ms);
    if (stuck < 0) return {true, "live\n"};
    return {false,
            fmt::format("shard {} has not turned its loop for {} ms (bound {} ms)\n", stuck, silent_ms, _bound_ms)};
}

probe_result health::readiness() const {
    if (draining()) return {false, "draining\n"};
    for (const named_check& c : _checks) {
        if (!c.passes()) return {false, fmt::format("not ready: {}\n", c.name)};
    }
    return {true, "ready\n"};
}

} // namespace corio::http::detail
