// SPDX-License-Identifier: MIT
#include <corio/core/result.hpp>

#include <cerrno>

namespace corio {

tl::unexpected<std::error_code> last_system_error() {
    return system_error(errno);
}

} // namespace corio
