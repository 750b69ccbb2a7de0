// SPDX-License-Identifier: MIT
// log: where corio's diagnostics go. One sink per process, a function that takes one line (no
// trailing newline); by default the line goes to stderr after "corio: ". An embedder routes the
// lines to its own logger with set_log_sink(), or silences them with set_log_sink(nullptr).
#pragma once

#include <string_view>

namespace corio {

/// Receives one line of corio's diagnostics; may be called from any thread, so it must be safe to
/// call concurrently.
using log_sink = void (*)(std::string_view line);

/// Makes `sink` the process's sink (nullptr: no output) and returns the previous one. Any thread.
log_sink set_log_sink(log_sink sink) noexcept;

/// The sink used until set_log_sink() replaces it: "corio: LINE\n" on stderr.
void stderr_log_sink(std::string_view line);

/// Gives `line` to the process's sink.
void log(std::string_view line);

} // namespace corio
