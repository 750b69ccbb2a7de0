// SPDX-License-Identifier: MIT
#include <corio/http/rate_limit.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include <corio/core/log.hpp>
#include <corio/core/shard.hpp>

namespace corio::http {

namespace {

class token_bucket final : public middleware {
public:
    token_bucket(double per_second, double burst, reactor& loop)
        : _rate(per_second / 1000.0), _burst(burst), _tokens(burst), _loop(loop), _last_ms(loop.now_ms()) {}

    std::optional<response> before(request&) override {
        const std::uint64_t now = _loop.now_ms();
        _tokens = std::min(_burst, _tokens + static_cast<double>(now - _last_ms) * _rate);
        _last_ms = now;
        if (_tokens >= 1.0) {
            _tokens -= 1.0;
            return std::nullopt;
        }
        response limited = response::text("Too Many Requests", status::too_many_requests);
        const double wait_s = _rate > 0 ? (1.0 - _tokens) / _rate / 1000.0 : 60.0;
        limited.add_header("Retry-After", std::to_string(static_cast<long long>(std::ceil(wait_s))));
        return limited;
    }

private:
    double _rate; // tokens per millisecond
    double _burst;
    double _tokens;
    reactor& _loop;
    std::uint64_t _last_ms;
};

} // namespace

middleware_factory rate_limit(double per_second, double burst) {
    return [=] {
        shard* s = shard::current();
        if (s == nullptr) {
            fatal("rate_limit made outside a shard; give it to server::use()");
        }
        return std::make_unique<token_bucket>(per_second, std::max(burst, 1.0), s->reactor());
    };
}

} // namespace corio::http
