// SPDX-License-Identifier: MIT
#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include <corio/core/log.hpp>

namespace corio::examples {

namespace {

// "  --port N        text\n": the flag and its value padded to the column every line shares.
void add_line(std::string& text, std::size_t help_column, std::string_view flag, std::string_view value,
              std::string_view help) {
    std::string left = "  ";
    left.append(flag);
    if (!value.empty()) left.append(" ").append(value);
    left.resize(help_column, ' ');
    text.append(left).append(help).append("\n");
}

std::string usage_text(const program& who, const options& defaults, std::span<const extra_flag> extra) {
    // The synopsis, wrapped before column 100 with continuation lines under the first flag.
    std::string text = "usage: ";
    text.append(who.name);
    const std::size_t indent = text.size() + 1;
    std::size_t line_start = 0;
    const auto add_synopsis = [&](std::string_view flag, std::string_view value) {
        std::string item = " [";
        item.append(flag);
        if (!value.empty()) item.append(" ").append(value);
        item.append("]");
        if (text.size() - line_start + item.size() > 100) {
            text.append("\n");
            line_start = text.size();
            text.append(indent - 1, ' ');
        }
        text.append(item);
    };
    add_synopsis("--port", "N");
    add_synopsis("--address", "ADDR");
    add_synopsis("--threads", "N");
    add_synopsis("--recv-buffers", "N");
    add_synopsis("--recv-buffer-size", "BYTES");
    add_synopsis("--metrics", "PATH");
    add_synopsis("--health-path", "PATH");
    add_synopsis("--ready-path", "PATH");
    add_synopsis("--drain-delay-ms", "MS");
    add_synopsis("--reuse-port", "");
    add_synopsis("--backend", "NAME");
    add_synopsis("--log-level", "LEVEL");
    add_synopsis("--access-log", "FORMAT");
    for (const extra_flag& flag : extra)
        add_synopsis(flag.name, flag.value_name);
    add_synopsis("--help", "");
    text.append("\n");
    // Column 28 fits the common flags ("  --recv-buffer-size BYTES  "); a longer flag of the example moves it.
    std::size_t column = 28;
    for (const extra_flag& flag : extra)
        column = std::max(column, 2 + flag.name.size() + 1 + flag.value_name.size() + 2);
    add_line(text, column, "--port", "N",
             "TCP port to listen on (default " + std::to_string(defaults.server.port) + "; 0 picks a free one)");
    add_line(text, column, "--address", "ADDR",
             "IPv4/IPv6 address or host name to bind (default " + defaults.server.address + ")");
    add_line(text, column, "--threads", "N",
             defaults.runtime.shards == 0
                 ? std::string("number of shards, one per CPU (default: every CPU in the affinity mask)")
                 : "number of shards, one per CPU (default " + std::to_string(defaults.runtime.shards) + ")");
    add_line(text, column, "--recv-buffers", "N",
             "most receive buffers per shard, provided as needed, rounded up to a power of two (default " +
                 std::to_string(defaults.runtime.recv_buffers) + ")");
    add_line(text, column, "--recv-buffer-size", "BYTES",
             "bytes per receive buffer (default " + std::to_string(defaults.runtime.recv_buffer_size) + ")");
    add_line(text, column, "--metrics", "PATH",
             defaults.server.metrics_path.empty()
                 ? std::string("serve Prometheus counters at PATH, e.g. /metrics (default: off)")
                 : "serve Prometheus counters at PATH (default " + defaults.server.metrics_path + ")");
    add_line(text, column, "--health-path", "PATH",
             "answer liveness at PATH, e.g. /healthz: 503 when a shard is stuck (default: off)");
    add_line(text, column, "--ready-path", "PATH",
             "answer readiness at PATH, e.g. /readyz: 503 once SIGTERM arrives (default: off)");
    add_line(text, column, "--drain-delay-ms", "MS",
             "on SIGTERM serve on this long, readiness 503, before draining (default " +
                 std::to_string(defaults.server.drain_delay_ms) + ")");
    add_line(text, column, "--reuse-port", "",
             "share the port with another process that allows it (default: a port in use is refused)");
    add_line(text, column, "--backend", "NAME",
             "automatic (default: io_uring, or epoll where io_uring is denied, saying why), io_uring or epoll; "
             "CORIO_BACKEND sets it when the flag is absent");
    add_line(text, column, "--log-level", "LEVEL",
             "debug, info (default), warning or error: corio's diagnostics below it are not printed");
    add_line(text, column, "--access-log", "FORMAT",
             "text or json: a line per request on stdout, refused ones included (default: off)");
    for (const extra_flag& flag : extra)
        add_line(text, column, flag.name, flag.value_name, flag.help);
    add_line(text, column, "--help", "", "print this help");
    text.append(who.serves).append(" until SIGINT or SIGTERM.\n");
    return text;
}

} // namespace

bool parse_number(std::string_view text, unsigned long long max, unsigned long long& out) {
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return !text.empty() && ec == std::errc() && ptr == end && out <= max;
}

namespace {

// What a bad value of a common flag should have been, for the message.
struct common_flag {
    std::string_view name;
    std::string_view expected; // "not a port (1-65535, or 0 for a free one)"
};

} // namespace

std::optional<int> parse_command_line(int argc, char** argv, const program& who, options& out,
                                      std::span<const extra_flag> extra) {
    const std::string usage = usage_text(who, out, extra);
    const auto refuse = [&](const std::string& why) {
        std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(who.name.size()), who.name.data(), why.c_str());
        std::fprintf(stderr, "(%.*s --help lists the flags)\n", static_cast<int>(who.name.size()), who.name.data());
        return 2;
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage.c_str(), stdout);
            return 0;
        }
        // --name=value and --name value both work.
        std::optional<std::string_view> value;
        if (const std::size_t equals = arg.find('='); arg.starts_with("--") && equals != std::string_view::npos) {
            value = arg.substr(equals + 1);
            arg = arg.substr(0, equals);
        }
        if (arg == "--reuse-port") {
            if (value) return refuse("--reuse-port takes no value");
            out.server.reuse_port = true;
            continue;
        }
        const extra_flag* own = nullptr;
        for (const extra_flag& flag : extra) {
            if (arg == flag.name) own = &flag;
        }
        static constexpr common_flag common[] = {
            {"--port", "not a port (1-65535, or 0 for a free one)"},
            {"--address", "not an address (an IPv4/IPv6 address or a host name)"},
            {"--threads", "not a number of shards (1-1024)"},
            {"--recv-buffers", "not a number of buffers (1-32768)"},
            {"--recv-buffer-size", "not a buffer size (64-1048576 bytes)"},
            {"--metrics", "not a path (it starts with '/')"},
            {"--health-path", "not a path (it starts with '/')"},
            {"--ready-path", "not a path (it starts with '/')"},
            {"--drain-delay-ms", "not a delay (0-3600000 milliseconds)"},
            {"--backend", "not a backend (automatic, io_uring or epoll)"},
            {"--log-level", "not a log level (debug, info, warning or error)"},
            {"--access-log", "not an access log format (text or json)"},
        };
        const common_flag* known = nullptr;
        for (const common_flag& flag : common) {
            if (arg == flag.name) known = &flag;
        }
        if (known == nullptr && own == nullptr) return refuse(fmt::format("unknown flag '{}'", argv[i]));
        if (!value) {
            if (i + 1 >= argc) {
                return refuse(fmt::format("{} needs a value", arg));
            }
            value = std::string_view(argv[++i]);
        }
        const std::string_view v = *value;
        unsigned long long n = 0;
        bool taken = false;
        if (own != nullptr) {
            taken = own->apply(v);
            if (!taken) return refuse(fmt::format("{} {}: not an acceptable {} (see --help)", arg, v, own->value_name));
        } else if (arg == "--port") {
            taken = parse_number(v, 65535, n);
            if (taken) out.server.port = static_cast<std::uint16_t>(n);
        } else if (arg == "--address") {
            taken = !v.empty();
            if (taken) out.server.address = std::string(v);
        } else if (arg == "--threads") {
            taken = parse_number(v, 1024, n) && n > 0;
            if (taken) out.runtime.shards = static_cast<unsigned>(n);
        } else if (arg == "--recv-buffers") {
            taken = parse_number(v, 32768, n) && n > 0;
            if (taken) out.runtime.recv_buffers = static_cast<std::uint32_t>(n);
        } else if (arg == "--recv-buffer-size") {
            taken = parse_number(v, 1 << 20, n) && n >= 64;
            if (taken) out.runtime.recv_buffer_size = static_cast<std::uint32_t>(n);
        } else if (arg == "--metrics") {
            taken = v.starts_with('/');
            if (taken) out.server.metrics_path = std::string(v);
        } else if (arg == "--health-path") {
            taken = v.starts_with('/');
            if (taken) out.server.health_path = std::string(v);
        } else if (arg == "--ready-path") {
            taken = v.starts_with('/');
            if (taken) out.server.ready_path = std::string(v);
        } else if (arg == "--drain-delay-ms") {
            taken = parse_number(v, 3'600'000, n);
            if (taken) out.server.drain_delay_ms = static_cast<std::uint32_t>(n);
        } else if (arg == "--backend") {
            taken = parse_backend(v, out.runtime.ring.backend);
        } else if (arg == "--log-level") {
            log_level level = log_level::info;
            taken = parse_log_level(v, level);
            if (taken) set_log_level(level);
        } else if (arg == "--access-log") {
            taken = v == "text" || v == "json";
            if (taken) out.access_log = v == "text" ? http::access_log_format::text : http::access_log_format::json;
        }
        if (!taken) return refuse(fmt::format("{} {}: {}", arg, v, known->expected));
    }
    return std::nullopt;
}

int serve(std::string_view name, corio::http::server& server, const options& opts) {
    const int name_size = static_cast<int>(name.size());
    if (opts.access_log) server.use(corio::http::access_log(STDOUT_FILENO, *opts.access_log));
    // The runtime's backstop must not cut the drain delay and the drain short (a second to spare).
    corio::runtime_config backstopped = opts.runtime;
    const std::uint64_t drain_ms =
        std::uint64_t{server.config().drain_delay_ms} + server.config().drain_timeout_ms + 1000;
    backstopped.stop_timeout_ms =
        static_cast<std::uint32_t>(std::max<std::uint64_t>(backstopped.stop_timeout_ms, drain_ms));
    corio::runtime runtime(backstopped);
    const corio::stop_signals_blocked held; // a signal before wait_for_signal() waits for it
    if (auto started = runtime.start(server); !started) {
        std::fprintf(stderr, "%.*s: %s\n", name_size, name.data(), runtime.error_message().c_str());
        return 1;
    }
    const unsigned count = runtime.shard_count();
    std::printf("%.*s: listening on %s port %u, %u %s, backend %s\n", name_size, name.data(),
                server.config().address.c_str(), static_cast<unsigned>(server.port()), count,
                count == 1 ? "shard" : "shards", runtime.backend_description().c_str());
    std::fflush(stdout);
    const unsigned shards = runtime.shard_count(); // the runtime lets go of its shards when it stops
    const int status = runtime.wait_for_signal();
    std::uint64_t answered = 0;
    for (unsigned shard = 0; shard < shards; ++shard)
        answered += server.stats(shard).requests;
    std::printf("%.*s: stopped after answering %llu requests\n", name_size, name.data(),
                static_cast<unsigned long long>(answered));
    return status;
}

} // namespace corio::examples
