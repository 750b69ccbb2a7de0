// SPDX-License-Identifier: MIT
#include <corio/http/access_log.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include <corio/core/shard.hpp>
#include <corio/core/timer_wheel.hpp>

namespace corio::http {

namespace {

constexpr std::size_t flush_bytes = 32 << 10;
constexpr std::uint64_t flush_after_ms = 1000;

class log_buffer final : public middleware, private timer {
public:
    log_buffer(int fd, reactor& loop) : timer(&log_buffer::on_timer), _fd(fd), _loop(loop) {
        _lines.reserve(flush_bytes + 1024);
    }
    ~log_buffer() override {
        _loop.timers().cancel(*this);
        flush();
    }

    void after(const request& req, response& res) override {
        if (_lines.empty()) _loop.timers().schedule(*this, _loop.now_ms() + flush_after_ms);
        fmt::format_to(std::back_inserter(_lines), "{} {} {} {}\n", req.method_name(), req.target(),
                       static_cast<unsigned>(res.status_code()), res.body().size());
        if (_lines.size() >= flush_bytes) flush();
    }

private:
    static void on_timer(timer& t) { static_cast<log_buffer&>(t).flush(); }

    // Blocking writes of whole buffers (a pipe or a file); a failure is reported once, lines are dropped.
    void flush() {
        std::string_view rest = _lines;
        while (!rest.empty()) {
            const ssize_t n = ::write(_fd, rest.data(), rest.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                if (!_failed) std::fprintf(stderr, "corio: access log write failed: %s\n", std::strerror(errno));
                _failed = true;
                break;
            }
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        _lines.clear();
        _loop.timers().cancel(*this);
    }

    int _fd;
    reactor& _loop;
    std::string _lines;
    bool _failed = false;
};

} // namespace

middleware_factory access_log(int fd) {
    return [fd] {
        shard* s = shard::current();
        if (s == nullptr) {
            std::fputs("corio: access_log made outside a shard; give it to server::use()\n", stderr);
            std::abort();
        }
        return std::make_unique<log_buffer>(fd, s->reactor());
    };
}

} // namespace corio::http
