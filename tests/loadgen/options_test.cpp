// SPDX-License-Identifier: MIT
// The command line, URLs, durations, CPU lists and the pre-built requests.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <netdb.h>

#include "options.hpp"
#include "request_set.hpp"
#include "url.hpp"

namespace {

using namespace corio::load;

command parse(std::vector<std::string> args, load_config& config, std::string& error) {
    std::vector<char*> argv;
    static char name[] = "corio-load";
    argv.push_back(name);
    for (std::string& a : args)
        argv.push_back(a.data());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), config, error);
}

TEST(url, parses_hosts_ports_and_targets) {
    url u;
    std::string error;
    ASSERT_TRUE(parse_url("http://127.0.0.1:8080/plaintext?x=1", u, error)) << error;
    EXPECT_EQ(u.host, "127.0.0.1");
    EXPECT_EQ(u.port, 8080);
    EXPECT_EQ(u.target, "/plaintext?x=1");
    EXPECT_EQ(u.authority, "127.0.0.1:8080");
    ASSERT_TRUE(parse_url("http://example.com", u, error));
    EXPECT_EQ(u.port, 80);
    EXPECT_EQ(u.target, "/");
    ASSERT_TRUE(parse_url("http://[::1]:9000?q", u, error));
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, 9000);
    EXPECT_EQ(u.target, "/?q");
    ASSERT_TRUE(parse_url("http://h/p#fragment", u, error));
    EXPECT_EQ(u.target, "/p");
}

TEST(url, rejects_bad_urls_with_a_reason) {
    url u;
    std::string error;
    for (const char* bad : {"127.0.0.1:8080/", "https://x/", "http://", "http://:80/", "http://h:0/", "http://h:99999/",
                            "http://h:8x/", "http://[::1/", "http://u@h/", "http://h/a b"}) {
        error.clear();
        EXPECT_FALSE(parse_url(bad, u, error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
    EXPECT_NE((parse_url("https://x/", u, error), error).find("https"), std::string::npos);
}

TEST(url, resolves_names_and_reports_unknown_hosts) {
    corio::net::socket_address a;
    std::string error;
    ASSERT_TRUE(resolve_host("127.0.0.1", 81, a, error)) << error;
    EXPECT_EQ(a.port(), 81);
    EXPECT_FALSE(resolve_host("no-such-host.invalid", 80, a, error));
    EXPECT_NE(error.find("cannot resolve host 'no-such-host.invalid'"), std::string::npos) << error;
    // A minimal system (a debootstrap chroot) may have no /etc/hosts: then names cannot resolve here.
    addrinfo* found = nullptr;
    if (getaddrinfo("localhost", nullptr, nullptr, &found) != 0) GTEST_SKIP() << "this system cannot resolve localhost";
    freeaddrinfo(found);
    ASSERT_TRUE(resolve_host("localhost", 82, a, error)) << error;
    EXPECT_EQ(a.port(), 82);
}

TEST(options, wrk_style_command_line) {
    load_config c;
    std::string error;
    ASSERT_EQ(parse({"-t2", "-c", "10k", "-d", "30s", "-R", "50k", "--pipeline", "4", "-H", "X-A: 1", "--timeout",
                     "250ms", "--cpus", "0-1", "http://127.0.0.1:8080/json"},
                    c, error),
              command::run)
        << error;
    EXPECT_EQ(c.threads, 2U);
    EXPECT_EQ(c.connections, 10000U);
    EXPECT_EQ(c.duration_ns, 30'000'000'000U);
    EXPECT_EQ(c.rate, 50000.0);
    EXPECT_EQ(c.pipeline, 4U);
    EXPECT_EQ(c.timeout_ns, 250'000'000U);
    EXPECT_EQ(c.cpus, (std::vector<int>{0, 1}));
    ASSERT_EQ(c.spec.paths.size(), 1U);
    EXPECT_EQ(c.spec.paths[0].target, "/json");
    EXPECT_EQ(c.spec.headers, std::vector<std::string>{"X-A: 1"});
}

TEST(options, requests_alone_bound_the_test) {
    load_config c;
    std::string error;
    ASSERT_EQ(parse({"--requests", "1000", "http://h/"}, c, error), command::run);
    EXPECT_EQ(c.duration_ns, 0U);
    EXPECT_EQ(c.requests, 1000U);
}

TEST(options, errors_and_help) {
    load_config c;
    std::string error;
    EXPECT_EQ(parse({"--help"}, c, error), command::help);
    EXPECT_EQ(parse({"-c", "0", "http://h/"}, c, error), command::error);
    EXPECT_EQ(parse({"-d", "soon", "http://h/"}, c, error), command::error);
    EXPECT_EQ(parse({"--bogus", "http://h/"}, c, error), command::error);
    EXPECT_NE(error.find("--bogus"), std::string::npos);
    EXPECT_EQ(parse({"-t", "4", "-c", "2", "http://h/"}, c, error), command::error);
    EXPECT_EQ(parse({}, c, error), command::error);
    EXPECT_EQ(parse({"ftp://h/"}, c, error), command::error);
    EXPECT_EQ(parse({"--source", "10.0.0.9-10.0.0.1", "http://h/"}, c, error), command::error);
}

TEST(options, source_ranges) {
    load_config c;
    std::string error;
    ASSERT_EQ(parse({"--source", "127.0.0.2-4,10.1.1.1", "http://h/"}, c, error), command::run) << error;
    ASSERT_EQ(c.sources.size(), 4U);
    EXPECT_EQ(c.sources[0].to_string(), "127.0.0.2:0");
    EXPECT_EQ(c.sources[2].to_string(), "127.0.0.4:0");
    EXPECT_EQ(c.sources[3].to_string(), "10.1.1.1:0");
}

TEST(options, every_flag_is_in_the_help) {
    const std::string help = usage_text();
    for (const char* flag :
         {"--threads",  "--connections",   "--duration", "--rate",     "--pipeline",    "--requests", "--timeout",
          "--method",   "--header",        "--path",     "--paths",    "--body",        "--cpus",     "--no-pin",
          "--source",   "--json",          "--plot",     "--progress", "--no-progress", "--help",     "--version",
          "--start-at", "--connect-early", "--warmup",   "--stages",   "--label",       "--hlog",     "--html"}) {
        EXPECT_NE(help.find(flag), std::string::npos) << flag;
    }
}

TEST(options, start_times_in_unix_seconds_and_rfc3339_utc) {
    double t = 0;
    ASSERT_TRUE(parse_start_time("1765000000", t));
    EXPECT_EQ(t, 1765000000.0);
    ASSERT_TRUE(parse_start_time("1765000000.25", t));
    EXPECT_EQ(t, 1765000000.25);
    ASSERT_TRUE(parse_start_time("2025-12-06T05:46:40Z", t));
    EXPECT_EQ(t, 1765000000.0);
    ASSERT_TRUE(parse_start_time("2025-12-06T05:46:40.5+00:00", t));
    EXPECT_EQ(t, 1765000000.5);
    for (const char* bad : {"", "soon", "2025-12-06T05:46:40", "2025-12-06T05:46:40+01:00", "2025-13-06T05:46:40Z",
                            "1765000000x", "-5"}) {
        EXPECT_FALSE(parse_start_time(bad, t)) << bad;
    }
}

TEST(options, new_worker_flags) {
    load_config c;
    std::string error;
    ASSERT_EQ(parse({"--start-at", "4102444800", "--connect-early", "--warmup", "2s", "--label", "w7", "--hlog",
                     "x.hlog", "-R", "100", "--stages", "2s:1k,3s:4k", "http://h/"},
                    c, error),
              command::run)
        << error;
    EXPECT_EQ(c.start_at_s, 4102444800.0);
    EXPECT_TRUE(c.connect_early);
    EXPECT_EQ(c.warmup_ns, 2'000'000'000U);
    EXPECT_EQ(c.label, "w7");
    EXPECT_EQ(c.hlog_path, "x.hlog");
    ASSERT_EQ(c.stages.size(), 2U);
    EXPECT_EQ(c.stages[1].target, 4000.0);
    EXPECT_EQ(c.duration_ns, 5'000'000'000U); // the stages set the duration
    EXPECT_EQ(c.stages_from, 100.0);
    // Closed loop: the targets are connections, and as many as the largest are opened.
    load_config closed;
    ASSERT_EQ(parse({"-c", "4", "--stages", "1s:16,1s:0", "http://h/"}, closed, error), command::run) << error;
    EXPECT_EQ(closed.connections, 16U);
    EXPECT_EQ(closed.stages_from, 4.0);
    EXPECT_FALSE(closed.label.empty()); // the host name by default
}

TEST(options, bad_worker_flags_name_the_problem) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--start-at", "1000000000", "http://h/"}, "in the past"},
        {{"--start-at", "tomorrow", "http://h/"}, "--start-at"},
        {{"--connect-early", "http://h/"}, "needs --start-at"},
        {{"--warmup", "x", "http://h/"}, "--warmup"},
        {{"--warmup", "1s", "-n", "100", "http://h/"}, "--requests cannot"},
        {{"--stages", "10s", "http://h/"}, "bad stage '10s'"},
        {{"--stages", "0s:5", "http://h/"}, "bad stage"},
        {{"--stages", "1s:-5", "http://h/"}, "bad stage"},
        {{"--stages", "1s:1.5", "http://h/"}, "whole number"},
        {{"-d", "5", "--stages", "1s:5", "http://h/"}, "either --duration or --stages"},
        {{"--label", "", "http://h/"}, "--label"},
        {{"--hlog"}, "needs a value"},
        {{"--html"}, "needs a value"},
    };
    for (const auto& [args, message] : cases) {
        load_config c;
        std::string error;
        EXPECT_EQ(parse(args, c, error), command::error) << args[0];
        EXPECT_NE(error.find(message), std::string::npos) << args[0] << ": " << error;
    }
}

TEST(load_profile, open_loop_ramps_integrate_to_the_planned_requests) {
    std::vector<stage> stages;
    std::string error;
    ASSERT_TRUE(parse_stages("2s:1k,2s:4k", stages, error)) << error;
    const load_profile p(0, 1'000'000'000, stages, 0.5); // half of the load, after a 1 s warm-up at 0
    EXPECT_EQ(p.duration_ns(), 5'000'000'000U);
    EXPECT_DOUBLE_EQ(p.value_at(2'000'000'000), 250.0);
    EXPECT_DOUBLE_EQ(p.integral(1'000'000'000), 0.0);
    EXPECT_NEAR(p.integral(3'000'000'000), 500.0, 1e-9);  // 0 -> 500/s over 2 s
    EXPECT_NEAR(p.integral(5'000'000'000), 3000.0, 1e-9); // + 500 -> 2000/s over 2 s
    for (const double n : {1.0, 10.0, 499.0, 500.0, 1234.5, 2999.0}) {
        const std::uint64_t t = p.time_of(n);
        EXPECT_NEAR(p.integral(t), n, 1e-3) << n;
    }
    EXPECT_EQ(p.peak(), 2000.0);
    const load_profile down(10, 0, {{1'000'000'000, 0}}, 1.0);
    EXPECT_EQ(down.time_of(6), UINT64_MAX); // ramping to 0 schedules only 5 more
}

TEST(durations_and_cpus, parse) {
    std::uint64_t ns = 0;
    EXPECT_TRUE(parse_duration("10", ns));
    EXPECT_EQ(ns, 10'000'000'000U);
    EXPECT_TRUE(parse_duration("1.5m", ns));
    EXPECT_EQ(ns, 90'000'000'000U);
    EXPECT_TRUE(parse_duration("200ms", ns));
    EXPECT_EQ(ns, 200'000'000U);
    EXPECT_FALSE(parse_duration("-1s", ns));
    EXPECT_FALSE(parse_duration("10x", ns));
    std::vector<int> cpus;
    EXPECT_TRUE(parse_cpu_list("0-2,5", cpus));
    EXPECT_EQ(cpus, (std::vector<int>{0, 1, 2, 5}));
    EXPECT_FALSE(parse_cpu_list("3-1", cpus));
    EXPECT_FALSE(parse_cpu_list("a", cpus));
}

TEST(request_set, batches_are_contiguous_and_cycle) {
    request_spec spec;
    spec.authority = "h:1";
    spec.paths = {{"/a", 1}, {"/bb", 1}, {"/ccc", 1}};
    spec.headers = {"X-Test: 1"};
    std::string error;
    const request_set set = request_set::build(spec, 4, error);
    ASSERT_EQ(set.cycle(), 3U) << error;
    EXPECT_EQ(set.request(0), "GET /a HTTP/1.1\r\nHost: h:1\r\nX-Test: 1\r\n\r\n");
    EXPECT_EQ(set.batch(2, 4), std::string(set.request(2)) + std::string(set.request(0)) + std::string(set.request(1)) +
                                   std::string(set.request(2)));
    EXPECT_EQ(set.next(2, 4), 0U);
}

TEST(request_set, weights_interleave) {
    request_spec spec;
    spec.authority = "h";
    spec.paths = {{"/a", 3}, {"/b", 1}};
    std::string error;
    const request_set set = request_set::build(spec, 1, error);
    ASSERT_EQ(set.cycle(), 4U);
    int a = 0;
    for (std::uint32_t i = 0; i < 4; ++i)
        a += set.request(i).starts_with("GET /a ") ? 1 : 0;
    EXPECT_EQ(a, 3);
    EXPECT_TRUE(set.request(1).starts_with("GET /b ") || set.request(2).starts_with("GET /b "));
}

TEST(request_set, body_host_override_and_head) {
    request_spec spec;
    spec.method = "POST";
    spec.authority = "h";
    spec.paths = {{"/items", 1}};
    spec.headers = {"host: other"};
    spec.body = "{\"a\":1}";
    std::string error;
    const request_set set = request_set::build(spec, 1, error);
    EXPECT_EQ(set.request(0), "POST /items HTTP/1.1\r\nhost: other\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
    spec.method = "HEAD";
    EXPECT_TRUE(request_set::build(spec, 1, error).head());
    spec.headers = {"bad header"};
    EXPECT_EQ(request_set::build(spec, 1, error).cycle(), 0U);
    EXPECT_NE(error.find("bad header"), std::string::npos);
}

} // namespace
