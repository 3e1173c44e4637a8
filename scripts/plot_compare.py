#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Charts of a `serrano compare` report (schema serrano.compare/1, docs/reports.md).

Usage: plot_compare.py REPORT.json OUT_DIR

Writes OUT_DIR/latency.png and OUT_DIR/energy.png (one stacked bar per system, one segment per
operator of one layer) and OUT_DIR/roofline.png (each matmul operator placed by its arithmetic
intensity and achieved throughput, for the chip and for each GPU, under that system's roofline).
Called by `serrano compare --plots DIR`; needs Debian's python3-matplotlib.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display
import matplotlib.pyplot as plt  # noqa: E402


def stacked(report, key, scale, unit, title, path):
    rows = report["rows"]
    systems = [report["chip"]["arch"]] + [g["name"] for g in report["gpus"]]
    values = []  # values[row][system]
    for row in rows:
        v = [row["chip"][key] * scale] + [g[key] * scale for g in row["gpus"]]
        values.append(v)
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    bottom = [0.0] * len(systems)
    cmap = plt.get_cmap("tab20")
    for i, row in enumerate(rows):
        ax.bar(systems, values[i], bottom=bottom, label=row["name"], color=cmap(i % 20))
        bottom = [b + v for b, v in zip(bottom, values[i])]
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def roofline(report, path):
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    systems = [("chip", report["chip"]["arch"], report["chip"]["peak_tops"],
                report["chip"]["dram_gbs"])]
    for i, g in enumerate(report["gpus"]):
        systems.append((i, g["name"], g["peak_tops"], g["bandwidth_gbs"]))
    colors = plt.get_cmap("tab10")
    xs = [10 ** (k / 10.0) for k in range(-10, 51)]  # ops per byte, 0.1 .. 1e5
    for n, (which, name, peak_tops, gbs) in enumerate(systems):
        roof = [min(peak_tops * 1e12, x * gbs * 1e9) for x in xs]
        ax.plot(xs, roof, color=colors(n), linewidth=1.5, label=f"{name} roof")
        px, py = [], []
        for row in report["rows"]:
            cell = row["chip"] if which == "chip" else row["gpus"][which]
            ops = cell["ops"]
            nbytes = cell["dram_bytes"] if which == "chip" else cell["bytes"]
            if ops > 0 and nbytes > 0 and cell["seconds"] > 0:
                px.append(ops / nbytes)
                py.append(ops / cell["seconds"])
        ax.scatter(px, py, color=colors(n), s=18, label=f"{name} operators")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (ops per DRAM byte)")
    ax.set_ylabel("achieved ops/s")
    ax.set_title(f"Roofline: {report['model']} {report['phase']}, matmul operators")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", linewidth=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: plot_compare.py REPORT.json OUT_DIR\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        report = json.load(f)
    if report.get("schema") != "serrano.compare/1":
        sys.stderr.write(f"{argv[1]}: not a serrano.compare/1 report\n")
        return 2
    out = argv[2]
    os.makedirs(out, exist_ok=True)
    what = f"{report['model']} {report['phase']}, one layer"
    stacked(report, "seconds", 1e6, "latency (us)", f"Latency per operator: {what}",
            os.path.join(out, "latency.png"))
    stacked(report, "energy_j", 1e6, "energy (uJ)", f"Energy per operator: {what}",
            os.path.join(out, "energy.png"))
    roofline(report, os.path.join(out, "roofline.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
