// SPDX-License-Identifier: MIT
// date_header: the "Date: ...\r\n" line, rebuilt at most once per second per shard, not per response.
#pragma once

#include <cstdint>
#include <string_view>

namespace corio::http {

/// A cached Date header line for one shard.
class date_header {
public:
    /// The line for wall-clock second `now` (CLOCK_REALTIME seconds), rebuilt when the second changed.
    std::string_view line(std::int64_t now) noexcept {
        if (now != _second) rebuild(now);
        return {_text, _length};
    }

private:
    void rebuild(std::int64_t now) noexcept;

    std::int64_t _second = -1;
    std::size_t _length = 0;
    char _text[64] = {};
};

} // namespace corio::http
