// SPDX-License-Identifier: MIT
#include "html_report.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "report.hpp"

namespace corio::load {

namespace {

struct series {
    std::string name;
    std::vector<std::pair<double, double>> points; // (x, y)
};

// A colour-blind-safe palette (Okabe-Ito).
constexpr const char* colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};

std::string escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '&':
            out += "&amp;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

// "Nice" axis ticks: 1, 2 or 5 times a power of ten.
double nice_step(double range, int ticks) {
    const double raw = range / ticks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / magnitude;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

// One line chart as inline SVG. With `log_x`, x is drawn on a log10 scale and `x_ticks` labels it.
std::string chart(const std::string& id, const std::string& title, const std::string& x_label,
                  const std::string& y_label, const std::vector<series>& lines, bool log_x = false,
                  const std::vector<std::pair<double, std::string>>& x_ticks = {}) {
    constexpr double width = 900, height = 320, left = 70, right = 150, top = 30, bottom = 45;
    double x0 = 1e300, x1 = -1e300, y1 = 0;
    for (const series& s : lines) {
        for (const auto& [x, y] : s.points) {
            const double lx = log_x ? std::log10(x) : x;
            x0 = std::min(x0, lx);
            x1 = std::max(x1, lx);
            y1 = std::max(y1, y);
        }
    }
    std::string svg = fmt::format(
        "<figure id=\"{}\" class=\"chart\"><figcaption>{}</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
        "viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">\n",
        id, escape(title), width, height, width, height, escape(title));
    if (x0 > x1) return svg + "<text x=\"20\" y=\"40\">no data</text></svg></figure>\n";
    if (x1 == x0) x1 = x0 + 1;
    if (y1 <= 0) y1 = 1;
    const double step = nice_step(y1, 5);
    y1 = std::ceil(y1 / step) * step;
    const auto px = [&](double x) {
        return left + ((log_x ? std::log10(x) : x) - x0) / (x1 - x0) * (width - left - right);
    };
    const auto py = [&](double y) { return height - bottom - y / y1 * (height - top - bottom); };
    auto out = std::back_inserter(svg);
    fmt::format_to(out, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" stroke=\"#999\"/>\n", left,
                   top, width - left - right, height - top - bottom);
    for (double y = 0; y <= y1 + step / 2; y += step) {
        fmt::format_to(out,
                       "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#eee\"/><text x=\"{3}\" "
                       "y=\"{4:.1f}\" text-anchor=\"end\" font-size=\"11\">{5:g}</text>\n",
                       left, width - right, py(y), left - 5, py(y) + 4, y);
    }
    if (log_x) {
        for (const auto& [x, label] : x_ticks) {
            if (std::log10(x) > x1 + 1e-9) break;
            fmt::format_to(out, "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>\n",
                           px(x), height - bottom + 15, escape(label));
        }
    } else {
        const double xs = nice_step(x1 - x0, 8);
        for (double x = std::ceil(x0 / xs) * xs; x <= x1 + 1e-9; x += xs) {
            fmt::format_to(out, "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{:g}</text>\n",
                           px(x), height - bottom + 15, x);
        }
    }
    fmt::format_to(out,
                   "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">{}</text>\n<text x=\"14\" "
                   "y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\" font-size=\"12\">{}</text>\n",
                   left + (width - left - right) / 2, height - 8, escape(x_label), top + (height - top - bottom) / 2,
                   top + (height - top - bottom) / 2, escape(y_label));
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const char* colour = colours[i % std::size(colours)];
        std::string points;
        for (const auto& [x, y] : lines[i].points)
            points += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
        fmt::format_to(out,
                       "<polyline class=\"series\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\" points=\"{}\"/>\n",
                       colour, points);
        fmt::format_to(out,
                       "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"3\"/><text "
                       "x=\"{4}\" y=\"{5}\" font-size=\"12\">{6}</text>\n",
                       width - right + 10, width - right + 30, top + 12 + 18.0 * static_cast<double>(i), colour,
                       width - right + 35, top + 16 + 18.0 * static_cast<double>(i), escape(lines[i].name));
    }
    return svg + "</svg></figure>\n";
}

double ms(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

} // namespace

std::string html_report(const merge_result& m, const std::string& title) {
    std::string page = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title>\n<style>body{{font:14px "
        "sans-serif;margin:24px;color:#222}} table{{border-collapse:collapse}} td,th{{border:1px solid "
        "#ccc;padding:3px "
        "8px;text-align:right}} th{{background:#f4f4f4}} figure{{margin:16px 0}} figcaption{{font-weight:bold}} "
        ".problem{{color:#b00}}</style></head><body>\n<h1>{0}</h1>\n",
        escape(title));
    auto out = std::back_inserter(page);
    fmt::format_to(out, "<p>{} workers, {} requests in {:.2f} s ({:.1f} requests/s); started {:.3f} (Unix time).</p>\n",
                   m.workers.size(), m.requests, m.elapsed_s,
                   m.elapsed_s > 0 ? static_cast<double>(m.requests) / m.elapsed_s : 0.0, m.start_unix_s);
    for (const std::string& p : m.problems)
        fmt::format_to(out, "<p class=\"problem\">&#9888; {}</p>\n", escape(p));

    // Throughput: total and per worker.
    std::vector<series> throughput{{"total", {}}};
    for (const worker_input& w : m.workers)
        throughput.push_back({w.label, {}});
    std::vector<series> latency{{"p50", {}}, {"p90", {}}, {"p99", {}}, {"p99.9", {}}, {"max", {}}};
    std::vector<series> errors;
    for (std::size_t k = 0; k < error_kind_count; ++k)
        errors.push_back({error_kind_names[k], {}});
    for (const merged_second& s : m.timeline) {
        // A last, partial second would read as a drop: it is left out, as in corio-load's plot.
        if (s.duration_s < 0.5) continue;
        const double x = s.unix_s - m.start_unix_s;
        throughput[0].points.emplace_back(x, static_cast<double>(s.requests) / s.duration_s);
        for (std::size_t w = 0; w < s.worker_requests.size(); ++w)
            throughput[w + 1].points.emplace_back(x, static_cast<double>(s.worker_requests[w]) / s.duration_s);
        if (s.has_latency) {
            const std::uint64_t values[] = {s.p50_ns, s.p90_ns, s.p99_ns, s.p999_ns, s.max_ns};
            for (std::size_t i = 0; i < std::size(values); ++i)
                latency[i].points.emplace_back(x, ms(values[i]));
        }
        for (std::size_t k = 0; k < error_kind_count; ++k)
            errors[k].points.emplace_back(x, static_cast<double>(s.errors[k]));
    }
    page +=
        chart("throughput", "Throughput (requests per second)", "seconds since the start", "requests/s", throughput);
    page += chart("latency-over-time", "Latency percentiles per second (from the interval logs)",
                  "seconds since the start", "ms", latency);
    // The distribution on HdrHistogram's scale: x = 1/(1-p), log10.
    std::vector<series> distribution;
    for (const latency_group& g : m.groups) {
        series s{g.kind, {}};
        const histogram& h = *g.latency;
        for (double nines = 0; nines <= 6.0001; nines += 0.05) {
            const double p = 100.0 * (1.0 - std::pow(10.0, -nines));
            s.points.emplace_back(1.0 / (1.0 - p / 100.0), ms(h.percentile(p)));
            if (static_cast<double>(h.count()) * (1.0 - p / 100.0) < 1.0) break;
        }
        distribution.push_back(std::move(s));
    }
    page += chart("distribution", "Latency by percentile (whole run, merged histograms)", "percentile", "ms",
                  distribution, true,
                  {{1, "0%"},
                   {2, "50%"},
                   {10, "90%"},
                   {100, "99%"},
                   {1e3, "99.9%"},
                   {1e4, "99.99%"},
                   {1e5, "99.999%"},
                   {1e6, "99.9999%"}});
    page += chart("errors", "Errors per second, by kind", "seconds since the start", "errors", errors);

    fmt::format_to(out, "<h2>Latency</h2>\n<table><tr><th>kind</th><th>count</th>");
    constexpr double shown[] = {50, 90, 99, 99.9, 99.99};
    for (const double p : shown)
        fmt::format_to(out, "<th>p{}</th>", p);
    fmt::format_to(out, "<th>max</th></tr>\n");
    for (const latency_group& g : m.groups) {
        fmt::format_to(out, "<tr><td>{}</td><td>{}</td>", g.kind, g.latency->count());
        for (const double p : shown)
            fmt::format_to(out, "<td>{}</td>", format_latency(g.latency->percentile(p)));
        fmt::format_to(out, "<td>{}</td></tr>\n", format_latency(g.latency->max()));
    }
    fmt::format_to(out, "</table>\n<h2>Workers and settings</h2>\n<table><tr><th>worker</th><th>latency</th><th>"
                        "requests</th><th>elapsed s</th><th>start skew ms</th><th>errors</th><th>files</th></tr>\n");
    for (const worker_input& w : m.workers) {
        std::uint64_t errors_total = 0;
        for (const std::uint64_t e : w.errors)
            errors_total += e;
        fmt::format_to(out,
                       "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td><td>{:.2f}</td><td>{}</td><td>{} "
                       "{}</td></tr>\n",
                       escape(w.label), w.latency_kind, w.requests, w.elapsed_s,
                       w.intended_start_unix_s > 0 ? (w.start_unix_s - w.intended_start_unix_s) * 1e3 : 0.0,
                       errors_total, escape(w.json_path), escape(w.hlog_path));
    }
    fmt::format_to(out, "</table>\n<p>Bytes read {}, written {}; lost requests {}; non-2xx {}.</p>\n</body></html>\n",
                   m.bytes_read, m.bytes_written, m.lost, m.non_2xx);
    return page;
}

} // namespace corio::load
