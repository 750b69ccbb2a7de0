// SPDX-License-Identifier: MIT
// partition: the keys one shard owns. Each shard keeps its own partition (a corio::sharded), and
// a key always lives on the shard its hash picks, so a partition is only ever touched by its shard.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kvstore {

/// The shard that owns `key` among `shards`.
unsigned owner_of(std::string_view key, unsigned shards) noexcept;

/// One shard's keys and values; used only on its shard.
class partition {
public:
    /// Stores `value` under `key`; true if the key was new, false if a value was replaced.
    bool put(std::string key, std::string value);
    /// The value under `key`, copied (the copy travels back to the asking shard).
    std::optional<std::string> get(const std::string& key) const;
    /// Removes `key`; true if it was there.
    bool erase(const std::string& key);
    /// Number of keys held.
    std::size_t size() const noexcept { return _values.size(); }

private:
    std::unordered_map<std::string, std::string> _values;
};

} // namespace kvstore
