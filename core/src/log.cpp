// SPDX-License-Identifier: MIT
#include <corio/core/log.hpp>

#include <atomic>
#include <cstdio>

namespace corio {

namespace {
// Constant-initialized (no static initializer runs): the one process-wide setting corio has.
std::atomic<log_sink> current_sink{&stderr_log_sink};
} // namespace

log_sink set_log_sink(log_sink sink) noexcept {
    return current_sink.exchange(sink, std::memory_order_acq_rel);
}

void stderr_log_sink(std::string_view line) {
    std::fprintf(stderr, "corio: %.*s\n", static_cast<int>(line.size()), line.data());
}

void log(std::string_view line) {
    if (const log_sink sink = current_sink.load(std::memory_order_acquire); sink != nullptr) sink(line);
}

} // namespace corio
