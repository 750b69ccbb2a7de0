// SPDX-License-Identifier: MIT
#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>

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
    add_synopsis("--backend", "NAME");
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
             "numeric IPv4/IPv6 address to bind (default " + defaults.server.address + ")");
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
    add_line(text, column, "--backend", "NAME",
             "automatic (default: io_uring, or epoll where io_uring is denied, saying why), io_uring or epoll; "
             "CORIO_BACKEND sets it when the flag is absent");
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

std::optional<int> parse_command_line(int argc, char** argv, const program& who, options& out,
                                      std::span<const extra_flag> extra) {
    const std::string usage = usage_text(who, out, extra);
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        const std::string_view value = has_value ? std::string_view(argv[i + 1]) : std::string_view();
        unsigned long long n = 0;
        bool taken = false;
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage.c_str(), stdout);
            return 0;
        } else if (arg == "--port" && has_value && parse_number(value, 65535, n)) {
            out.server.port = static_cast<std::uint16_t>(n);
            taken = true;
        } else if (arg == "--address" && has_value) {
            out.server.address = std::string(value);
            taken = true;
        } else if (arg == "--threads" && has_value && parse_number(value, 1024, n) && n > 0) {
            out.runtime.shards = static_cast<unsigned>(n);
            taken = true;
        } else if (arg == "--recv-buffers" && has_value && parse_number(value, 32768, n) && n > 0) {
            out.runtime.recv_buffers = static_cast<std::uint32_t>(n);
            taken = true;
        } else if (arg == "--recv-buffer-size" && has_value && parse_number(value, 1 << 20, n) && n >= 64) {
            out.runtime.recv_buffer_size = static_cast<std::uint32_t>(n);
            taken = true;
        } else if (arg == "--backend" && has_value && parse_backend(value, out.runtime.ring.backend)) {
            taken = true;
        } else if (arg == "--metrics" && has_value && value.starts_with('/')) {
            out.server.metrics_path = std::string(value);
            taken = true;
        } else {
            for (const extra_flag& flag : extra) {
                if (arg == flag.name && has_value) {
                    taken = flag.apply(value);
                    break;
                }
            }
        }
        if (!taken) {
            std::fprintf(stderr, "%.*s: bad argument '%s'\n", static_cast<int>(who.name.size()), who.name.data(),
                         argv[i]);
            std::fputs(usage.c_str(), stderr);
            return 2;
        }
        ++i; // every flag but --help takes a value
    }
    return std::nullopt;
}

int serve(std::string_view name, corio::http::server& server, const corio::runtime_config& config) {
    const int name_size = static_cast<int>(name.size());
    corio::runtime runtime(config);
    if (auto started = runtime.start(server); !started) {
        std::fprintf(stderr, "%.*s: %s\n", name_size, name.data(), runtime.error_message().c_str());
        return 1;
    }
    std::printf("%.*s: listening on %s port %u, %u shards, backend %s\n", name_size, name.data(),
                server.config().address.c_str(), static_cast<unsigned>(server.port()), runtime.shard_count(),
                runtime.backend_description().c_str());
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
