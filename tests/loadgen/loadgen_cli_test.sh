#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# corio-load's command line end to end against examples/hello: --help, clear errors (bad URL,
# unresolvable host, refused connection, bad flag, an output path that cannot be written) with their
# exit statuses, a run with --json and
# --source, and no progress line when standard output is not a terminal.
#   loadgen_cli_test.sh path/to/corio-load path/to/hello
set -euo pipefail
# shellcheck source=start_hello.sh
. "$(dirname "$0")/start_hello.sh"
load=$1
hello=$2
begin_test corio-load-test

# expect STATUS PATTERN CMD...: runs CMD, checks its exit status and that its output matches PATTERN.
expect() {
    local want=$1 pattern=$2
    shift 2
    local got=0
    "$@" >"$work/out" 2>&1 || got=$?
    [ "$got" = "$want" ] || { cat "$work/out" >&2; fail "'$*' exited $got, expected $want"; }
    grep -qE -- "$pattern" "$work/out" || { cat "$work/out" >&2; fail "'$*' output lacks /$pattern/"; }
}

expect 0 'usage: corio-load' "$load" --help
for flag in --threads --connections --duration --rate --pipeline --requests --timeout --method --header --path \
    --paths --body --cpus --no-pin --source --json --plot --progress --no-progress --version; do
    grep -q -- "$flag" "$work/out" || fail "--help does not document $flag"
done
expect 2 'must start with http://' "$load" 127.0.0.1:1/
expect 2 'https is not supported' "$load" https://127.0.0.1/
expect 2 "bad port '70000'" "$load" http://127.0.0.1:70000/
expect 2 "unknown option '--bogus'" "$load" --bogus http://127.0.0.1/
expect 2 'no URL given' "$load" -c 10
expect 1 "cannot resolve host 'no-such-host.invalid'" "$load" -d 1 http://no-such-host.invalid/
# Issue 25: output paths are checked before the load (a 60 s test must not end in "cannot write");
# port 1 is never reached, so a check made after the load would show as "cannot connect".
expect 1 '--json /nonexistent/x.json: cannot write into /nonexistent' "$load" -d 60 --json /nonexistent/x.json \
    http://127.0.0.1:1/
expect 1 '--plot /nonexistent/p.png: cannot write into /nonexistent' "$load" -d 60 --plot /nonexistent/p.png \
    http://127.0.0.1:1/
expect 1 "--json $work: cannot write it \\(a directory\\)" "$load" -d 60 --json "$work" http://127.0.0.1:1/

start_hello

# A refused connection: a port nothing listens on (hello's port once it is gone is not reliable;
# port 1 on loopback is closed on any sane machine).
expect 1 'cannot connect to http://127.0.0.1:1/.*Connection refused' "$load" -d 1 http://127.0.0.1:1/

expect 0 'Requests/sec' "$load" -t 2 -c 8 -d 1 --source 127.0.0.2-3 --json "$work/r.json" \
    "http://127.0.0.1:$port/plaintext"
grep -q $'\r' "$work/out" && fail "progress line printed although stdout is not a terminal"
grep -q '"requests_per_s"' "$work/r.json" || fail "no JSON summary"
# The JSON's content is checked with python3 when the machine has it (Debian's base system does).
json_check() { if command -v python3 >/dev/null; then python3 "$@"; else echo "python3 not found: skipped" >&2; fi; }
json_check - "$work/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
assert s["requests"] > 100, s
assert s["requests"] == r["status_classes"]["2xx"], r["status_classes"]
assert all(v == 0 for k, v in r["errors"].items() if isinstance(v, int)), r["errors"]
assert r["config"]["sources"] == ["127.0.0.2", "127.0.0.3"], r["config"]
assert r["latency"]["percentiles_us"]["99"] >= r["latency"]["percentiles_us"]["50"] > 0
assert sum(p["requests"] for p in r["timeline"]) == s["requests"]
assert len(r["latency"]["histogram"]["buckets"]) > 0
PY

# Issue 25: the progress line shows what the timeline records: at "Ns", the requests of the first N
# seconds of the timeline and the last of them as req/s (it showed 0 req/s in alternate seconds,
# and totals that lagged the summary).
"$load" -t 2 -c 8 -d 4 --progress --json "$work/p.json" "http://127.0.0.1:$port/plaintext" >"$work/progress.out"
json_check - "$work/progress.out" "$work/p.json" <<'PY'
import json, re, sys
lines = [l for l in open(sys.argv[1], newline="").read().split("\r") if "req/s" in l]
timeline = json.load(open(sys.argv[2]))["timeline"]
assert len(lines) >= 3, lines
for line in lines:
    m = re.search(r"(\d+)s/4s\s+(\S+) req/s\s+p99 \S+\s+(\d+) requests", line)
    assert m, line
    n, total = int(m.group(1)), int(m.group(3))
    assert total == sum(p["requests"] for p in timeline[:n]), (line, timeline)
    assert m.group(2) != "0", line
PY

# --json - : the JSON alone on standard output, the summary on standard error.
"$load" -c 2 -t 1 --requests 100 --json - "http://127.0.0.1:$port/json" 2>/dev/null >"$work/stdout.json"
json_check -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["summary"]["requests"] == 100, r["summary"]' \
    "$work/stdout.json"

# --plot: a PNG when gnuplot is there, a clear message otherwise.
out=$("$load" -c 2 -t 1 -d 1 --plot "$work/p.png" "http://127.0.0.1:$port/plaintext" 2>&1)
if command -v gnuplot >/dev/null; then
    [ -s "$work/p.png" ] || fail "no plot drawn: $out"
else
    echo "$out" | grep -q 'gnuplot is not installed' || fail "no clear message without gnuplot: $out"
fi
echo "loadgen_cli_test: ok"
