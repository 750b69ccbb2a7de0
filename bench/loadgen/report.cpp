// SPDX-License-Identifier: MIT
#include "report.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iterator>
#include <memory>

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "interval_log.hpp"
#include "output_file.hpp"
#include "plot.hpp"

namespace corio::load {

namespace {

constexpr double percentiles[] = {50, 75, 90, 99, 99.9, 99.99};

std::string format_count(double n) {
    if (n >= 1e9) return fmt::format("{:.2f}G", n / 1e9);
    if (n >= 1e6) return fmt::format("{:.2f}M", n / 1e6);
    if (n >= 1e4) return fmt::format("{:.1f}k", n / 1e3);
    return fmt::format("{:.0f}", n);
}

std::string format_bytes(double n) {
    if (n >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", n / (1024.0 * 1024 * 1024));
    if (n >= 1024.0 * 1024) return fmt::format("{:.2f} MiB", n / (1024.0 * 1024));
    if (n >= 1024.0) return fmt::format("{:.2f} KiB", n / 1024.0);
    return fmt::format("{:.0f} B", n);
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

std::string mode_text(const load_config& config) {
    if (config.rate > 0) return fmt::format("open loop at {} requests/s", format_count(config.rate));
    return "closed loop";
}

double us(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e3;
}

} // namespace

std::string format_latency(std::uint64_t ns) {
    const double v = static_cast<double>(ns);
    if (ns < 1'000) return fmt::format("{}ns", ns);
    if (ns < 10'000) return fmt::format("{:.2f}us", v / 1e3);
    if (ns < 1'000'000) return fmt::format("{:.0f}us", v / 1e3);
    if (ns < 10'000'000) return fmt::format("{:.2f}ms", v / 1e6);
    if (ns < 100'000'000) return fmt::format("{:.1f}ms", v / 1e6);
    if (ns < 1'000'000'000) return fmt::format("{:.0f}ms", v / 1e6);
    return fmt::format("{:.2f}s", v / 1e9);
}

void print_summary(std::FILE* to, const load_config& config, const test_result& r) {
    const thread_result& t = r.total;
    std::string out;
    auto line = [&](const std::string& s) { out += s + "\n"; };
    line(fmt::format("corio-load [{}] {} {}: {} threads, {} connections, {}{}", config.label, config.spec.method,
                     config.url_text, r.threads.size(), t.connections, mode_text(config),
                     config.pipeline > 1 ? fmt::format(", pipeline {}", config.pipeline) : ""));
    for (const std::string& n : r.notes)
        line("  note: " + n);
    line("");
    std::string head = "  Latency  ";
    std::string values = "           ";
    for (const double p : percentiles) {
        head += fmt::format("{:>10}", fmt::format("p{}", p));
        values += fmt::format("{:>10}", format_latency(t.latency.percentile(p)));
    }
    head += fmt::format("{:>10}{:>10}{:>10}", "max", "mean", "stdev");
    values += fmt::format("{:>10}{:>10}{:>10}", format_latency(t.latency.max()),
                          format_latency(static_cast<std::uint64_t>(t.latency.mean())),
                          format_latency(static_cast<std::uint64_t>(t.latency.stdev())));
    line(head);
    line(values);
    if (config.rate > 0) line("  (open loop: latency from each request's scheduled send time)");
    line("");
    line(fmt::format("  {} requests in {:.2f}s, {} read, {} written", t.requests, r.elapsed_s,
                     format_bytes(static_cast<double>(t.bytes_read)),
                     format_bytes(static_cast<double>(t.bytes_written))));
    line(fmt::format("  Requests/sec: {:.2f}", r.requests_per_second()));
    line(fmt::format("  Transfer/sec: {}",
                     format_bytes(r.elapsed_s > 0 ? static_cast<double>(t.bytes_read) / r.elapsed_s : 0)));
    if (config.rate > 0 && r.elapsed_s > 0) {
        const double achieved = r.requests_per_second();
        line(fmt::format("  Target rate: {:.0f}/s, achieved {:.1f}%{}", config.rate, 100.0 * achieved / config.rate,
                         achieved < 0.95 * config.rate ? " (the server or the connections could not keep up: "
                                                         "requests queued, and their wait is in the latency)"
                                                       : ""));
    }
    std::string statuses;
    for (unsigned c = 1; c <= 5; ++c) {
        if (const std::uint64_t n = r.status_class(c)) statuses += fmt::format(" {}xx {}", c, n);
    }
    line("  Status:" + (statuses.empty() ? std::string(" none") : statuses));
    std::string errors;
    for (std::size_t k = 0; k < error_kind_count; ++k)
        errors += fmt::format("{}{} {}", k == 0 ? " " : ", ", error_kind_names[k], t.errors[k]);
    const std::uint64_t non2xx = t.requests - r.status_class(2);
    line(fmt::format("  Errors:{}; non-2xx {}; lost requests {}", errors, non2xx, t.lost));
    if (!t.connect_errnos.empty() || !t.io_errnos.empty()) {
        std::string detail;
        for (const auto& [e, n] : t.connect_errnos)
            detail += fmt::format(" connect {} x{};", std::strerror(e), n);
        for (const auto& [e, n] : t.io_errnos)
            detail += fmt::format(" read/write {} x{};", std::strerror(e), n);
        line("   " + detail);
    }
    line(fmt::format("  Connections: {} opened (connect p50 {}, max {}), {} reopened during the test", t.connects,
                     format_latency(t.connect_time.percentile(50)), format_latency(t.connect_time.max()),
                     t.reconnects));
    std::fputs(out.c_str(), to);
    std::fflush(to);
}

void print_progress(std::FILE* to, const progress_info& info) {
    const std::string total = info.total_s > 0 ? fmt::format("/{:.0f}s", info.total_s) : "";
    std::fputs(fmt::format("\r\x1b[K  {:.0f}s{}  {} req/s  p99 {}  {} requests  {} errors", info.elapsed_s, total,
                           format_count(info.last_second_rps), format_latency(info.p99_ns), info.requests, info.errors)
                   .c_str(),
               to);
    std::fflush(to);
}

void clear_progress(std::FILE* to) {
    std::fputs("\r\x1b[K", to);
    std::fflush(to);
}

bool check_output_path(std::string_view flag, const std::string& path, std::string& error) {
    if (path == "-") return true;
    const std::size_t slash = path.rfind('/');
    const std::string directory = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    struct stat info {};
    const auto refuse = [&](const std::string& what, const std::string& why) {
        error = fmt::format("{} {}: cannot write {} ({})", flag, path, what, why);
        return false;
    };
    if (stat(directory.c_str(), &info) != 0) return refuse("into " + directory, std::strerror(errno));
    if (!S_ISDIR(info.st_mode)) return refuse("into " + directory, "not a directory");
    if (access(directory.c_str(), W_OK) != 0) return refuse("into " + directory, std::strerror(errno));
    if (stat(path.c_str(), &info) == 0) {
        if (S_ISDIR(info.st_mode)) return refuse("it", "a directory");
        if (access(path.c_str(), W_OK) != 0) return refuse("it", std::strerror(errno));
    }
    return true;
}

bool write_json(const std::string& path, const load_config& config, const test_result& r, std::string& error) {
    const thread_result& t = r.total;
    std::string j;
    auto out = std::back_inserter(j);
    fmt::format_to(out, "{{\n  \"tool\": \"corio-load\",\n  \"format\": 2,\n  \"label\": {},\n",
                   json_string(config.label));
    // Wall-clock times, so that workers' results line up (corio-load merge) and their skew shows.
    fmt::format_to(out,
                   "  \"start\": {{\"intended_unix_s\": {:.6f}, \"actual_unix_s\": {:.6f}, \"skew_ms\": {:.3f}, "
                   "\"warmup_s\": {:.3f}, \"measure_unix_s\": {:.6f}}},\n",
                   r.intended_start_unix_s, r.start_unix_s,
                   r.intended_start_unix_s != 0 ? (r.start_unix_s - r.intended_start_unix_s) * 1e3 : 0.0,
                   static_cast<double>(config.warmup_ns) / 1e9, r.measure_unix_s);
    fmt::format_to(out, "  \"config\": {{\"url\": {}, \"method\": {}, \"threads\": {}, \"connections\": {}, ",
                   json_string(config.url_text), json_string(config.spec.method), r.threads.size(), config.connections);
    fmt::format_to(out, "\"mode\": \"{}\", \"rate\": {}, \"pipeline\": {}, \"duration_s\": {}, \"requests\": {}, ",
                   config.rate > 0 ? "open" : "closed", config.rate, config.pipeline,
                   static_cast<double>(config.duration_ns) / 1e9, config.requests);
    fmt::format_to(out, "\"timeout_s\": {}, \"address\": {}, \"paths\": [",
                   static_cast<double>(config.timeout_ns) / 1e9, json_string(config.address.to_string()));
    for (std::size_t i = 0; i < config.spec.paths.size(); ++i)
        fmt::format_to(out, "{}{{\"path\": {}, \"weight\": {}}}", i ? ", " : "",
                       json_string(config.spec.paths[i].target), config.spec.paths[i].weight);
    fmt::format_to(out, "], \"headers\": [");
    for (std::size_t i = 0; i < config.spec.headers.size(); ++i)
        fmt::format_to(out, "{}{}", i ? ", " : "", json_string(config.spec.headers[i]));
    fmt::format_to(out, "], \"body_bytes\": {}, \"sources\": [", config.spec.body.size());
    for (std::size_t i = 0; i < r.sources.size(); ++i)
        fmt::format_to(out, "{}{}", i ? ", " : "", json_string(r.sources[i]));
    fmt::format_to(out, "], \"stages\": [");
    for (std::size_t i = 0; i < config.stages.size(); ++i)
        fmt::format_to(out, "{}{{\"duration_s\": {}, \"target\": {}}}", i ? ", " : "",
                       static_cast<double>(config.stages[i].duration_ns) / 1e9, config.stages[i].target);
    fmt::format_to(out, "], \"cpus\": [");
    for (std::size_t i = 0; i < r.threads.size(); ++i)
        fmt::format_to(out, "{}{}", i ? ", " : "", r.threads[i].cpu);
    fmt::format_to(out, "]}},\n");

    fmt::format_to(out,
                   "  \"summary\": {{\"elapsed_s\": {:.6f}, \"stopped_by\": {}, \"requests\": {}, "
                   "\"requests_per_s\": {:.3f}, \"sent\": {}, \"lost\": {}, \"bytes_read\": {}, "
                   "\"bytes_written\": {}, \"connects\": {}, \"reconnects\": {}",
                   r.elapsed_s, json_string(r.stopped_by), t.requests, r.requests_per_second(), t.sent, t.lost,
                   t.bytes_read, t.bytes_written, t.connects, t.reconnects);
    if (config.rate > 0)
        fmt::format_to(out, ", \"target_rate\": {}, \"achieved_fraction\": {:.4f}", config.rate,
                       r.requests_per_second() / config.rate);
    fmt::format_to(out, "}},\n");

    auto latency_object = [&](const histogram& h) {
        fmt::format_to(out,
                       "{{\"count\": {}, \"min_us\": {:.3f}, \"mean_us\": {:.3f}, \"stdev_us\": {:.3f}, "
                       "\"max_us\": {:.3f}, \"percentiles_us\": {{",
                       h.count(), us(h.min()), h.mean() / 1e3, h.stdev() / 1e3, us(h.max()));
        constexpr double all[] = {50, 75, 90, 95, 99, 99.9, 99.99, 99.999, 100};
        for (std::size_t i = 0; i < std::size(all); ++i)
            fmt::format_to(out, "{}\"{}\": {:.3f}", i ? ", " : "", all[i], us(h.percentile(all[i])));
        fmt::format_to(out, "}}");
    };
    fmt::format_to(out, "  \"latency\": ");
    latency_object(t.latency);
    fmt::format_to(out,
                   ",\n    \"histogram\": {{\"unit\": \"ns\", \"relative_error\": {}, \"layout\": \"HdrHistogram\", "
                   "\"lowest\": {}, \"highest\": {}, \"significant_digits\": {}, \"buckets\": [",
                   1.0 / static_cast<double>(histogram::sub_count), histogram::lowest, histogram::highest,
                   histogram::significant_digits);
    bool first = true;
    for (const auto& [index, count] : t.latency.sparse()) {
        fmt::format_to(out, "{}[{}, {}, {}]", first ? "" : ", ", histogram::bucket_low(index),
                       histogram::bucket_high(index), count);
        first = false;
    }
    fmt::format_to(out, "]}}}},\n  \"connect_time\": ");
    latency_object(t.connect_time);
    fmt::format_to(out, "}},\n");

    fmt::format_to(out, "  \"errors\": {{");
    for (std::size_t k = 0; k < error_kind_count; ++k)
        fmt::format_to(out, "{}\"{}\": {}", k ? ", " : "", error_kind_names[k], t.errors[k]);
    fmt::format_to(out, ", \"non_2xx\": {}, \"connect_errno\": {{", t.requests - r.status_class(2));
    first = true;
    for (const auto& [e, n] : t.connect_errnos) {
        fmt::format_to(out, "{}{}: {}", first ? "" : ", ", json_string(std::strerror(e)), n);
        first = false;
    }
    fmt::format_to(out, "}}, \"io_errno\": {{");
    first = true;
    for (const auto& [e, n] : t.io_errnos) {
        fmt::format_to(out, "{}{}: {}", first ? "" : ", ", json_string(std::strerror(e)), n);
        first = false;
    }
    fmt::format_to(out, "}}}},\n  \"status_classes\": {{");
    for (unsigned c = 1; c <= 5; ++c)
        fmt::format_to(out, "{}\"{}xx\": {}", c > 1 ? ", " : "", c, r.status_class(c));
    fmt::format_to(out, "}},\n  \"status_codes\": {{");
    first = true;
    for (std::size_t s = 0; s < t.statuses.size(); ++s) {
        if (t.statuses[s] == 0) continue;
        fmt::format_to(out, "{}\"{}\": {}", first ? "" : ", ", s, t.statuses[s]);
        first = false;
    }
    fmt::format_to(out, "}},\n  \"threads\": [");
    for (std::size_t i = 0; i < r.threads.size(); ++i) {
        const thread_result& th = r.threads[i];
        fmt::format_to(out,
                       "{}\n    {{\"cpu\": {}, \"connections\": {}, \"requests\": {}, \"errors\": {}, "
                       "\"p50_us\": {:.3f}, \"p99_us\": {:.3f}, \"max_us\": {:.3f}}}",
                       i ? "," : "", th.cpu, th.connections, th.requests, th.error_total(),
                       us(th.latency.percentile(50)), us(th.latency.percentile(99)), us(th.latency.max()));
    }
    fmt::format_to(out, "\n  ],\n  \"timeline\": [");
    for (std::size_t i = 0; i < r.timeline.size(); ++i) {
        const timeline_point& p = r.timeline[i];
        fmt::format_to(out,
                       "{}\n    {{\"second\": {}, \"unix_s\": {:.3f}, \"duration_s\": {:.3f}, \"requests\": {}, "
                       "\"requests_per_s\": {:.1f}, \"errors\": {}, \"errors_by_kind\": {{",
                       i ? "," : "", p.second, r.measure_unix_s + p.second, p.duration_s, p.requests,
                       p.duration_s > 0 ? static_cast<double>(p.requests) / p.duration_s : 0.0, p.errors);
        for (std::size_t k = 0; k < error_kind_count; ++k)
            fmt::format_to(out, "{}\"{}\": {}", k ? ", " : "", error_kind_names[k], p.errors_by_kind[k]);
        fmt::format_to(out,
                       "}}, \"bytes_read\": {}, \"bytes_written\": {}, \"p50_us\": {:.3f}, \"p90_us\": {:.3f}, "
                       "\"p99_us\": {:.3f}, \"max_us\": {:.3f}}}",
                       p.bytes_read, p.bytes_written, us(p.p50_ns), us(p.p90_ns), us(p.p99_ns), us(p.max_ns));
    }
    fmt::format_to(out, "\n  ],\n  \"notes\": [");
    for (std::size_t i = 0; i < r.notes.size(); ++i)
        fmt::format_to(out, "{}{}", i ? ", " : "", json_string(r.notes[i]));
    fmt::format_to(out, "]\n}}\n");

    if (path == "-") {
        std::fputs(j.c_str(), stdout);
        std::fflush(stdout);
        return true;
    }
    return write_output_file("--json", path, j, error);
}

bool write_hlog(const std::string& path, const load_config& config, const test_result& r, std::string& error) {
    interval_log log;
    log.label = config.label;
    log.start_unix_s = r.measure_unix_s;
    for (const timeline_point& p : r.timeline) {
        log_interval i;
        i.start_unix_s = r.measure_unix_s + p.second;
        i.length_s = p.duration_s;
        i.max_ns = p.max_ns;
        i.buckets = p.latency;
        log.intervals.push_back(std::move(i));
    }
    return write_interval_log(path, log, error);
}

bool write_plot(const std::string& path, const load_config& config, const test_result& r, std::string& error) {
    plot_data data;
    data.title = fmt::format("{} {}: {} connections, {}", config.spec.method, config.url_text, config.connections,
                             mode_text(config));
    data.curves.push_back({"latency", &r.total.latency});
    for (const timeline_point& p : r.timeline) {
        if (p.duration_s < 0.5) continue; // a last, partial second would read as a drop
        data.seconds.push_back({p.second + 1, static_cast<double>(p.requests) / p.duration_s, p.p99_ns});
    }
    return draw_plot(path, data, error);
}

} // namespace corio::load
