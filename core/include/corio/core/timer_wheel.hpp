// SPDX-License-Identifier: MIT
// timer_wheel: one hashed timing wheel per shard, driven by the loop clock (milliseconds). Timers
// are intrusive (the owner embeds a `timer`), so arming one allocates nothing and an idle
// connection's timeout costs only its embedded node. Re-arming a timer to a later deadline (the
// per-request keep-alive case) only rewrites the deadline; the node moves when its slot comes up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace corio {

/// A timer node embedded in its owner; `fire` runs on the owning shard when the deadline passes.
struct timer {
    using callback = void (*)(timer&);
    explicit timer(callback on_fire) noexcept : fire(on_fire) {}
    timer(const timer&) = delete;
    timer& operator=(const timer&) = delete;

    /// True while the timer is scheduled.
    bool armed() const noexcept { return _pprev != nullptr; }

    callback fire;

private:
    friend class timer_wheel;
    timer* _next = nullptr;
    timer** _pprev = nullptr;
    std::uint64_t _deadline = 0;
};

/// A hashed wheel of `slots` lists, each `tick_ms` wide; timers further out wait extra rounds.
class timer_wheel {
public:
    /// A wheel whose clock starts at `now_ms`; `slots` is rounded up to a power of two.
    timer_wheel(std::uint64_t now_ms, std::uint32_t tick_ms = 10, std::uint32_t slots = 1024);
    timer_wheel(const timer_wheel&) = delete;
    timer_wheel& operator=(const timer_wheel&) = delete;

    /// Arms (or re-arms) `t` to fire at `deadline_ms` on the loop clock.
    void schedule(timer& t, std::uint64_t deadline_ms) noexcept;

    /// Disarms `t`; harmless if it is not armed.
    void cancel(timer& t) noexcept;

    /// Fires every timer whose deadline is at or before `now_ms` and whose tick has been reached
    /// (timers fire at tick granularity: never early, at most one tick late); returns how many fired.
    std::size_t advance(std::uint64_t now_ms);

    /// Milliseconds until the next tick boundary that may hold a due timer (at most one tick), or
    /// -1 if no timer is armed but the background one.
    int next_timeout_ms(std::uint64_t now_ms) const noexcept;

    /// Makes `t` (or none, with nullptr) the wheel's background timer: armed alone, it does not keep
    /// the loop waking every tick, and fires at the first tick the loop wakes for anything else
    /// after its deadline (housekeeping that an idle shard can leave for later).
    void set_background(const timer* t) noexcept { _background = t; }

    /// Number of armed timers.
    std::size_t size() const noexcept { return _count; }

    /// Width of one slot in milliseconds.
    std::uint32_t tick_ms() const noexcept { return _tick_ms; }

private:
    void link(timer& t) noexcept;
    static void unlink(timer& t) noexcept;

    std::vector<timer*> _slots;
    std::uint32_t _tick_ms;
    std::uint64_t _mask;
    std::uint64_t _current_tick; // every slot up to and including this tick has been processed
    std::size_t _count = 0;
    const timer* _background = nullptr;
};

} // namespace corio
