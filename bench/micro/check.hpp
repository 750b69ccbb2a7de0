// SPDX-License-Identifier: MIT
// check: the set-up assertions of the workloads (a benchmark that measures a failing path is worse
// than none), active in every build type.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace corio::bench {

/// Stops the program with `what` when `ok` is false.
inline void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "micro benchmark set-up failed: %s\n", what);
    std::exit(1);
}

} // namespace corio::bench
