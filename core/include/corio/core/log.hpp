// SPDX-License-Identifier: MIT
// log: where corio's diagnostics go. One sink per process, a function that takes a level and one
// line (no trailing newline); by default the line goes to stderr after "corio: " (and the level,
// for warnings and errors). Lines below the process's level (set_log_level; info by default) are
// dropped before any sink sees them. An embedder routes the lines to its own logger with
// set_log_sink() (a JSON logger, journald: the level is its priority), or silences them with
// set_log_sink(nullptr).
#pragma once

#include <cstdint>
#include <string_view>

namespace corio {

/// How much a line matters; each level includes those above it in this list.
enum class log_level : std::uint8_t {
    debug,   ///< detail for whoever debugs corio itself
    info,    ///< what an operator wants once (start-up, listening, stopped)
    warning, ///< something went wrong and corio carries on (a retry, a message that could not be sent)
    error,   ///< something failed (start-up refused, a shard stopped)
};
/// "debug", "info", "warning" or "error".
const char* to_string(log_level level) noexcept;
/// Parses one of the names to_string() gives; false (and `out` untouched) for anything else.
bool parse_log_level(std::string_view name, log_level& out) noexcept;

/// Receives one line of corio's diagnostics and its level; may be called from any thread, so it
/// must be safe to call concurrently.
using log_sink = void (*)(log_level level, std::string_view line);

/// Makes `sink` the process's sink (nullptr: no output) and returns the previous one. Any thread.
log_sink set_log_sink(log_sink sink) noexcept;
/// Drops lines below `minimum` from now on (info until called) and returns the previous minimum. Any thread.
log_level set_log_level(log_level minimum) noexcept;
/// True when a line of `level` would reach the sink: check it before formatting an expensive line.
bool log_enabled(log_level level) noexcept;

/// The sink used until set_log_sink() replaces it: "corio: LINE\n" on stderr, "corio: warning: LINE\n"
/// and "corio: error: LINE\n" for those levels.
void stderr_log_sink(log_level level, std::string_view line);

/// Gives `line` to the process's sink at `level`, unless the level is below the minimum.
void log(log_level level, std::string_view line);
/// log(log_level::info, line).
void log(std::string_view line);

/// Says `line` at log_level::error (on stderr when the sink is off or drops errors) and aborts: for a
/// broken usage contract or a failure corio cannot recover from. The one way corio stops a process.
[[noreturn]] void fatal(std::string_view line) noexcept;

} // namespace corio
