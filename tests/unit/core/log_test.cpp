// SPDX-License-Identifier: MIT
// log: levels reach the sink with their line, lines below the minimum are dropped before the sink,
// level names round-trip, and a null sink silences everything.
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core/log.hpp>

namespace {

std::mutex captured_mutex;
std::vector<std::pair<corio::log_level, std::string>> captured;

void capture(corio::log_level level, std::string_view line) {
    std::lock_guard lock(captured_mutex);
    captured.emplace_back(level, std::string(line));
}

// Installs the capturing sink for one test and restores the process's sink and level after it.
struct capturing {
    capturing() : sink(corio::set_log_sink(&capture)), level(corio::set_log_level(corio::log_level::info)) {
        captured.clear();
    }
    ~capturing() {
        corio::set_log_sink(sink);
        corio::set_log_level(level);
    }
    corio::log_sink sink;
    corio::log_level level;
};

TEST(log, lines_reach_the_sink_with_their_level) {
    capturing scope;
    corio::log("listening");
    corio::log(corio::log_level::warning, "retrying");
    corio::log(corio::log_level::error, "failed");
    ASSERT_EQ(captured.size(), 3U);
    EXPECT_EQ(captured[0], std::make_pair(corio::log_level::info, std::string("listening")));
    EXPECT_EQ(captured[1], std::make_pair(corio::log_level::warning, std::string("retrying")));
    EXPECT_EQ(captured[2], std::make_pair(corio::log_level::error, std::string("failed")));
}

TEST(log, lines_below_the_minimum_are_dropped) {
    capturing scope;
    corio::log(corio::log_level::debug, "hidden by default");
    EXPECT_FALSE(corio::log_enabled(corio::log_level::debug));
    EXPECT_TRUE(corio::log_enabled(corio::log_level::info));
    EXPECT_EQ(corio::set_log_level(corio::log_level::warning), corio::log_level::info);
    corio::log("info is dropped now");
    corio::log(corio::log_level::error, "kept");
    corio::set_log_level(corio::log_level::debug);
    corio::log(corio::log_level::debug, "shown");
    ASSERT_EQ(captured.size(), 2U);
    EXPECT_EQ(captured[0].second, "kept");
    EXPECT_EQ(captured[1].second, "shown");
}

TEST(log, a_null_sink_silences_everything) {
    capturing scope;
    corio::set_log_sink(nullptr);
    EXPECT_FALSE(corio::log_enabled(corio::log_level::error));
    corio::log(corio::log_level::error, "nowhere");
    EXPECT_TRUE(captured.empty());
}

TEST(log, level_names_round_trip) {
    for (const corio::log_level level :
         {corio::log_level::debug, corio::log_level::info, corio::log_level::warning, corio::log_level::error}) {
        corio::log_level parsed = corio::log_level::error;
        ASSERT_TRUE(corio::parse_log_level(corio::to_string(level), parsed)) << corio::to_string(level);
        EXPECT_EQ(parsed, level);
    }
    corio::log_level untouched = corio::log_level::info;
    EXPECT_FALSE(corio::parse_log_level("verbose", untouched));
    EXPECT_EQ(untouched, corio::log_level::info);
}

} // namespace
