// SPDX-License-Identifier: MIT
#include "merge.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "html_report.hpp"
#include "interval_log.hpp"
#include "json_reader.hpp"
#include "output_file.hpp"
#include "plot.hpp"
#include "report.hpp"

namespace corio::load {

namespace {

constexpr double late_ms = 10.0; // a worker starting later than this after the intended start is late

std::string stem(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    const std::size_t dot = name.rfind('.');
    return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

std::uint64_t u64(const json_value* v) {
    std::uint64_t n = 0;
    return v != nullptr && v->to_u64(n) ? n : 0;
}
double num(const json_value* v) {
    return v != nullptr ? v->number() : 0.0;
}
const json_value* at(const json_value& v, std::initializer_list<const char*> keys) {
    const json_value* p = &v;
    for (const char* k : keys) {
        p = p->find(k);
        if (p == nullptr) return nullptr;
    }
    return p;
}

} // namespace

bool read_worker_json(const std::string& path, worker_input& w, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot read: " + std::strerror(errno);
        return false;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    json_value doc;
    std::string why;
    if (!parse_json(text, doc, why)) {
        error = path + ": not valid JSON (" + why + ")";
        return false;
    }
    const json_value* tool = doc.find("tool");
    if (doc.type != json_value::kind::object || tool == nullptr || tool->text != "corio-load") {
        error = path + ": not a corio-load result (no \"tool\": \"corio-load\")";
        return false;
    }
    const json_value* h = at(doc, {"latency", "histogram"});
    if (h == nullptr || h->find("layout") == nullptr || h->find("buckets") == nullptr) {
        error = path + ": written by a corio-load older than the HdrHistogram layout (no histogram layout): its "
                       "buckets cannot be merged exactly";
        return false;
    }
    if (u64(h->find("lowest")) != histogram::lowest || u64(h->find("highest")) != histogram::highest ||
        u64(h->find("significant_digits")) != histogram::significant_digits) {
        error =
            fmt::format("{}: a different histogram range (lowest {}, highest {}, {} digits; merge needs {}, {}, {})",
                        path, num(h->find("lowest")), num(h->find("highest")), num(h->find("significant_digits")),
                        histogram::lowest, histogram::highest, histogram::significant_digits);
        return false;
    }
    w.json_path = path;
    const json_value* label = doc.find("label");
    w.label = label != nullptr && !label->text.empty() ? label->text : stem(path);
    const json_value* mode = at(doc, {"config", "mode"});
    w.latency_kind = mode != nullptr && mode->text == "open" ? "corrected" : "uncorrected";
    w.planned_s = num(at(doc, {"config", "duration_s"}));
    w.intended_start_unix_s = num(at(doc, {"start", "intended_unix_s"}));
    w.start_unix_s = num(at(doc, {"start", "actual_unix_s"}));
    w.measure_unix_s = num(at(doc, {"start", "measure_unix_s"}));
    const json_value* s = doc.find("summary");
    if (s == nullptr || w.start_unix_s <= 0) {
        error = path + ": a corio-load result without a summary or start time: truncated or hand-made?";
        return false;
    }
    w.elapsed_s = num(s->find("elapsed_s"));
    if (const json_value* by = s->find("stopped_by")) w.stopped_by = by->text;
    w.requests = u64(s->find("requests"));
    w.sent = u64(s->find("sent"));
    w.lost = u64(s->find("lost"));
    w.bytes_read = u64(s->find("bytes_read"));
    w.bytes_written = u64(s->find("bytes_written"));
    for (std::size_t k = 0; k < error_kind_count; ++k)
        w.errors[k] = u64(at(doc, {"errors", error_kind_names[k]}));
    w.non_2xx = u64(at(doc, {"errors", "non_2xx"}));
    if (const json_value* codes = doc.find("status_codes")) {
        for (const auto& [code, n] : codes->members)
            w.status_codes[code] += u64(&n);
    }
    // Latencies: exact extremes (printed in µs with three decimals, so in whole ns) and every bucket.
    w.min_ns = static_cast<std::uint64_t>(std::llround(num(at(doc, {"latency", "min_us"})) * 1e3));
    w.max_ns = static_cast<std::uint64_t>(std::llround(num(at(doc, {"latency", "max_us"})) * 1e3));
    for (const json_value& b : h->find("buckets")->items) {
        std::uint64_t low = 0;
        std::uint64_t count = 0;
        if (b.items.size() != 3 || !b.items[0].to_u64(low) || !b.items[2].to_u64(count)) {
            error = path + ": a malformed histogram bucket";
            return false;
        }
        const std::size_t index = histogram::bucket_of(low);
        if (histogram::bucket_low(index) != low) {
            error = path + ": a histogram bucket at " + std::to_string(low) + " ns is not on the HdrHistogram layout";
            return false;
        }
        w.latency.emplace_back(static_cast<std::uint32_t>(index), count);
    }
    if (const json_value* timeline = doc.find("timeline")) {
        for (const json_value& p : timeline->items) {
            worker_second sec;
            sec.unix_s = num(p.find("unix_s"));
            sec.duration_s = num(p.find("duration_s"));
            sec.requests = u64(p.find("requests"));
            sec.bytes_read = u64(p.find("bytes_read"));
            sec.bytes_written = u64(p.find("bytes_written"));
            sec.max_ns = static_cast<std::uint64_t>(std::llround(num(p.find("max_us")) * 1e3));
            for (std::size_t k = 0; k < error_kind_count; ++k)
                sec.errors[k] = u64(at(p, {"errors_by_kind", error_kind_names[k]}));
            w.seconds.push_back(std::move(sec));
        }
    }
    return true;
}

namespace {

bool read_worker_hlog(const std::string& path, worker_input& w, std::string& error) {
    interval_log log;
    if (!read_interval_log(path, log, error)) return false;
    w.hlog_path = path;
    if (w.label.empty()) w.label = log.label.empty() ? stem(path) : log.label;
    const bool from_json = !w.json_path.empty();
    auto sum = std::make_unique<histogram>();
    // With a JSON result, its seconds get the log's latency; alone, the log is the worker.
    for (log_interval& i : log.intervals) {
        worker_second* sec = nullptr;
        if (from_json) {
            for (worker_second& s : w.seconds) {
                if (std::abs(s.unix_s - i.start_unix_s) < 0.5) sec = &s;
            }
        }
        if (sec == nullptr) {
            if (from_json) continue;
            w.seconds.emplace_back();
            sec = &w.seconds.back();
            sec->unix_s = i.start_unix_s;
            sec->duration_s = i.length_s;
            sec->max_ns = i.max_ns;
        }
        sec->encoded_latency = std::move(i.encoded);
        for (const auto& [index, count] : i.buckets) {
            sum->add_bucket(index, count);
            if (!from_json) sec->requests += count;
        }
    }
    if (!from_json) {
        w.latency = sum->sparse();
        w.requests = sum->count();
        w.start_unix_s = w.measure_unix_s =
            log.intervals.empty() ? log.start_unix_s : log.intervals.front().start_unix_s;
        w.min_ns = sum->min();
        for (const worker_second& s : w.seconds)
            w.max_ns = std::max(w.max_ns, s.max_ns);
        if (!w.seconds.empty()) w.elapsed_s = w.seconds.back().unix_s + w.seconds.back().duration_s - w.start_unix_s;
    }
    return true;
}

} // namespace

bool read_worker_inputs(const std::vector<std::string>& paths, std::vector<worker_input>& out, std::string& error) {
    out.clear();
    if (paths.empty()) {
        error = "no input files: give the workers' --json results and/or --hlog logs";
        return false;
    }
    std::vector<std::string> logs;
    for (const std::string& path : paths) {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            error = path + ": cannot read: " + std::strerror(errno);
            return false;
        }
        char first = 0;
        while (in.get(first) && std::isspace(static_cast<unsigned char>(first))) {
        }
        if (!in) {
            error = path + ": empty: neither a corio-load result nor an interval log";
            return false;
        }
        if (first == '{') {
            worker_input w;
            if (!read_worker_json(path, w, error)) return false;
            out.push_back(std::move(w));
        } else {
            logs.push_back(path);
        }
    }
    for (const std::string& path : logs) {
        // Its worker: the JSON of the same stem, else of the label the log names.
        worker_input* owner = nullptr;
        for (worker_input& w : out) {
            if (!w.json_path.empty() && w.hlog_path.empty() && stem(w.json_path) == stem(path)) owner = &w;
        }
        interval_log peek;
        if (owner == nullptr) {
            if (!read_interval_log(path, peek, error)) return false;
            for (worker_input& w : out) {
                if (!w.json_path.empty() && w.hlog_path.empty() && !peek.label.empty() && w.label == peek.label)
                    owner = &w;
            }
        }
        if (owner == nullptr) {
            out.emplace_back();
            owner = &out.back();
        }
        if (!read_worker_hlog(path, *owner, error)) return false;
    }
    return true;
}

worker_input worker_from_result(const load_config& config, const test_result& r) {
    worker_input w;
    const thread_result& t = r.total;
    w.label = config.label;
    w.latency_kind = config.rate > 0 ? "corrected" : "uncorrected";
    w.intended_start_unix_s = r.intended_start_unix_s;
    w.start_unix_s = r.start_unix_s;
    w.measure_unix_s = r.measure_unix_s;
    w.planned_s = static_cast<double>(config.duration_ns) / 1e9;
    w.elapsed_s = r.elapsed_s;
    w.stopped_by = r.stopped_by;
    w.requests = t.requests;
    w.sent = t.sent;
    w.lost = t.lost;
    w.bytes_read = t.bytes_read;
    w.bytes_written = t.bytes_written;
    w.non_2xx = t.requests - r.status_class(2);
    w.errors = t.errors;
    for (std::size_t s = 0; s < t.statuses.size(); ++s) {
        if (t.statuses[s] != 0) w.status_codes[std::to_string(s)] = t.statuses[s];
    }
    w.latency = t.latency.sparse();
    w.min_ns = t.latency.min();
    w.max_ns = t.latency.max();
    for (const timeline_point& p : r.timeline) {
        worker_second s;
        s.unix_s = r.measure_unix_s + p.second;
        s.duration_s = p.duration_s;
        s.requests = p.requests;
        s.bytes_read = p.bytes_read;
        s.bytes_written = p.bytes_written;
        s.errors = p.errors_by_kind;
        s.max_ns = p.max_ns;
        if (!p.latency.empty()) s.encoded_latency = encode_histogram(p.latency);
        w.seconds.push_back(std::move(s));
    }
    return w;
}

merge_result merge_workers(std::vector<worker_input> workers) {
    merge_result m;
    m.workers = std::move(workers);
    const std::size_t n = m.workers.size();
    m.start_unix_s = 0;
    double end = 0;
    double first_start = 0;
    for (const worker_input& w : m.workers) {
        const double measure = w.measure_unix_s > 0 ? w.measure_unix_s : w.start_unix_s;
        if (m.start_unix_s == 0 || measure < m.start_unix_s) m.start_unix_s = measure;
        if (first_start == 0 || w.start_unix_s < first_start) first_start = w.start_unix_s;
        end = std::max(end, measure + w.elapsed_s);
    }
    m.elapsed_s = std::max(0.0, end - m.start_unix_s);

    std::map<long, merged_second> seconds;
    // Per second, the workers' logged histograms; merged one second at a time into one histogram
    // (a dense histogram per second would take 270 KB each: 160 MB for a 10-minute run).
    std::map<long, std::vector<const std::string*>> second_latency;
    for (std::size_t i = 0; i < n; ++i) {
        worker_input& w = m.workers[i];
        m.requests += w.requests;
        m.sent += w.sent;
        m.lost += w.lost;
        m.bytes_read += w.bytes_read;
        m.bytes_written += w.bytes_written;
        m.non_2xx += w.non_2xx;
        for (std::size_t k = 0; k < error_kind_count; ++k)
            m.errors[k] += w.errors[k];
        for (const auto& [code, count] : w.status_codes)
            m.status_codes[code] += count;

        // Percentiles come from the merged buckets, per kind of latency; the exact extremes are kept.
        auto group = std::find_if(m.groups.begin(), m.groups.end(),
                                  [&](const latency_group& g) { return g.kind == w.latency_kind; });
        if (group == m.groups.end()) {
            m.groups.push_back({w.latency_kind});
            group = m.groups.end() - 1;
        }
        const bool was_empty = group->latency->count() == 0;
        const std::uint64_t min_before = group->latency->min();
        const std::uint64_t max_before = group->latency->max();
        for (const auto& [index, count] : w.latency)
            group->latency->add_bucket(index, count);
        if (!w.latency.empty()) {
            group->latency->set_extremes(was_empty ? w.min_ns : std::min(min_before, w.min_ns),
                                         was_empty ? w.max_ns : std::max(max_before, w.max_ns));
        }

        // Seconds line up on the wall clock: each goes to the whole second after the first start
        // nearest to it.
        for (const worker_second& s : w.seconds) {
            const long bin = std::lround(s.unix_s - m.start_unix_s);
            merged_second& out = seconds[bin];
            if (out.worker_requests.empty()) out.worker_requests.assign(n, 0);
            out.unix_s = m.start_unix_s + static_cast<double>(bin);
            out.duration_s = std::max(out.duration_s, s.duration_s);
            out.requests += s.requests;
            out.bytes_read += s.bytes_read;
            out.bytes_written += s.bytes_written;
            for (std::size_t k = 0; k < error_kind_count; ++k)
                out.errors[k] += s.errors[k];
            out.worker_requests[i] += s.requests;
            ++out.workers;
            out.max_ns = std::max(out.max_ns, s.max_ns);
            if (!s.encoded_latency.empty()) {
                second_latency[bin].push_back(&s.encoded_latency);
                out.has_latency = true;
            }
        }

        const double skew_ms = w.intended_start_unix_s > 0 ? (w.start_unix_s - w.intended_start_unix_s) * 1e3
                                                           : (w.start_unix_s - first_start) * 1e3;
        if (skew_ms > late_ms) {
            m.problems.push_back(fmt::format("{}: started late, {:.1f} ms after {}", w.label, skew_ms,
                                             w.intended_start_unix_s > 0 ? "--start-at" : "the first worker"));
        }
        if ((w.planned_s > 0 && w.elapsed_s < w.planned_s - 0.1) ||
            (!w.stopped_by.empty() && w.stopped_by != "duration" && w.stopped_by != "requests")) {
            m.problems.push_back(fmt::format("{}: ran short, {:.2f} s of {:.2f} s{}", w.label, w.elapsed_s, w.planned_s,
                                             w.stopped_by.empty() ? "" : " (stopped by " + w.stopped_by + ")"));
        }
        std::string errors;
        for (std::size_t k = 0; k < error_kind_count; ++k) {
            if (w.errors[k] != 0)
                errors += fmt::format("{}{} {}", errors.empty() ? "" : ", ", error_kind_names[k], w.errors[k]);
        }
        if (!errors.empty()) m.problems.push_back(w.label + ": errors: " + errors);
    }
    auto h_storage = std::make_unique<histogram>();
    for (auto& [bin, s] : seconds) {
        if (auto it = second_latency.find(bin); it != second_latency.end()) {
            histogram& h = *h_storage;
            h.clear();
            decoded_histogram decoded;
            std::string ignored; // every log was decoded once already, when it was read
            for (const std::string* encoded : it->second) {
                if (!decode_histogram(*encoded, decoded, ignored)) continue;
                for (const auto& [index, count] : decoded.buckets)
                    h.add_bucket(index, count);
            }
            s.p50_ns = std::min(h.percentile(50), s.max_ns);
            s.p90_ns = std::min(h.percentile(90), s.max_ns);
            s.p99_ns = std::min(h.percentile(99), s.max_ns);
            s.p999_ns = std::min(h.percentile(99.9), s.max_ns);
            s.latency = h.sparse();
        }
        if (bin >= 0) m.timeline.push_back(std::move(s));
    }
    return m;
}

namespace {

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
            continue;
        }
        out += c;
    }
    return out + "\"";
}

double us(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e3;
}

constexpr double percentiles[] = {50, 75, 90, 95, 99, 99.9, 99.99, 99.999, 100};

} // namespace

std::string merge_json(const merge_result& m) {
    std::string j;
    auto out = std::back_inserter(j);
    fmt::format_to(out, "{{\n  \"tool\": \"corio-load merge\",\n  \"format\": 2,\n  \"workers\": [");
    for (std::size_t i = 0; i < m.workers.size(); ++i) {
        const worker_input& w = m.workers[i];
        fmt::format_to(out,
                       "{}\n    {{\"label\": {}, \"json\": {}, \"hlog\": {}, \"latency\": \"{}\", \"requests\": {}, "
                       "\"intended_start_unix_s\": {:.6f}, \"start_unix_s\": {:.6f}, \"skew_ms\": {:.3f}, "
                       "\"elapsed_s\": {:.6f}, \"planned_s\": {}, \"errors\": {{",
                       i ? "," : "", quoted(w.label), quoted(w.json_path), quoted(w.hlog_path), w.latency_kind,
                       w.requests, w.intended_start_unix_s, w.start_unix_s,
                       w.intended_start_unix_s > 0 ? (w.start_unix_s - w.intended_start_unix_s) * 1e3 : 0.0,
                       w.elapsed_s, w.planned_s);
        for (std::size_t k = 0; k < error_kind_count; ++k)
            fmt::format_to(out, "{}\"{}\": {}", k ? ", " : "", error_kind_names[k], w.errors[k]);
        fmt::format_to(out, "}}}}");
    }
    fmt::format_to(out,
                   "\n  ],\n  \"summary\": {{\"workers\": {}, \"start_unix_s\": {:.6f}, \"elapsed_s\": {:.6f}, "
                   "\"requests\": {}, \"requests_per_s\": {:.3f}, \"sent\": {}, \"lost\": {}, \"bytes_read\": {}, "
                   "\"bytes_written\": {}}},\n  \"errors\": {{",
                   m.workers.size(), m.start_unix_s, m.elapsed_s, m.requests,
                   m.elapsed_s > 0 ? static_cast<double>(m.requests) / m.elapsed_s : 0.0, m.sent, m.lost, m.bytes_read,
                   m.bytes_written);
    for (std::size_t k = 0; k < error_kind_count; ++k)
        fmt::format_to(out, "{}\"{}\": {}", k ? ", " : "", error_kind_names[k], m.errors[k]);
    fmt::format_to(out, ", \"non_2xx\": {}}},\n  \"status_codes\": {{", m.non_2xx);
    bool first = true;
    for (const auto& [code, count] : m.status_codes) {
        fmt::format_to(out, "{}{}: {}", first ? "" : ", ", quoted(code), count);
        first = false;
    }
    // One object per kind: corrected (open loop) and uncorrected (closed loop) are never mixed.
    fmt::format_to(out, "}},\n  \"latency\": {{");
    for (std::size_t g = 0; g < m.groups.size(); ++g) {
        const histogram& h = *m.groups[g].latency;
        fmt::format_to(
            out, "{}\n    \"{}\": {{\"count\": {}, \"min_us\": {:.3f}, \"max_us\": {:.3f}, \"percentiles_us\": {{",
            g ? "," : "", m.groups[g].kind, h.count(), us(h.min()), us(h.max()));
        for (std::size_t i = 0; i < std::size(percentiles); ++i)
            fmt::format_to(out, "{}\"{}\": {:.3f}", i ? ", " : "", percentiles[i], us(h.percentile(percentiles[i])));
        fmt::format_to(out,
                       "}},\n      \"histogram\": {{\"unit\": \"ns\", \"layout\": \"HdrHistogram\", \"lowest\": {}, "
                       "\"highest\": {}, \"significant_digits\": {}, \"buckets\": [",
                       histogram::lowest, histogram::highest, histogram::significant_digits);
        first = true;
        for (const auto& [index, count] : h.sparse()) {
            fmt::format_to(out, "{}[{}, {}, {}]", first ? "" : ", ", histogram::bucket_low(index),
                           histogram::bucket_high(index), count);
            first = false;
        }
        fmt::format_to(out, "]}}}}");
    }
    fmt::format_to(out, "\n  }},\n  \"timeline\": [");
    for (std::size_t i = 0; i < m.timeline.size(); ++i) {
        const merged_second& s = m.timeline[i];
        fmt::format_to(out,
                       "{}\n    {{\"second\": {}, \"unix_s\": {:.3f}, \"duration_s\": {:.3f}, \"workers\": {}, "
                       "\"requests\": {}, \"bytes_read\": {}, \"bytes_written\": {}, \"errors_by_kind\": {{",
                       i ? "," : "", std::lround(s.unix_s - m.start_unix_s), s.unix_s, s.duration_s, s.workers,
                       s.requests, s.bytes_read, s.bytes_written);
        for (std::size_t k = 0; k < error_kind_count; ++k)
            fmt::format_to(out, "{}\"{}\": {}", k ? ", " : "", error_kind_names[k], s.errors[k]);
        fmt::format_to(out, "}}, \"worker_requests\": [");
        for (std::size_t w = 0; w < s.worker_requests.size(); ++w)
            fmt::format_to(out, "{}{}", w ? ", " : "", s.worker_requests[w]);
        fmt::format_to(out, "], \"max_us\": {:.3f}", us(s.max_ns));
        if (s.has_latency) {
            fmt::format_to(out, ", \"p50_us\": {:.3f}, \"p90_us\": {:.3f}, \"p99_us\": {:.3f}, \"p99.9_us\": {:.3f}",
                           us(s.p50_ns), us(s.p90_ns), us(s.p99_ns), us(s.p999_ns));
        }
        fmt::format_to(out, "}}");
    }
    fmt::format_to(out, "\n  ],\n  \"problems\": [");
    for (std::size_t i = 0; i < m.problems.size(); ++i)
        fmt::format_to(out, "{}{}", i ? ", " : "", quoted(m.problems[i]));
    fmt::format_to(out, "]\n}}\n");
    return j;
}

void print_merge_summary(std::FILE* to, const merge_result& m) {
    std::string out =
        fmt::format("corio-load merge: {} workers, {} requests in {:.2f} s ({:.1f} requests/s)\n", m.workers.size(),
                    m.requests, m.elapsed_s, m.elapsed_s > 0 ? static_cast<double>(m.requests) / m.elapsed_s : 0.0);
    for (const latency_group& g : m.groups) {
        const histogram& h = *g.latency;
        out +=
            fmt::format("  Latency ({}, {} values): p50 {}  p90 {}  p99 {}  p99.9 {}  max {}\n", g.kind, h.count(),
                        format_latency(h.percentile(50)), format_latency(h.percentile(90)),
                        format_latency(h.percentile(99)), format_latency(h.percentile(99.9)), format_latency(h.max()));
    }
    std::string errors;
    for (std::size_t k = 0; k < error_kind_count; ++k)
        errors += fmt::format("{}{} {}", k ? ", " : "", error_kind_names[k], m.errors[k]);
    out += "  Errors: " + errors + fmt::format("; non-2xx {}; lost {}\n", m.non_2xx, m.lost);
    out += "  Workers:\n";
    for (const worker_input& w : m.workers) {
        out += fmt::format("    {:<20} {:>12} requests  {:>8.2f} s  start {:+.1f} ms  {}\n", w.label, w.requests,
                           w.elapsed_s,
                           w.intended_start_unix_s > 0 ? (w.start_unix_s - w.intended_start_unix_s) * 1e3 : 0.0,
                           w.json_path.empty() ? w.hlog_path : w.json_path);
    }
    for (const std::string& p : m.problems)
        out += "  ! " + p + "\n";
    std::fputs(out.c_str(), to);
    std::fflush(to);
}

namespace {

const char* merge_usage() {
    return R"(usage: corio-load merge [--json OUT] [--hlog OUT] [--html OUT] [--plot OUT.png] FILE...
Merges the results of corio-load workers that ran together: their --json results and --hlog
interval logs (HdrHistogram's, from any writer), in any order; a log goes with the JSON of the same
file stem or label. Totals are summed, the per-second series are aligned on wall-clock time,
percentiles come from the merged histograms (never averaged), open-loop (corrected) and closed-loop
(uncorrected) latency stay apart, and workers that started late (> 10 ms), ran short or had errors
are named. Inputs that cannot be merged are refused (exit 1) and no OUT is written.

      --json OUT    write the merged result as JSON
      --hlog OUT    write the merged per-second latency as an HdrHistogram interval log
      --html OUT    write a self-contained report page (inline SVG charts: throughput per
                    worker and in total, latency percentiles per second, the percentile
                    distribution, errors per second; the workers and their problems)
      --plot OUT.png
                    draw the merged latency percentile curve and the requests/s and p99
                    timeline with gnuplot, as a single run's --plot (OUT.png.gp keeps the
                    script and data); without gnuplot the merge is refused before it starts
  -h, --help        print this help
)";
}

// The picture a single run's --plot draws, from the merged figures: one percentile curve per
// latency kind (corrected and uncorrected are not mixed), the seconds on wall-clock time.
plot_data merged_plot(const merge_result& m, const std::string& title) {
    plot_data data;
    data.title = fmt::format("{}, {} requests in {:.1f} s", title, m.requests, m.elapsed_s);
    for (const latency_group& g : m.groups)
        data.curves.push_back({"latency (" + g.kind + ")", g.latency.get()});
    for (const merged_second& s : m.timeline) {
        if (s.duration_s < 0.5) continue; // a last, partial second would read as a drop
        data.seconds.push_back({static_cast<std::uint32_t>(std::lround(s.unix_s - m.start_unix_s) + 1),
                                static_cast<double>(s.requests) / s.duration_s,
                                s.has_latency ? std::optional<std::uint64_t>(s.p99_ns) : std::nullopt});
    }
    return data;
}

} // namespace

int run_merge(int argc, char** argv) {
    std::vector<std::string> inputs;
    std::string json_path;
    std::string hlog_path;
    std::string html_path;
    std::string plot_path;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(merge_usage(), stdout);
            return 0;
        }
        if (arg == "--json" || arg == "--hlog" || arg == "--html" || arg == "--plot") {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "corio-load merge: option %s needs a value\n", arg.c_str());
                return 2;
            }
            (arg == "--json"   ? json_path
             : arg == "--hlog" ? hlog_path
             : arg == "--html" ? html_path
                               : plot_path) = argv[++i];
        } else if (arg.size() > 1 && arg[0] == '-') {
            std::fprintf(stderr, "corio-load merge: unknown option '%s'\n(corio-load merge --help lists them)\n",
                         arg.c_str());
            return 2;
        } else {
            inputs.push_back(arg);
        }
    }
    std::string error;
    if ((!json_path.empty() && !check_output_path("--json", json_path, error)) ||
        (!hlog_path.empty() && !check_output_path("--hlog", hlog_path, error)) ||
        (!html_path.empty() && !check_output_path("--html", html_path, error)) ||
        (!plot_path.empty() && !check_output_path("--plot", plot_path, error))) {
        std::fprintf(stderr, "corio-load merge: %s\n", error.c_str());
        return 1;
    }
    // A merge is cheap to run again, so a plot that cannot be drawn refuses it before any output.
    if (!plot_path.empty() && !gnuplot_available()) {
        std::fprintf(stderr,
                     "corio-load merge: --plot %s: gnuplot is not installed (install it with `apt-get install "
                     "gnuplot-nox` or `toolchains/deps.sh --bench`, or leave --plot out)\n",
                     plot_path.c_str());
        return 1;
    }
    std::vector<worker_input> workers;
    if (!read_worker_inputs(inputs, workers, error)) {
        std::fprintf(stderr, "corio-load merge: %s\n", error.c_str());
        return 1;
    }
    const merge_result merged = merge_workers(std::move(workers));
    print_merge_summary(stdout, merged);
    if (!json_path.empty() && !write_output_file("--json", json_path, merge_json(merged), error)) {
        std::fprintf(stderr, "corio-load merge: %s\n", error.c_str());
        return 1;
    }
    const std::string title =
        fmt::format("corio-load: {} worker{}", merged.workers.size(), merged.workers.size() == 1 ? "" : "s");
    if (!html_path.empty()) {
        if (!write_output_file("--html", html_path, html_report(merged, title), error)) {
            std::fprintf(stderr, "corio-load merge: %s\n", error.c_str());
            return 1;
        }
    }
    if (!hlog_path.empty()) {
        interval_log log;
        log.label = "merged";
        log.start_unix_s = merged.start_unix_s;
        for (const merged_second& s : merged.timeline) {
            if (!s.has_latency) continue;
            log.intervals.push_back({s.unix_s, 1.0, s.max_ns, s.latency, {}});
        }
        if (!write_interval_log(hlog_path, log, error)) {
            std::fprintf(stderr, "corio-load merge: %s\n", error.c_str());
            return 1;
        }
    }
    if (!plot_path.empty()) {
        if (!draw_plot(plot_path, merged_plot(merged, title), error)) {
            std::fprintf(stderr, "corio-load merge: %s\n", error.c_str());
            return 1;
        }
        std::printf("  Plot: %s\n", plot_path.c_str());
    }
    return 0;
}

} // namespace corio::load
