// SPDX-License-Identifier: MIT
// request_set: every request a load test sends, serialized once before the test starts. The paths
// (round-robin, or interleaved by weight) form a cycle; the cycle's bytes are laid out repeatedly
// so that any run of up to `max_batch` consecutive requests is one contiguous byte range, and a
// connection sends a whole batch (a pipeline) with one send and no copying or allocation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace corio::load {

/// A request path and its share of the requests.
struct weighted_path {
    std::string target;
    unsigned weight = 1;
};

/// What the requests look like.
struct request_spec {
    std::string method = "GET";
    std::string authority;            ///< Host header value (unless `headers` has a Host)
    std::vector<weighted_path> paths; ///< at least one
    std::vector<std::string> headers; ///< "Name: value" lines
    std::string body;                 ///< sent with a Content-Length when not empty
};

/// The serialized requests; read-only and shared by all threads once built.
class request_set {
public:
    /// Serializes `spec` for batches of up to `max_batch` requests. An empty result with `error` set
    /// means the spec is unusable (a header without a colon, a weight of 0, too many paths).
    static request_set build(const request_spec& spec, std::uint32_t max_batch, std::string& error);

    /// Requests in one cycle of the paths.
    std::uint32_t cycle() const noexcept { return _cycle; }
    /// The bytes of requests first .. first+count-1 of the cycle (first < cycle(), count <= max_batch).
    std::string_view batch(std::uint32_t first, std::uint32_t count) const noexcept {
        const std::size_t begin = _offsets[first];
        return {_bytes.data() + begin, _offsets[first + count] - begin};
    }
    /// The cycle position after `count` requests from `first`.
    std::uint32_t next(std::uint32_t first, std::uint32_t count) const noexcept { return (first + count) % _cycle; }
    /// True when the method is HEAD (responses carry no body).
    bool head() const noexcept { return _head; }
    /// The serialized request at cycle position `index` (for display).
    std::string_view request(std::uint32_t index) const noexcept { return batch(index, 1); }
    /// Bytes of one full cycle.
    std::size_t cycle_bytes() const noexcept { return _offsets[_cycle] - _offsets[0]; }

private:
    std::string _bytes;
    std::vector<std::size_t> _offsets; // start of each laid-out request, plus the end
    std::uint32_t _cycle = 0;
    bool _head = false;
};

} // namespace corio::load
