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

} // namespace corio
