// SPDX-License-Identifier: MIT
// memory_shard: a shard whose connections run over a net::loopback, for unit tests and fuzz targets
// that drive a connection's real code without sockets: a reactor (never run) with its buffer ring,
// the shard, and the loopback that run() pumps.
#pragma once

#include <memory>
#include <string>

#include <cstdio>
#include <cstdlib>

#include <corio/core/buffer_ring.hpp>
#include <corio/core/reactor.hpp>
#include <corio/core/shard.hpp>
#include <corio/net/loopback.hpp>

namespace corio::test {

struct memory_shard {
    std::string error;
    reactor_with_buffers parts;
    std::unique_ptr<corio::shard> self;
    std::unique_ptr<net::loopback> wire;

    memory_shard() {
        auto made = create_reactor_with_buffers({}, 0, 8, 4096, error);
        if (!made) {
            std::fprintf(stderr, "memory_shard: no reactor: %s\n", error.c_str());
            std::abort();
        }
        parts = std::move(*made);
        self = std::make_unique<corio::shard>(0, 1, -1, *parts.loop, *parts.buffers);
        wire = std::make_unique<net::loopback>(*parts.loop);
    }
    /// Moves the timer wheel's clock on by `ms`, firing the timers that fall due (the loop's own
    /// clock, which timers are armed from, stays where it was).
    void advance(std::uint64_t ms) {
        clock_ms = (clock_ms == 0 ? parts.loop->now_ms() : clock_ms) + ms;
        parts.loop->timers().advance(clock_ms);
    }
    std::uint64_t clock_ms = 0;
};

} // namespace corio::test
