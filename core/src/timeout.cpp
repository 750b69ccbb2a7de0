// SPDX-License-Identifier: MIT
#include <corio/core/timeout.hpp>

#include <corio/core/log.hpp>
#include <corio/core/shard.hpp>

namespace corio::detail {

deadline::deadline(std::chrono::milliseconds limit, expire_fn on_expiry) noexcept
    : timer(&deadline::fire_timer), _limit(limit), _on_expiry(on_expiry) {}

deadline::~deadline() {
    disarm();
}

void deadline::arm() {
    shard* s = shard::current();
    if (s == nullptr) {
        fatal("with_timeout() awaited outside a shard thread; await it in code the runtime runs");
    }
    _wheel = &s->reactor().timers();
    const auto limit = _limit.count() > 0 ? static_cast<std::uint64_t>(_limit.count()) : 0;
    _wheel->schedule(*this, s->reactor().now_ms() + limit);
}

void deadline::disarm() noexcept {
    if (_wheel != nullptr) _wheel->cancel(*this);
    _wheel = nullptr;
}

void deadline::fire_timer(timer& t) {
    auto& self = static_cast<deadline&>(t);
    self._wheel = nullptr;
    self._expired = true;
    self._on_expiry(self);
}

} // namespace corio::detail
