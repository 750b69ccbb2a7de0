#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/loadgen/fleet.sh end to end over real OpenSSH (issue 24): the test starts its own throwaway
# sshd (Debian's openssh-server) on 127.0.0.1 and a free high port, in the foreground, with its own
# host key, its own sshd_config and a fresh client key as the only authorized key; fleet.sh then
# drives two workers through it ("hosts" 127.0.0.1 and localhost, both this machine), fetches their
# files back with scp and merges them; the merged count must be the sum of the workers'. No system
# sshd service is started, stopped or read. Skipped (77) without sshd, ssh, scp or ssh-keygen, or
# when not run as root (sshd's privilege separation needs root).
#   loadgen_fleet_sshd_test.sh path/to/corio-load path/to/hello
set -euo pipefail
# shellcheck source=start_hello.sh
. "$(dirname "$0")/start_hello.sh"
load=$1
hello=$2
fleet=$(cd "$(dirname "$0")/../../bench/loadgen" && pwd)/fleet.sh
sshd=/usr/sbin/sshd
skip() { echo "$*: skipped"; exit 77; }
[ -x $sshd ] || skip "$sshd not installed (apt-get install openssh-server)"
for tool in ssh scp ssh-keygen; do
    command -v $tool >/dev/null || skip "$tool not installed (apt-get install openssh-client)"
done
command -v python3 >/dev/null || skip "python3 not found"
[ "$(id -u)" -eq 0 ] || skip "not root (sshd needs root for its privilege separation)"
sftp_server=
for candidate in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server; do
    [ -x $candidate ] && sftp_server=$candidate && break
done
# scp (OpenSSH 9) copies over the SFTP protocol: without the server side, fetching results fails.
[ -n "$sftp_server" ] || skip "no sftp-server (part of openssh-server)"
load=$(realpath "$load") # the remote shell starts in the home directory

work=$(mktemp -d /tmp/corio-load-fleet-sshd.XXXXXX)
hello_pid=
sshd_pid=
cleanup() {
    [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
    [ -n "$hello_pid" ] && kill "$hello_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# sshd's privilege separation directory (Debian's service creates it at start; we are not the
# service). Left in place afterwards: another sshd started meanwhile may rely on it.
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd

ssh-keygen -q -t ed25519 -N '' -C corio-test-host -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -C corio-test-client -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"

# A free port: the kernel picks one, sshd binds it a moment later (tried again if it was taken).
start_sshd() {
    ssh_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$work/sshd_config" <<CONF
Port $ssh_port
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem sftp $sftp_server
CONF
    $sshd -t -f "$work/sshd_config" || fail "sshd rejects the test's sshd_config ($work/sshd_config)"
    $sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
    sshd_pid=$!
    for _ in $(seq 50); do
        grep -q "Server listening on 127.0.0.1 port $ssh_port" "$work/sshd.log" && return 0
        kill -0 "$sshd_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$sshd_pid" 2>/dev/null || true
    wait "$sshd_pid" 2>/dev/null || true
    sshd_pid=
    return 1
}
started=0
for _ in 1 2 3; do start_sshd && started=1 && break; done
[ $started = 1 ] || fail "sshd did not start: $(cat "$work/sshd.log")"

key_opts="-i $work/client_key -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
key_opts+=" -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10"
ssh_cmd="ssh -p $ssh_port $key_opts"
scp_cmd="scp -P $ssh_port $key_opts"
# shellcheck disable=SC2086 # the options are words
$ssh_cmd 127.0.0.1 true </dev/null || fail "cannot log in through the test's sshd: $(cat "$work/sshd.log")"

start_hello
# An argument with spaces and a quote must reach each worker whole through the remote shell.
header="X-Fleet-Run: two words, it's quoted"
"$fleet" --lead 3 --out "$work/run" --corio-load "$load" --merge-with "$load" --ssh "$ssh_cmd" --scp "$scp_cmd" \
    127.0.0.1 localhost -- -t 1 -c 4 -d 1 -H "$header" "http://127.0.0.1:$port/plaintext" >"$work/fleet.out" 2>&1 ||
    fail "fleet.sh over ssh failed: $(cat "$work/fleet.out"; echo "sshd:"; cat "$work/sshd.log")"
python3 - "$work/run" "$header" <<'PY'
import json, sys
d, header = sys.argv[1:]
a, b, m = (json.load(open(f"{d}/{n}.json")) for n in ("127.0.0.1", "localhost", "merged"))
assert a["label"] == "127.0.0.1" and b["label"] == "localhost", (a["label"], b["label"])
assert a["start"]["intended_unix_s"] == b["start"]["intended_unix_s"] > 0
assert all(json.dumps(header)[1:-1] in json.dumps(w["config"]["headers"]) for w in (a, b)), a["config"]["headers"]
assert m["summary"]["requests"] == a["summary"]["requests"] + b["summary"]["requests"] > 0
assert [w["label"] for w in m["workers"]] == ["127.0.0.1", "localhost"] and all(w["hlog"] for w in m["workers"])
print(f"merged {m['summary']['requests']} requests = {a['summary']['requests']} + {b['summary']['requests']}")
PY
grep -q 'corio-load merge: 2 workers' "$work/fleet.out" || fail "no merged summary: $(cat "$work/fleet.out")"
# fleet.sh removes its directories on the hosts.
ls -d /tmp/corio-load-fleet-*-127.0.0.1 /tmp/corio-load-fleet-*-localhost 2>/dev/null &&
    fail "fleet.sh left its run directories on the hosts"

# A worker that fails on its host: exit 1, with its own message and why its files could not come back.
if "$fleet" --lead 2 --out "$work/bad" --corio-load "$load" --merge-with "$load" --ssh "$ssh_cmd" --scp "$scp_cmd" \
    127.0.0.1 -- -t 1 -c 4 -d 1 http://127.0.0.1:1/ >"$work/bad.out" 2>&1; then
    fail "fleet.sh succeeded with a failing worker"
fi
for expected in 'the worker on 127.0.0.1 failed' 'cannot connect' 'no json result from 127.0.0.1 (scp .*No such file'; do
    grep -q "$expected" "$work/bad.out" || fail "fleet.sh did not say '$expected': $(cat "$work/bad.out")"
done
echo "loadgen_fleet_sshd_test: ok"
