#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Accepting under descriptor exhaustion: hello runs with `ulimit -n 40`, 120 clients connect and
# send a request each. While the server is out of descriptors it must not spin (its CPU time over
# a second of waiting stays small: the listener backs off on the timer wheel); once clients that
# got their answer close, it must accept again until every client is answered.
# Usage: fd_exhaustion_test.sh PATH/TO/hello
set -euo pipefail
hello=$1
log=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
bash -c 'ulimit -n 40 && exec "$0" --address 127.0.0.1 --port 0 --threads 1' "$hello" >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
if grep -q 'io_uring_setup is not available' "$log"; then echo "skip: no io_uring"; exit 77; fi
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
[ -n "$port" ] || { echo "no listening line:"; cat "$log"; exit 1; }

python3 - "$port" "$pid" <<'PY'
import os, select, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
hz = os.sysconf("SC_CLK_TCK")
def cpu_seconds():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / hz
clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(120)]
for c in clients:
    c.sendall(b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
time.sleep(0.3)
before = cpu_seconds()
time.sleep(1.0)
spent = cpu_seconds() - before
# Nobody has been answered and closed yet: the server is out of descriptors and must be idle.
assert spent < 0.3, f"server burned {spent:.2f} s of CPU while out of descriptors (spinning on accept?)"
got = {c: b"" for c in clients}
waiting = set(clients)
deadline = time.time() + 20
while waiting and time.time() < deadline:
    ready, _, _ = select.select(list(waiting), [], [], 0.2)
    for c in ready:
        data = c.recv(4096)
        assert data, "the server closed a connection it had not answered"
        got[c] += data
        if got[c].endswith(b"Hello, World!"):
            assert got[c].startswith(b"HTTP/1.1 200 OK\r\n"), got[c][:40]
            c.close()
            waiting.discard(c)
assert not waiting, f"{len(waiting)} of 120 clients never answered: accepting did not recover"
print(f"fd_exhaustion_test: 120 answered; {spent:.2f} s server CPU while exhausted")
PY
kill -TERM $pid
wait $pid
