#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# corio-load as one of several workers (issue 24), end to end against examples/hello: three workers
# started with one --start-at each start within 10 ms of it (SKEW_MS, when given), and `corio-load merge` of their results
# and logs counts what they counted, which the server's own /metrics confirms; --warmup leaves its
# load out; the open-loop --stages 2s:1k,2s:4k delivers each second within 5% of what the profile
# plans; merge refuses what it cannot merge, naming the file, and leaves no output behind.
#   loadgen_workers_test.sh path/to/corio-load path/to/hello [SKEW_MS]
set -euo pipefail
# shellcheck source=start_hello.sh
. "$(dirname "$0")/start_hello.sh"
load=$1
hello=$2
skew_ms=${3:-10}
work=$(mktemp -d /tmp/corio-load-workers.XXXXXX)
hello_pid=
pids=()
cleanup() {
    for p in "${pids[@]}" $hello_pid; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }

# The server on CPU 0, the load on CPU 1 where the machine has two.
server_cpu=() load_cpu=()
if [ "$(nproc)" -ge 2 ]; then server_cpu=(taskset -c 0) load_cpu=(taskset -c 1); fi
hello_args=(--metrics /metrics)
start_hello "${server_cpu[@]}"
url="http://127.0.0.1:$port/plaintext"

served() { curl -s "http://127.0.0.1:$port/metrics" | sed -n 's/^corio_http_responses_total{.*class="2xx"} //p'; }
command -v curl >/dev/null || { echo "curl not found: skipped"; exit 77; }
served_before=$(served)

# Three workers, one start time 1.2 s ahead (RFC 3339 with milliseconds), connections opened early.
start=$(python3 -c 'import time, datetime; t = time.time() + 1.2; print(datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")')
for w in 1 2 3; do
    "${load_cpu[@]}" "$load" -t 1 -c 4 -d 2 --start-at "$start" --connect-early --label "w$w" \
        --json "$work/w$w.json" --hlog "$work/w$w.hlog" "$url" >"$work/w$w.out" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a worker failed: $(cat "$work"/w*.out)"; done
pids=()
python3 - "$start" "$skew_ms" "$work"/w1.json "$work"/w2.json "$work"/w3.json <<'PY'
import datetime, json, sys
start = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
skew_ms = float(sys.argv[2])
for i, path in enumerate(sys.argv[3:], 1):
    r = json.load(open(path))
    s = r["start"]
    assert r["label"] == f"w{i}", r["label"]
    assert abs(s["intended_unix_s"] - start) < 1e-3, (s, start)
    assert abs(s["actual_unix_s"] - start) < skew_ms / 1e3, f"{path}: started {s['skew_ms']} ms off --start-at"
    assert r["summary"]["requests"] > 100, r["summary"]
    assert sum(p["requests"] for p in r["timeline"]) == r["summary"]["requests"]
    assert all(set(p["errors_by_kind"]) == {"connect", "read", "write", "timeout", "closed", "parse"} for p in r["timeline"])
PY
echo "three workers: each started within $skew_ms ms of --start-at"
served_after=$(served)
"$load" merge --json "$work/merged.json" --hlog "$work/merged.hlog" "$work"/w{1,2,3}.json "$work"/w{1,2,3}.hlog \
    >"$work/merge.out" || fail "merge failed: $(cat "$work/merge.out")"
python3 - "$work/merged.json" "$served_before" "$served_after" "$work"/w{1,2,3}.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
before, after = int(sys.argv[2]), int(sys.argv[3])
workers = [json.load(open(p)) for p in sys.argv[4:]]
total = sum(w["summary"]["requests"] for w in workers)
sent = sum(w["summary"]["sent"] for w in workers)
assert m["summary"]["requests"] == total, (m["summary"], total)
assert m["latency"]["uncorrected"]["count"] == total, m["latency"]["uncorrected"]["count"]
assert sum(s["requests"] for s in m["timeline"]) == total
assert [w["label"] for w in m["workers"]] == ["w1", "w2", "w3"]
assert all(w["hlog"] for w in m["workers"]), m["workers"]
# The server answered every counted request, and at most the requests still in flight at the end
# (sent but not yet answered when a worker stopped) and the first /metrics request besides.
served = after - before
assert total <= served <= sent + 1, (total, served, sent)
print(f"merged {total} requests = the sum of the workers'; the server served {served}")
PY

# merge refuses what it cannot merge, naming the file; no output is left behind.
refuse() {
    local pattern=$1
    shift
    rm -f "$work/out.json"
    if "$load" merge --json "$work/out.json" "$@" >"$work/refused" 2>&1; then fail "merge accepted $*"; fi
    grep -qE -- "$pattern" "$work/refused" || fail "merge $*: '$(cat "$work/refused")' lacks /$pattern/"
    [ ! -e "$work/out.json" ] || fail "merge $* left $work/out.json"
    ! compgen -G "$work/out.json.*" >/dev/null || fail "merge $* left a temporary file"
    return 0
}
refuse 'no input files' 
refuse "$work/missing.json: cannot read" "$work/missing.json"
echo '{"tool": "wrk"}' >"$work/other.json"
refuse "$work/other.json: not a corio-load result" "$work/w1.json" "$work/other.json"
head -c 300 "$work/w2.json" >"$work/cut.json"
refuse "$work/cut.json: not valid JSON" "$work/cut.json"
sed 's/"lowest": 1,/"lowest": 1000,/' "$work/w3.json" >"$work/range.json"
refuse "$work/range.json: a different histogram range" "$work/w1.json" "$work/range.json"
head -c -40 "$work/w1.hlog" >"$work/cut.hlog"
refuse "$work/cut.hlog:[0-9]+: .*truncated" "$work/w2.json" "$work/cut.hlog"
sed '6s/,HISTF/,AAAAA/' "$work/w1.hlog" >"$work/bad.hlog"
refuse "$work/bad.hlog:6: not a V2 compressed histogram" "$work/bad.hlog"
echo "merge: bad input refused"

# --warmup: the figures start after it (the timeline has the measured seconds only).
"${load_cpu[@]}" "$load" -t 1 -c 4 -d 1 --warmup 1s --json "$work/warm.json" "$url" >/dev/null
python3 - "$work/warm.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["start"]["warmup_s"] == 1.0, r["start"]
assert abs(r["start"]["measure_unix_s"] - r["start"]["actual_unix_s"] - 1.0) < 1e-3, r["start"]
assert 0.9 < r["summary"]["elapsed_s"] < 1.2, r["summary"]
assert len(r["timeline"]) <= 2, r["timeline"]
PY
echo "warm-up left out"

# --stages, open loop: -R 1 starts the ramp from (about) nothing, then 0 -> 1k/s over 2 s and
# 1k -> 4k/s over 2 s. Each whole second must carry the profile's integral over it, within 5%.
"${load_cpu[@]}" "$load" -t 1 -c 8 -R 1 --stages 2s:1k,2s:4k --json "$work/stages.json" "$url" >/dev/null
python3 - "$work/stages.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
planned = [250, 750, 1750, 3250]  # integrals of the ramps over seconds 0..3
seconds = [p for p in r["timeline"] if p["duration_s"] > 0.99]
assert len(seconds) >= 4, r["timeline"]
for p, want in zip(seconds, planned):
    assert abs(p["requests"] - want) <= 0.05 * want, f"second {p['second']}: {p['requests']} requests, planned {want}"
PY
echo "stages: every second within 5% of the profile"
echo "loadgen_workers_test: ok"
