#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Issue 23: the deployment files in examples/deploy/ say what README "Operating corio services"
# promises, checked with what Debian ships (no Docker, no cluster here):
#   kubernetes.yaml: a Deployment, a Service and a PodDisruptionBudget whose selectors match the
#     pods; probes on the server's own --health-path/--ready-path and port; a drain delay longer
#     than the readiness probe takes to notice, and a grace period longer than delay + drain
#     timeout; --threads equal to the CPU request, requests equal to limits; non-root, no
#     privilege escalation. The container's arguments start hello (with --port 0) and its probes
#     answer 200 there.
#   corio-hello.service/.socket: `systemd-analyze verify` says nothing (skipped, saying so, where
#     systemd-analyze is missing); Type=notify, DynamicUser, LimitNOFILE, a SystemCallFilter that
#     keeps io_uring, a watchdog, a stop timeout longer than the drain.
#   Dockerfile: two stages on Debian 12, a numeric non-root user, SIGTERM as the stop signal.
# Usage: deploy_files_test.py EXAMPLES/DEPLOY PATH/TO/hello
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

deploy, hello = sys.argv[1], sys.argv[2]
try:
    import yaml
except ImportError:
    print("skip: python3 has no yaml module (Debian: python3-yaml, installed by toolchains/deps.sh)")
    sys.exit(77)

failures = []
DRAIN_TIMEOUT_MS = 10_000  # server_config::drain_timeout_ms's default, which the files rely on


def check(condition, message):
    if not condition:
        print(f"deploy_files_test: {message}")
        failures.append(message)


def flags(args):
    """--name=value and --name value into a dict."""
    out, i = {}, 0
    while i < len(args):
        name, _, value = args[i].partition("=")
        if not value and i + 1 < len(args) and not args[i + 1].startswith("--"):
            value, i = args[i + 1], i + 1
        out[name] = value
        i += 1
    return out


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


# --- Kubernetes
with open(os.path.join(deploy, "kubernetes.yaml")) as f:
    docs = [d for d in yaml.safe_load_all(f) if d]
by_kind = {d["kind"]: d for d in docs}
check(sorted(by_kind) == ["Deployment", "PodDisruptionBudget", "Service"], f"kinds: {sorted(by_kind)}")
deployment, service, pdb = by_kind["Deployment"], by_kind["Service"], by_kind["PodDisruptionBudget"]
pod = deployment["spec"]["template"]
labels = pod["metadata"]["labels"]
check(matches(deployment["spec"]["selector"]["matchLabels"], labels), "the Deployment's selector misses its pods")
check(matches(service["spec"]["selector"], labels), "the Service's selector misses the pods")
check(matches(pdb["spec"]["selector"]["matchLabels"], labels), "the PodDisruptionBudget's selector misses the pods")
check("maxUnavailable" in pdb["spec"] or "minAvailable" in pdb["spec"], "the PodDisruptionBudget sets no budget")
check(deployment["spec"]["replicas"] > 1, "one replica cannot be restarted without downtime")
(container,) = pod["spec"]["containers"]
args = flags(container["args"])
ports = {p["name"]: p["containerPort"] for p in container["ports"]}
check(int(args["--port"]) == ports["http"], f"--port {args['--port']} is not the container port {ports['http']}")
check(service["spec"]["ports"][0]["targetPort"] in ports, "the Service targets no port of the container")
for probe, flag in (("livenessProbe", "--health-path"), ("readinessProbe", "--ready-path")):
    get = container[probe]["httpGet"]
    check(get["path"] == args.get(flag), f"{probe} asks {get['path']}, the server answers {flag} {args.get(flag)}")
    check(ports.get(get["port"], get["port"]) == ports["http"], f"{probe} probes another port")
readiness = container["readinessProbe"]
noticed_ms = readiness["periodSeconds"] * readiness["failureThreshold"] * 1000
delay_ms = int(args.get("--drain-delay-ms", "0"))
check(delay_ms >= noticed_ms + 2000,
      f"--drain-delay-ms {delay_ms} leaves under 2 s after the readiness probe notices ({noticed_ms} ms) "
      "for the endpoint removal to spread")
grace_ms = pod["spec"]["terminationGracePeriodSeconds"] * 1000
check(grace_ms > delay_ms + DRAIN_TIMEOUT_MS,
      f"terminationGracePeriodSeconds ({grace_ms} ms) does not cover the drain delay + drain timeout "
      f"({delay_ms} + {DRAIN_TIMEOUT_MS} ms)")
resources = container["resources"]
check(resources["requests"] == resources["limits"], "requests differ from limits (not Guaranteed)")
check(str(resources["requests"]["cpu"]) == args.get("--threads"),
      f"--threads {args.get('--threads')} is not the CPU request {resources['requests']['cpu']}")
check("memory" in resources["limits"], "no memory limit")
security = pod["spec"]["securityContext"]
check(security.get("runAsNonRoot") is True and security.get("runAsUser", 0) != 0, "the pod may run as root")
check("seccompProfile" in security, "no seccomp profile")
check(container["securityContext"].get("allowPrivilegeEscalation") is False, "privilege escalation allowed")
check(container["securityContext"].get("capabilities", {}).get("drop") == ["ALL"], "capabilities not dropped")

# The container's arguments as hello takes them, on a free loopback port: it starts and its probes answer.
run_args = [a for a in container["args"] if not a.startswith("--port")]
proc = subprocess.Popen([hello, *run_args, "--port=0", "--address=127.0.0.1", "--threads=1"],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
try:
    line = proc.stdout.readline()
    if "io_uring_setup is not available" in line:
        line = proc.stdout.readline()
    port = re.search(r" port (\d+),", line)
    check(port is not None, f"hello {' '.join(run_args)} did not start: {line}")
    if port:
        for path in (args["--health-path"], args["--ready-path"]):
            with urllib.request.urlopen(f"http://127.0.0.1:{port.group(1)}{path}", timeout=2) as r:
                check(r.status == 200, f"{path} answered {r.status}")
finally:
    proc.send_signal(signal.SIGTERM)  # with the manifest's drain delay: readiness 503, then the drain
    try:
        proc.wait(timeout=delay_ms / 1000 + 15)
    except subprocess.TimeoutExpired:
        proc.kill()
        check(False, "hello did not stop after SIGTERM")

# --- systemd
def unit_settings(path):
    settings = {}
    for raw in open(path):
        line = raw.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


service_path = os.path.join(deploy, "corio-hello.service")
unit = unit_settings(service_path)
check(unit.get("Type") == ["notify"], f"Type={unit.get('Type')}, not notify")
check(unit.get("DynamicUser") == ["yes"], "no DynamicUser=yes")
check(int(unit.get("LimitNOFILE", ["0"])[0]) >= 65536, "LimitNOFILE missing or low")
allowed = " ".join(f for f in unit.get("SystemCallFilter", []) if not f.startswith("~")).split()
denied = " ".join(f[1:] for f in unit.get("SystemCallFilter", []) if f.startswith("~")).split()
for call in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
    check(call in allowed and call not in denied, f"the SystemCallFilter does not keep {call}")
check("WatchdogSec" in unit, "no WatchdogSec (corio sends WATCHDOG=1)")
exec_flags = flags(unit["ExecStart"][0].split()[1:])
stop_s = int(unit.get("TimeoutStopSec", ["90s"])[0].rstrip("s"))
check(stop_s * 1000 > int(exec_flags.get("--drain-delay-ms", "0")) + DRAIN_TIMEOUT_MS,
      "TimeoutStopSec does not cover drain delay + drain timeout")
analyze = shutil.which("systemd-analyze")
if analyze is None:
    print("deploy_files_test: systemd-analyze is not installed: the units were not verified (Debian: systemd)")
else:
    with tempfile.TemporaryDirectory() as units:
        # verify wants ExecStart's binary to exist: the built hello stands in for /usr/local/bin/corio-hello.
        for name in ("corio-hello.service", "corio-hello.socket"):
            with open(os.path.join(deploy, name)) as src, open(os.path.join(units, name), "w") as dst:
                dst.write(src.read().replace("/usr/local/bin/corio-hello", os.path.abspath(hello)))
        result = subprocess.run([analyze, "verify", "corio-hello.service", "corio-hello.socket"], cwd=units,
                                capture_output=True, text=True)
        said = (result.stdout + result.stderr).strip()
        # verify exits 0 on unknown keys and bad values (it only warns): any word from it is a finding.
        check(result.returncode == 0 and not said, f"systemd-analyze verify: exit {result.returncode}: {said}")

# --- Dockerfile
docker = open(os.path.join(deploy, "Dockerfile")).read()
stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", docker, re.M | re.I)
check(len(stages) >= 2, f"not multi-stage: {stages}")
check(all(image.startswith("debian:12") for image, _ in stages), f"not all on Debian 12: {stages}")
user = re.findall(r"^USER\s+(\S+)", docker, re.M)
check(bool(user) and user[-1].split(":")[0].isdigit() and user[-1].split(":")[0] != "0",
      f"the image's user is {user} (a numeric non-root user lets runAsNonRoot check it)")
check(re.search(r"^STOPSIGNAL\s+SIGTERM", docker, re.M) is not None, "no STOPSIGNAL SIGTERM")
check("--health-path" in docker and "--ready-path" in docker, "the image's command serves no probes")

if failures:
    sys.exit(1)
print(f"deploy_files_test: ok (drain delay {delay_ms} ms, grace {grace_ms} ms, readiness noticed in {noticed_ms} ms)")
