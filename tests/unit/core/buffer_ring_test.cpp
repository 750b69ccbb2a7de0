// SPDX-License-Identifier: MIT
// buffer_ring with a real io_uring: a multishot receive on one end of a loopback TCP connection
// takes its buffers from a ring of 4 x 64 bytes while more than the ring holds is written into the other end.
// Checks byte order, that recycle() hands buffers back, and that running out of buffers ends the
// receive with -ENOBUFS without losing a byte once the owner recycles and re-arms, and that a larger
// ring provides its buffers on demand (grow()), and that trim() gives a burst's buffers back (their
// pages leave memory) without disturbing the bytes received afterwards.
// Skips (GTEST_SKIP) when the kernel has no usable io_uring.
#include <corio/core/buffer_ring.hpp>
#include <corio/core/reactor.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

constexpr std::uint16_t group = 7;
constexpr std::uint32_t buffer_count = 4;
constexpr std::uint32_t buffer_size = 64;
// Re-arms allowed before a test gives up (a ring that never gets its buffers back would re-arm
// into -ENOBUFS forever).
constexpr int max_arms = 10'000;

// What the completion handler sees; one receive runs at a time, so one global suffices.
struct receive_state final : corio::completion_target {
    corio::reactor* loop = nullptr;
    corio::buffer_ring* ring = nullptr;
    int fd = -1;
    bool recycle_at_once = true;            // false: hold buffers until the receive runs out of them
    bool grow_when_dry = false;             // call grow() (twice: one dry spell) on -ENOBUFS, as servers do
    bool grow_every_dry_spell = false;      // hold buffers throughout; recycle, grow() and re-arm on each -ENOBUFS
    bool once = false;                      // recv_once instead of recv_multishot
    char* lowest_buffer = nullptr;          // the buffer memory's start, from the ids and addresses seen
    std::function<void()> at_end_of_stream; // run (once) instead of stopping the loop at end of stream
    std::uint32_t provided_after_first_growth = 0;
    std::string received;
    std::vector<std::uint16_t> held; // buffers taken and not yet recycled
    std::uint32_t most_in_use = 0;
    int completions = 0;
    int arms = 0;
    int enobufs = 0;
    std::size_t received_at_first_enobufs = 0;
    std::uint32_t in_use_at_first_enobufs = 0;
    int final_result = 1; // the result of the completion that ended the receive for good
    bool saw_unexpected_flags = false;

    void arm() {
        ++arms;
        if (once) {
            loop->recv_once(fd, group, corio::make_user_data(this));
        } else {
            loop->recv_multishot(fd, group, corio::make_user_data(this));
        }
    }

    void on_completion(unsigned op, int result, std::uint32_t flags) override;
};

receive_state state;

void receive_state::on_completion(unsigned, int result, std::uint32_t flags) {
    ++completions;
    if (result > 0) {
        if ((flags & corio::cqe_flags::buffer) == 0) {
            saw_unexpected_flags = true;
            loop->stop();
            return;
        }
        const std::uint16_t id = corio::cqe_flags::buffer_id(flags);
        const std::span<char> bytes = ring->take(id, static_cast<std::size_t>(result));
        received.append(bytes.data(), bytes.size());
        char* base = bytes.data() - std::size_t{id} * ring->buffer_size();
        if (lowest_buffer == nullptr || base < lowest_buffer) lowest_buffer = base;
        most_in_use = std::max(most_in_use, ring->in_use());
        if (once && (flags & corio::cqe_flags::more) != 0) saw_unexpected_flags = true;
        if (recycle_at_once) {
            ring->recycle(id);
        } else {
            held.push_back(id);
        }
    }
    if ((flags & corio::cqe_flags::more) != 0) return;
    // The multishot receive has ended: out of buffers, end of stream, or an error.
    if (result == -ENOBUFS && arms < max_arms && grow_every_dry_spell) {
        ++enobufs;
        for (std::uint16_t id : held)
            ring->recycle(id);
        held.clear();
        ring->grow();
        arm();
        return;
    }
    if (result == -ENOBUFS && arms < max_arms) {
        if (enobufs++ == 0) {
            received_at_first_enobufs = received.size();
            in_use_at_first_enobufs = ring->in_use();
            if (grow_when_dry) {
                ring->grow();
                ring->grow();
                provided_after_first_growth = ring->provided();
            }
        }
        // Hand every buffer back, then re-arm: the bytes still queued in the socket follow.
        for (std::uint16_t id : held)
            ring->recycle(id);
        held.clear();
        recycle_at_once = true;
        arm();
        return;
    }
    if (result > 0 && arms < max_arms) { // a receive may end without F_MORE after data; keep going
        arm();
        return;
    }
    final_result = result;
    if (result == 0 && at_end_of_stream) {
        auto next = std::move(at_end_of_stream);
        at_end_of_stream = nullptr;
        next(); // may switch to another socket and arm again
        return;
    }
    loop->stop();
}

// Owns a reactor and a buffer ring for one test; skips the test when io_uring is unavailable.
class buffer_ring_test : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        auto created = corio::reactor::create(corio::reactor_config{.sq_entries = 64, .cq_entries = 256}, why);
        if (!created) {
            const int err = created.error().value();
            if (err == ENOSYS || err == EPERM) GTEST_SKIP() << "io_uring unavailable: " << why;
            FAIL() << "reactor::create: " << created.error().message() << " (" << why << ")";
        }
        _loop = std::move(*created);
        auto ring = corio::buffer_ring::create(*_loop, group, buffer_count, buffer_size);
        ASSERT_TRUE(ring) << "buffer_ring::create: " << ring.error().message();
        _ring = std::move(*ring);
        connect_over_loopback();

        state = receive_state{};
        state.loop = _loop.get();
        state.ring = _ring.get();
        state.fd = _fds[0];
    }

    void TearDown() override {
        state = receive_state{};
        for (int& fd : _fds) {
            if (fd >= 0) ::close(fd);
            fd = -1;
        }
        _ring.reset(); // unregisters from the reactor, so it goes first
        _loop.reset();
    }

    // Fills _fds with the two ends of a TCP connection on 127.0.0.1. Not a socketpair: on Linux
    // 6.18 a multishot receive on an AF_UNIX stream that needs more than 32 buffers in one go can
    // miss the end of stream that was already queued (TCP delivers it).
    void connect_over_loopback() {
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(listener, 0) << "socket: " << errno;
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        const bool listening = ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                               ::listen(listener, 1) == 0 &&
                               ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0;
        _fds[1] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const bool connected =
            listening && _fds[1] >= 0 && ::connect(_fds[1], reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        if (connected) _fds[0] = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        ::close(listener);
        ASSERT_TRUE(connected && _fds[0] >= 0) << "loopback connection: errno " << errno;
    }

    // Writes `total` bytes of a recognisable pattern in writes of varied sizes, then closes the
    // writing end so that the receive ends with 0 (end of stream) once everything has arrived.
    // Small writes cost a socket buffer's worth of accounting each: keep `total` modest with them
    // (the writes happen before the loop runs, so a full socket buffer would block the test).
    std::string send_pattern(std::size_t total, std::size_t scale = 1) {
        std::string data(total, '\0');
        for (std::size_t i = 0; i < total; ++i)
            data[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
        const std::size_t sizes[] = {100, 37, 150, 64, 1, 200, 63, 129};
        std::size_t offset = 0;
        for (std::size_t i = 0; offset < total; ++i) {
            const std::size_t n = std::min(sizes[i % std::size(sizes)] * scale, total - offset);
            const ssize_t written = ::write(_fds[1], data.data() + offset, n);
            EXPECT_EQ(written, static_cast<ssize_t>(n));
            if (written <= 0) break;
            offset += static_cast<std::size_t>(written);
        }
        ::close(_fds[1]);
        _fds[1] = -1;
        return data;
    }

    std::unique_ptr<corio::reactor> _loop;
    std::unique_ptr<corio::buffer_ring> _ring;
    int _fds[2] = {-1, -1};
};

TEST_F(buffer_ring_test, create_rounds_count_and_reports_geometry) {
    EXPECT_EQ(_ring->group(), group);
    EXPECT_EQ(_ring->count(), buffer_count);
    EXPECT_EQ(_ring->buffer_size(), buffer_size);
    EXPECT_EQ(_ring->in_use(), 0U);
    EXPECT_EQ(_ring->provided(), buffer_count); // fewer than first_provided: all at once
    auto odd = corio::buffer_ring::create(*_loop, group + 1, 5, 32);
    ASSERT_TRUE(odd) << odd.error().message();
    EXPECT_EQ((*odd)->count(), 8U);
    EXPECT_FALSE(corio::buffer_ring::create(*_loop, group + 2, 0, 32));
    EXPECT_FALSE(corio::buffer_ring::create(*_loop, group + 2, 4, 0));
    EXPECT_FALSE(corio::buffer_ring::create(*_loop, group + 2, 40000, 32));
}

TEST_F(buffer_ring_test, multishot_receive_delivers_every_byte_in_order_with_recycling) {
    const std::string sent = send_pattern(10 * buffer_count * buffer_size + 17);
    state.recycle_at_once = true;
    state.arm();
    _loop->run();

    EXPECT_FALSE(state.saw_unexpected_flags);
    EXPECT_EQ(state.final_result, 0) << "the receive should end at end of stream";
    ASSERT_EQ(state.received.size(), sent.size());
    EXPECT_EQ(state.received, sent);
    EXPECT_EQ(_ring->in_use(), 0U);
    EXPECT_LE(state.most_in_use, buffer_count);
    EXPECT_GT(state.completions, static_cast<int>(sent.size() / buffer_size)); // 64 bytes at most each
}

// A one-shot receive (what a connection that had to stop reading uses) takes one buffer per arm:
// never cqe_flags::more, never more than one buffer in use, every byte in order.
TEST_F(buffer_ring_test, one_shot_receive_takes_one_buffer_per_arm) {
    const std::string sent = send_pattern(3 * buffer_count * buffer_size + 9);
    state.once = true;
    state.recycle_at_once = true;
    state.arm();
    _loop->run();

    EXPECT_FALSE(state.saw_unexpected_flags);
    EXPECT_EQ(state.final_result, 0);
    EXPECT_EQ(state.received, sent);
    EXPECT_EQ(state.most_in_use, 1U);
    EXPECT_EQ(state.arms, state.completions);
    EXPECT_GE(state.completions, static_cast<int>(sent.size() / buffer_size));
}

TEST_F(buffer_ring_test, running_out_of_buffers_ends_with_enobufs_and_rearming_loses_nothing) {
    const std::string sent = send_pattern(3 * buffer_count * buffer_size + 5);
    state.recycle_at_once = false;
    state.arm();
    _loop->run();

    EXPECT_FALSE(state.saw_unexpected_flags);
    ASSERT_GE(state.enobufs, 1) << "four unrecycled buffers must run out";
    // Without recycling, the first receive got exactly the four buffers and nothing more.
    EXPECT_EQ(state.in_use_at_first_enobufs, buffer_count);
    EXPECT_EQ(state.received_at_first_enobufs, std::size_t{buffer_count} * buffer_size);
    EXPECT_GE(state.arms, 2);
    EXPECT_EQ(state.final_result, 0);
    ASSERT_EQ(state.received.size(), sent.size());
    EXPECT_EQ(state.received, sent) << "bytes lost or reordered across the -ENOBUFS re-arm";
    EXPECT_EQ(_ring->in_use(), 0U);
}

TEST_F(buffer_ring_test, recycle_returns_buffers_to_the_kernel_repeatedly) {
    // A thousand trips of each of the 4 buffers through the ring: recycled slots must stay valid.
    const std::string sent = send_pattern(64 * 1024, 40);
    state.recycle_at_once = true;
    state.arm();
    _loop->run();
    EXPECT_EQ(state.final_result, 0);
    EXPECT_EQ(state.received, sent);
    EXPECT_EQ(_ring->in_use(), 0U);
}

TEST_F(buffer_ring_test, a_large_ring_provides_its_buffers_on_demand) {
    constexpr std::uint32_t large = 4 * corio::buffer_ring::first_provided;
    _ring.reset();
    auto created = corio::buffer_ring::create(*_loop, group, large, buffer_size);
    ASSERT_TRUE(created) << created.error().message();
    _ring = std::move(*created);
    state.ring = _ring.get();
    EXPECT_EQ(_ring->count(), large);
    EXPECT_EQ(_ring->provided(), corio::buffer_ring::first_provided);

    // Holding buffers runs the ring dry after exactly the ones provided; grow() then doubles them
    // once however often the same dry spell calls it, and the bytes still arrive in order.
    const std::string sent = send_pattern(std::size_t{large} * buffer_size + 5, 4);
    state.recycle_at_once = false;
    state.grow_when_dry = true;
    state.arm();
    _loop->run();

    ASSERT_GE(state.enobufs, 1);
    EXPECT_EQ(state.in_use_at_first_enobufs, corio::buffer_ring::first_provided);
    EXPECT_EQ(state.provided_after_first_growth, 2 * corio::buffer_ring::first_provided);
    EXPECT_EQ(_ring->provided(), 2 * corio::buffer_ring::first_provided) << "recycling must not grow the ring";
    EXPECT_EQ(state.final_result, 0);
    EXPECT_EQ(state.received, sent) << "bytes lost or reordered across the growth";
    EXPECT_EQ(_ring->in_use(), 0U);
}

// Pages of [begin, begin + bytes) that are resident.
std::size_t resident_pages(const char* begin, std::size_t bytes) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> vec((bytes + page - 1) / page);
    if (::mincore(const_cast<char*>(begin), bytes, vec.data()) != 0) return SIZE_MAX;
    return static_cast<std::size_t>(std::count_if(vec.begin(), vec.end(), [](unsigned char v) { return v & 1; }));
}

TEST_F(buffer_ring_test, trim_gives_a_burst_back_and_later_bytes_arrive_intact) {
    constexpr std::uint32_t page_buffers = 4 * corio::buffer_ring::first_provided;
    constexpr std::uint32_t page = 4096;
    _ring.reset();
    auto created = corio::buffer_ring::create(*_loop, group, page_buffers, page);
    ASSERT_TRUE(created) << created.error().message();
    _ring = std::move(*created);
    state.ring = _ring.get();

    // The burst: the receiver holds every buffer until the ring runs dry, so each dry spell fills
    // every buffer provided and grows the ring, up to all of it. A thread writes: the socket holds
    // less than the burst.
    const std::size_t burst = std::size_t{page_buffers} * 2 * page;
    std::string sent(burst, '\0');
    for (std::size_t i = 0; i < burst; ++i)
        sent[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
    std::thread writer([fd = _fds[1], &sent] {
        for (std::size_t at = 0; at < sent.size();) {
            const ssize_t n = ::write(fd, sent.data() + at, sent.size() - at);
            if (n <= 0) break;
            at += static_cast<std::size_t>(n);
        }
        ::shutdown(fd, SHUT_WR);
    });
    // The second stream, received after the trim from the buffers left in the ring.
    const int burst_fd = _fds[0], writer_fd = _fds[1];
    _fds[0] = _fds[1] = -1;
    connect_over_loopback();
    const std::string after = send_pattern(64 * 1024, 40);
    const std::size_t page_count = std::size_t{page_buffers - corio::buffer_ring::first_provided};
    std::size_t resident_before = 0, resident_after = 0;
    std::uint32_t provided_before = 0, trimmed_dry = 1, trimmed_idle = 0, trimmed_again = 1;
    std::string burst_received;
    state.at_end_of_stream = [&] {
        for (std::uint16_t id : state.held)
            _ring->recycle(id);
        state.held.clear();
        burst_received = std::move(state.received);
        state.received.clear();
        provided_before = _ring->provided();
        const char* surplus = state.lowest_buffer + std::size_t{corio::buffer_ring::first_provided} * page;
        resident_before = resident_pages(surplus, page_count * page);
        // The period that saw the dry spells keeps the ring; a period without a receive gives back
        // every buffer beyond the first ones, and their pages.
        trimmed_dry = _ring->trim();
        trimmed_idle = _ring->trim();
        trimmed_again = _ring->trim();
        resident_after = resident_pages(state.lowest_buffer, std::size_t{page_buffers} * page);
        state.grow_every_dry_spell = false;
        state.recycle_at_once = true;
        state.fd = _fds[0];
        state.arm();
    };
    state.recycle_at_once = false;
    state.grow_every_dry_spell = true;
    state.arm();
    _loop->run();
    writer.join();
    ::close(burst_fd);
    ::close(writer_fd);

    ASSERT_TRUE(burst_received == sent) << "burst: " << burst_received.size() << " of " << sent.size() << " bytes";
    EXPECT_EQ(provided_before, page_buffers) << "the burst should have grown the ring to its end";
    EXPECT_GT(resident_before, 0U);
    EXPECT_EQ(trimmed_dry, 0U);
    EXPECT_EQ(trimmed_idle, page_buffers - corio::buffer_ring::first_provided);
    EXPECT_EQ(trimmed_again, 0U) << "nothing more to give back";
    EXPECT_EQ(resident_after, 0U);
    // Bytes received after the trim arrive whole and in order.
    EXPECT_EQ(state.final_result, 0);
    EXPECT_TRUE(state.received == after) << "after: " << state.received.size() << " of " << after.size() << " bytes";
    EXPECT_EQ(_ring->in_use(), 0U);
    EXPECT_LE(_ring->provided(), corio::buffer_ring::first_provided) << "recycling at once needs no more buffers";
}

} // namespace
