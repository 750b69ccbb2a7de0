// SPDX-License-Identifier: MIT
#include <corio/http/client_response.hpp>

#include <corio/core/ascii.hpp>

namespace corio::http {

std::optional<std::string_view> client_response::header(std::string_view name) const noexcept {
    for (const field& f : _fields)
        if (equal_ignoring_case(view(f.name), name)) return view(f.value);
    return std::nullopt;
}

} // namespace corio::http
