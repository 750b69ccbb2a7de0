#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fleet.sh: a corio-load test from several load machines over OpenSSH (issue 24). Starts one
# corio-load worker per host with one --start-at (now + --lead seconds) and --connect-early, each
# labelled with its host name; waits for all; fetches each worker's JSON result and HdrHistogram log;
# merges them with `corio-load merge`. No daemon runs anywhere; the hosts' clocks must agree (see
# bench/README.md, "More than one load instance").
#
#   fleet.sh [options] HOST... -- CORIO_LOAD_ARGS... URL
#     --lead S              seconds from now to the common start (default 15: time to connect)
#     --out DIR             where the files go (default fleet-<UTC time>)
#     --corio-load PATH     corio-load on the hosts (default: corio-load on their PATH)
#     --merge-with PATH     corio-load here, for the merge (default: beside this script's build, or PATH)
#     --ssh CMD, --scp CMD  the commands to reach the hosts (default ssh, scp; e.g. "ssh -i key")
# Exit status: 0 when every worker ran and the merge succeeded, 1 otherwise (the files that came
# back are kept in DIR).
set -euo pipefail

lead=15
out=fleet-$(date -u +%Y%m%dT%H%M%SZ)
remote_load=corio-load
merge_load=
ssh_cmd=ssh
scp_cmd=scp
hosts=()
usage() { sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --lead) lead=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --corio-load) remote_load=$2; shift 2 ;;
    --merge-with) merge_load=$2; shift 2 ;;
    --ssh) ssh_cmd=$2; shift 2 ;;
    --scp) scp_cmd=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    -*) echo "fleet.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) hosts+=("$1"); shift ;;
    esac
done
args=("$@")
[ ${#hosts[@]} -gt 0 ] || { echo "fleet.sh: no host given" >&2; exit 2; }
[ ${#args[@]} -gt 0 ] || { echo "fleet.sh: no corio-load arguments after --" >&2; exit 2; }
[[ $lead =~ ^[0-9]+$ ]] || { echo "fleet.sh: --lead takes whole seconds" >&2; exit 2; }
if [ -z "$merge_load" ]; then
    here=$(cd "$(dirname "$0")" && pwd)
    merge_load=$(command -v corio-load || true)
    for candidate in "$here/../../build/release/bench/loadgen/corio-load" "$here/corio-load"; do
        [ -x "$candidate" ] && merge_load=$candidate && break
    done
    [ -n "$merge_load" ] || { echo "fleet.sh: no corio-load here for the merge: give --merge-with" >&2; exit 2; }
fi
mkdir -p "$out"

start=$(($(date +%s) + lead))
run=corio-load-fleet-$start
quoted=$(printf '%q ' "${args[@]}")
echo "fleet.sh: ${#hosts[@]} workers start at $(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ) ($start); files in $out"
pids=()
for host in "${hosts[@]}"; do
    dir=/tmp/$run-$host
    # shellcheck disable=SC2086 # ssh_cmd may carry its own options
    $ssh_cmd "$host" "mkdir -p $dir && $remote_load --start-at $start --connect-early --no-progress \
        --label $(printf '%q' "$host") --json $dir/w.json --hlog $dir/w.hlog $quoted" >"$out/$host.out" 2>&1 &
    pids+=($!)
done
status=0
for i in "${!hosts[@]}"; do
    if ! wait "${pids[$i]}"; then
        echo "fleet.sh: the worker on ${hosts[$i]} failed:" >&2
        sed 's/^/  /' "$out/${hosts[$i]}.out" >&2
        status=1
    fi
done
inputs=()
for host in "${hosts[@]}"; do
    dir=/tmp/$run-$host
    for kind in json hlog; do
        # shellcheck disable=SC2086
        if $scp_cmd "$host:$dir/w.$kind" "$out/$host.$kind" >/dev/null 2>"$out/$host.fetch"; then
            inputs+=("$out/$host.$kind")
        else
            echo "fleet.sh: no $kind result from $host ($scp_cmd: $(tr '\n' ' ' <"$out/$host.fetch"))" >&2
            status=1
        fi
        rm -f "$out/$host.fetch"
    done
    # shellcheck disable=SC2086
    $ssh_cmd "$host" "rm -rf $dir" >/dev/null 2>&1 || true
done
[ ${#inputs[@]} -gt 0 ] || exit 1
"$merge_load" merge --json "$out/merged.json" --hlog "$out/merged.hlog" "${inputs[@]}" || status=1
exit $status
