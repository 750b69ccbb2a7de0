// SPDX-License-Identifier: MIT
// counter: a 64-bit statistic that one thread (the shard that owns it) writes and any thread may
// read, e.g. to serve /metrics from whichever shard took the request. The single writer updates it
// with a relaxed load and a relaxed store, not a read-modify-write: on x86-64 and ARM64 that is a
// plain load and store (no lock prefix, no LSE/exclusive pair), so the hot path pays what a plain
// integer costs, while readers on other threads never race in the C++ memory model. A reader sees
// each counter's value at some recent moment; two counters read one after the other are not a
// consistent snapshot.
#pragma once

#include <atomic>
#include <cstdint>

namespace corio {

/// A statistic with a single writer thread and any number of reader threads.
class counter {
public:
    /// Adds `n`; only the owning thread may call it.
    void add(std::uint64_t n = 1) noexcept {
        _value.store(_value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    /// Subtracts `n` (a gauge going down); only the owning thread may call it.
    void sub(std::uint64_t n = 1) noexcept {
        _value.store(_value.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
    }
    /// The current value; any thread may call it.
    std::uint64_t value() const noexcept { return _value.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> _value{0};
};

} // namespace corio
