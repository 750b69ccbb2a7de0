// SPDX-License-Identifier: MIT
#include <corio/http/router.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace corio::http {

result<void> router::add(method m, std::string_view path, handler h) {
    entry& e = _routes.try_emplace(std::string(path)).first->second;
    const auto bit = static_cast<std::uint16_t>(1U << static_cast<unsigned>(m));
    if ((e.allowed & bit) != 0) return system_error(EEXIST);
    e.handlers[static_cast<std::size_t>(m)] = std::move(h);
    e.allowed |= bit;
    return {};
}

router& router::add_or_abort(method m, std::string_view path, handler h) {
    if (!add(m, path, std::move(h))) {
        std::fprintf(stderr, "corio: route %.*s %.*s is defined twice\n", static_cast<int>(method_name(m).size()),
                     method_name(m).data(), static_cast<int>(path.size()), path.data());
        std::abort();
    }
    return *this;
}

router& router::get(std::string_view path, handler h) {
    return add_or_abort(method::get, path, std::move(h));
}
router& router::post(std::string_view path, handler h) {
    return add_or_abort(method::post, path, std::move(h));
}

route_match router::find(method m, std::string_view path) const noexcept {
    const auto it = _routes.find(path);
    if (it == _routes.end()) return {};
    const entry& e = it->second;
    route_match match{nullptr, true, e.allowed};
    // HEAD is answered by the GET handler; the server omits the body.
    if ((e.allowed & (1U << static_cast<unsigned>(method::get))) != 0) {
        match.allowed_methods |= static_cast<std::uint16_t>(1U << static_cast<unsigned>(method::head));
    }
    const method effective = m == method::head && !e.handlers[static_cast<std::size_t>(method::head)] ? method::get : m;
    if (e.handlers[static_cast<std::size_t>(effective)])
        match.target = &e.handlers[static_cast<std::size_t>(effective)];
    return match;
}

} // namespace corio::http
