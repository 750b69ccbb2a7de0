#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The hostile-client benchmark (issue 26): runs one attack at a time against a server on one shard
# while a well-behaved client sends GET /plaintext every 50 ms beside it, and reports for each attack
# the normal client's failures (goal 0) and p99 latency (goal <= 10 ms), the server's peak RSS and
# descriptors, and what the attacker got. Not a timed test: it measures and prints.
#
#     bench/hostile/hostile.py --server build/release/examples/hello/hello --seconds 15
#
# The server is started as `SERVER --address 127.0.0.1 --port PORT --threads 1`, pinned to CPU 0;
# this script (attackers and the normal client, the latter at real-time priority) runs on CPU 1.
import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"


def request(path="/plaintext", extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\n{extra}\r\n".encode()


def normal_client(port, stop, results):
    """GET /plaintext every 50 ms on a keep-alive connection (reconnecting after a failure), in a
    process of its own so that the attackers' threads do not delay it; puts (latencies, failures)."""
    latencies, failures, sock = [], 0, None
    # The attackers share CPU 1 with this client: at their priority it would measure how long it
    # waits for that CPU, not for the server. Real-time priority (root) takes the CPU when an answer
    # arrives; without it the figures say so.
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except PermissionError:
        print("hostile.py: no real-time priority for the normal client (not root): its latencies include "
              "waiting for the attackers' CPU", file=sys.stderr)
    while not stop.is_set():
        start = time.monotonic()
        try:
            if sock is None:
                sock = socket.create_connection((HOST, port), timeout=5)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(request())
            data = b""
            while not data.endswith(b"Hello, World!"):
                chunk = sock.recv(4096)
                if not chunk:
                    raise ConnectionError("closed")
                data += chunk
            latencies.append(time.monotonic() - start)
        except OSError:
            failures += 1
            if sock is not None:
                sock.close()
            sock = None
        time.sleep(max(0.0, 0.05 - (time.monotonic() - start)))
    results.put((latencies, failures))


def server_usage(pid):
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def connect(port, timeout=10):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def held(socks):
    """How many of `socks` the server still holds open: reads what is there (an answer such as a
    408 may be) and counts the sockets that end in neither an EOF nor an error."""
    n = 0
    for s in socks:
        try:
            s.setblocking(False)
            while s.recv(65536):
                pass
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


def open_connections(port, count, first_bytes=b""):
    """Up to `count` connections, each sent `first_bytes`; stops at the first that fails."""
    socks = []
    for _ in range(count):
        try:
            s = connect(port)
            s.sendall(first_bytes)
            socks.append(s)
        except OSError:
            break
    return socks


def send_each(socks, data):
    """Sends `data` on each of `socks` (as much as fits); returns the bytes sent."""
    sent = 0
    for s in socks:
        try:
            sent += s.send(data)
        except OSError:
            pass
    return sent


def slowloris(port, seconds, stop):
    socks = open_connections(port, 2000)
    head = request().rstrip(b"\r\n") + b"\r\n"
    at = 0
    while not stop.is_set() and at < len(head):
        send_each(socks, head[at:at + 1])
        at += 1
        stop.wait(1.0)
    return f"{len(socks)} connections trickling a head at 1 byte/s; {held(socks)} still open at the end"


def slow_bodies(port, seconds, stop):
    socks = open_connections(port, 500, b"POST /plaintext HTTP/1.1\r\nHost: bench\r\nContent-Length: 1048576\r\n\r\n")
    while not stop.is_set():
        send_each(socks, b"x")
        stop.wait(1.0)
    return f"{len(socks)} bodies trickled at 1 byte/s; {held(socks)} connections still open at the end"


def slow_readers(port, seconds, stop):
    socks = open_connections(port, 400)
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
    sent = 0
    while not stop.is_set():
        sent += send_each(socks, request() * 2000)
        stop.wait(0.2)
    return f"{len(socks)} connections pipelined {sent // len(request())} requests, never reading; {held(socks)} still open"


def churn(port, seconds, stop):
    count = [0]

    def loop():
        while not stop.is_set():
            try:
                s = socket.create_connection((HOST, port), timeout=2)
                s.close()
                count[0] += 1
            except OSError:
                pass

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    stop.wait(seconds)
    for t in threads:
        t.join()
    return f"{count[0]} connections opened and closed"


def tiny_chunks(port, seconds, stop):
    body = b"1\r\nx\r\n" * 1_000_000 + b"0\r\n\r\n"
    head = b"POST /plaintext HTTP/1.1\r\nHost: bench\r\nTransfer-Encoding: chunked\r\n\r\n"
    results = []

    def loop():
        while not stop.is_set():
            try:
                s = connect(port, 30)
                s.sendall(head + body)
                results.append(s.recv(64).split(b"\r\n")[0].decode())
                s.close()
            except OSError as e:
                results.append(type(e).__name__)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    stop.wait(seconds)
    for t in threads:
        t.join(timeout=35)
    answers = {r: results.count(r) for r in set(results)}
    return f"{len(results)} requests of 1,000,000 1-byte chunks (6 MB); answers {answers}"


MALFORMED = [
    b"\x00\x01\x02\x03\r\n\r\n",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"a" * (1 << 20) + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: a\r\n\r\n",
]


def malformed(port, seconds, stop):
    statuses = {}
    while not stop.is_set():
        for m in MALFORMED:
            try:
                s = connect(port, 5)
                s.sendall(m)
                line = s.recv(64).split(b"\r\n")[0].decode(errors="replace")
                s.close()
            except OSError as e:
                line = type(e).__name__
            statuses[line] = statuses.get(line, 0) + 1
    return f"answers {statuses}"


# Slow readers last: the memory they make the server take stays in its RSS for the attacks after.
ATTACKS = {"slowloris": slowloris, "slow_bodies": slow_bodies, "churn": churn, "tiny_chunks": tiny_chunks,
           "malformed": malformed, "slow_readers": slow_readers}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", required=True, help="the hello binary (serves GET /plaintext)")
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--attacks", default=",".join(ATTACKS))
    args = parser.parse_args()
    os.sched_setaffinity(0, {1})
    server = subprocess.Popen(["taskset", "-c", "0", args.server, "--address", HOST, "--port", str(args.port),
                               "--threads", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        print("attack\tnormal_failures\tnormal_p99_ms\tpeak_rss_kib\tpeak_fds\tattacker_got")
        for name in args.attacks.split(","):
            normal_stop, normal_results = multiprocessing.Event(), multiprocessing.Queue()
            normal = multiprocessing.Process(target=normal_client, args=(args.port, normal_stop, normal_results))
            normal.start()
            stop = threading.Event()
            outcome = {}
            attacker = threading.Thread(target=lambda: outcome.update(got=ATTACKS[name](args.port, args.seconds, stop)),
                                        daemon=True)
            attacker.start()
            peak_rss = peak_fds = 0
            end = time.monotonic() + args.seconds
            while time.monotonic() < end:
                rss, fds = server_usage(server.pid)
                peak_rss, peak_fds = max(peak_rss, rss), max(peak_fds, fds)
                time.sleep(0.1)
            stop.set()
            attacker.join(timeout=40)
            normal_stop.set()
            latencies, failures = normal_results.get()
            normal.join()
            lat = sorted(latencies)
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan")
            print(f"{name}\t{failures}\t{p99:.2f}\t{peak_rss}\t{peak_fds}\t{outcome.get('got', 'did not finish')}",
                  flush=True)
            time.sleep(12)  # the attack's connections time out before the next one starts
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
