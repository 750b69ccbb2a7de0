#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Summarizes bench/load/compare.sh's runs.tsv: markdown tables (medians and min-max per scenario and
server, CPU per request as a multiple of the reference's and of nginx's within each round), a JSON
file with every run and the summary, and a PNG chart (gnuplot) of requests/s and CPU per request.

    bench/load/summarize.py --runs runs.tsv [--json results.json] [--plot results.png]
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys

FIELDS = [("requests_per_s", "requests/s", "{:.0f}"), ("p50_us", "p50 µs", "{:.0f}"), ("p99_us", "p99 µs", "{:.0f}"),
          ("cpu_us_per_request", "server CPU µs/request", "{:.3f}"), ("cpu_use_pct", "server CPU use %", "{:.0f}"),
          ("peak_rss_mib", "peak RSS MiB", "{:.1f}")]


def load(path):
    with open(path, newline="") as f:
        runs = list(csv.DictReader(f, delimiter="\t"))
    for r in runs:
        for k in ("requests_per_s", "p50_us", "p99_us", "cpu_us_per_request"):
            # wrk prints a percentile beyond its histogram's range as 0.00us: no value.
            r[k] = float(r[k]) if r[k] not in ("", "0", "0.0") else None
        r["round"] = int(r["round"])
        r["errors"] = int(r["errors"])
        r["peak_rss_mib"] = int(r.pop("peak_rss_kib")) / 1024
        # How busy the server's core was: below 100% the load did not saturate it, and CPU per
        # request then moves with how many requests each turn happens to batch.
        r["cpu_use_pct"] = (r["requests_per_s"] * r["cpu_us_per_request"] / 1e4
                            if r["requests_per_s"] and r["cpu_us_per_request"] else None)
    return runs


def ordered(items):
    return list(dict.fromkeys(items))


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarize(runs):
    summary = {}
    for scen in ordered(r["scenario"] for r in runs):
        summary[scen] = {}
        for server in ordered(r["server"] for r in runs if r["scenario"] == scen):
            mine = [r for r in runs if r["scenario"] == scen and r["server"] == server]
            entry = {k: spread([r[k] for r in mine]) for k, _, _ in FIELDS}
            entry["errors"] = sum(r["errors"] for r in mine)
            entry["rounds"] = len(mine)
            for base in ("reference", "nginx"):
                ratios = []
                for r in mine:
                    other = [b for b in runs if b["scenario"] == scen and b["server"] == base and b["round"] == r["round"]]
                    if server != base and other and r["cpu_us_per_request"] and other[0]["cpu_us_per_request"]:
                        ratios.append(r["cpu_us_per_request"] / other[0]["cpu_us_per_request"])
                if ratios:
                    entry[f"cpu_vs_{base}"] = spread(ratios)
            summary[scen][server] = entry
    return summary


def cell(s, fmt):
    if s is None:
        return "n/a"
    return f"{fmt.format(s['median'])} ({fmt.format(s['min'])}-{fmt.format(s['max'])})"


def markdown(summary):
    lines = []
    for scen, servers in summary.items():
        lines.append(f"### {scen}: medians (min-max)\n")
        lines.append("| server | " + " | ".join(t for _, t, _ in FIELDS) +
                     " | CPU/request vs reference | CPU/request vs nginx | errors |")
        lines.append("|---" * (len(FIELDS) + 4) + "|")
        for server, e in servers.items():
            ratios = [cell(e[k], "{:.2f}") if k in e else "-" for k in ("cpu_vs_reference", "cpu_vs_nginx")]
            lines.append(f"| {server} | " + " | ".join(cell(e[k], f) for k, _, f in FIELDS) + " | " +
                         " | ".join(ratios) + f" | {e['errors']} |")
        lines.append("")
    return "\n".join(lines)


def plot(summary, path):
    scenarios = list(summary)
    servers = ordered(s for v in summary.values() for s in v)
    data = path + ".dat"
    with open(data, "w") as f:
        for key in ("requests_per_s", "cpu_us_per_request"):
            f.write("scenario " + " ".join(servers) + "\n")
            for scen in scenarios:
                f.write(scen + " " + " ".join(str(summary[scen][s][key]["median"]) if s in summary[scen] and summary[scen][s][key] else "NaN"
                                              for s in servers) + "\n")
            f.write("\n\n")
    cols = ", ".join(f"'{data}' index {{i}} using {n + 2}:xtic(1) title columnheader({n + 2})"
                     for n in range(len(servers)))
    script = f"""set terminal pngcairo size 1100,900 noenhanced
set output '{path}'
set datafile missing 'NaN'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key top right
set multiplot layout 2,1 title 'Server on CPU 0, wrk -t1 on CPU 1: medians of the rounds'
set title 'requests/s'
set yrange [0:*]
plot {cols.format(i=0)}
set title 'server CPU µs per request (lower is better)'
plot {cols.format(i=1)}
unset multiplot
"""
    with open(path + ".gp", "w") as f:
        f.write(script)
    if shutil.which("gnuplot") is None:
        print(f"summarize.py: gnuplot not installed; the script is {path}.gp", file=sys.stderr)
        return
    subprocess.run(["gnuplot", path + ".gp"], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", required=True)
    ap.add_argument("--json")
    ap.add_argument("--plot")
    args = ap.parse_args()
    runs = load(args.runs)
    summary = summarize(runs)
    print(markdown(summary))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": runs, "summary": summary}, f, indent=1)
    if args.plot:
        plot(summary, os.path.abspath(args.plot))


if __name__ == "__main__":
    main()
