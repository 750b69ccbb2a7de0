// SPDX-License-Identifier: MIT
// corio-micro-count: runs one workload a given number of times and nothing else, for instruction
// counting under `valgrind --tool=callgrind`. Two runs with different counts give instructions per
// request as (Ir(large) - Ir(small)) / (requests(large) - requests(small)): set-up, start-up and
// exit cancel out. bench/micro/callgrind.sh does exactly that.
//
//   corio-micro-count WORKLOAD ITERATIONS     (corio-micro-count --list: the workload names)
//   corio-micro-count --check                 (every workload set up and run a few times: the smoke
//                                             test that keeps the benchmarks in step with the code;
//                                             exit 77 when io_uring is unavailable)
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "workload.hpp"

int main(int argc, char** argv) {
    using corio::bench::workloads;
    if (argc == 2 && std::string_view(argv[1]) == "--list") {
        for (const auto& entry : workloads())
            std::printf("%.*s\n", static_cast<int>(entry.name.size()), entry.name.data());
        return 0;
    }
    if (argc == 2 && std::string_view(argv[1]) == "--check") {
        for (const auto& entry : workloads()) {
            const auto work = entry.make();
            std::size_t requests = 0;
            for (int i = 0; i < 16; ++i)
                requests += work->run();
            std::printf("%.*s: %zu requests\n", static_cast<int>(entry.name.size()), entry.name.data(), requests);
        }
        return 0;
    }
    unsigned long iterations = 0;
    if (argc != 3 || std::from_chars(argv[2], argv[2] + std::strlen(argv[2]), iterations).ec != std::errc()) {
        std::fputs("usage: corio-micro-count WORKLOAD ITERATIONS | --list | --check\n", stderr);
        return 2;
    }
    for (const auto& entry : workloads()) {
        if (entry.name != argv[1]) continue;
        const auto work = entry.make();
        std::size_t requests = 0;
        for (unsigned long i = 0; i < iterations; ++i)
            requests += work->run();
        std::printf("%s: %zu iterations, %zu requests\n", argv[1], static_cast<std::size_t>(iterations), requests);
        return 0;
    }
    std::fprintf(stderr, "corio-micro-count: no workload '%s' (--list)\n", argv[1]);
    return 2;
}
