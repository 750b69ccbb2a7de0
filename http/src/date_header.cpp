// SPDX-License-Identifier: MIT
#include "date_header.hpp"

#include <ctime>

namespace corio::http {

void date_header::rebuild(std::int64_t now) noexcept {
    const std::time_t t = static_cast<std::time_t>(now);
    std::tm utc{};
    gmtime_r(&t, &utc);
    // IMF-fixdate (RFC 9110 5.6.7); strftime's %a/%b are locale-independent in the C locale corio uses.
    _length = std::strftime(_text, sizeof _text, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &utc);
    _second = now;
}

} // namespace corio::http
