// SPDX-License-Identifier: MIT
#include <corio/core/shard.hpp>

namespace corio {
namespace {
thread_local shard* current_shard = nullptr;
thread_local std::vector<std::pair<void (*)(void*), void*>> change_hooks; // see shard::at_next_change
} // namespace

shard* shard::current() noexcept {
    return current_shard;
}
void shard::set_current(shard* s) noexcept {
    current_shard = s;
    // Taken out first: a hook that looks again and still finds no shard adds itself anew.
    const auto hooks = std::exchange(change_hooks, {});
    for (const auto& [fn, context] : hooks)
        fn(context);
}
void shard::at_next_change(void (*fn)(void* context), void* context) {
    change_hooks.emplace_back(fn, context);
}

void shard::run_exit_hooks() noexcept {
    // A hook may add another (releasing one pool may touch a library that registers late).
    while (!_exit_hooks.empty()) {
        const auto [fn, context] = _exit_hooks.back();
        _exit_hooks.pop_back();
        fn(context);
    }
}

void shard::run_give_back_hooks() noexcept {
    for (const auto& [fn, context] : _give_back_hooks)
        fn(context);
}

} // namespace corio
