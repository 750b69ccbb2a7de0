// SPDX-License-Identifier: MIT
// connection_probe: drives a tcp_connection from memory, without sockets or the reactor loop, so
// that tests, fuzz targets and micro benchmarks exercise exactly the connection code the server
// runs: bytes go in as if a receive delivered them, output comes out as if a send took it.
// Single-threaded, on the connection's shard; the connection's loop must not be running.
#pragma once

#include <span>
#include <string>

#include <corio/net/tcp_connection.hpp>

namespace corio::net {

/// Test and benchmark access to a tcp_connection's input and output.
struct connection_probe {
    /// Hands `bytes` to the connection as one receive completion would (they may be modified in place).
    static void feed(tcp_connection& c, std::span<char> bytes) {
        if (!c.closing()) c.receive(bytes);
    }
    /// Appends the connection's pending output to `out` and drops it as if the kernel had sent it;
    /// as after a real send, a connection paused for backpressure (or waiting for its handler)
    /// resumes reading, and a stalled producer may write more: repeats until nothing is flushed.
    static void take_output(tcp_connection& c, std::string& out) {
        for (int rounds = 0; rounds < 1'000'000; ++rounds) {
            if (c._tail == nullptr && (c._flags & tcp_connection::flag_in_flush) == 0) break;
            const std::size_t before = out.size();
            for (output_chunk* chunk = c._tail; chunk != nullptr;) {
                chunk = chunk->next; // oldest first: the chunks form a ring ending at _tail
                out.append(chunk->data() + chunk->begin, chunk->end - chunk->begin);
                if (chunk == c._tail) break;
            }
            c.release_output();
            c._flags &= static_cast<std::uint16_t>(~tcp_connection::flag_in_flush);
            c._owner->_flush.clear();
            if (c.closing()) break;
            if (c.reading_paused()) c.resume_reading();
            c.on_output_sent(out.size() - before);
        }
        c._flags &= static_cast<std::uint16_t>(~tcp_connection::flag_in_flush);
        c._owner->_flush.clear();
    }
    /// Drops the pending output without copying it (benchmarks).
    static void discard_output(tcp_connection& c) {
        c.release_output();
        c._flags &= static_cast<std::uint16_t>(~tcp_connection::flag_in_flush);
        c._owner->_flush.clear();
    }
};

} // namespace corio::net
