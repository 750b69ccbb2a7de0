// SPDX-License-Identifier: MIT
// corio-load merge: exactness (samples split across workers merge into exactly the histogram of all
// of them), wall-clock alignment of the per-second series, problems named, bad input refused; and
// the JSON reader under it.
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "json_reader.hpp"
#include "merge.hpp"
#include "options.hpp"
#include "report.hpp"

namespace {

using namespace corio::load;

// Writes a worker's JSON result whose latency holds `values`, measured from `start_unix_s`.
std::string write_worker(const std::string& name, const std::vector<std::uint64_t>& values, double start_unix_s,
                         unsigned seconds, bool open_loop = false) {
    load_config config;
    config.url_text = "http://127.0.0.1:1/";
    config.label = name;
    config.duration_ns = std::uint64_t{seconds} * 1'000'000'000;
    config.rate = open_loop ? 1000 : 0;
    auto r = std::make_unique<test_result>();
    for (const std::uint64_t v : values)
        r->total.latency.record(v);
    r->total.requests = values.size();
    r->total.sent = values.size();
    r->total.errors[static_cast<unsigned>(error_kind::timeout)] = name == "w1" ? 2 : 0;
    r->total.statuses[200] = values.size();
    r->intended_start_unix_s = start_unix_s;
    r->start_unix_s = start_unix_s;
    r->measure_unix_s = start_unix_s;
    r->elapsed_s = seconds;
    r->stopped_by = "duration";
    for (unsigned s = 0; s < seconds; ++s) {
        timeline_point p;
        p.second = s;
        p.requests = values.size() / seconds;
        r->timeline.push_back(p);
    }
    const std::string path = testing::TempDir() + name + ".json";
    std::string error;
    EXPECT_TRUE(write_json(path, config, *r, error)) << error;
    return path;
}

TEST(merge, samples_split_across_workers_merge_exactly) {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> d(11.0, 1.8);
    std::vector<std::uint64_t> all;
    for (int i = 0; i < 60000; ++i)
        all.push_back(static_cast<std::uint64_t>(d(rng)) + 1);
    auto whole = std::make_unique<histogram>();
    for (const std::uint64_t v : all)
        whole->record(v);
    for (const unsigned k : {1U, 3U, 7U}) {
        std::vector<std::vector<std::uint64_t>> parts(k);
        for (std::size_t i = 0; i < all.size(); ++i)
            parts[rng() % k].push_back(all[i]);
        std::vector<std::string> paths;
        for (unsigned w = 0; w < k; ++w) {
            const std::string name = fmt::format("w{}", w + 1); // "w" + to_string(): GCC 12's -Wrestrict misfires
            paths.push_back(write_worker(name, parts[w], 1765000000.0, 2));
        }
        std::vector<worker_input> inputs;
        std::string error;
        ASSERT_TRUE(read_worker_inputs(paths, inputs, error)) << error;
        const merge_result m = merge_workers(std::move(inputs));
        ASSERT_EQ(m.groups.size(), 1U);
        EXPECT_EQ(m.groups[0].kind, "uncorrected");
        const histogram& merged = *m.groups[0].latency;
        EXPECT_EQ(merged.sparse(), whole->sparse()) << k << " workers: every bucket count equal";
        EXPECT_EQ(merged.count(), whole->count());
        EXPECT_EQ(merged.max(), whole->max());
        EXPECT_EQ(merged.min(), whole->min());
        for (const double p : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0})
            EXPECT_EQ(merged.percentile(p), whole->percentile(p)) << k << " workers, p" << p;
        EXPECT_EQ(m.requests, all.size());
        for (const std::string& p : paths)
            std::remove(p.c_str());
    }
}

TEST(merge, seconds_align_on_the_wall_clock_and_problems_are_named) {
    std::vector<std::string> paths = {write_worker("w1", std::vector<std::uint64_t>(300, 1000), 1765000000.0, 3),
                                      write_worker("w2", std::vector<std::uint64_t>(200, 2000), 1765000001.004, 2),
                                      write_worker("w3", std::vector<std::uint64_t>(100, 3000), 1765000000.0, 1, true)};
    std::vector<worker_input> inputs;
    std::string error;
    ASSERT_TRUE(read_worker_inputs(paths, inputs, error)) << error;
    inputs[1].intended_start_unix_s = 1765000001.0; // w2 started 4 ms after its --start-at: not late
    inputs[2].elapsed_s = 0.5;                      // w3 ran short
    const merge_result m = merge_workers(std::move(inputs));
    ASSERT_EQ(m.timeline.size(), 3U);
    EXPECT_EQ(m.timeline[0].requests, 100U + 100U); // w1's first second and w3's only one
    EXPECT_EQ(m.timeline[1].requests, 100U + 100U); // w2 started a second later
    EXPECT_EQ(m.timeline[2].requests, 100U + 100U);
    EXPECT_EQ(m.timeline[1].worker_requests, (std::vector<std::uint64_t>{100, 100, 0}));
    // Open loop (corrected) and closed loop (uncorrected) are kept apart.
    ASSERT_EQ(m.groups.size(), 2U);
    EXPECT_EQ(m.groups[0].latency->count(), 500U);
    EXPECT_EQ(m.groups[1].kind, "corrected");
    EXPECT_EQ(m.groups[1].latency->count(), 100U);
    std::string problems;
    for (const std::string& p : m.problems) {
        problems += p;
        problems += '\n';
    }
    EXPECT_NE(problems.find("w1: errors: timeout 2"), std::string::npos) << problems;
    EXPECT_NE(problems.find("w3: ran short"), std::string::npos) << problems;
    EXPECT_EQ(problems.find("w2"), std::string::npos) << problems;
    const std::string json = merge_json(m);
    json_value doc;
    ASSERT_TRUE(parse_json(json, doc, error)) << error;
    std::uint64_t requests = 0;
    ASSERT_TRUE(doc.find("summary")->find("requests")->to_u64(requests));
    EXPECT_EQ(requests, 600U);
    for (const std::string& p : paths)
        std::remove(p.c_str());
}

TEST(merge, refuses_what_it_cannot_merge) {
    std::vector<worker_input> inputs;
    std::string error;
    EXPECT_FALSE(read_worker_inputs({}, inputs, error));
    EXPECT_NE(error.find("no input files"), std::string::npos);
    const std::string other = testing::TempDir() + "other.json";
    std::ofstream(other) << R"({"tool": "wrk", "latency": {}})";
    EXPECT_FALSE(read_worker_inputs({other}, inputs, error));
    EXPECT_NE(error.find(other + ": not a corio-load result"), std::string::npos) << error;
    std::ofstream(other) << R"({"tool": "corio-load", "latency": {"histogram": {"buckets": []}}})";
    EXPECT_FALSE(read_worker_inputs({other}, inputs, error));
    EXPECT_NE(error.find("older than the HdrHistogram layout"), std::string::npos) << error;
    std::ofstream(other) << R"({"tool": "corio-load", "latency": {"histogram": {"layout": "HdrHistogram", "lowest": 1,
                             "highest": 3600000000000, "significant_digits": 2, "buckets": []}}})";
    EXPECT_FALSE(read_worker_inputs({other}, inputs, error));
    EXPECT_NE(error.find("a different histogram range"), std::string::npos) << error;
    std::remove(other.c_str());
}

TEST(json_reader, parses_values_and_names_errors) {
    json_value v;
    std::string error;
    ASSERT_TRUE(parse_json(R"( {"a": [1, 2.5, -3e2, 18446744073709551615], "b": {"c": "x\"\u0041\n"},
                               "t": true, "f": false, "n": null} )",
                           v, error))
        << error;
    std::uint64_t big = 0;
    ASSERT_TRUE(v.find("a")->items[3].to_u64(big));
    EXPECT_EQ(big, UINT64_MAX);
    EXPECT_EQ(v.find("a")->items[1].number(), 2.5);
    EXPECT_FALSE(v.find("a")->items[2].to_u64(big));
    EXPECT_EQ(v.find("b")->find("c")->text, "x\"A\n");
    EXPECT_TRUE(v.find("t")->boolean);
    for (const char* bad : {"", "{", R"({"a": })", "[1,]", R"({"a" 1})", "[1] x", R"("abc)", "nul", "01x"}) {
        EXPECT_FALSE(parse_json(bad, v, error)) << bad;
        EXPECT_NE(error.find("at byte"), std::string::npos) << bad;
    }
}

} // namespace
