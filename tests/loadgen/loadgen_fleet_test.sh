#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/loadgen/fleet.sh end to end with two "hosts" that are this machine: ssh and scp are replaced
# by local stand-ins (--ssh, --scp), so the test runs without an SSH server; what it checks is the
# orchestration: one start time for both workers, their files fetched back, the merge made.
#   loadgen_fleet_test.sh path/to/corio-load path/to/hello
set -euo pipefail
# shellcheck source=start_hello.sh
. "$(dirname "$0")/start_hello.sh"
load=$1
hello=$2
fleet=$(cd "$(dirname "$0")/../../bench/loadgen" && pwd)/fleet.sh
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
begin_test corio-load-fleet

# ssh HOST COMMAND runs COMMAND here; scp HOST:PATH DEST copies PATH.
printf '#!/bin/sh\nshift\nexec sh -c "$*"\n' >"$work/ssh"
printf '#!/bin/sh\nexec cp "${1#*:}" "$2"\n' >"$work/scp"
chmod +x "$work/ssh" "$work/scp"

start_hello
"$fleet" --lead 2 --out "$work/run" --corio-load "$load" --merge-with "$load" --ssh "$work/ssh" --scp "$work/scp" \
    hostA hostB -- -t 1 -c 4 -d 1 "http://127.0.0.1:$port/plaintext" >"$work/fleet.out" 2>&1 ||
    fail "fleet.sh failed: $(cat "$work/fleet.out")"
python3 - "$work/run" <<'PY'
import json, sys
d = sys.argv[1]
a, b, m = (json.load(open(f"{d}/{n}.json")) for n in ("hostA", "hostB", "merged"))
assert a["label"] == "hostA" and b["label"] == "hostB"
assert a["start"]["intended_unix_s"] == b["start"]["intended_unix_s"] > 0
assert m["summary"]["requests"] == a["summary"]["requests"] + b["summary"]["requests"] > 0
assert [w["label"] for w in m["workers"]] == ["hostA", "hostB"] and all(w["hlog"] for w in m["workers"])
PY
grep -q 'corio-load merge: 2 workers' "$work/fleet.out" || fail "no merged summary: $(cat "$work/fleet.out")"

# A host whose worker fails: exit 1, its output shown, the rest still merged.
if "$fleet" --lead 2 --out "$work/bad" --corio-load "$load" --merge-with "$load" --ssh "$work/ssh" --scp "$work/scp" \
    hostA -- -t 1 -c 4 -d 1 http://127.0.0.1:1/ >"$work/bad.out" 2>&1; then
    fail "fleet.sh succeeded with a failing worker"
fi
grep -q 'the worker on hostA failed' "$work/bad.out" || fail "$(cat "$work/bad.out")"
echo "loadgen_fleet_test: ok"
