#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The database load test: TechEmpower's database tests against a throwaway PostgreSQL
# (toolchains/pgtest.sh) pinned to CPU 1 beside the load generator (wrk, one thread, --latency);
# each server on CPU 0. Servers: corio (examples/techempower, one shard), and when built by
# ../shared/reference/peers/build.sh (into $CORIO_PEERS, default /tmp/corio-peers) hyper-pg (hyper +
# tokio-postgres) and fasthttp-pgx (fasthttp + pgx, GOMAXPROCS=1). Rounds alternate the order of
# the servers; each run is a warm-up and a measured run during which the server's CPU time is read
# from /proc. Scenarios: plaintext (the same server's /plaintext: corio's own CPU per plaintext
# request in the same run), db, queries (/queries?queries=20), fortunes, updates
# (/updates?queries=20; corio only: the peers lack it). Prints every run, then the medians with
# min-max and the ratios the targets are stated in (db / plaintext, queries / db, fortunes / db)
# per round; with --strace also corio's system calls per request (strace -c -f over one extra run:
# slower, so counted apart from the timed rounds). Writes runs.tsv, wrk/ and results.md to --out.
#
#   bench/load/database.sh [--build build/release] [--rounds 3] [--duration 8] [--warmup 2]
#                          [--connections 256] [--scenarios "plaintext db queries fortunes updates"]
#                          [--servers "corio hyper-pg fasthttp-pgx"] [--strace] [--out build/db-results]
set -euo pipefail

build=build/release rounds=3 duration=8 warmup=2 connections=256 out=build/db-results trace=0
scenarios="plaintext db queries fortunes updates" servers="corio hyper-pg fasthttp-pgx"
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --strace) trace=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "database.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $build in /*) ;; *) build="$root/$build" ;; esac
peers=${CORIO_PEERS:-/tmp/corio-peers}
for tool in wrk curl taskset python3; do
    command -v "$tool" >/dev/null || { echo "database.sh: $tool not found (toolchains/deps.sh)" >&2; exit 1; }
done
[ $trace = 0 ] || command -v strace >/dev/null || { echo "database.sh: --strace needs strace (apt-get install strace)" >&2; exit 1; }
techempower="$build/examples/techempower/techempower"
[ -x "$techempower" ] || { echo "database.sh: $techempower not built" >&2; exit 1; }
# Peers that are not built are left out, saying so.
declare -A peer_bin=([hyper-pg]="$peers/rust-hyper-pg/target/release/peer-hyper-pg"
                     [fasthttp-pgx]="$peers/go-fasthttp-pgx/peer-fasthttp-pgx")
kept=()
for s in $servers; do
    case $s in
    corio) kept+=("$s") ;;
    hyper-pg|fasthttp-pgx)
        if [ -x "${peer_bin[$s]}" ]; then kept+=("$s"); else
            echo "database.sh: ${peer_bin[$s]} not built (bash ../shared/reference/peers/build.sh $peers): $s left out" >&2
        fi ;;
    *) echo "database.sh: unknown server $s" >&2; exit 2 ;;
    esac
done

mkdir -p "$out/wrk"
work=$(mktemp -d /tmp/corio-dbbench.XXXXXX)
# server_cpu_ticks (utime + stime from /proc) as the other load scripts read it.
# shellcheck source=servers.sh
source "$here/servers.sh"
declare -A pid=() port=()
next_port=18500
stop_servers() {
    local s
    for s in "${!pid[@]}"; do kill "${pid[$s]}" 2>/dev/null || true; wait "${pid[$s]}" 2>/dev/null || true; done
    pid=()
}
trap 'stop_servers; bash "$root/toolchains/pgtest.sh" stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
# The database shares CPU 1 with the load generator: the server's core is the one measured.
taskset -c 1 bash "$root/toolchains/pgtest.sh" start "$work/pg" >"$work/pgtest.log" 2>&1 ||
    { cat "$work/pgtest.log" >&2; exit 1; }
db_url=$(cat "$work/pg/url")
hz=$(getconf CLK_TCK)

start() {
    local p=$next_port
    next_port=$((next_port + 1))
    port[$1]=$p
    case $1 in
    corio) taskset -c 0 "$techempower" --address 127.0.0.1 --port "$p" --threads 1 --db "$db_url" ${CORIO_ARGS:-} \
        >"$work/$1.log" 2>&1 & ;;
    hyper-pg) PORT=$p DB_URL=$db_url taskset -c 0 "${peer_bin[$1]}" >"$work/$1.log" 2>&1 & ;;
    fasthttp-pgx) PORT=$p DB_URL=$db_url GOMAXPROCS=1 taskset -c 0 "${peer_bin[$1]}" >"$work/$1.log" 2>&1 & ;;
    esac
    pid[$1]=$!
    local i
    for i in $(seq 100); do
        curl -sf -o /dev/null "http://127.0.0.1:$p/db" && return 0
        sleep 0.1
    done
    echo "database.sh: $1 does not answer /db (log: $work/$1.log)" >&2
    cat "$work/$1.log" >&2
    exit 1
}

to_us() { awk -v v="$1" 'BEGIN {n = v + 0; if (v ~ /ms$/) n *= 1e3; else if (v ~ /[0-9]s$/) n *= 1e6; printf "%.1f", n}'; }
path_of() {
    case $1 in
    plaintext) echo /plaintext ;; db) echo /db ;; queries) echo "/queries?queries=20" ;;
    fortunes) echo /fortunes ;; updates) echo "/updates?queries=20" ;;
    *) echo "database.sh: unknown scenario $1" >&2; exit 2 ;;
    esac
}

measure() { # SERVER SCENARIO ROUND
    local s=$1 scen=$2 round=$3 url wout before after total rps p50 p99 errors us
    url="http://127.0.0.1:${port[$s]}$(path_of "$scen")"
    taskset -c 1 wrk -t1 -c"$connections" -d"$warmup" "$url" >/dev/null 2>&1 || true
    before=$(server_cpu_ticks "${pid[$s]}")
    wout=$(taskset -c 1 wrk -t1 -c"$connections" -d"$duration" --latency "$url" 2>&1 || true)
    after=$(server_cpu_ticks "${pid[$s]}")
    echo "$wout" >"$out/wrk/$scen-$round-$s.txt"
    total=$(echo "$wout" | awk '/requests in/ {print $1}')
    rps=$(echo "$wout" | awk '/Requests\/sec/ {print $2}')
    p50=$(to_us "$(echo "$wout" | awk '$1 == "50%" {print $2}')")
    p99=$(to_us "$(echo "$wout" | awk '$1 == "99%" {print $2}')")
    errors=$(echo "$wout" | awk '/Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} /Non-2xx/ {n += $NF} END {print n + 0}')
    us=$(awk -v t=$((after - before)) -v hz="$hz" -v n="${total:-0}" 'BEGIN {printf "%.2f", (n > 0 ? t / hz * 1e6 / n : 0)}')
    local cpu_share
    cpu_share=$(awk -v t=$((after - before)) -v hz="$hz" -v d="$duration" 'BEGIN {printf "%.0f", t / hz / d * 100}')
    echo "| $scen | $round | $s | ${rps:-0} | $p50 | $p99 | $us | $cpu_share | $errors |"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scen" "$round" "$s" "${rps:-0}" "$p50" "$p99" "$us" "$cpu_share" \
        "$errors" >>"$out/runs.tsv"
}

printf 'scenario\tround\tserver\trequests_per_s\tp50_us\tp99_us\tcpu_us_per_request\tcpu_percent\terrors\n' >"$out/runs.tsv"
{
    echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), kernel $(uname -r); wrk -t1 -c$connections, ${duration} s runs"
    echo
    echo "| scenario | round | server | requests/s | p50 µs | p99 µs | server CPU µs/request | server CPU % | errors |"
    echo "|---|---|---|---|---|---|---|---|---|"
} | tee "$out/runs.md"
for s in "${kept[@]}"; do start "$s"; done
for scen in $scenarios; do
    for round in $(seq 1 "$rounds"); do
        list=("${kept[@]}")
        if [ $((round % 2)) = 0 ]; then list=(); for ((i = ${#kept[@]} - 1; i >= 0; i--)); do list+=("${kept[$i]}"); done; fi
        for s in "${list[@]}"; do
            # The peers have no /updates.
            [ "$scen" = updates ] && [ "$s" != corio ] && continue
            measure "$s" "$scen" "$round" | tee -a "$out/runs.md"
        done
    done
done

if [ $trace = 1 ] && [ -n "${pid[corio]:-}" ]; then
    echo
    echo "corio's system calls per request (strace -c -f over one ${duration} s run each; strace slows the server):"
    for scen in $scenarios; do
        url="http://127.0.0.1:${port[corio]}$(path_of "$scen")"
        strace -qq -c -f -o "$work/strace-$scen.txt" -p "${pid[corio]}" &
        tracer=$!
        sleep 0.5
        wout=$(taskset -c 1 wrk -t1 -c"$connections" -d"$duration" "$url" 2>&1 || true)
        kill -INT "$tracer" 2>/dev/null || true
        wait "$tracer" 2>/dev/null || true
        total=$(echo "$wout" | awk '/requests in/ {print $1}')
        calls=$(awk '$NF == "total" {print $4}' "$work/strace-$scen.txt")
        top=$(awk 'NR > 2 && $1 ~ /^[0-9.]+$/ && $NF != "total" {printf "%s %s, ", $NF, $4}' "$work/strace-$scen.txt" | head -c 200)
        echo "- $scen: $calls calls / ${total:-0} requests = $(awk -v c="${calls:-0}" -v n="${total:-0}" 'BEGIN {printf "%.3f", n > 0 ? c / n : 0}') per request ($top)"
    done | tee -a "$out/runs.md"
fi

python3 - "$out/runs.tsv" <<'PY' | tee "$out/results.md"
import csv, statistics, sys
runs = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def med(rows, key):
    v = [float(r[key]) for r in rows]
    return statistics.median(v), min(v), max(v)
print("\n| scenario | server | requests/s (median, min-max) | p50 µs | p99 µs | server CPU µs/request | server CPU % | errors |")
print("|---|---|---|---|---|---|---|---|")
keys = list(dict.fromkeys((r["scenario"], r["server"]) for r in runs))
for scen, server in keys:
    rows = [r for r in runs if r["scenario"] == scen and r["server"] == server]
    rps, lo, hi = med(rows, "requests_per_s")
    cpu, clo, chi = med(rows, "cpu_us_per_request")
    print(f"| {scen} | {server} | {rps:.0f} ({lo:.0f}-{hi:.0f}) | {med(rows, 'p50_us')[0]:.0f} | {med(rows, 'p99_us')[0]:.0f} "
          f"| {cpu:.2f} ({clo:.2f}-{chi:.2f}) | {med(rows, 'cpu_percent')[0]:.0f} | {sum(int(r['errors']) for r in rows)} |")
# The targets' ratios, per round of the same server, then their median.
ratios = [("db", "plaintext"), ("queries", "db"), ("fortunes", "db"), ("updates", "db")]
print("\n| server | ratio (CPU per request) | per round | median |")
print("|---|---|---|---|")
for server in dict.fromkeys(r["server"] for r in runs):
    cpu = {(r["scenario"], r["round"]): float(r["cpu_us_per_request"]) for r in runs if r["server"] == server}
    for a, b in ratios:
        per = [cpu[(a, rnd)] / cpu[(b, rnd)] for (s, rnd) in cpu if s == a and (b, rnd) in cpu and cpu[(b, rnd)] > 0]
        if per:
            print(f"| {server} | {a} / {b} | {', '.join(f'{x:.2f}' for x in per)} | {statistics.median(per):.2f} |")
PY
echo "database.sh: runs and summary in $out/"
