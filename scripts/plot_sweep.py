#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Scatter of a `serrano sweep` results file (one JSON line a point, docs/sweep.md).

Usage: plot_sweep.py RESULTS.jsonl OUT.png

One panel per workload: latency against energy of every point that ran, one colour per array
size, the Pareto front over (latency, energy, area) drawn as larger outlined markers. Called by
`serrano sweep SPEC --plot OUT.png`; needs Debian's python3-matplotlib.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def dominates(a, b):
    ka = (a["latency_s"], a["energy_j"], a["area_mm2"])
    kb = (b["latency_s"], b["energy_j"], b["area_mm2"])
    return all(x <= y for x, y in zip(ka, kb)) and any(x < y for x, y in zip(ka, kb))


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: plot_sweep.py RESULTS.jsonl OUT.png\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    ok = [p for p in lines if p.get("status") == "ok"]
    if not ok:
        sys.stderr.write(f"{argv[1]}: no point ran\n")
        return 2

    def key(p):
        w = p["workload"]
        return f"{w['model']} {w['phase']} seq {w['seq']} kv {w['kv']} batch {w['batch']}"

    workloads = sorted({key(p) for p in ok})
    arrays = sorted({p["chip"]["array"] for p in ok})
    colors = plt.get_cmap("viridis")
    fig, axes = plt.subplots(1, len(workloads), figsize=(6 * len(workloads), 5), dpi=100,
                             squeeze=False)
    for ax, wl in zip(axes[0], workloads):
        pts = [p for p in ok if key(p) == wl]
        front = [p for p in pts if not any(dominates(q, p) for q in pts if q is not p)]
        for i, a in enumerate(arrays):
            sel = [p for p in pts if p["chip"]["array"] == a]
            ax.scatter([p["latency_s"] * 1e6 for p in sel], [p["energy_j"] * 1e6 for p in sel],
                       s=16, color=colors(i / max(1, len(arrays) - 1)), label=f"{a}x{a}")
        ax.scatter([p["latency_s"] * 1e6 for p in front], [p["energy_j"] * 1e6 for p in front],
                   s=80, facecolors="none", edgecolors="red", linewidths=1.5,
                   label="Pareto front")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("latency (us)")
        ax.set_ylabel("energy (uJ)")
        ax.set_title(wl, fontsize=9)
        ax.grid(True, which="both", linewidth=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(argv[2])
    plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
