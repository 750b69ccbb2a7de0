// SPDX-License-Identifier: MIT
// What the response fuzz targets share: the layout of response_reader's corpus, which
// response_reader_fuzz and response_framer_fuzz both read, and check().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace corio::fuzz {

/// Aborts, which the fuzzer reports with the input, when `ok` is false.
inline void check(bool ok) {
    if (!ok) std::abort();
}

/// One input of response_reader's corpus: byte 0's top bit says whether the requests were HEAD and
/// its other bits seed a split point; the rest is what a server sent.
struct response_input {
    bool to_head = false;
    std::uint8_t seed = 0; ///< 0-127
    std::string_view bytes;

    /// The parts of `data`, or nothing when it is empty.
    static std::optional<response_input> from(const std::uint8_t* data, std::size_t size) {
        if (size == 0) return std::nullopt;
        return response_input{(data[0] & 0x80) != 0, static_cast<std::uint8_t>(data[0] & 0x7f),
                              std::string_view(reinterpret_cast<const char*>(data + 1), size - 1)};
    }
};

} // namespace corio::fuzz
