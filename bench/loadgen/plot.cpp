// SPDX-License-Identifier: MIT
#include "plot.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "output_file.hpp"

namespace corio::load {

namespace {

std::string gnuplot_quote(const std::string& s) {
    std::string out = "'";
    for (const char c : s) {
        if (c == '\'') {
            out += "''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

double ms(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

// An empty panel that still draws (gnuplot refuses to plot a data block without points).
constexpr const char* empty_panel = "plot [0:1] [0:1] -1 notitle\n";

std::string plot_script(const std::string& path, const plot_data& data) {
    std::string g;
    auto out = std::back_inserter(g);
    fmt::format_to(out, "# corio-load plot: run `gnuplot {}` to redraw {}\n", path + ".gp", path);
    // corio-load itself passes a temporary output (-e) and renames it over the picture when done.
    fmt::format_to(out, "if (!exists(\"corio_output\")) {{ corio_output = {} }}\n", gnuplot_quote(path));
    std::vector<std::string> curves;
    for (const plot_curve& c : data.curves) {
        const histogram& h = *c.latency;
        if (h.count() == 0) continue;
        // Percentile curve, HdrHistogram style: x = 1/(1-p) on a log axis spreads the tail.
        const std::string block = fmt::format("$percentiles{}", curves.size());
        fmt::format_to(out, "{} << EOD\n", block);
        for (double nines = 0; nines <= 5.0001; nines += 0.05) {
            const double p = 100.0 * (1.0 - std::pow(10.0, -nines));
            fmt::format_to(out, "{:.6f} {:.6f} {:.3f}\n", 1.0 / (1.0 - p / 100.0), p, ms(h.percentile(p)));
            if (static_cast<double>(h.count()) * (1.0 - p / 100.0) < 1.0) break;
        }
        fmt::format_to(out, "EOD\n");
        curves.push_back(fmt::format("{} using 1:3 with lines linewidth 2 title {}", block, gnuplot_quote(c.name)));
    }
    fmt::format_to(out, "$timeline << EOD\n");
    for (const plot_second& s : data.seconds) {
        // '?' is gnuplot's missing value: a second without latency leaves a gap in the p99 line.
        fmt::format_to(out, "{} {:.1f} {}\n", s.second, s.requests_per_s,
                       s.p99_ns ? fmt::format("{:.3f}", ms(*s.p99_ns)) : std::string("?"));
    }
    fmt::format_to(out, "EOD\n");
    fmt::format_to(out,
                   "set datafile missing '?'\n"
                   "set terminal pngcairo size 1200,900 noenhanced font ',10'\n"
                   "set output corio_output\n"
                   "set multiplot layout 2,1 title {}\n"
                   "set grid\n"
                   "set title 'Latency by percentile'\n"
                   "set logscale x\n"
                   "set xlabel 'percentile'\n"
                   "set ylabel 'latency (ms)'\n"
                   "set xtics ('50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000)\n",
                   gnuplot_quote(data.title));
    if (curves.empty()) {
        fmt::format_to(out, "unset logscale x\nset title 'Latency by percentile: none recorded'\n{}", empty_panel);
    } else {
        fmt::format_to(out, "plot ");
        for (std::size_t i = 0; i < curves.size(); ++i)
            fmt::format_to(out, "{}{}", i ? ", " : "", curves[i]);
        fmt::format_to(out, "\n");
    }
    // A merge of JSON results without their logs has no latency per second: requests/s alone then.
    const bool has_p99 = std::any_of(data.seconds.begin(), data.seconds.end(),
                                     [](const plot_second& s) { return s.p99_ns.has_value(); });
    fmt::format_to(out,
                   "unset logscale x\n"
                   "set xtics autofreq\n"
                   "set title {}\n"
                   "set xlabel 'second'\n"
                   "set ylabel 'requests/s'\n"
                   "set yrange [0:*]\n",
                   has_p99 ? "'Requests/s and p99 per second'" : "'Requests/s per second (no latency log given)'");
    if (data.seconds.empty()) {
        fmt::format_to(out, "set title 'Requests/s per second: no whole second measured'\n{}", empty_panel);
    } else if (!has_p99) {
        fmt::format_to(out, "plot $timeline using 1:2 with linespoints title 'requests/s'\n");
    } else {
        fmt::format_to(out, "set y2label 'p99 (ms)'\n"
                            "set ytics nomirror\n"
                            "set y2tics\n"
                            "set y2range [0:*]\n"
                            "plot $timeline using 1:2 with linespoints title 'requests/s' axes x1y1, "
                            "$timeline using 1:3 with linespoints title 'p99 (ms)' axes x1y2\n");
    }
    fmt::format_to(out, "unset multiplot\n");
    return g;
}

} // namespace

bool gnuplot_available() {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const std::size_t end = dirs.find(':', start);
        const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!dir.empty() && access((dir + "/gnuplot").c_str(), X_OK) == 0) return true;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return false;
}

bool draw_plot(const std::string& path, const plot_data& data, std::string& error) {
    const std::string script = path + ".gp";
    if (!write_output_file("--plot", script, plot_script(path, data), error)) return false;
    if (!gnuplot_available()) {
        error = "gnuplot is not installed, so " + path +
                " was not drawn (install it with `apt-get install gnuplot-nox` " +
                "or `toolchains/deps.sh --bench`, then run `gnuplot " + script + "`)";
        return false;
    }
    std::string temporary;
    const int fd = open_output_temporary("--plot", path, temporary, error);
    if (fd < 0) return false;
    close(fd);
    const std::string set_output = "corio_output = " + gnuplot_quote(temporary);
    const pid_t child = fork();
    if (child == 0) {
        execlp("gnuplot", "gnuplot", "-e", set_output.c_str(), script.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        unlink(temporary.c_str());
        error = "gnuplot failed to draw " + path + " (its messages are above; script: " + script + ")";
        return false;
    }
    struct stat st {};
    const char* failure = nullptr;
    if (stat(temporary.c_str(), &st) != 0) {
        failure = std::strerror(errno);
    } else if (st.st_size == 0) {
        failure = "gnuplot drew nothing";
    }
    return publish_output_temporary("--plot", path, temporary, failure, error);
}

} // namespace corio::load
