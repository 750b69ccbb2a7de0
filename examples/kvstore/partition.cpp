// SPDX-License-Identifier: MIT
#include "partition.hpp"

#include <functional>

namespace kvstore {

unsigned owner_of(std::string_view key, unsigned shards) noexcept {
    // Mixed so that keys differing only in their last characters still spread over few shards.
    std::size_t h = std::hash<std::string_view>{}(key);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return static_cast<unsigned>(h % shards);
}

bool partition::put(std::string key, std::string value) {
    auto [it, created] = _values.try_emplace(std::move(key));
    it->second = std::move(value);
    return created;
}

std::optional<std::string> partition::get(const std::string& key) const {
    const auto it = _values.find(key);
    if (it == _values.end()) return std::nullopt;
    return it->second;
}

bool partition::erase(const std::string& key) {
    return _values.erase(key) != 0;
}

} // namespace kvstore
