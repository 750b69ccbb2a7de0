// SPDX-License-Identifier: MIT
#include <corio/http/access_log.hpp>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
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
void append_json_escaped(std::string& out, std::string_view text) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (byte < 0x20) {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(byte));
        } else {
            out.push_back(c);
        }
    }
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

    void after(const request& req, response& res) override {
        if (_lines.empty()) _loop.timers().schedule(*this, _loop.now_ms() + flush_after_ms);
        if (_format == access_log_format::json) {
            append_json(req, res);
        } else {
            fmt::format_to(std::back_inserter(_lines), "{} {} {} {}\n", req.method_name(), req.target(),
                           static_cast<unsigned>(res.status_code()), res.body().size());
        }
        if (_lines.size() >= flush_bytes) flush();
    }

private:
    void append_json(const request& req, const response& res) {
        // The time text is made once per second of the loop's wall clock, not per line.
        if (_loop.wall_seconds() != _time_seconds) {
            _time_seconds = _loop.wall_seconds();
            const std::time_t now = _time_seconds;
            std::tm utc{};
            gmtime_r(&now, &utc);
            _time_length = std::strftime(_time_text.data(), _time_text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
        }
        fmt::format_to(std::back_inserter(_lines), R"({{"time":"{}","shard":{},"method":"{}","target":")",
                       std::string_view(_time_text.data(), _time_length), _shard_id, req.method_name());
        append_json_escaped(_lines, req.target());
        fmt::format_to(std::back_inserter(_lines), "\",\"status\":{},\"bytes\":{}}}\n",
                       static_cast<unsigned>(res.status_code()), res.body().size());
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
            std::fputs("corio: access_log made outside a shard; give it to server::use()\n", stderr);
            std::abort();
        }
        return std::make_unique<log_buffer>(fd, format, s->id(), s->reactor());
    };
}

} // namespace corio::http
