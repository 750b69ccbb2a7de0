// SPDX-License-Identifier: MIT
// metrics: prometheus_text() renders each shard's server_stats as Prometheus text exposition
// (HELP and TYPE once per metric before its samples, a shard label on every sample, counters named
// *_total, the open-connections gauge, responses by status class).
#include <corio/http/metrics.hpp>

#include <cstddef>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using corio::http::prometheus_text;
using corio::http::server_stats;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

server_stats sample(std::uint64_t base) {
    server_stats s;
    s.requests = base + 1;
    s.parse_errors = base + 2;
    s.handler_timeouts = base + 3;
    s.connections_opened = base + 4;
    s.connections_closed = base + 5;
    s.connections_open = base + 6;
    s.bytes_in = base + 7;
    s.bytes_out = base + 8;
    s.recv_no_buffers = base + 9;
    s.accept_backoffs = base + 10;
    s.responses = {base + 11, base + 12, base + 13, base + 14, base + 15};
    return s;
}

TEST(metrics, every_sample_has_its_value_and_shard_label) {
    const std::vector<server_stats> shards = {sample(0), sample(100)};
    const std::string text = prometheus_text(shards);
    const std::vector<std::string> lines = lines_of(text);
    const std::set<std::string> have(lines.begin(), lines.end());
    for (const char* expected : {
             R"(corio_http_requests_total{shard="0"} 1)",
             R"(corio_http_requests_total{shard="1"} 101)",
             R"(corio_http_parse_errors_total{shard="1"} 102)",
             R"(corio_http_handler_timeouts_total{shard="0"} 3)",
             R"(corio_http_connections_accepted_total{shard="0"} 4)",
             R"(corio_http_connections_closed_total{shard="1"} 105)",
             R"(corio_http_connections_open{shard="0"} 6)",
             R"(corio_http_received_bytes_total{shard="1"} 107)",
             R"(corio_http_sent_bytes_total{shard="0"} 8)",
             R"(corio_http_recv_no_buffers_total{shard="0"} 9)",
             R"(corio_http_accept_backoffs_total{shard="1"} 110)",
             R"(corio_http_responses_total{shard="0",class="1xx"} 11)",
             R"(corio_http_responses_total{shard="0",class="2xx"} 12)",
             R"(corio_http_responses_total{shard="1",class="4xx"} 114)",
             R"(corio_http_responses_total{shard="1",class="5xx"} 115)",
             "# TYPE corio_http_connections_open gauge",
             "# TYPE corio_http_requests_total counter",
             "# TYPE corio_http_responses_total counter",
         }) {
        EXPECT_EQ(have.count(expected), 1U) << expected << "\nin:\n" << text;
    }
    EXPECT_EQ(text.back(), '\n');
}

TEST(metrics, text_is_well_formed_exposition) {
    const std::vector<server_stats> shards = {sample(0), sample(7), sample(1ULL << 40)};
    const std::string text = prometheus_text(shards);
    const std::regex help(R"re(# HELP ([a-z_]+) [^\n]+)re");
    const std::regex type(R"re(# TYPE ([a-z_]+) (counter|gauge))re");
    const std::regex sample_line(R"re(([a-z_]+)\{shard="([0-9]+)"(,class="[1-5]xx")?\} ([0-9]+))re");
    std::map<std::string, std::string> types;   // metric -> type
    std::map<std::string, std::size_t> samples; // metric -> sample count
    std::map<std::string, std::set<std::string>> shard_labels;
    std::string helped; // the last metric with a HELP line
    for (const std::string& line : lines_of(text)) {
        std::smatch m;
        if (std::regex_match(line, m, help)) {
            EXPECT_EQ(types.count(m[1]), 0U) << "HELP after TYPE or twice: " << line;
            helped = m[1];
        } else if (std::regex_match(line, m, type)) {
            EXPECT_EQ(m[1], helped) << "TYPE without its HELP: " << line;
            EXPECT_TRUE(types.emplace(m[1], m[2]).second) << "TYPE twice: " << line;
        } else if (std::regex_match(line, m, sample_line)) {
            ASSERT_EQ(types.count(m[1]), 1U) << "sample before its TYPE: " << line;
            EXPECT_EQ(m[1], helped) << "sample outside its metric's block: " << line;
            ++samples[m[1]];
            shard_labels[m[1]].insert(m[2]);
        } else {
            ADD_FAILURE() << "not a Prometheus text line: '" << line << "'";
        }
    }
    ASSERT_EQ(types.size(), 12U);
    for (const auto& [name, kind] : types) {
        const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
        EXPECT_EQ(name.rfind("corio_http_", 0), 0U) << name;
        EXPECT_EQ(total, kind == "counter") << name << " is a " << kind;
        EXPECT_EQ(samples[name], name == "corio_http_responses_total" ? 15U : 3U) << name;
        EXPECT_EQ(shard_labels[name], (std::set<std::string>{"0", "1", "2"})) << name;
    }
    EXPECT_NE(text.find(R"(corio_http_sent_bytes_total{shard="2"} 1099511627784)"), std::string::npos);
}

TEST(metrics, no_shards_gives_only_the_metric_descriptions) {
    const std::string text = prometheus_text({});
    for (const std::string& line : lines_of(text))
        EXPECT_EQ(line.rfind("# ", 0), 0U) << line;
    EXPECT_NE(text.find("# TYPE corio_http_requests_total counter\n"), std::string::npos);
}

} // namespace
