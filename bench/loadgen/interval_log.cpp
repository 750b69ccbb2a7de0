// SPDX-License-Identifier: MIT
#include "interval_log.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "output_file.hpp"

namespace corio::load {

bool write_interval_log(const std::string& path, const interval_log& log, std::string& error) {
    std::string text = "#[Histogram log format version 1.3]\n";
    const auto seconds = static_cast<time_t>(log.start_unix_s);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char when[64];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    text += fmt::format("#[StartTime: {:.3f} (seconds since epoch), {}]\n", log.start_unix_s, when);
    text += fmt::format("#[BaseTime: {:.3f} (seconds since epoch)]\n", log.start_unix_s);
    if (!log.label.empty()) text += "#[corio-load label: " + log.label + "]\n";
    text += "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
    for (const log_interval& i : log.intervals) {
        // The max in ms as HdrHistogram writes it, with six decimals so that it keeps every ns.
        text += fmt::format("{:.3f},{:.3f},{:.6f},{}\n", i.start_unix_s - log.start_unix_s, i.length_s,
                            static_cast<double>(i.max_ns) / 1e6, base64_encode(encode_histogram(i.buckets)));
    }
    return write_output_file("--hlog", path, text, error);
}

namespace {

// "#[Name: 1234.567 ...]" -> 1234.567
bool header_number(const std::string& line, const char* name, double& out) {
    const std::string prefix = std::string("#[") + name + ":";
    if (line.rfind(prefix, 0) != 0) return false;
    out = std::strtod(line.c_str() + prefix.size(), nullptr);
    return true;
}

} // namespace

bool read_interval_log(const std::string& path, interval_log& out, std::string& error) {
    out = {};
    std::ifstream in(path);
    if (!in) {
        error = path + ": cannot read: " + std::strerror(errno);
        return false;
    }
    double base = 0;
    bool has_base = false;
    std::string line;
    unsigned number = 0;
    bool complete_last = true;
    while (std::getline(in, line)) {
        ++number;
        complete_last = !in.eof(); // a last line without its newline may be cut short
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        auto bad = [&](const std::string& why) {
            error = fmt::format("{}:{}: {}", path, number, why);
            return false;
        };
        if (line[0] == '#') {
            double v = 0;
            if (header_number(line, "StartTime", v)) out.start_unix_s = v;
            if (header_number(line, "BaseTime", v)) {
                base = v;
                has_base = true;
            }
            const std::string label = "#[corio-load label: ";
            if (line.rfind(label, 0) == 0 && line.back() == ']')
                out.label = line.substr(label.size(), line.size() - label.size() - 1);
            continue;
        }
        if (line[0] == '"') continue; // the legend
        // [Tag=NAME,]start,length,max,histogram
        std::string rest = line;
        if (rest.rfind("Tag=", 0) == 0) {
            const std::size_t comma = rest.find(',');
            if (comma == std::string::npos) return bad("a tag without an interval");
            rest = rest.substr(comma + 1);
        }
        std::vector<std::string> fields;
        std::stringstream ss(rest);
        std::string field;
        while (std::getline(ss, field, ','))
            fields.push_back(field);
        if (fields.size() != 4)
            return bad("expected start,length,max,histogram (" + std::to_string(fields.size()) + " fields)");
        char* end = nullptr;
        log_interval i;
        const double start = std::strtod(fields[0].c_str(), &end);
        if (end == fields[0].c_str() || *end != '\0') return bad("bad interval start '" + fields[0] + "'");
        i.length_s = std::strtod(fields[1].c_str(), &end);
        if (end == fields[1].c_str() || *end != '\0' || !(i.length_s >= 0))
            return bad("bad interval length '" + fields[1] + "'");
        const double max_ms = std::strtod(fields[2].c_str(), &end);
        if (end == fields[2].c_str() || *end != '\0' || !(max_ms >= 0))
            return bad("bad interval max '" + fields[2] + "'");
        i.max_ns = static_cast<std::uint64_t>(std::llround(max_ms * 1e6));
        std::string bytes;
        if (!base64_decode(fields[3], bytes))
            return bad(complete_last ? "the histogram is not base64"
                                     : "the histogram is not base64 (the file is truncated?)");
        decoded_histogram h;
        std::string why;
        if (!decode_histogram(bytes, h, why)) return bad(why + (complete_last ? "" : " (the file is truncated?)"));
        i.buckets = std::move(h.buckets);
        i.encoded = std::move(bytes);
        // Relative to BaseTime when there is one; HdrHistogram's readers take a start over a year
        // of seconds as absolute, and anything else as relative to StartTime.
        i.start_unix_s = has_base ? base + start : start > 365.0 * 24 * 3600 ? start : out.start_unix_s + start;
        out.intervals.push_back(std::move(i));
    }
    if (number == 0) {
        error = path + ": empty: not an interval log";
        return false;
    }
    if (out.intervals.empty() && out.start_unix_s == 0) {
        error = path + ": no interval and no #[StartTime:]: not an interval log";
        return false;
    }
    return true;
}

} // namespace corio::load
