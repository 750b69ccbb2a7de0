// SPDX-License-Identifier: MIT
#include <corio/http/client_response.hpp>

namespace corio::http {

namespace {
char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}
} // namespace

std::optional<std::string_view> client_response::header(std::string_view name) const noexcept {
    for (const field& f : _fields) {
        const std::string_view n = view(f.name);
        if (n.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < n.size() && same; ++i)
            same = lower(n[i]) == lower(name[i]);
        if (same) return view(f.value);
    }
    return std::nullopt;
}

} // namespace corio::http
