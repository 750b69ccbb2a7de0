// SPDX-License-Identifier: MIT
#include "process_rss.hpp"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace corio::bench {

namespace {

// The value of `field` ("VmRSS:", "PPid:") in /proc/PID/status.
std::optional<std::uint64_t> status_field(pid_t pid, const char* field) {
    const std::string path = "/proc/" + std::to_string(pid) + "/status";
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) return std::nullopt;
    char line[256];
    std::optional<std::uint64_t> value;
    const std::size_t n = std::strlen(field);
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::strncmp(line, field, n) == 0) {
            value = std::strtoull(line + n, nullptr, 10);
            break;
        }
    }
    std::fclose(f);
    return value;
}

} // namespace

std::optional<std::uint64_t> process_tree_rss_kib(pid_t pid) {
    auto total = status_field(pid, "VmRSS:");
    if (!total) return std::nullopt;
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return total;
    while (const dirent* e = readdir(proc)) {
        char* end = nullptr;
        const long child = std::strtol(e->d_name, &end, 10);
        if (*end != '\0' || child <= 0 || child == pid) continue;
        const auto parent = status_field(static_cast<pid_t>(child), "PPid:");
        if (parent && *parent == static_cast<std::uint64_t>(pid))
            *total += status_field(static_cast<pid_t>(child), "VmRSS:").value_or(0);
    }
    closedir(proc);
    return total;
}

} // namespace corio::bench
