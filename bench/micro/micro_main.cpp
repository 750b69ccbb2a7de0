// SPDX-License-Identifier: MIT
// corio-micro: every workload as a Google Benchmark, reporting time/request next to Google
// Benchmark's own columns (time per iteration; an iteration of a pipelined workload is 16 requests).
// Usual Google Benchmark flags apply (--benchmark_filter=connection, --benchmark_repetitions=5, ...).
#include <benchmark/benchmark.h>

#include "workload.hpp"

int main(int argc, char** argv) {
    for (const corio::bench::workload_entry& entry : corio::bench::workloads()) {
        benchmark::RegisterBenchmark(std::string(entry.name).c_str(), [make = entry.make](benchmark::State& state) {
            const auto work = make();
            std::size_t requests = 0;
            for (auto _ : state)
                requests += work->run();
            // Seconds per request (per JSON item for json/worlds20), printed as ns.
            state.counters["time/request"] = benchmark::Counter(
                static_cast<double>(requests), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
        });
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
