// SPDX-License-Identifier: MIT
// The epoll backend where it differs from io_uring: readiness is a hint, so a wake-up whose data
// someone else took (EAGAIN) must neither complete nor disarm the receive; a peer that closes with
// data queued gets all of it, then 0; a half-close (EPOLLRDHUP) ends the receive and answers a
// poll; sends complete short when the socket is full, send_all does not, and a waiting send
// survives its socket being closed by the owner; a cancelled receive, send or timeout completes
// with -ECANCELED and nothing after; multishot accept posts one completion per connection.
#include <corio/core/buffer_ring.hpp>
#include <corio/core/reactor.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

constexpr std::uint16_t group = 3;

struct completion {
    unsigned op;
    int result;
    std::uint32_t flags;
};

// Records every completion; the test's script runs once per loop turn until it says it is done.
struct recorder final : corio::completion_target {
    std::vector<completion> seen;
    std::string bytes; // received data, in order
    corio::buffer_ring* ring = nullptr;

    void on_completion(unsigned op, int result, std::uint32_t flags) override {
        seen.push_back({op, result, flags});
        if (result > 0 && (flags & corio::cqe_flags::buffer) != 0 && ring != nullptr) {
            const std::uint16_t id = corio::cqe_flags::buffer_id(flags);
            const auto data = ring->take(id, static_cast<std::size_t>(result));
            bytes.append(data.data(), data.size());
            ring->recycle(id);
        }
    }
    std::uint64_t data(unsigned op = 0) { return corio::make_user_data(this, op); }
};

struct deadline_timer : corio::timer {
    corio::reactor* loop = nullptr;
    bool fired = false;
    deadline_timer() noexcept
        : timer([](timer& t) {
              auto& self = static_cast<deadline_timer&>(t);
              self.fired = true;
              self.loop->stop();
          }) {}
};

class reactor_epoll_test : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        corio::reactor_config config;
        config.backend = corio::backend_kind::epoll;
        config.timer_tick_ms = 1;
        auto created = corio::reactor::create(config, why);
        ASSERT_TRUE(created) << why;
        loop = std::move(*created);
        ASSERT_EQ(loop->backend(), corio::backend_kind::epoll);
        auto ring = corio::buffer_ring::create(*loop, group, 8, 1024);
        ASSERT_TRUE(ring) << ring.error().message();
        buffers = std::move(*ring);
        rec.ring = buffers.get();
    }

    void TearDown() override {
        for (int fd : fds)
            ::close(fd);
        buffers.reset();
        loop.reset();
    }

    // Runs the loop, calling `script` every turn (at least every millisecond) until it returns
    // true; fails after `limit_ms`. The loop can run once per reactor, so one call per test.
    void run(const std::function<bool()>& script, std::uint64_t limit_ms = 5000) {
        struct context {
            corio::reactor* loop;
            const std::function<bool()>* script;
        } ctx{loop.get(), &script};
        deadline.loop = loop.get();
        loop->timers().schedule(deadline, loop->now_ms() + limit_ms);
        const auto hook = [](void* c) {
            auto* x = static_cast<context*>(c);
            if ((*x->script)()) x->loop->stop();
        };
        loop->add_turn_hook(hook, &ctx);
        loop->run();
        loop->remove_turn_hook(hook, &ctx);
        loop->timers().cancel(deadline);
        EXPECT_FALSE(deadline.fired) << "the scenario did not finish within " << limit_ms << " ms";
    }

    // Two ends of a TCP connection on 127.0.0.1: {ours, peer}.
    std::pair<int, int> tcp_pair() {
        const int listener = listening_socket();
        const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address = local_address(listener);
        EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        const int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        EXPECT_GE(server, 0);
        ::close(listener);
        fds.push_back(server);
        fds.push_back(client);
        return {server, client};
    }

    // tcp_pair() with 4 KiB socket buffers on the way from ours to peer: a large send fills them.
    std::pair<int, int> small_buffered_pair() {
        auto ends = tcp_pair();
        const int small = 4096;
        ::setsockopt(ends.first, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        ::setsockopt(ends.second, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        return ends;
    }

    // Writes into `fd` until the kernel takes no more (twice, in case the first full moment passed).
    static void fill(int fd) {
        static const std::string chunk(65536, 'f');
        for (int round = 0; round < 2; ++round) {
            while (::send(fd, chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL) > 0) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    // Sends `big` on `ours` (op 0: completes short), fills the socket, sends `big` again (op 1:
    // has to wait), runs `then` and the loop until both sends completed.
    void with_a_waiting_send(int ours, const std::string& big, const std::function<void()>& then) {
        loop->send(ours, big.data(), big.size(), rec.data(0));
        int phase = 0;
        run([&] {
            if (phase == 0 && rec.seen.size() == 1) {
                phase = 1;
                fill(ours);
                loop->send(ours, big.data(), big.size(), rec.data(1));
                then();
            }
            return phase == 1 && rec.seen.size() == 2;
        });
    }

    int listening_socket() {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        EXPECT_EQ(::listen(fd, 16), 0);
        return fd;
    }

    static sockaddr_in local_address(int fd) {
        sockaddr_in address{};
        socklen_t length = sizeof address;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        return address;
    }

    std::size_t count(int result) const {
        std::size_t n = 0;
        for (const completion& c : rec.seen)
            n += c.result == result ? 1 : 0;
        return n;
    }

    std::unique_ptr<corio::reactor> loop;
    std::unique_ptr<corio::buffer_ring> buffers;
    recorder rec;
    deadline_timer deadline;
    std::vector<int> fds;
};

TEST_F(reactor_epoll_test, reports_epoll_without_msg_ring) {
    EXPECT_FALSE(loop->features().msg_ring); // shard_mesh wakes shards through eventfd here
    EXPECT_GE(loop->ring_fd(), 0);
    EXPECT_EQ(loop->describe(), "epoll");
    corio::backend_kind kind = corio::backend_kind::automatic;
    EXPECT_TRUE(corio::parse_backend("epoll", kind));
    EXPECT_EQ(kind, corio::backend_kind::epoll);
    EXPECT_FALSE(corio::parse_backend("kqueue", kind));
}

// A readiness report whose data another reader took first: the receive sees EAGAIN, posts
// nothing and stays armed, and the next data arrives through it.
TEST_F(reactor_epoll_test, spurious_wake_up_keeps_the_receive_armed) {
    const auto [ours_fd, peer_fd] = tcp_pair();
    const int ours = ours_fd, peer = peer_fd;
    const auto [other_fd, other_peer_fd] = tcp_pair();
    const int other = other_fd, other_peer = other_peer_fd;
    ASSERT_EQ(::write(other_peer, "x", 1), 1);
    ASSERT_EQ(::write(peer, "stolen", 6), 6);
    // The poll is registered first, so epoll reports it first; its handler steals the data.
    struct stealing final : corio::completion_target {
        int fd = -1;
        int polled = 0;
        void on_completion(unsigned, int, std::uint32_t) override {
            char buf[16];
            ++polled;
            EXPECT_EQ(::recv(fd, buf, sizeof buf, MSG_DONTWAIT), 6);
        }
    } steal;
    steal.fd = ours;
    loop->poll(other, POLLIN, corio::make_user_data(&steal));
    loop->recv_multishot(ours, group, rec.data());
    int phase = 0;
    run([&] {
        if (phase == 0 && steal.polled == 1) {
            phase = 1;
            EXPECT_TRUE(rec.seen.empty()) << "a completion for data that was gone: " << rec.seen[0].result;
            EXPECT_EQ(::write(peer, "later", 5), 5);
        }
        return phase == 1 && rec.bytes == "later";
    });
    ASSERT_EQ(rec.seen.size(), 1U);
    EXPECT_NE(rec.seen[0].flags & corio::cqe_flags::more, 0U);
}

// Everything the peer wrote before closing arrives, in order, across several buffers; then 0
// without cqe_flags::more ends the multishot receive.
TEST_F(reactor_epoll_test, peer_closing_with_data_queued_delivers_it_all_then_zero) {
    const auto [ours_fd, peer_fd] = tcp_pair();
    const int ours = ours_fd, peer = peer_fd;
    std::string sent;
    for (int i = 0; i < 5000; ++i)
        sent += static_cast<char>('a' + i % 26);
    ASSERT_EQ(::write(peer, sent.data(), sent.size()), static_cast<ssize_t>(sent.size()));
    ::shutdown(peer, SHUT_WR);
    loop->recv_multishot(ours, group, rec.data());
    run([&] { return !rec.seen.empty() && (rec.seen.back().flags & corio::cqe_flags::more) == 0; });
    EXPECT_EQ(rec.bytes, sent);
    ASSERT_FALSE(rec.seen.empty());
    EXPECT_EQ(rec.seen.back().result, 0);
    EXPECT_GT(rec.seen.size(), 5U); // 1024-byte buffers: several completions
}

// A half-close with nothing queued: the receive ends with 0 and a poll for POLLRDHUP answers it.
TEST_F(reactor_epoll_test, rdhup_ends_the_receive_and_answers_a_poll) {
    const auto [ours_fd, peer_fd] = tcp_pair();
    const int ours = ours_fd, peer = peer_fd;
    const auto [watched_fd, watched_peer_fd] = tcp_pair();
    const int watched = watched_fd, watched_peer = watched_peer_fd;
    loop->recv_multishot(ours, group, rec.data(0));
    loop->poll(watched, POLLRDHUP, rec.data(1));
    ::shutdown(peer, SHUT_WR);
    ::shutdown(watched_peer, SHUT_WR);
    run([&] { return rec.seen.size() == 2; });
    for (const completion& c : rec.seen) {
        if (c.op == 0) {
            EXPECT_EQ(c.result, 0);
            EXPECT_EQ(c.flags & corio::cqe_flags::more, 0U);
        } else {
            EXPECT_NE(c.result & POLLRDHUP, 0);
        }
    }
}

// A send into a full socket completes with what went (short); a send waiting for room is
// cancelled with -ECANCELED. (send_all, below, carries on until everything went.)
TEST_F(reactor_epoll_test, partial_send_send_all_and_cancelled_send) {
    const int ours = small_buffered_pair().first; // the peer never reads
    const std::string big(8 << 20, 'z');
    // Full after the first send: the second has to wait, and is cancelled while it waits.
    with_a_waiting_send(ours, big, [&] { loop->cancel(rec.data(1)); });
    ASSERT_EQ(rec.seen.size(), 2U);
    EXPECT_GT(rec.seen[0].result, 0);
    EXPECT_LT(rec.seen[0].result, static_cast<int>(big.size())) << "the kernel took 8 MiB into a 4 KiB buffer?";
    EXPECT_EQ(rec.seen[1].op, 1U);
    EXPECT_EQ(rec.seen[1].result, -ECANCELED);
}

TEST_F(reactor_epoll_test, send_all_on_a_fixed_slot_sends_everything) {
    // Only the sending side small: a 4 KiB receive window makes loopback TCP crawl (delayed ACKs).
    const auto [ours_fd, peer_fd] = tcp_pair();
    const int ours = ours_fd, peer = peer_fd;
    const int small = 4096;
    ::setsockopt(ours, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ASSERT_TRUE(loop->register_files(4));
    ASSERT_TRUE(loop->update_files(2, &ours, 1));
    const std::string big(4 << 20, 'q');
    std::size_t drained = 0;
    std::thread reader([&] {
        char buf[65536];
        for (;;) {
            const ssize_t n = ::read(peer, buf, sizeof buf);
            if (n <= 0) break;
            drained += static_cast<std::size_t>(n);
            if (drained == big.size()) break;
        }
    });
    loop->send_all(corio::fixed_file{2}, big.data(), big.size(), rec.data());
    run([&] { return !rec.seen.empty(); }, 20000);
    reader.join();
    ASSERT_EQ(rec.seen.size(), 1U);
    EXPECT_EQ(rec.seen[0].result, static_cast<int>(big.size()));
    EXPECT_EQ(drained, big.size());
}

// The owner closes its socket while a send waits for room (as tcp_connection::abort does): the
// send still ends, here with the peer's reset, instead of waiting forever on a forgotten socket.
TEST_F(reactor_epoll_test, waiting_send_ends_after_its_socket_is_closed) {
    const auto [ours_fd, peer_fd] = small_buffered_pair();
    const int ours = ours_fd, peer = peer_fd;
    const std::string big(8 << 20, 'z');
    with_a_waiting_send(ours, big, [&] {
        ::close(ours);
        fds[0] = -1;
        linger off{1, 0};
        ::setsockopt(peer, SOL_SOCKET, SO_LINGER, &off, sizeof off);
        ::close(peer); // a reset: the waiting send fails
        fds[1] = -1;
    });
    ASSERT_EQ(rec.seen.size(), 2U);
    EXPECT_TRUE(rec.seen[1].result == -ECONNRESET || rec.seen[1].result == -EPIPE) << rec.seen[1].result;
}

// Cancelling an armed receive completes it with -ECANCELED (no more flag) and nothing follows,
// even when data arrives afterwards; the socket can then be closed at once.
TEST_F(reactor_epoll_test, cancelled_receive_completes_once_with_ecanceled) {
    const auto [ours_fd, peer_fd] = tcp_pair();
    const int ours = ours_fd, peer = peer_fd;
    loop->recv_multishot(ours, group, rec.data());
    loop->cancel(rec.data());
    int turns = 0;
    run([&] {
        if (++turns == 3) {
            EXPECT_EQ(::write(peer, "late", 4), 4);
        }
        return turns > 30;
    });
    ASSERT_EQ(rec.seen.size(), 1U);
    EXPECT_EQ(rec.seen[0].result, -ECANCELED);
    EXPECT_EQ(rec.seen[0].flags & corio::cqe_flags::more, 0U);
}

// cancel(fd, user_data) finds the receive through its descriptor (nothing is indexed per
// descriptor); given another descriptor it cancels nothing there, and the receive still delivers.
TEST_F(reactor_epoll_test, cancel_by_descriptor_cancels_only_on_that_descriptor) {
    const auto [ours_fd, peer_fd] = tcp_pair();
    const int ours = ours_fd, peer = peer_fd;
    const int other = tcp_pair().first;
    loop->recv_multishot(ours, group, rec.data(0));
    loop->recv_multishot(other, group, rec.data(1));
    loop->cancel(ours, rec.data(1)); // not armed on `ours`: nothing happens
    EXPECT_EQ(::write(peer, "x", 1), 1);
    bool cancelled = false;
    run([&] {
        if (rec.seen.size() == 1 && !cancelled) {
            EXPECT_EQ(rec.seen[0].result, 1);
            loop->cancel(other, rec.data(1));
            loop->cancel(ours, rec.data(0));
            cancelled = true;
        }
        return rec.seen.size() == 3;
    });
    ASSERT_EQ(rec.seen.size(), 3U);
    EXPECT_EQ(rec.seen[1].result, -ECANCELED);
    EXPECT_EQ(rec.seen[2].result, -ECANCELED);
}

// A timeout fires with -ETIME at its instant; a cancelled one completes with -ECANCELED.
TEST_F(reactor_epoll_test, timeouts_fire_and_cancel) {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const corio::uring_timespec soon{now.tv_sec, now.tv_nsec + 20'000'000};
    const corio::uring_timespec later{now.tv_sec + 60, now.tv_nsec};
    loop->timeout_at(soon, rec.data(0));
    loop->timeout_at(later, rec.data(1));
    loop->cancel(rec.data(1));
    run([&] { return rec.seen.size() == 2; });
    ASSERT_EQ(rec.seen.size(), 2U);
    EXPECT_EQ(rec.seen[0].result, -ECANCELED); // posted at once
    EXPECT_EQ(rec.seen[1].result, -ETIME);
    timespec end{};
    clock_gettime(CLOCK_MONOTONIC, &end);
    EXPECT_GE((end.tv_sec - now.tv_sec) * 1'000'000'000 + end.tv_nsec - now.tv_nsec, 20'000'000);
}

// Multishot accept: one completion per connection, each with cqe_flags::more and a new descriptor.
TEST_F(reactor_epoll_test, multishot_accept_posts_each_connection) {
    const int listener = listening_socket();
    fds.push_back(listener);
    sockaddr_in address = local_address(listener);
    loop->accept_multishot(listener, rec.data());
    for (int i = 0; i < 3; ++i) {
        const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        fds.push_back(c);
    }
    run([&] { return rec.seen.size() == 3; });
    for (const completion& c : rec.seen) {
        EXPECT_GE(c.result, 0);
        EXPECT_NE(c.flags & corio::cqe_flags::more, 0U);
        if (c.result >= 0) fds.push_back(c.result);
    }
}

} // namespace
