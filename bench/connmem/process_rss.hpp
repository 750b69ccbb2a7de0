// SPDX-License-Identifier: MIT
// process_rss: the resident memory of a server process and its direct children (nginx's workers
// run under a master), read from /proc/PID/status (VmRSS) and summed.
#pragma once

#include <cstdint>
#include <optional>
#include <sys/types.h>

namespace corio::bench {

/// VmRSS of `pid` plus that of every process whose parent is `pid`, in KiB; nullopt if `pid` is gone.
std::optional<std::uint64_t> process_tree_rss_kib(pid_t pid);

} // namespace corio::bench
