#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs corio-load-job.yaml: N workers against TARGET on a Kubernetes cluster, started together, then
# collects every worker's result from its pod's log and merges them with `corio-load merge`.
#   IMAGE=registry/corio-load:arm64 [CPUS=4] [LEAD=90] [OUT=dir] bench/k8s/run.sh N TARGET [CORIO_LOAD_ARGS...]
#   e.g. IMAGE=... bench/k8s/run.sh 8 http://10.0.1.10:8080/plaintext -t 4 -c 20k -d 60s --warmup 10s
# LEAD (seconds from now to the start) must cover scheduling and pulling the image on every node.
# With DRY_RUN=1 it only prints the manifest it would apply.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
export WORKERS=$1 TARGET=$2
shift 2
export CORIO_LOAD_ARGS="$*"
export IMAGE=${IMAGE:?set IMAGE to a corio-load image (arm64 for Graviton)}
export CPUS=${CPUS:-4}
export RUN=${RUN:-$(date -u +%Y%m%d%H%M%S)}
export START_AT=$(($(date +%s) + ${LEAD:-90}))
out=${OUT:-k8s-$RUN}
[[ $WORKERS =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: N must be a positive number" >&2; exit 2; }

# Only these fields: the pod's own $JOB_COMPLETION_INDEX and $NODE_NAME stay for its shell.
# shellcheck disable=SC2016 # the list is envsubst's, not the shell's
manifest=$(envsubst '${RUN} ${WORKERS} ${IMAGE} ${CPUS} ${START_AT} ${CORIO_LOAD_ARGS} ${TARGET}' \
    <"$here/corio-load-job.yaml")
if [ "${DRY_RUN:-0}" = 1 ]; then
    printf '%s\n' "$manifest"
    exit 0
fi
printf '%s\n' "$manifest" | kubectl apply -f -
echo "run.sh: job corio-load-$RUN, $WORKERS workers, start at $(date -u -d "@$START_AT" +%H:%M:%SZ)"
status=0
while :; do
    read -r succeeded failed < <(kubectl get "job/corio-load-$RUN" \
        -o jsonpath='{.status.succeeded} {.status.failed}{"\n"}' | awk '{print $1+0, $2+0}')
    [ "$succeeded" -ge "$WORKERS" ] && break
    if [ "$failed" -gt 0 ]; then
        echo "run.sh: $failed worker(s) failed; merging the others" >&2
        status=1
        # The others go on: wait until no pod of the run is still running.
        while kubectl get pods -l "run=$RUN" --field-selector=status.phase=Running -o name | grep -q .; do sleep 5; done
        break
    fi
    sleep 5
done
mkdir -p "$out"
inputs=()
for pod in $(kubectl get pods -l "run=$RUN" -o name); do
    name=${pod#pod/}
    kubectl logs "$pod" >"$out/$name.log"
    sed -n '/^==corio-load json==$/,/^==corio-load hlog==$/{//!p}' "$out/$name.log" >"$out/$name.json"
    sed -n '/^==corio-load hlog==$/,/^==corio-load end==$/{//!p}' "$out/$name.log" >"$out/$name.hlog"
    if [ -s "$out/$name.json" ]; then inputs+=("$out/$name.json" "$out/$name.hlog"); else echo "run.sh: no result from $name" >&2; fi
done
[ ${#inputs[@]} -gt 0 ] || exit 1
corio-load merge --json "$out/merged.json" --hlog "$out/merged.hlog" "${inputs[@]}" || status=1
exit $status
