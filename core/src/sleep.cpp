// SPDX-License-Identifier: MIT
#include <corio/core/sleep.hpp>

#include <corio/core/log.hpp>
#include <corio/core/shard.hpp>

namespace corio {

sleep_awaiter::sleep_awaiter(std::chrono::milliseconds duration) noexcept
    : timer(&sleep_awaiter::wake), _duration(duration) {}

sleep_awaiter::~sleep_awaiter() {
    if (_wheel != nullptr) _wheel->cancel(*this);
}

void sleep_awaiter::await_suspend(std::coroutine_handle<> waiting) noexcept {
    shard* s = shard::current();
    if (s == nullptr) {
        fatal("sleep() awaited outside a shard thread; await it in code the runtime runs");
    }
    _waiting = waiting;
    _wheel = &s->reactor().timers();
    _wheel->schedule(*this, s->reactor().now_ms() + static_cast<std::uint64_t>(_duration.count()));
}

void sleep_awaiter::wake(timer& t) {
    auto& self = static_cast<sleep_awaiter&>(t);
    self._wheel = nullptr;
    self._waiting.resume();
}

} // namespace corio
