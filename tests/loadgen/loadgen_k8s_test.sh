#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/k8s: the Indexed Job that run.sh renders (DRY_RUN=1, envsubst) is parsed and checked for the
# fields bench/README.md promises: Indexed, completions = parallelism = N, no retries, one pod per
# node, arm64 nodes, whole cores (requests = limits), io_uring allowed, one --start-at with
# --connect-early, results in the log. No cluster here: kubectl's validation needs one (its client
# dry run asks the server for its kinds and schema; bench/README.md says what was tried), so it is
# not run. Skips (77) without python3's yaml module or envsubst.
set -euo pipefail
k8s=$(cd "$(dirname "$0")/../../bench/k8s" && pwd)
if ! command -v envsubst >/dev/null || ! python3 -c 'import yaml' 2>/dev/null; then
    echo "skipped: needs envsubst (gettext-base) and python3-yaml"
    exit 77
fi
manifest=$(IMAGE=example/corio-load:arm64 CPUS=4 LEAD=60 RUN=t1 DRY_RUN=1 "$k8s/run.sh" 5 http://10.0.1.10:8080/plaintext \
    -t 4 -c 20k -d 60s)
printf '%s\n' "$manifest" | python3 -c '
import sys, time, yaml
job = yaml.safe_load(sys.stdin)
spec = job["spec"]
assert job["kind"] == "Job" and job["apiVersion"] == "batch/v1"
assert spec["completionMode"] == "Indexed"
assert spec["completions"] == spec["parallelism"] == 5, spec
assert spec["backoffLimit"] == 0
pod = spec["template"]["spec"]
assert pod["restartPolicy"] == "Never"
assert pod["nodeSelector"]["kubernetes.io/arch"] == "arm64"
spread = pod["topologySpreadConstraints"][0]
assert spread["topologyKey"] == "kubernetes.io/hostname" and spread["maxSkew"] == 1
assert spread["whenUnsatisfiable"] == "DoNotSchedule"
assert spread["labelSelector"]["matchLabels"] == spec["template"]["metadata"]["labels"]
assert {"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"} in pod["securityContext"]["sysctls"]
c = pod["containers"][0]
assert c["image"] == "example/corio-load:arm64"
r = c["resources"]
assert r["requests"]["cpu"] == r["limits"]["cpu"] == "4" and r["requests"]["memory"] == r["limits"]["memory"]
assert c["securityContext"]["seccompProfile"]["type"] == "Unconfined"
script = c["args"][0]
start = int(script.split("--start-at ")[1].split()[0])
assert abs(start - (time.time() + 60)) < 5, start
for needle in ("--connect-early", "$JOB_COMPLETION_INDEX", "$NODE_NAME", "-t 4 -c 20k -d 60s http://10.0.1.10:8080/plaintext",
               "==corio-load json==", "==corio-load hlog=="):
    assert needle in script, needle
print("bench/k8s: the rendered Indexed Job has every promised field")
'
echo "loadgen_k8s_test: ok"
