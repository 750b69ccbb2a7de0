#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Issue 23: hello under systemd's protocols, with this script playing systemd.
#   notify: a datagram socket here ($NOTIFY_SOCKET, an abstract '@' name, then a path) receives
#     READY=1 once hello listens (a request then succeeds), WATCHDOG=1 about every half of
#     $WATCHDOG_USEC, and STOPPING=1 at SIGTERM, before hello exits 0.
#   listen_fds: a listening socket made here is handed over as descriptor 3 with LISTEN_FDS=1 and
#     LISTEN_PID (socket activation); hello serves on it with two shards (no bind of its own, so the
#     port passed is the one answering), and requests queued before it started are answered.
# Usage: systemd_test.py PATH/TO/hello
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

hello = sys.argv[1]
failures = []


def fail(message):
    print(f"systemd_test: {message}")
    failures.append(message)


def get(port, path="/plaintext", timeout=2):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
        return response.status, response.read()


def skip_if_no_io_uring(log):
    if "io_uring_setup is not available" in log:
        print("skip: no io_uring")
        sys.exit(77)


def notify_case(address, bind_name):
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(bind_name)
    receiver.settimeout(5)
    env = dict(os.environ, NOTIFY_SOCKET=address, WATCHDOG_USEC="400000")
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([hello, "--address", "127.0.0.1", "--port", "0", "--threads", "2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        messages = []  # (seconds since start, datagram)
        start = time.monotonic()
        ready_at = None
        try:
            while ready_at is None:
                data = receiver.recv(4096).decode()
                messages.append((time.monotonic() - start, data))
                if "READY=1" in data.split("\n"):
                    ready_at = time.monotonic()
        except socket.timeout:
            log = proc.stdout.read() if proc.poll() is not None else ""
            skip_if_no_io_uring(log)
            fail(f"{address}: no READY=1 within 5 s (got {messages}) {log}")
            return
        line = proc.stdout.readline()
        port = int(line.split(" port ")[1].split(",")[0])
        status, body = get(port)
        if status != 200 or body != b"Hello, World!":
            fail(f"{address}: after READY=1 /plaintext answered {status} {body!r}")
        # Watchdog pings for 1.2 s: at 200 ms intervals (half of 400 ms), about 6.
        watchdogs = []
        receiver.settimeout(0.5)
        while time.monotonic() - ready_at < 1.2:
            try:
                data = receiver.recv(4096).decode()
            except socket.timeout:
                break
            if data == "WATCHDOG=1":
                watchdogs.append(time.monotonic())
            else:
                fail(f"{address}: unexpected {data!r} while serving")
        gaps = [b - a for a, b in zip(watchdogs, watchdogs[1:])]
        if len(watchdogs) < 4 or any(g > 0.35 or g < 0.1 for g in gaps):
            fail(f"{address}: WATCHDOG=1 not at ~200 ms intervals: {len(watchdogs)} pings, gaps {gaps}")
        proc.send_signal(signal.SIGTERM)
        receiver.settimeout(3)
        stopping = False
        try:
            while not stopping:
                data = receiver.recv(4096).decode()
                stopping = "STOPPING=1" in data.split("\n")
        except socket.timeout:
            pass
        if not stopping:
            fail(f"{address}: no STOPPING=1 after SIGTERM")
        if proc.wait(timeout=15) != 0:
            fail(f"{address}: exit status {proc.returncode}")
        print(f"systemd_test: {address}: READY=1, {len(watchdogs)} x WATCHDOG=1 (gaps "
              f"{', '.join(f'{g * 1000:.0f}' for g in gaps)} ms), STOPPING=1")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        receiver.close()


def listen_fds_case(reuse_port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if reuse_port:  # ReusePort=yes: the other shard joins the socket's group and takes a share by hash
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    # A client that connects before hello runs: systemd holds the port, the connection waits in the backlog.
    early = socket.create_connection(("127.0.0.1", port), timeout=5)
    early.sendall(b"GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")

    # The socket becomes descriptor 3 here (replacing whatever the test runner left there), so that
    # the child inherits it as 3, where systemd puts the first socket.
    if listener.fileno() != 3:
        os.dup2(listener.fileno(), 3)
    env = dict(os.environ, LISTEN_FDS="1", LISTEN_FDNAMES="http")
    # LISTEN_PID must name hello itself: a shell sets it to its own pid and execs hello in place.
    proc = subprocess.Popen(["/bin/sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"', hello,
                             "--address", "127.0.0.1", "--port", "1", "--threads", "2", "--metrics", "/metrics"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            pass_fds=(3,), close_fds=True)
    if listener.fileno() != 3:
        os.close(3)
    listener.close()
    try:
        line = proc.stdout.readline()
        if proc.poll() is not None:
            log = line + proc.stdout.read()
            skip_if_no_io_uring(log)
            fail(f"listen_fds: hello did not start: {log}")
            return
        if f"port {port}," not in line:
            fail(f"listen_fds: hello did not listen on the passed socket's port {port}: {line}")
        answer = b""
        while chunk := early.recv(4096):
            answer += chunk
        if not answer.startswith(b"HTTP/1.1 200") or not answer.endswith(b"Hello, World!"):
            fail(f"listen_fds: the connection queued before start got {answer!r}")
        answered = 0
        for _ in range(40):
            status, body = get(port)
            answered += status == 200 and body == b"Hello, World!"
        if answered != 40:
            fail(f"listen_fds: {40 - answered} of 40 requests failed")
        # Without SO_REUSEPORT one accept queue is shared by both shards: which shard accepts is the
        # kernel's choice, so the split is reported, not required. With it, 42 connections spread by
        # hash all land on one shard once in 2^41 runs.
        metrics = get(port, "/metrics")[1].decode()
        per_shard = [int(l.split()[-1]) for l in metrics.splitlines()
                     if l.startswith("corio_http_connections_accepted_total{")]
        if reuse_port and (len(per_shard) != 2 or min(per_shard) == 0):
            fail(f"listen_fds: with SO_REUSEPORT the connections were not spread over both shards: {per_shard}")
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=15)[0]
        if proc.returncode != 0:
            fail(f"listen_fds: exit status {proc.returncode}: {out}")
        counts = out.split("stopped after answering ")
        if len(counts) < 2 or int(counts[1].split()[0]) != 42:
            fail(f"listen_fds: hello's own count is not 42 (41 and /metrics): {out}")
        print(f"systemd_test: listen_fds (SO_REUSEPORT {reuse_port}): port {port} passed as descriptor 3, "
              f"41 requests answered, connections per shard {per_shard}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        early.close()


abstract = f"corio-notify-test-{os.getpid()}"
notify_case("@" + abstract, "\0" + abstract)
with tempfile.TemporaryDirectory() as directory:
    path = os.path.join(directory, "notify")
    notify_case(path, path)
listen_fds_case(False)
listen_fds_case(True)
if failures:
    sys.exit(1)
print("systemd_test: ok")
