// SPDX-License-Identifier: MIT
#include <corio/core/timer_wheel.hpp>

#include <bit>

namespace corio {

timer_wheel::timer_wheel(std::uint64_t now_ms, std::uint32_t tick_ms, std::uint32_t slots)
    : _slots(std::bit_ceil(slots < 2 ? 2U : slots), nullptr), _tick_ms(tick_ms == 0 ? 1 : tick_ms),
      _mask(_slots.size() - 1), _current_tick(now_ms / _tick_ms) {}

void timer_wheel::link(timer& t) noexcept {
    // A deadline already in the past goes to the next slot to be processed, never behind the cursor.
    std::uint64_t tick = t._deadline / _tick_ms;
    if (tick <= _current_tick) tick = _current_tick + 1;
    timer*& head = _slots[tick & _mask];
    t._next = head;
    if (head != nullptr) head->_pprev = &t._next;
    head = &t;
    t._pprev = &head;
}

void timer_wheel::unlink(timer& t) noexcept {
    *t._pprev = t._next;
    if (t._next != nullptr) t._next->_pprev = t._pprev;
    t._next = nullptr;
    t._pprev = nullptr;
}

void timer_wheel::schedule(timer& t, std::uint64_t deadline_ms) noexcept {
    if (t.armed()) {
        // Later deadline: leave the node where it is; advance() moves it when its slot comes up.
        if (deadline_ms >= t._deadline) {
            t._deadline = deadline_ms;
            return;
        }
        unlink(t);
        --_count;
    }
    t._deadline = deadline_ms;
    link(t);
    ++_count;
}

void timer_wheel::cancel(timer& t) noexcept {
    if (!t.armed()) return;
    unlink(t);
    --_count;
}

std::size_t timer_wheel::advance(std::uint64_t now_ms) {
    const std::uint64_t now_tick = now_ms / _tick_ms;
    std::size_t fired = 0;
    // After a stall longer than one revolution, visiting each slot once covers every timer. Visit
    // the revolution that ends at now_tick, so a timer a callback arms for a tick already reached
    // lands in a slot still ahead of the pass (not one visited already, a revolution late).
    std::uint64_t tick = _current_tick;
    if (now_tick > tick + _slots.size()) tick = now_tick - _slots.size();
    while (tick < now_tick) {
        ++tick;
        _current_tick = tick;
        // Detach the slot first: callbacks may arm timers into this very slot.
        timer* pending = _slots[tick & _mask];
        _slots[tick & _mask] = nullptr;
        if (pending != nullptr) pending->_pprev = &pending;
        while (pending != nullptr) {
            timer& t = *pending;
            unlink(t);
            if (t._deadline <= now_ms) {
                --_count;
                ++fired;
                t.fire(t);
            } else {
                link(t);
            }
        }
    }
    _current_tick = now_tick;
    return fired;
}

int timer_wheel::next_timeout_ms(std::uint64_t now_ms) const noexcept {
    if (_count == 0 || (_count == 1 && _background != nullptr && _background->armed())) return -1;
    const std::uint64_t next_boundary = (now_ms / _tick_ms + 1) * _tick_ms;
    return static_cast<int>(next_boundary - now_ms);
}

} // namespace corio
