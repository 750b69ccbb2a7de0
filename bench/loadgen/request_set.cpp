// SPDX-License-Identifier: MIT
#include "request_set.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>

#include <fmt/format.h>

namespace corio::load {

namespace {

bool has_header(const std::vector<std::string>& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const std::string& h) {
        if (h.size() <= name.size() || h[name.size()] != ':') return false;
        for (std::size_t i = 0; i < name.size(); ++i) {
            const char a = h[i] >= 'A' && h[i] <= 'Z' ? static_cast<char>(h[i] + 32) : h[i];
            if (a != name[i]) return false;
        }
        return true;
    });
}

// Smooth weighted round-robin (as nginx balances upstreams): weights 3,1 give a a b a, not a a a b,
// so that the mix is even over any short run of requests.
std::vector<std::uint32_t> interleave(const std::vector<weighted_path>& paths) {
    const std::uint64_t total = std::accumulate(paths.begin(), paths.end(), std::uint64_t{0},
                                                [](std::uint64_t s, const weighted_path& p) { return s + p.weight; });
    std::vector<std::int64_t> current(paths.size(), 0);
    std::vector<std::uint32_t> order;
    order.reserve(total);
    for (std::uint64_t n = 0; n < total; ++n) {
        std::size_t best = 0;
        for (std::size_t i = 0; i < paths.size(); ++i) {
            current[i] += paths[i].weight;
            if (current[i] > current[best]) best = i;
        }
        current[best] -= static_cast<std::int64_t>(total);
        order.push_back(static_cast<std::uint32_t>(best));
    }
    return order;
}

} // namespace

request_set request_set::build(const request_spec& spec, std::uint32_t max_batch, std::string& error) {
    request_set set;
    if (spec.paths.empty()) {
        error = "no request path";
        return set;
    }
    std::uint64_t total_weight = 0;
    for (const weighted_path& p : spec.paths) {
        if (p.weight == 0) {
            error = "path '" + p.target + "' has weight 0";
            return set;
        }
        if (p.target.empty() || (p.target.front() != '/' && p.target != "*")) {
            error = "path '" + p.target + "' must start with '/'";
            return set;
        }
        total_weight += p.weight;
    }
    if (total_weight > 100000) {
        error = "the path weights add up to more than 100000";
        return set;
    }
    for (const std::string& h : spec.headers) {
        const std::size_t colon = h.find(':');
        if (colon == 0 || colon == std::string::npos || h.find_first_of("\r\n") != std::string::npos) {
            error = "header '" + h + "' is not of the form 'Name: value'";
            return set;
        }
    }
    if (spec.method.empty() || spec.method.find_first_of(" \r\n") != std::string::npos) {
        error = "bad method '" + spec.method + "'";
        return set;
    }

    // Everything after the request line is the same for every path.
    std::string tail;
    if (!has_header(spec.headers, "host")) tail += "Host: " + spec.authority + "\r\n";
    for (const std::string& h : spec.headers)
        tail += h + "\r\n";
    if (!spec.body.empty() && !has_header(spec.headers, "content-length") &&
        !has_header(spec.headers, "transfer-encoding")) {
        tail += fmt::format("Content-Length: {}\r\n", spec.body.size());
    }
    tail += "\r\n";
    tail += spec.body;

    std::vector<std::string> serialized;
    serialized.reserve(spec.paths.size());
    for (const weighted_path& p : spec.paths)
        serialized.push_back(spec.method + " " + p.target + " HTTP/1.1\r\n" + tail);

    const std::vector<std::uint32_t> order = interleave(spec.paths);
    set._cycle = static_cast<std::uint32_t>(order.size());
    // Lay out cycle + max_batch requests: a batch starting anywhere in the first cycle fits.
    const std::size_t laid_out = std::size_t{set._cycle} + std::max<std::uint32_t>(max_batch, 1);
    set._offsets.reserve(laid_out + 1);
    for (std::size_t i = 0; i < laid_out; ++i) {
        set._offsets.push_back(set._bytes.size());
        set._bytes += serialized[order[i % order.size()]];
    }
    set._offsets.push_back(set._bytes.size());
    set._head = spec.method == "HEAD";
    return set;
}

} // namespace corio::load
