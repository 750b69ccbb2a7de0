// SPDX-License-Identifier: MIT
// Results of fallible calls: a value or a std::error_code, never an exception. The completion path
// carries raw `-errno` ints; these helpers turn them into results at the API boundary.
#pragma once

#include <system_error>

#include <tl/expected.hpp>

namespace corio {

/// The value of a fallible call, or the system error that stopped it.
template <class T>
using result = tl::expected<T, std::error_code>;

/// Wraps a positive errno value (ENOMEM, EINVAL, ...) as an unexpected result.
inline tl::unexpected<std::error_code> system_error(int errno_value) {
    return tl::unexpected(std::error_code(errno_value, std::system_category()));
}

/// Wraps the current `errno` as an unexpected result (call right after a failed libc call).
tl::unexpected<std::error_code> last_system_error();

} // namespace corio
