// SPDX-License-Identifier: MIT
#include <corio/http/router.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include <corio/core/log.hpp>

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

std::uint64_t load(const char* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, p, n);
    return v;
}

std::uint64_t mix(std::uint64_t x) noexcept {
    x *= 0x9E3779B97F4A7C15ULL;
    return x ^ (x >> 32);
}

// A hash of a path for the literal table: whole 8-byte words, the last one overlapping the one
// before it (or, for paths shorter than 8 bytes, two 4-byte words or three bytes), so that a short
// path costs a few loads and multiplications rather than a byte-at-a-time loop. The keys are the
// routes, fixed before the server starts: a client's path can only probe them, not fill the table.
[[gnu::always_inline]] inline std::uint64_t path_hash(std::string_view path) noexcept {
    const char* p = path.data();
    const std::size_t n = path.size();
    std::uint64_t h = n;
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8)
            h = mix(h ^ load(p + i, 8));
        return mix(h ^ load(p + n - 8, 8));
    }
    if (n >= 4) return mix(h ^ (load(p, 4) << 32 | load(p + n - 4, 4)));
    if (n > 0) return mix(h ^ (load(p, 1) << 16 | load(p + n / 2, 1) << 8 | load(p + n - 1, 1)));
    return mix(h);
}

// memcmp(a, b, n) == 0 for the short strings paths are, with the hash's word loads instead of a call.
[[gnu::always_inline]] inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            if (load(a + i, 8) != load(b + i, 8)) return false;
        }
        return load(a + n - 8, 8) == load(b + n - 8, 8);
    }
    if (n >= 4) return load(a, 4) == load(b, 4) && load(a + n - 4, 4) == load(b + n - 4, 4);
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

} // namespace

// The handlers of one path (or one pattern) per method.
struct router::entry {
    std::array<endpoint, method_count> endpoints;
    std::uint16_t allowed = 0;
    // Derived when a method is added: the endpoint answering each method (HEAD falls back to GET),
    // and the Allow bits, so that a lookup is one load each.
    std::array<const endpoint*, method_count> answers{};
    std::uint16_t allow = 0;

    void add(method m, endpoint e) {
        endpoints[static_cast<std::size_t>(m)] = std::move(e);
        allowed |= bit(m);
        for (std::size_t i = 0; i < method_count; ++i) {
            const auto mi = static_cast<method>(i);
            const method effective = mi == method::head && (allowed & bit(method::head)) == 0 ? method::get : mi;
            answers[i] = (allowed & bit(effective)) != 0 ? &endpoints[static_cast<std::size_t>(effective)] : nullptr;
        }
        allow = (allowed & bit(method::get)) != 0 ? static_cast<std::uint16_t>(allowed | bit(method::head)) : allowed;
    }
    // The endpoint answering `m`, or null.
    const endpoint* lookup(method m) const noexcept { return answers[static_cast<std::size_t>(m)]; }
    std::uint16_t allow_bits() const noexcept { return allow; }
};

// A path without captures and its handlers.
struct router::literal : entry {
    std::string path;
    std::uint64_t hash = 0;
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
        // "{name}" is a capture in axum, actix and others; matched literally here it would never
        // match what its author meant, so it is refused (add_or_abort says to write ":name").
        if (segment.starts_with('{') && segment.ends_with('}')) return system_error(EINVAL);
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
        target = &literal_entry(text);
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
    target->add(m, std::move(e));
    return {};
}

// Inlined into find(): the hot path is this probe and nothing else.
[[gnu::always_inline]] inline const router::literal* router::find_literal(std::string_view path) const noexcept {
    if (_literal_slots.empty()) return nullptr;
    const std::uint64_t hash = path_hash(path);
    const std::size_t mask = _literal_slots.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        const literal_slot& slot = _literal_slots[i];
        if (slot.target == nullptr) return nullptr;
        if (slot.hash == hash && slot.target->path.size() == path.size() &&
            same_bytes(slot.target->path.data(), path.data(), path.size())) {
            return slot.target;
        }
    }
}

// The entry of literal path `path`, created when it is new. The table stays at most a quarter full
// (short probe runs); it doubles and is refilled when it would not.
router::entry& router::literal_entry(std::string_view path) {
    if (const literal* known = find_literal(path); known != nullptr) return *const_cast<literal*>(known);
    auto added = std::make_unique<literal>();
    added->path = path;
    added->hash = path_hash(path);
    _literals.push_back(std::move(added));
    const auto insert = [this](const literal& l) {
        const std::size_t mask = _literal_slots.size() - 1;
        std::size_t i = l.hash & mask;
        while (_literal_slots[i].target != nullptr)
            i = (i + 1) & mask;
        _literal_slots[i] = {l.hash, &l};
    };
    if (_literals.size() * 4 > _literal_slots.size()) {
        _literal_slots.assign(std::max<std::size_t>(16, _literal_slots.size() * 2), literal_slot{});
        for (const auto& l : _literals)
            insert(*l);
    } else {
        insert(*_literals.back());
    }
    return *_literals.back();
}

namespace {

// `text` with each "{name}" segment written ":name" (and "{*name}" written "*name").
std::string with_colon_captures(std::string_view text) {
    std::string out;
    std::string_view rest = text;
    while (!rest.empty()) {
        const std::size_t open = rest.find("/{");
        const std::size_t close = open == std::string_view::npos ? open : rest.find('}', open);
        if (close == std::string_view::npos) break;
        std::string_view name = rest.substr(open + 2, close - open - 2);
        out.append(rest.substr(0, open + 1)).append(name.starts_with('*') ? "*" : ":");
        out.append(name.starts_with('*') ? name.substr(1) : name);
        rest.remove_prefix(close + 1);
    }
    return out.append(rest);
}

} // namespace

router& router::add_or_abort(method m, std::string_view text, endpoint e) {
    if (auto added = add_endpoint(m, text, std::move(e)); !added) {
        if (const std::string fixed = with_colon_captures(text); fixed != text) {
            fatal(fmt::format("route {} {}: captures are written :name in corio, not {{name}} (write {})",
                              method_name(m), text, fixed));
        }
        fatal(fmt::format("route {} {}: {}", method_name(m), text,
                          added.error() == std::errc::file_exists ? "defined twice"
                                                                  : "malformed (captures are :name, a final *name; "
                                                                    "a streamed body needs an async handler)"));
    }
    return *this;
}

route_match router::find(method m, std::string_view path, route_params* params) const noexcept {
    route_match match;
    if (const literal* l = find_literal(path); l != nullptr) {
        match.path_known = true;
        match.allowed_methods = l->allow_bits();
        match.target = l->lookup(m);
        if (match.target != nullptr) {
            if (params != nullptr) params->count = 0;
            return match;
        }
    }
    if (!_patterns.empty()) find_pattern(m, path, params, match);
    return match;
}

// Captures: the most specific pattern that answers `m`; the Allow bits of every matching one. Out of
// line, so that a literal hit does not pay for this loop's registers and stack frame.
[[gnu::noinline]] void router::find_pattern(method m, std::string_view path, route_params* params,
                                            route_match& match) const noexcept {
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
}

} // namespace corio::http
