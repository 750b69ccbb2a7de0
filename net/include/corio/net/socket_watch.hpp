// SPDX-License-Identifier: MIT
// socket_watch: readiness of a descriptor that someone else reads and writes (a library with its own
// socket I/O, such as libpq), watched by the shard's own ring. want_read()/want_write() queue a
// one-shot io_uring poll (reactor::poll) for POLLIN or POLLOUT; the owner's callback runs on the
// shard when the descriptor is ready, and the owner re-arms what it still wants. Each poll carries a
// tag of its own (make_user_data), so a poll left on a previous descriptor of the same watch (the
// library reconnected on a new socket) completes into nothing instead of waking the new one.
#pragma once

#include <cstdint>

#include <corio/core/reactor.hpp>

namespace corio::net {

/// Readiness of one descriptor at a time on one shard's reactor; used only on that shard's thread.
class socket_watch final : private completion_target {
public:
    /// Which readiness a callback reports.
    enum class direction : std::uint8_t { read, write };
    /// Called on the shard when `d` is ready: `result` holds the poll's revents (POLLERR and POLLHUP
    /// included), or -errno if the poll failed. The poll is one-shot: want_*() again to keep watching.
    using callback = void (*)(void* context, direction d, int result);

    /// A watch on `loop` reporting to `on_ready(context, ...)`; it watches nothing until want_*().
    socket_watch(reactor& loop, callback on_ready, void* context) noexcept
        : _loop(loop), _on_ready(on_ready), _context(context) {}
    /// The owner must keep the watch until idle() or until the reactor has stopped dispatching (a
    /// shard's teardown): a poll still in the ring refers to it.
    ~socket_watch() = default;
    socket_watch(const socket_watch&) = delete;
    socket_watch& operator=(const socket_watch&) = delete;

    /// Watches `fd` (which replaces the one watched before: earlier polls are cancelled and their
    /// completions ignored); a negative fd stops watching (see stop()).
    void set_fd(int fd) noexcept;
    /// The descriptor watched, or -1.
    int fd() const noexcept { return _fd; }
    /// Queues a poll for POLLIN unless one is already armed on the current descriptor.
    void want_read() noexcept { arm(direction::read); }
    /// Queues a poll for POLLOUT unless one is already armed on the current descriptor.
    void want_write() noexcept { arm(direction::write); }
    /// Cancels the polls of the current descriptor and forgets it; call before the descriptor is
    /// closed (a poll holds a reference to the socket, which would otherwise stay open until it fires).
    void stop() noexcept { set_fd(-1); }
    /// True when no poll of this watch is left in the ring.
    bool idle() const noexcept { return _in_ring == 0; }

private:
    void arm(direction d) noexcept;
    void on_completion(unsigned op, int result, std::uint32_t flags) override;

    static constexpr std::uint8_t no_tag = 0xff;
    reactor& _loop;
    callback _on_ready;
    void* _context;
    int _fd = -1;
    std::uint8_t _in_ring = 0;               // bit t: a poll with tag t has not completed yet
    std::uint8_t _tag[2] = {no_tag, no_tag}; // the armed poll per direction on the current fd
};

} // namespace corio::net
