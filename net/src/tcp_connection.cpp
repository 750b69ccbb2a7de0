// SPDX-License-Identifier: MIT
#include <corio/net/tcp_connection.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <corio/core/buffer_ring.hpp>

namespace corio::net {

// Unconsumed input kept between receives, allocated only while there is some (a message straddling
// buffers, input that arrived while reading was paused): the bytes [begin, end) of the block after
// this header. Consuming
// a part moves `begin` (a client that pipelines thousands of requests is served a share at a time,
// and moving the rest down after each share would cost time quadratic in its backlog); the bytes are
// moved down only when an append needs the room.
struct tcp_connection::spill {
    std::uint32_t begin;
    std::uint32_t end;
    std::uint32_t capacity;
    char* data() noexcept { return reinterpret_cast<char*>(this + 1); }
    std::span<char> live() noexcept { return {data() + begin, data() + end}; }
};

std::span<const char> tcp_connection::unconsumed_input() const noexcept {
    if (_spill == nullptr) return {};
    return _spill->live();
}

tcp_connection::tcp_connection(connection_set& owner, int handle) noexcept : _owner(&owner), _handle(handle) {
    _next = owner._first;
    if (_next != nullptr) _next->_prev = this;
    owner._first = this;
    ++owner._size;
    owner._stats->opened.add();
    owner._stats->open.add();
}

tcp_connection::~tcp_connection() {
    release_output();
    if (_spill != nullptr) shard_free(_spill);
    if ((_flags & flag_closed) == 0) _owner->_transport->close(_handle);
}

void tcp_connection::start() {
    _owner->_transport->receive(_handle, (_flags & flag_throttled) != 0, make_user_data(this, op_recv));
    _flags |= flag_recv_armed;
}

// Output starts in a small chunk, so that thousands of connections answered in one turn hold little
// memory until the flush. When more follows before the send (pipelined answers), a lone small chunk
// moves into a large one, so the batch still goes out in one send, and the connection's later
// batches start large.
char* tcp_connection::grow_output(std::size_t size) {
    if (_tail == nullptr) {
        _tail = output_chunk::acquire((_flags & flag_batches) != 0 ? std::max(size, output_chunk::small_size) : size);
        _tail->next = _tail;
    } else if (_tail->next == _tail && _tail->small() && (_flags & flag_send_inflight) == 0) {
        _flags |= flag_batches;
        output_chunk* old = _tail;
        const std::uint32_t live = old->end - old->begin;
        _tail = output_chunk::acquire(live + size);
        _tail->next = _tail;
        std::memcpy(_tail->data(), old->data() + old->begin, live);
        _tail->end = live;
        output_chunk::release(old);
    } else {
        output_chunk* c = output_chunk::acquire(size);
        c->next = _tail->next;
        _tail->next = c;
        _tail = c;
    }
    return _tail->data() + _tail->end;
}

void tcp_connection::write(std::string_view bytes) {
    while (!bytes.empty()) {
        const std::size_t room = _tail == nullptr ? 0 : _tail->capacity - _tail->end;
        const std::size_t n = room != 0 ? std::min(room, bytes.size()) : bytes.size();
        std::memcpy(reserve(n), bytes.data(), n);
        commit(n);
        bytes.remove_prefix(n);
    }
}

void tcp_connection::flush() noexcept {
    if ((_flags & (flag_in_flush | flag_send_inflight | flag_closed)) != 0) return;
    _flags |= flag_in_flush;
    _owner->_flush.push_back(this);
}

void tcp_connection::close_after_flush(bool linger) noexcept {
    if ((_flags & flag_closed) != 0) return;
    if ((_flags & flag_closing) == 0) _want = _owner->_discard_limit;
    _flags |= flag_closing | flag_close_after_flush;
    if (linger || _owner->_draining) _flags |= flag_linger_wanted;
    // Sending continues from the flush list or the in-flight send's completion; with nothing left
    // to send the connection closes there too.
    if ((_flags & flag_send_inflight) == 0) flush();
}

void tcp_connection::abort() noexcept {
    if ((_flags & flag_closed) != 0) return;
    _flags |= flag_closing | flag_closed;
    net::transport& t = *_owner->_transport;
    if ((_flags & flag_recv_armed) != 0) t.cancel(_handle, make_user_data(this, op_recv));
    // A send waiting for room in the socket (a peer that stopped reading) would hold the socket,
    // and this object, until the peer read again: cancel it too.
    if ((_flags & flag_send_inflight) != 0) t.cancel(_handle, make_user_data(this, op_send));
    t.close(_handle); // the cancelled operations still complete
    if ((_flags & flag_send_inflight) == 0) release_output();
    // The object goes away from the set's turn hook (or a later completion), never under a caller
    // that may still touch it: a timer callback, a handler, on_data.
    if ((_flags & flag_in_flush) == 0) {
        _flags |= flag_in_flush;
        _owner->_flush.push_back(this);
    }
}

void tcp_connection::release_output() noexcept {
    if (_tail != nullptr) {
        output_chunk* c = _tail->next;
        _tail->next = nullptr; // open the ring
        _tail = nullptr;
        while (c != nullptr) {
            output_chunk* next = c->next;
            output_chunk::release(c);
            c = next;
        }
    }
    _owner->_stats->output_pending.sub(_pending);
    _pending = 0;
}

// A client that keeps sending after a refusal (413 for a 100 MiB Content-Length) is not read to
// its end: the discard is bounded in bytes here, in time by the protocol's linger timeout. The
// answer may still be unsent (the receives that follow the refused request in the same turn count
// too): closing now would reset the connection under it, so reading stops and the close waits for
// the last send.
void tcp_connection::stop_discarding() noexcept {
    _want = 0;
    if (_tail == nullptr && (_flags & flag_send_inflight) == 0) {
        abort();
    } else if ((_flags & flag_recv_armed) != 0) {
        _owner->_transport->cancel(_handle, make_user_data(this, op_recv));
    }
}

void tcp_connection::pause_reading() noexcept {
    if ((_flags & (flag_paused | flag_closing)) != 0) return;
    if ((_flags & flag_throttled) == 0 && _owner->_unsent_limit != 0) {
        // Set here, not on every socket: set on the listener (inherited at accept) it made a shard
        // under connection churn fall behind (4,600 descriptors open instead of 60; not
        // investigated further).
        _owner->_transport->limit_unsent(_handle, _owner->_unsent_limit);
    }
    _flags |= flag_paused | flag_throttled;
    // Completions already on their way still bring data; receive() keeps it in the spill block.
    if ((_flags & flag_recv_armed) != 0) _owner->_transport->cancel(_handle, make_user_data(this, op_recv));
}

void tcp_connection::resume_reading() {
    _flags &= ~flag_paused;
    deliver_spill();
    if ((_flags & (flag_recv_armed | flag_closing | flag_paused)) == 0) start();
}

void tcp_connection::finish_if_done() noexcept {
    constexpr std::uint16_t busy = flag_recv_armed | flag_send_inflight | flag_in_flush | flag_starved;
    if ((_flags & flag_closed) != 0 && (_flags & busy) == 0) _owner->destroy(*this);
}

void tcp_connection::on_completion(unsigned op, int result, std::uint32_t flags) {
    if (op == op_recv) {
        on_recv(result, flags);
    } else {
        on_send(result);
    }
}

void tcp_connection::on_recv(int result, std::uint32_t flags) {
    connection_set& set = *_owner;
    if ((flags & cqe_flags::more) == 0) _flags &= ~flag_recv_armed;
    if (result > 0) {
        // From the shard's ring (sockets), or lent by a transport that keeps the bytes itself.
        const bool ring_buffer = (flags & cqe_flags::buffer) != 0;
        const std::uint16_t id = cqe_flags::buffer_id(flags);
        const std::span<char> data = ring_buffer ? set._shard.buffers().take(id, static_cast<std::size_t>(result))
                                                 : set._transport->received(_handle, static_cast<std::size_t>(result));
        set._stats->bytes_in.add(static_cast<std::uint64_t>(result));
        if (!closing()) {
            on_input(data.size());
            receive(data);
        } else if (static_cast<std::uint32_t>(result) < _want) {
            _want -= static_cast<std::uint32_t>(result); // discarded
        } else {
            stop_discarding();
        }
        if (ring_buffer) set._shard.buffers().recycle(id);
        // A multishot receive can end after delivering data; keep the connection reading.
        if ((_flags & (flag_recv_armed | flag_closing | flag_paused)) == 0) start();
    } else if (result == -ENOBUFS) {
        // The ring ran dry this turn; the data waits in the socket. Buffers come back as this
        // turn's completions are handled, so the set re-arms the receive before the next submit;
        // the ring provides more buffers so that the next burst of this size finds them. A
        // lingering close keeps reading (to drop) the same way.
        set._stats->recv_no_buffers.add();
        set._shard.buffers().grow();
        if (reads_input() && (_flags & flag_starved) == 0) {
            _flags |= flag_starved;
            set._starved.push_back(this);
        }
    } else if ((_flags & flag_lingering) != 0) {
        // The peer closed, or something failed: the lingering is over. A cancelled receive (the
        // pause before the close) is re-armed below.
        if (result != -ECANCELED) abort();
    } else if (result == 0) {
        _flags |= flag_peer_closed;
        on_peer_closed();
        close_after_flush(); // orderly shutdown by the peer: answer what was read, then close
    } else if (result == -ECANCELED && !closing()) {
        // pause_reading() cancelled the receive. If reading resumed before this completion came,
        // resume_reading() saw the receive still armed and left it: arm it now.
        if ((_flags & (flag_recv_armed | flag_paused)) == 0) start();
    } else if (result != -ECANCELED || !closing()) {
        if (!closing()) on_failed(result);
        abort(); // ECONNRESET and friends
    }
    // A lingering close reads until the peer closes (or its timeout aborts it).
    if ((_flags & (flag_lingering | flag_closed | flag_recv_armed | flag_starved)) == flag_lingering) start();
    finish_if_done();
}

void tcp_connection::keep_input_before(std::size_t end) noexcept {
    _owner->_kept_end = end;
}

std::size_t tcp_connection::offer(std::span<char> data, std::size_t& kept_end) {
    _want = 0;
    _owner->_kept_end = data.size();
    const std::size_t consumed = on_data(data);
    kept_end = std::max(consumed, std::min(_owner->_kept_end, data.size()));
    return consumed;
}

void tcp_connection::receive(std::span<char> data) {
    if (_spill == nullptr && !reading_paused()) {
        std::size_t end = 0;
        const std::size_t consumed = offer(data, end);
        if (consumed < end && !closing()) append_to_spill(data.subspan(consumed, end - consumed));
        return;
    }
    append_to_spill(data);
    if (reading_paused()) return;
    if (_spill->end - _spill->begin >= _want) {
        deliver_spill();
    } else {
        on_partial_input();
    }
}

void tcp_connection::append_to_spill(std::span<const char> data) {
    if (_spill == nullptr) {
        // Room for a typical request head so that a trickling client does not regrow it per byte.
        const std::size_t capacity = std::max<std::size_t>(data.size() * 2, 512);
        _spill = static_cast<spill*>(shard_alloc(sizeof(spill) + capacity));
        _spill->capacity = static_cast<std::uint32_t>(capacity);
        _spill->begin = _spill->end = 0;
    }
    // Grow geometrically; the protocol bounds the size (431/413) and pauses reading under backpressure.
    const std::uint32_t kept = _spill->end - _spill->begin;
    const std::size_t needed = std::size_t{kept} + data.size();
    if (needed > _spill->capacity) {
        const std::size_t capacity = std::max<std::size_t>(needed, std::size_t{_spill->capacity} * 2);
        auto* grown = static_cast<spill*>(shard_alloc(sizeof(spill) + capacity));
        std::memcpy(grown->data(), _spill->data() + _spill->begin, kept);
        grown->capacity = static_cast<std::uint32_t>(capacity);
        shard_free(_spill);
        _spill = grown;
        _spill->begin = 0;
        _spill->end = kept;
    } else if (_spill->end + data.size() > _spill->capacity) {
        std::memmove(_spill->data(), _spill->data() + _spill->begin, kept);
        _spill->begin = 0;
        _spill->end = kept;
    }
    std::memcpy(_spill->data() + _spill->end, data.data(), data.size());
    _spill->end += static_cast<std::uint32_t>(data.size());
}

void tcp_connection::deliver_spill() {
    if (_spill == nullptr || closing()) return;
    std::size_t end = 0;
    const std::size_t consumed = offer(_spill->live(), end);
    if (closing() || consumed == end) {
        shard_free(_spill);
        _spill = nullptr;
        return;
    }
    _spill->end = _spill->begin + static_cast<std::uint32_t>(end);
    _spill->begin += static_cast<std::uint32_t>(consumed);
}

void tcp_connection::send_next() {
    if ((_flags & (flag_send_inflight | flag_closed)) != 0) return;
    while (_tail != nullptr && oldest()->begin == oldest()->end) {
        output_chunk* sent = oldest();
        if (sent == _tail) {
            _tail = nullptr;
        } else {
            _tail->next = sent->next;
        }
        output_chunk::release(sent);
    }
    if (_tail == nullptr) {
        if (reading_paused() && !closing()) {
            resume_reading(); // may queue more output, pause again or close
            return;
        }
        if ((_flags & (flag_close_after_flush | flag_lingering)) == flag_close_after_flush) {
            // Let the peer read everything before the FIN; then close, lingering if it may still send.
            _owner->_transport->shutdown_write(_handle);
            const bool may_discard = _want != 0 && ((_flags & flag_linger_wanted) != 0 || _spill != nullptr);
            if ((_flags & flag_peer_closed) != 0 || !may_discard) {
                abort();
                return;
            }
            _flags |= flag_lingering;
            if ((_flags & flag_recv_armed) == 0) start(); // a paused receive is re-armed when its cancel completes
            on_lingering();
        }
        return;
    }
    output_chunk* head = oldest();
    _owner->_transport->send(_handle, head->data() + head->begin, head->end - head->begin,
                             make_user_data(this, op_send));
    _flags |= flag_send_inflight;
}

void tcp_connection::on_send(int result) {
    _flags &= ~flag_send_inflight;
    if ((_flags & flag_closed) != 0) {
        release_output();
    } else if (result < 0) {
        if (!closing()) on_failed(result);
        abort(); // EPIPE, ECONNRESET: the peer is gone
    } else {
        _owner->_stats->bytes_out.add(static_cast<std::uint64_t>(result));
        oldest()->begin += static_cast<std::uint32_t>(result);
        _pending -= static_cast<std::uint32_t>(result);
        _owner->_stats->output_pending.sub(static_cast<std::uint64_t>(result));
        // A short send, or output written while the send was in flight: keep going now.
        send_next();
        if ((_flags & flag_closed) == 0) on_output_sent(static_cast<std::size_t>(result));
    }
    finish_if_done();
}

connection_set::connection_set(corio::shard& s, connection_stats* stats, net::transport* over)
    : _shard(s), _sockets(s), _transport(over != nullptr ? over : &_sockets),
      _stats(stats != nullptr ? stats : &_own_stats) {
    _flush.reserve(1024);
    _starved.reserve(64);
    _shard.reactor().add_turn_hook(&connection_set::on_turn, this);
}

connection_set::~connection_set() {
    _shard.reactor().remove_turn_hook(&connection_set::on_turn, this);
    destroy_all();
}

void connection_set::destroy_all() noexcept {
    _flush.clear();
    _starved.clear();
    while (_first != nullptr)
        destroy(*_first);
}

void connection_set::close_all() noexcept {
    for (tcp_connection* c = _first; c != nullptr;) {
        tcp_connection* next = c->_next;
        c->abort();
        c->finish_if_done();
        c = next;
    }
}

void connection_set::drain() noexcept {
    _draining = true;
    for (tcp_connection* c = _first; c != nullptr;) {
        tcp_connection* next = c->_next; // on_drain() may abort c (it is deleted later, from the turn hook)
        c->on_drain();
        c = next;
    }
}

void connection_set::destroy(tcp_connection& c) noexcept {
    if (c._prev != nullptr) {
        c._prev->_next = c._next;
    } else {
        _first = c._next;
    }
    if (c._next != nullptr) c._next->_prev = c._prev;
    --_size;
    _stats->closed.add();
    _stats->open.sub();
    delete &c;
}

void connection_set::on_turn(void* context) {
    auto* set = static_cast<connection_set*>(context);
    // Index loops: send_next() may abort a connection, which never appends to these lists.
    for (std::size_t i = 0; i < set->_starved.size(); ++i) {
        tcp_connection* c = set->_starved[i];
        c->_flags &= ~tcp_connection::flag_starved;
        if (c->reads_input() && (c->_flags & (tcp_connection::flag_recv_armed | tcp_connection::flag_paused)) == 0) {
            c->start();
        }
        c->finish_if_done();
    }
    set->_starved.clear();
    for (std::size_t i = 0; i < set->_flush.size(); ++i) {
        tcp_connection* c = set->_flush[i];
        c->_flags &= ~tcp_connection::flag_in_flush;
        c->send_next();
        c->finish_if_done();
    }
    set->_flush.clear();
}

} // namespace corio::net
