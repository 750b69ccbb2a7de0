// SPDX-License-Identifier: MIT
#include <corio/core/shard.hpp>

namespace corio {
namespace {
thread_local shard* current_shard = nullptr;
}

shard* shard::current() noexcept {
    return current_shard;
}
void shard::set_current(shard* s) noexcept {
    current_shard = s;
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
