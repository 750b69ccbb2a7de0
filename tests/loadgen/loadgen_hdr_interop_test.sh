#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 24: an HdrHistogram interval log written by corio-load (--hlog) is read by an independent
# implementation, Debian's libhdrhistogram-java (HlogCheck.java beside this script), and gives the
# same count, max and p50/p99/p99.9 as corio-load's own JSON (within one bucket: 0.1%; corio-load
# reports a bucket's middle, HdrHistogram its top); and a log HdrHistogram wrote is accepted by
# `corio-load merge` with the same figures. Skips (77) without java or the library
# (toolchains/deps.sh installs both).
#   loadgen_hdr_interop_test.sh path/to/corio-load path/to/hello
set -euo pipefail
# shellcheck source=start_hello.sh
. "$(dirname "$0")/start_hello.sh"
load=$1
hello=$2
here=$(cd "$(dirname "$0")" && pwd)
jar=/usr/share/java/hdrhistogram.jar
if ! command -v java >/dev/null || [ ! -f "$jar" ] || ! command -v python3 >/dev/null; then
    echo "skipped: needs java, $jar (apt-get install default-jdk-headless libhdrhistogram-java) and python3"
    exit 77
fi
begin_test corio-load-interop
hdr() { java -cp "$jar" "$here/HlogCheck.java" "$@"; }

start_hello
"$load" -t 1 -c 8 -d 2 --json "$work/r.json" --hlog "$work/r.hlog" "http://127.0.0.1:$port/plaintext" >/dev/null
hdr read "$work/r.hlog" >"$work/java.txt" || fail "HdrHistogram could not read corio-load's log: $(cat "$work/java.txt")"
python3 - "$work/r.json" "$work/java.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
count, mx, p50, p99, p999 = (int(x) for x in open(sys.argv[2]).read().split())
lat = r["latency"]
assert count == lat["count"] == r["summary"]["requests"], (count, lat["count"])
def close(java_ns, corio_us, what):
    corio = corio_us * 1e3
    assert abs(java_ns - corio) <= 0.001 * corio + 1, f"{what}: HdrHistogram {java_ns} ns, corio-load {corio} ns"
close(mx, lat["max_us"], "max")
close(p50, lat["percentiles_us"]["50"], "p50")
close(p99, lat["percentiles_us"]["99"], "p99")
close(p999, lat["percentiles_us"]["99.9"], "p99.9")
print(f"HdrHistogram read {count} values; max/p50/p99/p99.9 agree with corio-load's JSON")
PY
# A log HdrHistogram wrote (3 intervals of known values) is merged with the same figures.
hdr write "$work/java.hlog" >"$work/java-wrote.txt"
"$load" merge --json "$work/merged.json" "$work/java.hlog" >/dev/null || fail "merge refused HdrHistogram's log"
python3 - "$work/merged.json" "$work/java-wrote.txt" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
count, mx, p50, p99, p999 = (int(x) for x in open(sys.argv[2]).read().split())
lat = m["latency"]["unspecified"]
assert count == lat["count"] == m["summary"]["requests"] == 30000, (count, lat["count"])
assert len(m["timeline"]) == 3, m["timeline"]
for what, java_ns, corio_us in (("p50", p50, lat["percentiles_us"]["50"]), ("p99", p99, lat["percentiles_us"]["99"]),
                                ("p99.9", p999, lat["percentiles_us"]["99.9"]), ("max", mx, lat["max_us"])):
    assert abs(java_ns - corio_us * 1e3) <= 0.001 * java_ns + 1, f"{what}: HdrHistogram {java_ns}, merge {corio_us} us"
print("merge read HdrHistogram's own log: same count and percentiles")
PY
echo "loadgen_hdr_interop_test: ok"
