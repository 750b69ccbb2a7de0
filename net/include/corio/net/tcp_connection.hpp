// SPDX-License-Identifier: MIT
// tcp_connection: a TCP connection driven by its completions, not by a coroutine. A multishot
// receive takes buffers from the shard's provided-buffer ring; a protocol subclass consumes bytes in
// on_data() and the buffer goes straight back to the ring (bytes it leaves unconsumed, such as a
// request cut by a buffer boundary, are copied into a small spill block). Output is written into a
// chain of pooled chunks and sent once per loop turn, so all responses produced by one receive go
// out in one send. An idle connection holds no buffer at all, only this object. Its bytes move
// through its set's transport (transport.hpp): kernel sockets, or a loopback in memory for tests.
//
// connection_set: the connections of one shard (per server), with the per-turn send batching,
// receive re-arming after buffer exhaustion (-ENOBUFS) and closing everything when the shard stops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <corio/core/counter.hpp>
#include <corio/core/heap.hpp>
#include <corio/core/shard.hpp>
#include <corio/net/output_chunk.hpp>
#include <corio/net/socket_transport.hpp>

namespace corio::net {

class connection_set;

/// Base class of protocol connections; allocated on the shard heap and deleted by its connection_set.
class tcp_connection : public shard_allocated, private completion_target {
public:
    /// Takes ownership of `handle` at `owner`'s transport (a connected socket's descriptor) and
    /// joins `owner`; call start() to begin receiving.
    tcp_connection(connection_set& owner, int handle) noexcept;
    virtual ~tcp_connection();
    tcp_connection(const tcp_connection&) = delete;
    tcp_connection& operator=(const tcp_connection&) = delete;

    /// Arms the multishot receive.
    void start();

    /// At least `size` contiguous writable bytes at the end of the output; commit() what was used.
    char* reserve(std::size_t size);
    /// Makes `size` bytes written after reserve() part of the output.
    void commit(std::size_t size) noexcept;
    /// Appends `bytes` to the output.
    void write(std::string_view bytes);
    /// Schedules the pending output to be sent at the end of this loop turn.
    void flush() noexcept;
    /// Bytes written but not yet taken by the kernel.
    std::size_t pending_output() const noexcept { return _pending; }

    /// Stops delivering input (backpressure): bytes already received are kept, the receive is
    /// cancelled. Reading resumes by itself once all pending output has been sent (and the subclass
    /// pauses again from on_data if it still cannot take input). The first pause also bounds what the
    /// kernel holds unsent (connection_set::set_unsent_limit()).
    void pause_reading() noexcept;
    /// True while reading is paused.
    bool reading_paused() const noexcept { return (_flags & flag_paused) != 0; }
    /// True when nothing is half-received, waiting to be sent or in flight: safe to close.
    bool idle() const noexcept { return _spill == nullptr && _pending == 0 && (_flags & flag_send_inflight) == 0; }
    /// True while received input waits to be consumed (a partial message, or input kept while paused).
    bool input_pending() const noexcept { return _spill != nullptr; }
    /// The received bytes on_data() left unconsumed, kept to be offered again (empty when none):
    /// what an unfinished message ended with when the peer closes. Valid until the next receive.
    std::span<const char> unconsumed_input() const noexcept;

    /// Stops reading and closes once the pending output has been sent. With `linger` (the peer may
    /// still be sending: an unread body, a refused request), or when received input is left unread,
    /// the close lingers unless the peer has closed: the write side is shut down and input is read
    /// and discarded until the peer closes or the subclass's linger timeout aborts the connection
    /// (closing with unread input resets the connection and can destroy the last response in flight).
    /// While the set drains every close lingers: the peer may have sent more before it saw the close.
    /// Input that arrives once the connection is closing is discarded, at most the set's
    /// discard_limit() bytes of it: past that the connection is aborted.
    void close_after_flush(bool linger = false) noexcept;
    /// Stops reading and closes now, dropping pending output.
    void abort() noexcept;
    /// True once the connection is closing (no more on_data calls).
    bool closing() const noexcept { return (_flags & flag_closing) != 0; }

    /// The connection's end at its set's transport (the socket descriptor, on sockets).
    int handle() const noexcept { return _handle; }
    /// The set (and thereby the shard) the connection belongs to.
    connection_set& owner() const noexcept { return *_owner; }

protected:
    /// New input: `data` holds unconsumed earlier bytes followed by the new ones. Returns how many
    /// leading bytes were consumed; the rest is kept (in the spill block) and offered again.
    virtual std::size_t on_data(std::span<char> data) = 0;
    /// Do not call on_data again until at least `bytes` unconsumed bytes are available.
    void wait_for_input(std::size_t bytes) noexcept { _want = static_cast<std::uint32_t>(bytes); }
    /// Only inside on_data: of the data offered, keep only the bytes before offset `end` (on_data
    /// rewrote them in place, e.g. a chunked body decoded where it lay); the bytes after are dropped.
    void keep_input_before(std::size_t end) noexcept;
    /// Input arrived and was kept without an on_data call, fewer bytes than wait_for_input() asked
    /// for (progress, e.g. for a timeout).
    virtual void on_partial_input() {}
    /// The kernel took `bytes` of output (progress, e.g. to let a producer write more).
    virtual void on_output_sent(std::size_t bytes) { static_cast<void>(bytes); }
    /// `bytes` of input arrived (before they are offered to on_data or kept): for rate limits.
    virtual void on_input(std::size_t bytes) { static_cast<void>(bytes); }
    /// The peer closed its side: no more input will come.
    virtual void on_peer_closed() {}
    /// A receive or send failed with `error` (-ECONNRESET, -EPIPE...): the connection aborts right after.
    virtual void on_failed(int error) { static_cast<void>(error); }
    /// The close began to linger (see close_after_flush()); abort() ends it.
    virtual void on_lingering() {}
    /// The set began to drain (connection_set::drain()). By default an idle connection closes (with
    /// a lingering close) and a busy one is left to the protocol, which closes it when its exchange
    /// ends, or to the set's owner, which aborts what is left at its deadline.
    virtual void on_drain() {
        if (idle()) close_after_flush(true);
    }

private:
    friend class connection_set;
    struct spill;

    // The receive and send completions (make_user_data tags).
    enum : unsigned { op_recv, op_send };
    void on_completion(unsigned op, int result, std::uint32_t flags) override;
    void on_recv(int result, std::uint32_t flags);
    void on_send(int result);

    void receive(std::span<char> data);
    // on_data, then how much of `data` it keeps: the unconsumed bytes, cut by keep_input_before().
    std::size_t offer(std::span<char> data, std::size_t& kept_end);
    void deliver_spill();
    void resume_reading();
    void append_to_spill(std::span<const char> data);
    void send_next();
    void release_output() noexcept;
    // reserve() when the newest chunk has no room for `size` bytes.
    char* grow_output(std::size_t size);
    void stop_discarding() noexcept;
    void finish_if_done() noexcept;

    enum : std::uint16_t {
        flag_recv_armed = 1 << 0,
        flag_send_inflight = 1 << 1,
        flag_in_flush = 1 << 2, // in the set's flush list
        flag_starved = 1 << 3,  // in the set's starved list
        flag_closing = 1 << 4,  // no more input is processed
        flag_close_after_flush = 1 << 5,
        flag_closed = 1 << 6, // descriptor closed; deleted once no completion or list refers to it
        flag_paused = 1 << 7, // input is not delivered until the output has drained
        flag_peer_closed = 1 << 8,
        flag_lingering = 1 << 9, // output done and write side shut down: discarding input until the peer closes
        flag_linger_wanted = 1 << 10,
        // Has had to stop reading (its client sends more than it reads): from then on it receives
        // one buffer at a time, so that what arrives after a pause is at most one buffer, where a
        // multishot receive brings a burst that waits in the spill block.
        flag_throttled = 1 << 11,
        // Its output once outgrew a small chunk before the send (pipelined answers): each batch
        // starts in a large chunk from then on, so that none has to move.
        flag_batches = 1 << 12,
    };

    // The oldest unsent chunk; only while there is output (_tail != nullptr).
    output_chunk* oldest() const noexcept { return _tail->next; }
    // True while the socket is read: until closing, or while a lingering close drops the input.
    bool reads_input() const noexcept {
        return (_flags & flag_closing) == 0 || (_flags & (flag_lingering | flag_closed)) == flag_lingering;
    }

    connection_set* _owner;
    tcp_connection* _prev = nullptr;
    tcp_connection* _next = nullptr;
    // Newest output chunk; the chunks form a ring through `next`, so _tail->next is the oldest (one
    // pointer instead of head and tail: the connection fits mimalloc's 112-byte size class).
    output_chunk* _tail = nullptr;
    spill* _spill = nullptr;
    std::uint32_t _want = 0;    // before closing: wait_for_input(); once closing: input bytes still to discard
    std::uint32_t _pending = 0; // output bytes not yet sent
    int _handle;
    std::uint16_t _flags = 0;
};

/// Counters of one connection_set: written by its shard only, readable from any thread.
struct connection_stats {
    counter opened;          ///< connections that joined the set
    counter closed;          ///< connections deleted from the set
    counter open;            ///< connections in the set now (a gauge: opened - closed, as one value)
    counter bytes_in;        ///< bytes received (including input later discarded by a lingering close)
    counter bytes_out;       ///< bytes the kernel took from the output
    counter recv_no_buffers; ///< receives that ended with -ENOBUFS and were re-armed
    counter output_pending;  ///< output bytes written and not yet taken by the kernel, all connections (a gauge)
};

/// The connections a service owns on one shard.
class connection_set {
public:
    /// Registers the per-turn send hook with `s`'s reactor; counts into `stats` (which must outlive
    /// the set; other threads may read it) or, if null, into the set's own counters. The connections
    /// run over `over` (which must outlive the set) or, if null, over kernel sockets.
    explicit connection_set(corio::shard& s, connection_stats* stats = nullptr, net::transport* over = nullptr);
    /// Deletes every connection still there (after the loop has stopped).
    ~connection_set();
    /// Deletes every connection object now, whatever is in flight (teardown after the loop stopped).
    void destroy_all() noexcept;
    connection_set(const connection_set&) = delete;
    connection_set& operator=(const connection_set&) = delete;

    /// The shard the set lives on.
    corio::shard& shard() const noexcept { return _shard; }
    /// What carries the connections' bytes.
    net::transport& transport() const noexcept { return *_transport; }
    /// Open connections.
    std::size_t size() const noexcept { return _size; }
    /// Counters since creation (the ones given to the constructor, if any).
    const connection_stats& stats() const noexcept { return *_stats; }
    /// Aborts every connection (shard stop): descriptors are closed before this returns; the objects
    /// go away as their last completions arrive (empty() tells when).
    void close_all() noexcept;
    /// True when no connection object is left.
    bool empty() const noexcept { return _first == nullptr; }
    /// Graceful stop: tells every connection (tcp_connection::on_drain()); from now on every close
    /// lingers. Irreversible.
    void drain() noexcept;
    /// True once drain() has been called.
    bool draining() const noexcept { return _draining; }
    /// Output bytes written and not yet taken by the kernel, summed over the set's connections.
    std::uint64_t output_pending() const noexcept { return _stats->output_pending.value(); }
    /// Input a closing connection discards before it is aborted (see close_after_flush()).
    std::uint32_t discard_limit() const noexcept { return _discard_limit; }
    /// Sets discard_limit() for connections that begin closing from now on.
    void set_discard_limit(std::uint32_t bytes) noexcept { _discard_limit = bytes; }
    /// Sets the output the kernel may hold unsent for a connection once it has had to stop reading
    /// (its client sends more than it reads): TCP_NOTSENT_LOWAT, set at its first pause_reading().
    /// Past it the output waits in the connection, where pending_output() counts it; 0 (the
    /// default): the kernel's own limit. For connections that first pause from now on.
    void set_unsent_limit(std::uint32_t bytes) noexcept { _unsent_limit = bytes; }

private:
    friend class tcp_connection;
    static void on_turn(void* context);
    void enqueue(tcp_connection& c);
    void destroy(tcp_connection& c) noexcept;

    corio::shard& _shard;
    socket_transport _sockets;
    net::transport* _transport;
    tcp_connection* _first = nullptr;
    std::size_t _size = 0;
    std::size_t _kept_end = 0; // during an on_data call: keep_input_before()'s offset (one call at a time per shard)
    std::vector<tcp_connection*> _flush;   // connections with output to send this turn
    std::vector<tcp_connection*> _starved; // receives to re-arm once buffers are back
    connection_stats _own_stats;
    connection_stats* _stats;
    std::uint32_t _discard_limit = 1 << 20;
    std::uint32_t _unsent_limit = 0;
    bool _draining = false;
};

inline char* tcp_connection::reserve(std::size_t size) {
    if (_tail != nullptr && _tail->capacity - _tail->end >= size) return _tail->data() + _tail->end;
    return grow_output(size);
}

inline void tcp_connection::commit(std::size_t size) noexcept {
    _tail->end += static_cast<std::uint32_t>(size);
    _pending += static_cast<std::uint32_t>(size);
    _owner->_stats->output_pending.add(size);
}

} // namespace corio::net
