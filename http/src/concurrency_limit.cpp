// SPDX-License-Identifier: MIT
#include <corio/http/concurrency_limit.hpp>

#include <string>

namespace corio::http {

namespace {

class limiter final : public middleware {
public:
    limiter(std::size_t max, unsigned retry_after_s) : _max(max), _retry_after(std::to_string(retry_after_s)) {}

    std::optional<response> before(request&) override {
        if (_in_flight >= _max) {
            response busy = response::text("Service Unavailable", status::service_unavailable);
            busy.add_header("Retry-After", _retry_after);
            return busy;
        }
        ++_in_flight;
        return std::nullopt;
    }
    void after(const request&, response&) override { --_in_flight; }

private:
    std::size_t _max;
    std::size_t _in_flight = 0;
    std::string _retry_after;
};

} // namespace

middleware_factory concurrency_limit(std::size_t max_in_flight, unsigned retry_after_s) {
    return [=] { return std::make_unique<limiter>(max_in_flight, retry_after_s); };
}

} // namespace corio::http
