// SPDX-License-Identifier: MIT
// service: something the runtime runs on every shard (an HTTP server, a cache, a client pool).
// The runtime calls prepare() once on the starting thread, then start() on each shard's own thread,
// and stop() on each shard's thread when the runtime stops; the shard's loop keeps running until
// drained() says the service's in-flight operations have completed.
#pragma once

#include <string>

#include <corio/core/result.hpp>
#include <corio/core/shard.hpp>

namespace corio {

/// Work that runs on each shard; the runtime owns nothing of it.
class service {
public:
    virtual ~service() = default;
    /// Runs once on the thread that starts the runtime, before any shard exists (bind sockets here).
    virtual result<void> prepare(unsigned shard_count) {
        static_cast<void>(shard_count);
        return {};
    }
    /// What the service does once started, for the runtime's start-up line ("listening on
    /// 127.0.0.1 port 8080"); empty for none.
    virtual std::string describe() const { return {}; }
    /// Why the last prepare() failed, in words that name what it was about (an address and port,
    /// a file); empty to let the error code's message speak alone.
    virtual std::string failure() const { return {}; }
    /// Runs on shard `s`'s thread once its reactor exists; an error stops the whole start-up.
    virtual result<void> start(shard& s) = 0;
    /// Runs on shard `s`'s thread when the runtime stops: stop taking work and start releasing
    /// everything the service holds there.
    virtual void stop(shard& s) = 0;
    /// Polled on shard `s`'s thread after stop() until it returns true (or the runtime's stop
    /// deadline passes): true once no completion can still refer to the service's objects.
    virtual bool drained(shard& s) {
        static_cast<void>(s);
        return true;
    }
    /// Whether the service's shards are making progress, asked from the thread waiting in
    /// runtime::wait_for_signal() before each systemd watchdog ping (none is sent while it is
    /// false, so systemd restarts a service stuck on a shard). Any thread; true by default.
    virtual bool live() const noexcept { return true; }
    /// Runs on shard `s`'s thread after its loop has stopped and before its reactor is destroyed:
    /// free what the service kept on that shard.
    virtual void finish(shard& s) { static_cast<void>(s); }
};

} // namespace corio
