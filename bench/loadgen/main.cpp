// SPDX-License-Identifier: MIT
// corio-load: an HTTP/1.1 load generator on corio's io_uring core (see `corio-load --help`).
#include <cstdio>
#include <string>

#include <unistd.h>

#include <fmt/format.h>

#include <corio/net/tcp_connector.hpp>

#include "html_report.hpp"
#include "load_test.hpp"
#include "merge.hpp"
#include "options.hpp"
#include "output_file.hpp"
#include "report.hpp"

int main(int argc, char** argv) {
    using namespace corio::load;
    if (argc > 1 && std::string(argv[1]) == "merge") return run_merge(argc - 1, argv + 1);
    load_config config;
    std::string error;
    switch (parse_command_line(argc, argv, config, error)) {
    case command::help:
        std::fputs(usage_text(), stdout);
        return 0;
    case command::version:
        std::puts("corio-load 0.1.0");
        return 0;
    case command::error:
        std::fprintf(stderr, "corio-load: %s\n(corio-load --help lists the options)\n", error.c_str());
        return 2;
    case command::run:
        break;
    }
    // Output paths are checked before the load: a test of minutes must not end in "cannot write".
    if ((!config.json_path.empty() && !check_output_path("--json", config.json_path, error)) ||
        (!config.plot_path.empty() && !check_output_path("--plot", config.plot_path, error)) ||
        (!config.hlog_path.empty() && !check_output_path("--hlog", config.hlog_path, error)) ||
        (!config.html_path.empty() && !check_output_path("--html", config.html_path, error))) {
        std::fprintf(stderr, "corio-load: %s\n", error.c_str());
        return 1;
    }
    if (!resolve_host(config.target.host, config.target.port, config.address, error)) {
        std::fprintf(stderr, "corio-load: %s\n", error.c_str());
        return 1;
    }
    // One blocking connect first: a server that is not there is an error message, not a run full of
    // connect errors.
    if (auto reached = corio::net::probe_connect(config.address, 5000); !reached) {
        std::fprintf(stderr, "corio-load: cannot connect to %s (%s): %s\n", config.url_text.c_str(),
                     config.address.to_string().c_str(), reached.error().message().c_str());
        return 1;
    }
    // With the JSON on standard output, the human summary goes to standard error.
    std::FILE* human = config.json_path == "-" ? stderr : stdout;
    const bool progress = config.progress == 1 || (config.progress == -1 && human == stdout && isatty(STDOUT_FILENO));
    const std::string bound = config.duration_ns != 0
                                  ? fmt::format("{:g}s", static_cast<double>(config.duration_ns) / 1e9)
                                  : fmt::format("{}-request", config.requests);
    std::fputs(fmt::format("Running {} test @ {}\n  {} threads and {} connections{}\n", bound, config.url_text,
                           std::min(config.threads, config.connections), config.connections,
                           config.rate > 0 ? fmt::format(", {:g} requests/s", config.rate) : "")
                   .c_str(),
               human);
    std::fflush(human);

    test_result result;
    const bool ran = run_load_test(config, result, error, [&](const progress_info& info) {
        if (progress) print_progress(human, info);
    });
    if (progress) clear_progress(human);
    if (!ran) {
        std::fprintf(stderr, "corio-load: %s\n", error.c_str());
        return 1;
    }
    print_summary(human, config, result);
    int status = 0;
    if (!config.json_path.empty() && !write_json(config.json_path, config, result, error)) {
        std::fprintf(stderr, "corio-load: %s\n", error.c_str());
        status = 1;
    }
    if (!config.hlog_path.empty() && !write_hlog(config.hlog_path, config, result, error)) {
        std::fprintf(stderr, "corio-load: %s\n", error.c_str());
        status = 1;
    }
    if (!config.html_path.empty()) {
        std::vector<worker_input> self;
        self.push_back(worker_from_result(config, result));
        const merge_result merged = merge_workers(std::move(self));
        const std::string title =
            "corio-load " + config.spec.method + " " + config.url_text + " [" + config.label + "]";
        if (!write_output_file("--html", config.html_path, html_report(merged, title), error)) {
            std::fprintf(stderr, "corio-load: %s\n", error.c_str());
            status = 1;
        }
    }
    if (!config.plot_path.empty()) {
        if (write_plot(config.plot_path, config, result, error)) {
            std::fprintf(human, "  Plot: %s\n", config.plot_path.c_str());
        } else {
            std::fprintf(stderr, "corio-load: %s\n", error.c_str());
        }
    }
    return status;
}
