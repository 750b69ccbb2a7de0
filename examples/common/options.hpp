// SPDX-License-Identifier: MIT
// options: what every example server shares around its routes: the command line (--port,
// --address, --threads, the receive ring's size, --metrics, --help, plus flags of the example's
// own) filled into corio's two config structs, and serve(), which starts the runtime, prints the
// "listening" banner that scripts parse, waits for SIGINT/SIGTERM and reports how many requests
// were answered.
//
//   corio::examples::options opts;
//   if (auto exit_status = corio::examples::parse_command_line(argc, argv, {"hello", "Serves GET /plaintext"}, opts))
//       return *exit_status;
//   corio::http::server server(std::move(routes), opts.server);
//   return corio::examples::serve("hello", server, opts.runtime);
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <corio/core/runtime.hpp>
#include <corio/http/access_log.hpp>
#include <corio/http/server.hpp>

namespace corio::examples {

/// The configuration an example's command line fills; preset fields are the defaults --help shows.
struct options {
    corio::http::server_config server; ///< --port, --address, --metrics, --health-path, --ready-path,
                                       ///< --drain-delay-ms, --reuse-port
    corio::runtime_config runtime;     ///< --threads, --recv-buffers, --recv-buffer-size
    /// --access-log FORMAT: a line per request on stdout (corio::http::access_log), off by default.
    std::optional<corio::http::access_log_format> access_log;
};

/// A flag of one example that takes a value (`--name VALUE`).
struct extra_flag {
    std::string_view name;                       ///< "--rate"
    std::string_view value_name;                 ///< "N", shown in the usage text
    std::string help;                            ///< one line for --help
    std::function<bool(std::string_view)> apply; ///< stores the value; false when it is not acceptable
};

/// Who the program is, for the usage text and messages.
struct program {
    std::string_view name;   ///< "hello": the usage line and the prefix of every message
    std::string_view serves; ///< "Serves GET /plaintext": the usage text ends with it + " until SIGINT or SIGTERM."
};

/// Parses argv into `out`: --port N, --address ADDR, --threads N (> 0), --recv-buffers N (1-32768),
/// --recv-buffer-size BYTES (64 B-1 MiB), --metrics PATH, --health-path PATH, --ready-path PATH
/// (each starting with '/'), --drain-delay-ms MS (0-3600000), --reuse-port, --backend NAME,
/// --log-level LEVEL (applied at once with corio::set_log_level), --access-log FORMAT (text or json),
/// --help/-h, and `extra`; `--flag=value` works as `--flag value`. Returns the exit status when
/// main should return at once (--help: usage on stdout, 0; a bad argument: what is wrong with it
/// and what would be right on stderr, 2), nothing when it should serve.
std::optional<int> parse_command_line(int argc, char** argv, const program& who, options& out,
                                      std::span<const extra_flag> extra = {});

/// Parses a whole decimal number up to `max`; false when `text` is anything else.
bool parse_number(std::string_view text, unsigned long long max, unsigned long long& out);

/// Starts `server` (with the access log `opts` asks for) on a runtime made from opts.runtime and
/// prints "NAME: listening on ADDR port N, S shards, backend BACKEND (FEATURES)"; on SIGINT/SIGTERM drains
/// (after the server's drain_delay_ms; the runtime's stop deadline is raised to cover delay and
/// drain), prints "NAME: stopped after answering N requests" and returns 0. Returns 1 after printing
/// why when start-up fails.
int serve(std::string_view name, corio::http::server& server, const options& opts);

} // namespace corio::examples
