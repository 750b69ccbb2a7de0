// SPDX-License-Identifier: MIT
#include <corio/http/request_id.hpp>

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>
#include <sys/random.h>

#include <corio/core/shard.hpp>

namespace corio::http {

namespace {

constexpr std::string_view header_name = "X-Request-Id";

// A printable token of reasonable length: safe to echo into a response header.
bool acceptable(std::string_view id) noexcept {
    return !id.empty() && id.size() <= 64 &&
           std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 127; });
}

std::uint32_t process_salt() {
    static const std::uint32_t salt = [] {
        std::uint32_t value = 0;
        // A failure leaves 0: ids stay unique within the process, only not across restarts.
        if (getrandom(&value, sizeof value, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof value)) value = 0;
        return value;
    }();
    return salt;
}

class id_stamp final : public middleware {
public:
    explicit id_stamp(unsigned shard_id) : _shard(shard_id), _salt(process_salt()) {}

    void after(const request& req, response& res) override {
        if (const auto theirs = req.header(header_name); theirs && acceptable(*theirs)) {
            res.add_header(header_name, *theirs);
            return;
        }
        char id[40];
        const auto end = fmt::format_to_n(id, sizeof id, "{:08x}-{:x}-{:x}", _salt, _shard, ++_counter).out;
        res.add_header(header_name, {id, static_cast<std::size_t>(end - id)});
    }

private:
    unsigned _shard;
    std::uint32_t _salt;
    std::uint64_t _counter = 0;
};

} // namespace

middleware_factory request_id() {
    return [] {
        const shard* s = shard::current();
        return std::make_unique<id_stamp>(s != nullptr ? s->id() : 0);
    };
}

} // namespace corio::http
