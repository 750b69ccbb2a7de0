// SPDX-License-Identifier: MIT
#include <corio/http/access_log.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <string>

#include <fmt/format.h>

#include <corio/core/log.hpp>
#include <corio/core/shard.hpp>
#include <corio/core/timer_wheel.hpp>

namespace corio::http {

namespace {

constexpr std::size_t flush_bytes = 32 << 10;
constexpr std::uint64_t flush_after_ms = 1000;

// Appends `text` as the inside of a JSON string: quotes, backslashes and control bytes escaped.
// Bytes of 0x80 and up pass as they are (a target is bytes, not checked UTF-8; llhttp admits them).
// Runs of bytes that need no escape are appended whole.
void append_json_escaped(std::string& out, std::string_view text) {
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const auto byte = static_cast<unsigned char>(c);
        if (c != '"' && c != '\\' && byte >= 0x20) continue;
        out.append(text.substr(run, i - run));
        run = i + 1;
        if (byte >= 0x20) {
            out.push_back('\\');
            out.push_back(c);
        } else {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(byte));
        }
    }
    out.append(text.substr(run));
}

class log_buffer final : public middleware, private timer {
public:
    log_buffer(int fd, access_log_format format, unsigned shard_id, reactor& loop)
        : timer(&log_buffer::on_timer), _fd(fd), _format(format), _shard_id(shard_id), _loop(loop) {
        _lines.reserve(flush_bytes + 1024);
    }
    ~log_buffer() override {
        _loop.timers().cancel(*this);
        flush();
    }

    void after(const request& req, response& res) override { append(req, res); }
    void refused(const request& req, const response& res) override { append(req, res); }

private:
    void append(const request& req, const response& res) {
        if (_lines.empty()) _loop.timers().schedule(*this, _loop.now_ms() + flush_after_ms);
        // The time text is made once per second of the loop's wall clock, not per line.
        if (_loop.wall_seconds() != _time_seconds) {
            _time_seconds = _loop.wall_seconds();
            const std::time_t now = _time_seconds;
            std::tm utc{};
            gmtime_r(&now, &utc);
            _time_length = std::strftime(_time_text.data(), _time_text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
        }
        const std::string_view time(_time_text.data(), _time_length);
        std::array<char, net::socket_address::text_size> address_text;
        const result<net::socket_address> peer = req.peer();
        const std::string_view client = peer ? peer->write(address_text) : std::string_view();
        const std::uint64_t now_us = monotonic_us();
        const std::uint64_t latency_us = now_us > req.received_us() ? now_us - req.received_us() : 0;
        const auto status = static_cast<unsigned>(res.status_code());
        const std::size_t bytes = res.body().size();
        // Appended piece by piece (fmt through a back_inserter cost more than the request itself).
        if (_format == access_log_format::text) {
            // A request refused before its head ended has no method and target: "-" for each.
            const bool parsed = !req.method_name().empty();
            _lines.append(time).append(" ").append(client.empty() ? "-" : client).append(" ");
            _lines.append(parsed ? req.method_name() : "-").append(" ").append(parsed ? req.target() : "-");
            append_number(" ", status);
            append_number(" ", bytes);
            append_number(" ", latency_us);
            _lines.append("us\n");
        } else {
            _lines.append(R"({"time":")").append(time);
            append_number(R"(","shard":)", _shard_id);
            _lines.append(",\"client\":");
            append_json_string(client);
            _lines.append(",\"method\":");
            append_json_string(req.method_name());
            _lines.append(",\"target\":");
            append_json_string(req.target());
            append_number(",\"status\":", status);
            append_number(",\"bytes\":", bytes);
            append_number(",\"latency_us\":", latency_us);
            _lines.append("}\n");
        }
        if (_lines.size() >= flush_bytes) flush();
    }

    // `before`, then `n` in decimal.
    void append_number(std::string_view before, std::uint64_t n) {
        std::array<char, 20> digits;
        const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr;
        _lines.append(before).append(digits.data(), static_cast<std::size_t>(end - digits.data()));
    }

    // A JSON string, or null for an empty text (what is not known).
    void append_json_string(std::string_view text) {
        if (text.empty()) {
            _lines.append("null");
            return;
        }
        _lines.push_back('"');
        append_json_escaped(_lines, text);
        _lines.push_back('"');
    }

    static std::uint64_t monotonic_us() noexcept {
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return static_cast<std::uint64_t>(ts.tv_sec) * 1000000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
    }

    static void on_timer(timer& t) { static_cast<log_buffer&>(t).flush(); }

    // Blocking writes of whole buffers (a pipe or a file); a failure is reported once, lines are dropped.
    void flush() {
        std::string_view rest = _lines;
        while (!rest.empty()) {
            const ssize_t n = ::write(_fd, rest.data(), rest.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                if (!_failed) log(log_level::warning, fmt::format("access log write failed: {}", std::strerror(errno)));
                _failed = true;
                break;
            }
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        _lines.clear();
        _loop.timers().cancel(*this);
    }

    int _fd;
    access_log_format _format;
    unsigned _shard_id;
    reactor& _loop;
    std::int64_t _time_seconds = -1;
    std::array<char, 24> _time_text{}; // "2026-12-06T15:04:05Z" (20 characters)
    std::size_t _time_length = 0;
    std::string _lines;
    bool _failed = false;
};

} // namespace

middleware_factory access_log(int fd, access_log_format format) {
    return [fd, format] {
        shard* s = shard::current();
        if (s == nullptr) {
            fatal("access_log made outside a shard; give it to server::use()");
        }
        return std::make_unique<log_buffer>(fd, format, s->id(), s->reactor());
    };
}

} // namespace corio::http
