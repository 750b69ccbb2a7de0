// SPDX-License-Identifier: MIT
#include <corio/core/log.hpp>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace corio {

namespace {
// Constant-initialized (no static initializer runs): the process-wide settings corio has.
std::atomic<log_sink> current_sink{&stderr_log_sink};
std::atomic<log_level> current_minimum{log_level::info};

constexpr std::array<const char*, 4> level_names = {"debug", "info", "warning", "error"};
} // namespace

const char* to_string(log_level level) noexcept {
    const auto i = static_cast<std::size_t>(level);
    return i < level_names.size() ? level_names[i] : "?";
}

bool parse_log_level(std::string_view name, log_level& out) noexcept {
    for (std::size_t i = 0; i < level_names.size(); ++i) {
        if (name == level_names[i]) {
            out = static_cast<log_level>(i);
            return true;
        }
    }
    return false;
}

log_sink set_log_sink(log_sink sink) noexcept {
    return current_sink.exchange(sink, std::memory_order_acq_rel);
}

log_level set_log_level(log_level minimum) noexcept {
    return current_minimum.exchange(minimum, std::memory_order_acq_rel);
}

bool log_enabled(log_level level) noexcept {
    return level >= current_minimum.load(std::memory_order_relaxed) &&
           current_sink.load(std::memory_order_relaxed) != nullptr;
}

void stderr_log_sink(log_level level, std::string_view line) {
    if (level >= log_level::warning) {
        std::fprintf(stderr, "corio: %s: %.*s\n", to_string(level), static_cast<int>(line.size()), line.data());
    } else {
        std::fprintf(stderr, "corio: %.*s\n", static_cast<int>(line.size()), line.data());
    }
}

void log(log_level level, std::string_view line) {
    if (level < current_minimum.load(std::memory_order_relaxed)) return;
    if (const log_sink sink = current_sink.load(std::memory_order_acquire); sink != nullptr) sink(level, line);
}

void fatal(std::string_view line) noexcept {
    if (log_enabled(log_level::error)) {
        log(log_level::error, line);
    } else {
        stderr_log_sink(log_level::error, line);
    }
    std::abort();
}

void log(std::string_view line) {
    log(log_level::info, line);
}

} // namespace corio
