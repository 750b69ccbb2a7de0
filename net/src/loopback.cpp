// SPDX-License-Identifier: MIT
#include <corio/net/loopback.hpp>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace corio::net {

int loopback::open() {
    // Reuse an end that is done with, so that a driver opening one per test case stays small.
    for (std::size_t i = 0; i < _ends.size(); ++i) {
        const end& e = _ends[i];
        const bool done = e.closed && !e.recv_cancelled && !e.send_cancelled && !e.connect_cancelled;
        if (done && (e.peer < 0 || _ends[index(e.peer)].closed)) {
            if (e.peer >= 0) _ends[index(e.peer)].peer = -1;
            _ends[i] = end{};
            return static_cast<int>(i);
        }
    }
    _ends.emplace_back();
    return static_cast<int>(_ends.size() - 1);
}

int loopback::accept() {
    if (_next_dialed == _dialed.size()) return -1;
    const int handle = _dialed[_next_dialed++];
    if (_next_dialed == _dialed.size()) {
        _dialed.clear();
        _next_dialed = 0;
    }
    return handle;
}

int loopback::connect(const socket_address&, std::uint64_t user_data) {
    const int handle = open();
    end& e = _ends[index(handle)];
    e.connect_data = user_data;
    e.connect_armed = true;
    e.connect_hangs = _dialing == dialing::hang;
    e.connect_result = _dialing == dialing::refuse ? -ECONNREFUSED : 0;
    if (_dialing == dialing::answer) _dialed.push_back(handle);
    return handle;
}

void loopback::pair(int a, int b) {
    _ends[index(a)].peer = b;
    _ends[index(b)].peer = a;
}

void loopback::put(int handle, std::string_view bytes) {
    end& e = _ends[index(handle)];
    e.inbox.append(bytes);
    for (std::size_t at = 0; at < bytes.size(); at += _receive_size)
        e.pieces.push_back(std::min(_receive_size, bytes.size() - at));
}

void loopback::close_peer(int handle) {
    _ends[index(handle)].peer_closed = true;
}

void loopback::reset_peer(int handle) {
    _ends[index(handle)].peer_reset = true;
}

std::string loopback::take(int handle) {
    return std::exchange(_ends[index(handle)].outbox, {});
}

void loopback::discard(int handle) noexcept {
    _ends[index(handle)].outbox.clear();
    _ends[index(handle)].discarding = true;
}

void loopback::set_window(int handle, std::size_t bytes) noexcept {
    _ends[index(handle)].window = bytes;
}

std::size_t loopback::run() {
    std::size_t delivered = 0;
    for (;;) {
        _loop.run_turn_hooks(); // the sets send what their connections flushed
        std::size_t moved = 0;
        for (std::size_t i = 0; i < _ends.size(); ++i)
            moved += step(i);
        if (moved == 0) return delivered;
        delivered += moved;
    }
}

std::size_t loopback::step(std::size_t i) {
    std::size_t moved = step_connect(i);
    if (_ends[i].recv_cancelled) {
        end& e = _ends[i];
        e.recv_cancelled = e.recv_armed = false;
        deliver_completion(e.recv_data, -ECANCELED, 0);
        ++moved;
    }
    if (_ends[i].send_cancelled) {
        end& e = _ends[i];
        e.send_cancelled = e.send_pending = false;
        deliver_completion(e.send_data, -ECANCELED, 0);
        ++moved;
    }
    return moved + step_send(i) + step_receive(i);
}

std::size_t loopback::step_connect(std::size_t i) {
    end& e = _ends[i];
    if (e.connect_cancelled) {
        e.connect_cancelled = e.connect_armed = false;
        deliver_completion(e.connect_data, -ECANCELED, 0);
        return 1;
    }
    if (!e.connect_armed || e.connect_hangs) return 0;
    e.connect_armed = false;
    deliver_completion(e.connect_data, e.connect_result, 0);
    return 1;
}

std::size_t loopback::unread(std::size_t i) const noexcept {
    const end& e = _ends[i];
    return e.peer < 0 ? e.outbox.size() : _ends[index(e.peer)].inbox.size();
}

std::size_t loopback::step_send(std::size_t i) {
    end& e = _ends[i];
    if (!e.send_pending) return 0;
    const bool reset = e.peer_reset || (e.peer >= 0 && _ends[index(e.peer)].closed);
    const std::size_t held = unread(i);
    const std::size_t room = held < e.window ? e.window - held : 0;
    if (!reset && room == 0) return 0; // a full window: the send waits for the peer to read
    const std::size_t n = std::min(room, e.send_size);
    if (!reset) {
        if (e.peer < 0) {
            if (!e.discarding) e.outbox.append(e.send_bytes, n);
        } else {
            put(e.peer, {e.send_bytes, n});
        }
    }
    e.send_pending = false;
    deliver_completion(e.send_data, reset ? -ECONNRESET : static_cast<int>(n), 0);
    return 1;
}

std::size_t loopback::step_receive(std::size_t i) {
    end& e = _ends[i];
    if (!e.recv_armed) return 0;
    if (e.peer_reset) {
        e.recv_armed = false;
        deliver_completion(e.recv_data, -ECONNRESET, 0);
        return 1;
    }
    if (e.next_piece == e.pieces.size()) {
        if (!e.peer_closed) return 0;
        e.recv_armed = false; // a receive that sees the end of the stream ends, multishot or not
        deliver_completion(e.recv_data, 0, 0);
        return 1;
    }
    const std::size_t n = e.pieces[e.next_piece++];
    if (e.next_piece == e.pieces.size()) {
        e.pieces.clear();
        e.next_piece = 0;
    }
    if (n == e.inbox.size()) {
        e.lent.swap(e.inbox); // the common case, one piece waiting: no copy
        e.inbox.clear();
    } else {
        e.lent.assign(e.inbox, 0, n);
        e.inbox.erase(0, n);
    }
    if (e.recv_once) e.recv_armed = false;
    deliver_completion(e.recv_data, static_cast<int>(e.lent.size()), e.recv_once ? 0 : cqe_flags::more);
    return 1;
}

void loopback::receive(int handle, bool once, std::uint64_t user_data) {
    end& e = _ends[index(handle)];
    e.recv_armed = true;
    e.recv_once = once;
    e.recv_data = user_data;
}

std::span<char> loopback::received(int handle, std::size_t size) noexcept {
    std::string& lent = _ends[index(handle)].lent;
    return {lent.data(), std::min(size, lent.size())};
}

void loopback::send(int handle, const char* data, std::size_t size, std::uint64_t user_data) {
    end& e = _ends[index(handle)];
    e.send_pending = true;
    e.send_bytes = data;
    e.send_size = size;
    e.send_data = user_data;
}

void loopback::cancel(int handle, std::uint64_t user_data) {
    end& e = _ends[index(handle)];
    if (e.recv_armed && e.recv_data == user_data) e.recv_cancelled = true;
    if (e.send_pending && e.send_data == user_data) e.send_cancelled = true;
    if (e.connect_armed && e.connect_data == user_data) e.connect_cancelled = true;
}

void loopback::end_output(std::size_t i) noexcept {
    end& e = _ends[i];
    e.output_ended = true;
    if (e.peer >= 0) _ends[index(e.peer)].peer_closed = true;
}

void loopback::shutdown_write(int handle) noexcept {
    end_output(index(handle));
}

void loopback::close(int handle) noexcept {
    end_output(index(handle));
    end& e = _ends[index(handle)];
    e.closed = true;
    // Cancelled operations still complete; operations not cancelled belong to a connection deleted
    // without a close of its own (teardown): nothing may be delivered to it any more.
    e.recv_armed = e.recv_armed && e.recv_cancelled;
    e.send_pending = e.send_pending && e.send_cancelled;
    e.connect_armed = e.connect_armed && e.connect_cancelled;
}

void loopback::limit_unsent(int, std::uint32_t) noexcept {} // the window stands for the socket's buffer

result<socket_address> loopback::peer_address(int handle) const {
    return socket_address::parse("127.0.0.1", static_cast<std::uint16_t>(10000 + handle));
}

} // namespace corio::net
