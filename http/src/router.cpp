// SPDX-License-Identifier: MIT
#include <corio/http/router.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace corio::http {

namespace {

constexpr std::uint16_t bit(method m) noexcept {
    return static_cast<std::uint16_t>(1U << static_cast<unsigned>(m));
}

// The next `/`-separated segment of `rest` (which starts after a '/'); advances `rest` past it.
std::string_view next_segment(std::string_view& rest) noexcept {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    return segment;
}

} // namespace

// The handlers of one path (or one pattern) per method.
struct router::entry {
    std::array<endpoint, method_count> endpoints;
    std::uint16_t allowed = 0;

    // The endpoint answering `m` (HEAD falls back to GET), or null.
    const endpoint* lookup(method m) const noexcept {
        const method effective = m == method::head && (allowed & bit(method::head)) == 0 ? method::get : m;
        return (allowed & bit(effective)) != 0 ? &endpoints[static_cast<std::size_t>(effective)] : nullptr;
    }
    std::uint16_t allow_bits() const noexcept {
        return (allowed & bit(method::get)) != 0 ? static_cast<std::uint16_t>(allowed | bit(method::head)) : allowed;
    }
};

// A pattern with captures: its segments, their kinds as a rank string (literal '2' > capture '1' >
// rest '0', compared position by position for specificity) and the capture names.
struct router::compiled_pattern : entry {
    std::string text;
    std::vector<std::string_view> segments; // views into text; captures without their ':' or '*'
    std::string rank;
    std::vector<std::string_view> names;

    bool match(std::string_view path, route_params* params) const noexcept {
        if (path.empty() || path.front() != '/') return false;
        std::string_view rest = path.substr(1);
        bool more = true; // a segment (possibly empty) is left to match
        std::size_t captured = 0;
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (rank[i] == '0') {
                if (params != nullptr) params->values[captured] = more ? rest : std::string_view();
                ++captured;
                more = false;
                break;
            }
            if (!more) return false;
            more = rest.find('/') != std::string_view::npos;
            const std::string_view segment = next_segment(rest);
            if (rank[i] == '2') {
                if (segment != segments[i]) return false;
            } else {
                if (segment.empty()) return false;
                if (params != nullptr) params->values[captured] = segment;
                ++captured;
            }
        }
        if (more) return false;
        if (params != nullptr) {
            params->names = names.data();
            params->count = captured;
        }
        return true;
    }
};

router::router() = default;
router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

result<void> router::add_endpoint(method m, std::string_view text, endpoint e) {
    if (text.empty() || text.front() != '/' || (!e.sync && !e.async)) return system_error(EINVAL);
    if (e.options.stream_body && !e.async) return system_error(EINVAL); // only a coroutine can wait for the body
    auto p = std::make_unique<compiled_pattern>();
    p->text = text;
    std::string_view rest = std::string_view(p->text).substr(1);
    bool more = true;
    while (more) {
        more = rest.find('/') != std::string_view::npos;
        const std::string_view segment = next_segment(rest);
        if (!p->rank.empty() && p->rank.back() == '0') return system_error(EINVAL); // *rest must be last
        if (!segment.empty() && (segment.front() == ':' || segment.front() == '*')) {
            const std::string_view name = segment.substr(1);
            if (name.empty() || p->names.size() == route_params::max ||
                std::find(p->names.begin(), p->names.end(), name) != p->names.end()) {
                return system_error(EINVAL);
            }
            p->names.push_back(name);
            p->segments.push_back(name);
            p->rank.push_back(segment.front() == ':' ? '1' : '0');
        } else {
            p->segments.push_back(segment);
            p->rank.push_back('2');
        }
    }
    entry* target = nullptr;
    if (p->names.empty()) {
        auto& slot = _literal[std::string(text)];
        if (!slot) slot = std::make_unique<entry>();
        target = slot.get();
    } else {
        // Same shape (literals and capture positions, whatever the names): the same entry.
        for (const auto& existing : _patterns) {
            if (existing->rank == p->rank && existing->segments.size() == p->segments.size() &&
                std::equal(existing->segments.begin(), existing->segments.end(), p->segments.begin(),
                           [&, i = std::size_t{0}](std::string_view a, std::string_view b) mutable {
                               return p->rank[i++] != '2' || a == b;
                           })) {
                target = existing.get();
                break;
            }
        }
        if (target == nullptr) target = _patterns.emplace_back(std::move(p)).get();
    }
    if ((target->allowed & bit(m)) != 0) return system_error(EEXIST);
    target->endpoints[static_cast<std::size_t>(m)] = std::move(e);
    target->allowed |= bit(m);
    return {};
}

router& router::add_or_abort(method m, std::string_view text, endpoint e) {
    if (auto added = add_endpoint(m, text, std::move(e)); !added) {
        std::fprintf(stderr, "corio: route %.*s %.*s: %s\n", static_cast<int>(method_name(m).size()),
                     method_name(m).data(), static_cast<int>(text.size()), text.data(),
                     added.error() == std::errc::file_exists ? "defined twice"
                                                             : "malformed (captures are :name, a final *name; "
                                                               "a streamed body needs an async handler)");
        std::abort();
    }
    return *this;
}

route_match router::find(method m, std::string_view path, route_params* params) const noexcept {
    route_match match;
    if (const auto it = _literal.find(path); it != _literal.end()) {
        match.path_known = true;
        match.allowed_methods = it->second->allow_bits();
        match.target = it->second->lookup(m);
        if (match.target != nullptr) {
            if (params != nullptr) params->count = 0;
            return match;
        }
    }
    // Captures: the most specific pattern that answers `m`; the Allow bits of every matching one.
    const compiled_pattern* best = nullptr;
    for (const auto& p : _patterns) {
        if (!p->match(path, nullptr)) continue;
        match.path_known = true;
        match.allowed_methods |= p->allow_bits();
        if (p->lookup(m) != nullptr && (best == nullptr || p->rank > best->rank)) best = p.get();
    }
    if (best != nullptr) {
        match.target = best->lookup(m);
        if (params != nullptr) best->match(path, params);
    }
    return match;
}

} // namespace corio::http
