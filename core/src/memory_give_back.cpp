// SPDX-License-Identifier: MIT
#include "memory_give_back.hpp"

#include <corio/core/buffer_ring.hpp>
#include <corio/core/heap.hpp>
#include <corio/core/reactor.hpp>
#include <corio/core/shard.hpp>

namespace corio::detail {

memory_give_back::memory_give_back(shard& owner, std::uint32_t interval_ms) noexcept
    : timer(&memory_give_back::on_fire), _shard(owner), _interval_ms(interval_ms) {
    schedule();
}

memory_give_back::~memory_give_back() {
    timer_wheel& wheel = _shard.reactor().timers();
    wheel.set_background(nullptr);
    wheel.cancel(*this);
}

void memory_give_back::schedule() noexcept {
    corio::reactor& loop = _shard.reactor();
    loop.timers().schedule(*this, loop.now_ms() + _interval_ms);
}

void memory_give_back::on_fire(timer& t) noexcept {
    auto& self = static_cast<memory_give_back&>(t);
    self._shard.buffers().trim();
    self._shard.run_give_back_hooks();
    shard_heap_give_back();
    // Fired, this timer is not armed: any armed timer is someone else's (a connection's timeout).
    timer_wheel& wheel = self._shard.reactor().timers();
    self._quiet = wheel.size() == 0 ? self._quiet + 1 : 0;
    // Two quiet periods: the connections' memory was collected after they closed.
    wheel.set_background(self._quiet >= 2 ? &self : nullptr);
    self.schedule();
}

} // namespace corio::detail
