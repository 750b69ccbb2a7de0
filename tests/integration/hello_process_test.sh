#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hello example as a user runs it: --help, start on a free port, answer /plaintext and /json
# with the right bodies, with TCP_NODELAY on every accepted connection (inherited from the listening
# socket), stop on SIGTERM with exit status 0 within the deadline, and start again on the same port
# at once.
# Usage: hello_process_test.sh PATH/TO/hello
set -euo pipefail
hello=$1
log=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT

"$hello" --help | grep -q -- '--threads'
if "$hello" --bogus 2>/dev/null; then echo "an unknown flag was accepted"; exit 1; fi

"$hello" --address 127.0.0.1 --port 0 --threads 2 >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
if grep -q 'io_uring_setup is not available' "$log"; then echo "skip: no io_uring"; exit 77; fi
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
[ -n "$port" ] || { echo "no listening line:"; cat "$log"; exit 1; }

[ "$(curl -sf "http://127.0.0.1:$port/plaintext")" = "Hello, World!" ]
[ "$(curl -sf "http://127.0.0.1:$port/json")" = '{"message":"Hello, World!"}' ]
curl -sfI "http://127.0.0.1:$port/plaintext" | grep -qi '^content-length: 13'
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/missing")" = 404 ]

# The server's end of a connection, borrowed with pidfd_getfd (438 on x86-64 and arm64; needs the
# right to ptrace hello: skipped where that is denied), has Nagle off.
python3 - "$pid" "$port" <<'PY'
import ctypes, os, socket, sys
pid, port = int(sys.argv[1]), int(sys.argv[2])
client = socket.create_connection(("127.0.0.1", port))
client.sendall(b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
assert client.recv(4096).startswith(b"HTTP/1.1 200"), "no answer"
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(pid)
checked = 0
for name in os.listdir(f"/proc/{pid}/fd"):
    if not os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
        continue
    fd = libc.syscall(438, pidfd, int(name), 0)
    if fd < 0:
        print(f"skip TCP_NODELAY check: pidfd_getfd: {os.strerror(ctypes.get_errno())}")
        sys.exit(0)
    s = socket.socket(fileno=fd)
    try:
        peer = s.getpeername() if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0 else None
    except OSError:  # an earlier client's connection, reset and not yet closed by hello
        peer = None
    if peer == client.getsockname():
        assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1, "accepted socket without TCP_NODELAY"
        checked += 1
    s.close()
assert checked == 1, f"found {checked} server ends of the connection"
PY

kill -TERM $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "hello did not stop within 5 s of SIGTERM"; exit 1; fi
wait $pid

# A restart on the same port at once: the port is free when hello has exited (io_uring lets go of
# an armed accept only after the process is gone, unless the listener was shut down).
for round in 1 2 3 4 5; do
    "$hello" --address 127.0.0.1 --port "$port" --threads 1 >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 50); do grep -q 'listening\|cannot' "$log" && break; sleep 0.1; done
    grep -q 'listening' "$log" || { echo "restart $round on port $port failed:"; cat "$log"; exit 1; }
    kill -TERM $pid
    wait $pid
done
echo "hello_process_test: ok"
