// SPDX-License-Identifier: MIT
#include "results.hpp"

#include <algorithm>
#include <memory>

namespace corio::load {

std::uint64_t thread_result::error_total() const noexcept {
    std::uint64_t n = 0;
    for (const std::uint64_t e : errors)
        n += e;
    return n;
}

void thread_result::merge(const thread_result& other) {
    latency.merge(other.latency);
    connect_time.merge(other.connect_time);
    requests += other.requests;
    sent += other.sent;
    lost += other.lost;
    bytes_read += other.bytes_read;
    bytes_written += other.bytes_written;
    connects += other.connects;
    reconnects += other.reconnects;
    for (std::size_t i = 0; i < errors.size(); ++i)
        errors[i] += other.errors[i];
    for (std::size_t i = 0; i < statuses.size(); ++i)
        statuses[i] += other.statuses[i];
    for (const auto& [e, n] : other.connect_errnos)
        connect_errnos[e] += n;
    for (const auto& [e, n] : other.io_errnos)
        io_errnos[e] += n;
    start_ns = start_ns == 0 ? other.start_ns : std::min(start_ns, other.start_ns);
    end_ns = std::max(end_ns, other.end_ns);
    connections += other.connections;
    gave_up = gave_up || other.gave_up;
}

std::uint64_t test_result::status_class(unsigned c) const noexcept {
    std::uint64_t n = 0;
    for (unsigned s = c * 100; s < c * 100 + 100 && s < total.statuses.size(); ++s)
        n += total.statuses[s];
    return n;
}

std::vector<timeline_point> merge_timeline(const std::vector<second_sample>& samples) {
    std::uint32_t last = 0;
    for (const second_sample& s : samples)
        last = std::max(last, s.second + 1);
    std::vector<timeline_point> points(last);
    std::vector<std::vector<const second_sample*>> by_second(last);
    for (const second_sample& s : samples)
        by_second[s.second].push_back(&s);
    auto h = std::make_unique<histogram>();
    for (std::uint32_t sec = 0; sec < last; ++sec) {
        timeline_point& p = points[sec];
        p.second = sec;
        h->clear();
        for (const second_sample* s : by_second[sec]) {
            p.requests += s->requests;
            p.errors += s->errors;
            for (std::size_t k = 0; k < error_kind_count; ++k)
                p.errors_by_kind[k] += s->errors_by_kind[k];
            p.bytes_read += s->bytes_read;
            p.bytes_written += s->bytes_written;
            p.max_ns = std::max(p.max_ns, s->max_ns);
            for (const auto& [index, count] : s->latency)
                h->add_bucket(index, count);
        }
        p.p50_ns = std::min(h->percentile(50), p.max_ns);
        p.p90_ns = std::min(h->percentile(90), p.max_ns);
        p.p99_ns = std::min(h->percentile(99), p.max_ns);
        p.latency = h->sparse();
    }
    return points;
}

} // namespace corio::load
