// SPDX-License-Identifier: MIT
#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <fmt/format.h>

#include <corio/core/runtime.hpp>

namespace corio::load {

const char* usage_text() {
    return R"(usage: corio-load [options] URL
       corio-load merge [--json OUT] [--hlog OUT] FILE...   (see corio-load merge --help)
An HTTP/1.1 load generator on io_uring (one ring per thread, pinned to a core).

  URL                     http://host[:port][/path][?query]  (plain HTTP; IPv4, IPv6 [::1] or a name)

Load:
  -t, --threads N         worker threads, each with its own io_uring and connections (default 2)
  -c, --connections N     connections in total, spread over the threads (default 10; 10k = 10000)
  -d, --duration T        how long to run: 10, 10s, 500ms, 2m, 1h (default 10s; with --requests
                          and no -d: until the requests are done)
  -R, --rate N            open loop: N requests/s in total at a constant rate; latency is measured
                          from each request's scheduled send time, so stalls are not hidden
                          (no coordinated omission). Without -R: closed loop (each connection sends
                          its next batch when the previous one is answered), as wrk does
      --pipeline N        requests in flight per connection, sent together in one write (default 1)
  -n, --requests N        stop after N requests (answered or failed) in total
      --timeout T         a request (or connect) without an answer after T is a timeout error and
                          its connection is reopened (default 2s)

Requests:
  -m, --method M          request method (default GET; HEAD responses are read without a body)
  -H, --header 'N: V'     add a request header (repeatable); a Host header replaces the URL's
      --path P            request path (repeatable: round-robin); replaces the URL's path
      --paths FILE        request paths, one per line, each optionally preceded by a weight:
                          '3 /plaintext' sends /plaintext 3 times as often as a weight-1 path
      --body FILE         request body read from FILE (sent with Content-Length)

Timing and profile (several workers on several machines start together with one --start-at):
      --start-at TIME     set up, then start every thread's load at TIME: Unix seconds
                          (1765000000) or RFC 3339 in UTC (2026-12-06T15:30:00Z); a time more than
                          1 s in the past is an error. The JSON records the intended and actual start
      --connect-early     with --start-at: open the connections before TIME (default: at TIME)
      --warmup D          run the load for D first and leave it out of every figure (10s, 500ms)
      --stages LIST       a load profile, e.g. 30s:10k,60s:50k,30s:50k,10s:0: each stage ramps
                          linearly from the value before it to its target. Open loop (with -R):
                          requests/s, ramping from -R's rate; closed loop: open connections,
                          ramping from -c (as many connections as the largest target are opened).
                          The stages set the duration
      --label NAME        this worker's name in every output (default: the host name)

Placement:
      --cpus LIST         CPUs for the threads, e.g. 1 or 0-3,6: thread i runs on the i-th
                          (default: the CPUs of the affinity mask, e.g. as set by taskset)
      --no-pin            do not pin the threads
      --source LIST       local source addresses, used in turn: 127.0.0.2,127.0.0.3 or a range
                          10.0.0.1-10.0.0.8 (each address has its own ephemeral ports; on loopback
                          more connections than one address's ports spread over 127.0.0.x by
                          themselves)

Output:
      --json FILE         write every result as JSON: configuration, summary, latency percentiles
                          and histogram, errors by kind, status codes, per-second timeline ('-' for
                          standard output)
      --hlog FILE         write the latency as an HdrHistogram interval log (V2 format, one interval
                          a second, values in ns; readable by HdrHistogram's tools and by
                          `corio-load merge`)
      --html FILE         write a self-contained report page (inline SVG charts: requests/s and
                          latency percentiles per second, the percentile distribution, errors)
      --plot FILE.png     draw the latency percentile curve and the requests/s timeline with
                          gnuplot (FILE.png.gp keeps the script and data)
      --progress          print a progress line every second (default: only on a terminal)
      --no-progress       never print the progress line
  -h, --help              print this help
  -v, --version           print the version

The summary (latency percentiles p50/p90/p99/p99.9/max from a log-linear histogram with < 0.4%
error, requests/s, errors by kind: connect, read, write, timeout, closed, parse, and status
classes) goes to standard output; errors that stop the test go to standard error.
Exit status: 0 when the test ran (even with errors counted), 1 when it could not start (bad URL,
unresolvable host, refused connection, an output file that cannot be written; all checked before
the load starts), 2 for a bad command line.
)";
}

namespace {

bool parse_count(std::string_view text, std::uint64_t max, std::uint64_t& out) {
    std::uint64_t scale = 1;
    if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) {
        scale = 1000;
        text.remove_suffix(1);
    } else if (!text.empty() && (text.back() == 'm' || text.back() == 'M')) {
        scale = 1000000;
        text.remove_suffix(1);
    }
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return false;
    if (value > max / scale) return false;
    out = value * scale;
    return out <= max;
}

bool parse_rate(std::string_view text, double& out) {
    return parse_amount(std::string(text), out) && out > 0;
}

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

bool parse_sources(const std::string& text, std::vector<net::socket_address>& out, std::string& error) {
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const std::size_t dash = item.find('-');
        if (dash == std::string::npos || item.find(':') != std::string::npos) {
            auto a = net::socket_address::parse(item, 0);
            if (!a) {
                error = "--source: '" + item + "' is not a numeric IP address";
                return false;
            }
            out.push_back(*a);
            continue;
        }
        // A range of IPv4 addresses: 10.0.0.1-10.0.0.8 or 10.0.0.1-8.
        const std::string first = item.substr(0, dash);
        std::string last = item.substr(dash + 1);
        if (last.find('.') == std::string::npos) last = first.substr(0, first.rfind('.') + 1) + last;
        in_addr a{};
        in_addr b{};
        if (inet_pton(AF_INET, first.c_str(), &a) != 1 || inet_pton(AF_INET, last.c_str(), &b) != 1 ||
            ntohl(b.s_addr) < ntohl(a.s_addr) || ntohl(b.s_addr) - ntohl(a.s_addr) >= 65536) {
            error = "--source: bad address range '" + item + "'";
            return false;
        }
        for (std::uint32_t h = ntohl(a.s_addr); h <= ntohl(b.s_addr); ++h) {
            in_addr x{htonl(h)};
            char buf[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &x, buf, sizeof buf);
            out.push_back(*net::socket_address::parse(buf, 0));
        }
    }
    if (out.empty()) {
        error = "--source: no address";
        return false;
    }
    return true;
}

bool parse_paths_file(const std::string& path, std::vector<weighted_path>& out, std::string& error) {
    std::string text;
    if (!read_file(path, text)) {
        error = "--paths: cannot read '" + path + "': " + std::strerror(errno);
        return false;
    }
    std::stringstream ss(text);
    std::string line;
    unsigned number = 0;
    while (std::getline(ss, line)) {
        ++number;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.pop_back();
        const std::size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#') continue;
        line = line.substr(start);
        weighted_path p;
        if (line.front() >= '0' && line.front() <= '9') {
            const std::size_t blank = line.find_first_of(" \t");
            std::uint64_t w = 0;
            if (blank == std::string::npos || !parse_count(line.substr(0, blank), 100000, w) || w == 0) {
                error = "--paths " + path + ":" + std::to_string(number) + ": expected '[WEIGHT] /path'";
                return false;
            }
            p.weight = static_cast<unsigned>(w);
            line = line.substr(line.find_first_not_of(" \t", blank));
        }
        p.target = line;
        out.push_back(std::move(p));
    }
    if (out.empty()) {
        error = "--paths: '" + path + "' names no path";
        return false;
    }
    return true;
}

} // namespace

bool parse_duration(const std::string& text, std::uint64_t& ns) {
    std::string_view t = text;
    double scale = 1e9;
    if (t.ends_with("ms")) {
        scale = 1e6;
        t.remove_suffix(2);
    } else if (t.ends_with("us")) {
        scale = 1e3;
        t.remove_suffix(2);
    } else if (t.ends_with("s")) {
        t.remove_suffix(1);
    } else if (t.ends_with("m")) {
        scale = 60e9;
        t.remove_suffix(1);
    } else if (t.ends_with("h")) {
        scale = 3600e9;
        t.remove_suffix(1);
    }
    const std::string copy(t);
    char* end = nullptr;
    const double v = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size() || !(v >= 0) || v * scale > 1e18) return false;
    ns = static_cast<std::uint64_t>(std::llround(v * scale));
    return true;
}

bool parse_amount(const std::string& text, double& out) {
    std::string_view t = text;
    double scale = 1;
    if (!t.empty() && (t.back() == 'k' || t.back() == 'K')) {
        scale = 1e3;
        t.remove_suffix(1);
    } else if (!t.empty() && (t.back() == 'm' || t.back() == 'M')) {
        scale = 1e6;
        t.remove_suffix(1);
    }
    const std::string copy(t);
    char* end = nullptr;
    const double v = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size() || !(v >= 0) || !std::isfinite(v)) return false;
    out = v * scale;
    return out <= 1e9;
}

bool parse_start_time(const std::string& text, double& unix_s) {
    if (text.empty()) return false;
    if (text.find_first_not_of("0123456789.") == std::string::npos) {
        char* end = nullptr;
        unix_s = std::strtod(text.c_str(), &end);
        return end == text.c_str() + text.size() && unix_s > 0 && std::isfinite(unix_s);
    }
    // RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00|-00:00), in UTC only (a worker's clock
    // and the time given must not depend on its time zone).
    std::tm tm{};
    const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (rest == nullptr) rest = strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (rest == nullptr) return false;
    double fraction = 0;
    if (*rest == '.') {
        char* end = nullptr;
        fraction = std::strtod(rest, &end);
        rest = end;
    }
    const std::string_view zone(rest);
    if (zone != "Z" && zone != "z" && zone != "+00:00" && zone != "-00:00") return false;
    const time_t seconds = timegm(&tm);
    if (seconds <= 0) return false;
    unix_s = static_cast<double>(seconds) + fraction;
    return true;
}

bool parse_cpu_list(const std::string& text, std::vector<int>& cpus) {
    std::stringstream ss(text);
    std::string item;
    cpus.clear();
    while (std::getline(ss, item, ',')) {
        unsigned a = 0;
        unsigned b = 0;
        const std::size_t dash = item.find('-');
        const std::string first = item.substr(0, dash);
        const std::string last = dash == std::string::npos ? first : item.substr(dash + 1);
        const auto r1 = std::from_chars(first.data(), first.data() + first.size(), a);
        const auto r2 = std::from_chars(last.data(), last.data() + last.size(), b);
        if (first.empty() || last.empty() || r1.ec != std::errc() || r2.ec != std::errc() ||
            r1.ptr != first.data() + first.size() || r2.ptr != last.data() + last.size() || b < a || b >= 4096) {
            return false;
        }
        for (unsigned c = a; c <= b; ++c)
            cpus.push_back(static_cast<int>(c));
    }
    return !cpus.empty();
}

command parse_command_line(int argc, char** argv, load_config& config, std::string& error) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::vector<weighted_path> paths;
    bool duration_given = false;
    std::string url_text;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string value;
        bool inline_value = false;
        if (arg.starts_with("--") && arg.find('=') != std::string::npos) {
            value = arg.substr(arg.find('=') + 1);
            arg = arg.substr(0, arg.find('='));
            inline_value = true;
        } else if (arg.size() > 2 && arg[0] == '-' && arg[1] != '-' && std::strchr("tcdRnmH", arg[1]) != nullptr) {
            value = arg.substr(2); // -t2, -c100, -d10s as wrk accepts them
            arg = arg.substr(0, 2);
            inline_value = true;
        }
        auto take = [&](std::string& out) {
            if (inline_value) {
                out = value;
                return true;
            }
            if (i + 1 >= args.size()) {
                error = "option " + arg + " needs a value";
                return false;
            }
            out = args[++i];
            return true;
        };
        auto bad = [&](const std::string& v, const char* what) {
            error = "bad value '" + v + "' for " + arg + " (" + what + ")";
            return command::error;
        };
        std::string v;
        std::uint64_t n = 0;
        if (arg == "-h" || arg == "--help") return command::help;
        if (arg == "-v" || arg == "--version") return command::version;
        if (arg == "-t" || arg == "--threads") {
            if (!take(v)) return command::error;
            if (!parse_count(v, 1024, n) || n == 0) return bad(v, "1-1024");
            config.threads = static_cast<unsigned>(n);
        } else if (arg == "-c" || arg == "--connections") {
            if (!take(v)) return command::error;
            if (!parse_count(v, 10'000'000, n) || n == 0) return bad(v, "a positive count, e.g. 100 or 10k");
            config.connections = static_cast<unsigned>(n);
        } else if (arg == "-d" || arg == "--duration") {
            if (!take(v)) return command::error;
            if (!parse_duration(v, config.duration_ns) || config.duration_ns == 0) {
                return bad(v, "a duration such as 10s, 500ms, 2m");
            }
            duration_given = true;
        } else if (arg == "-R" || arg == "--rate") {
            if (!take(v)) return command::error;
            if (!parse_rate(v, config.rate)) return bad(v, "requests per second, e.g. 50000 or 50k");
        } else if (arg == "--pipeline") {
            if (!take(v)) return command::error;
            if (!parse_count(v, 1024, n) || n == 0) return bad(v, "1-1024");
            config.pipeline = static_cast<unsigned>(n);
        } else if (arg == "-n" || arg == "--requests") {
            if (!take(v)) return command::error;
            if (!parse_count(v, UINT64_MAX / 2, n) || n == 0) return bad(v, "a positive count");
            config.requests = n;
        } else if (arg == "--timeout") {
            if (!take(v)) return command::error;
            if (!parse_duration(v, config.timeout_ns) || config.timeout_ns < 1'000'000) {
                return bad(v, "a duration of at least 1ms");
            }
        } else if (arg == "-m" || arg == "--method") {
            if (!take(v)) return command::error;
            config.spec.method = v;
        } else if (arg == "-H" || arg == "--header") {
            if (!take(v)) return command::error;
            config.spec.headers.push_back(v);
        } else if (arg == "--path") {
            if (!take(v)) return command::error;
            paths.push_back({v, 1});
        } else if (arg == "--paths") {
            if (!take(v)) return command::error;
            if (!parse_paths_file(v, paths, error)) return command::error;
        } else if (arg == "--body") {
            if (!take(v)) return command::error;
            if (!read_file(v, config.spec.body)) {
                error = "--body: cannot read '" + v + "': " + std::strerror(errno);
                return command::error;
            }
        } else if (arg == "--cpus") {
            if (!take(v)) return command::error;
            if (!parse_cpu_list(v, config.cpus)) return bad(v, "a CPU list such as 1 or 0-3,6");
        } else if (arg == "--no-pin") {
            config.pin = false;
        } else if (arg == "--source") {
            if (!take(v)) return command::error;
            if (!parse_sources(v, config.sources, error)) return command::error;
        } else if (arg == "--json") {
            if (!take(config.json_path)) return command::error;
        } else if (arg == "--html") {
            if (!take(config.html_path)) return command::error;
        } else if (arg == "--hlog") {
            if (!take(config.hlog_path)) return command::error;
        } else if (arg == "--start-at") {
            if (!take(v)) return command::error;
            if (!parse_start_time(v, config.start_at_s)) {
                return bad(v, "Unix seconds or an RFC 3339 time in UTC, e.g. 2026-12-06T15:30:00Z");
            }
            timespec now{};
            clock_gettime(CLOCK_REALTIME, &now);
            const double now_s = static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
            if (config.start_at_s < now_s - 1.0) {
                error = fmt::format("--start-at {} is {:.1f} s in the past (give a time ahead of every worker's "
                                    "set-up)",
                                    v, now_s - config.start_at_s);
                return command::error;
            }
        } else if (arg == "--connect-early") {
            config.connect_early = true;
        } else if (arg == "--warmup") {
            if (!take(v)) return command::error;
            if (!parse_duration(v, config.warmup_ns)) return bad(v, "a duration such as 10s or 500ms");
        } else if (arg == "--stages") {
            if (!take(v)) return command::error;
            if (!parse_stages(v, config.stages, error)) return command::error;
        } else if (arg == "--label") {
            if (!take(config.label)) return command::error;
            if (config.label.empty()) return bad(v, "a non-empty name");
        } else if (arg == "--plot") {
            if (!take(config.plot_path)) return command::error;
        } else if (arg == "--progress") {
            config.progress = 1;
        } else if (arg == "--no-progress") {
            config.progress = 0;
        } else if (arg.size() > 1 && arg[0] == '-') {
            error = "unknown option '" + args[i] + "'";
            return command::error;
        } else if (url_text.empty()) {
            url_text = arg;
        } else {
            error = "more than one URL ('" + url_text + "', '" + arg + "')";
            return command::error;
        }
    }
    if (url_text.empty()) {
        error = "no URL given";
        return command::error;
    }
    if (config.requests != 0 && !duration_given) config.duration_ns = 0;
    if (config.requests != 0 && (config.warmup_ns != 0 || !config.stages.empty())) {
        error = "--requests cannot be combined with --warmup or --stages (they bound the test by time)";
        return command::error;
    }
    if (config.connect_early && config.start_at_s == 0) {
        error = "--connect-early needs --start-at";
        return command::error;
    }
    if (!config.stages.empty()) {
        if (duration_given) {
            error = "give either --duration or --stages (the stages set the duration)";
            return command::error;
        }
        std::uint64_t total = 0;
        double peak = 0;
        for (const stage& s : config.stages) {
            total += s.duration_ns;
            peak = std::max(peak, s.target);
        }
        config.duration_ns = total;
        config.stages_from = config.rate > 0 ? config.rate : config.connections;
        if (config.rate == 0) {
            // Closed loop: the targets are connections; open as many as the largest one asks for.
            for (const stage& s : config.stages) {
                if (s.target != std::floor(s.target)) {
                    error = "--stages: a closed-loop target is a whole number of connections";
                    return command::error;
                }
            }
            config.connections = std::max(config.connections, static_cast<unsigned>(peak));
        }
    }
    if (config.label.empty()) {
        char host[256] = {};
        config.label = gethostname(host, sizeof host - 1) == 0 && host[0] != 0 ? host : "worker";
    }
    if (config.connections < config.threads) {
        error = "fewer connections (" + std::to_string(config.connections) + ") than threads (" +
                std::to_string(config.threads) + ")";
        return command::error;
    }
    config.url_text = url_text;
    if (!parse_url(url_text, config.target, error)) return command::error;
    config.spec.authority = config.target.authority;
    config.spec.paths = paths.empty() ? std::vector<weighted_path>{{config.target.target, 1}} : paths;
    return command::run;
}

} // namespace corio::load
