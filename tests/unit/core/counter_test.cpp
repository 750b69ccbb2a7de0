// SPDX-License-Identifier: MIT
// counter: single-writer statistics; a reader on another thread sees values that only grow (no
// torn or stale-then-newer-then-stale reads) and, after joining the writer, the final value. Under
// ThreadSanitizer this also shows that reading while the owner writes is not a data race.
#include <corio/core/counter.hpp>

#include <atomic>
#include <cstdint>
#include <thread>

#include <gtest/gtest.h>

namespace {

TEST(counter, adds_and_subtracts) {
    corio::counter c;
    EXPECT_EQ(c.value(), 0U);
    c.add();
    c.add(41);
    EXPECT_EQ(c.value(), 42U);
    c.sub();
    c.sub(40);
    EXPECT_EQ(c.value(), 1U);
}

TEST(counter, another_thread_reads_while_the_owner_writes) {
    constexpr std::uint64_t n = 200'000;
    corio::counter c;
    std::atomic<bool> done{false};
    std::uint64_t decreases = 0;
    std::thread reader([&] {
        std::uint64_t last = 0;
        while (!done.load(std::memory_order_acquire)) {
            const std::uint64_t now = c.value();
            if (now < last) ++decreases;
            last = now;
        }
    });
    std::thread writer([&] {
        for (std::uint64_t i = 0; i < n; ++i)
            c.add();
    });
    writer.join();
    done.store(true, std::memory_order_release);
    reader.join();
    EXPECT_EQ(decreases, 0U);
    EXPECT_EQ(c.value(), n);
}

} // namespace
