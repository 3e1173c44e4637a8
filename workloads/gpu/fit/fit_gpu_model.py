#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fits the GPU GEMM model's efficiency curves (docs/gpu-baselines.md) to measured data.

Python 3 standard library only; deterministic (a pattern search from a fixed start). Re-run with

    python3 workloads/gpu/fit/fit_gpu_model.py

from the repository root; it prints the fitted parameters as YAML fragments to paste into
configs/gpus/h100-sxm.yaml and configs/gpus/a100-sxm.yaml, and the fit error. The C++ model
(workloads/gpu/gpu_model.cpp) implements the same equations; `serrano_gpu_check` reports the
error of the C++ model against every calibration point (the figures the docs quote).

Model, per precision (GEMM of `count` independent [m x k] . [k x n] products):
    t = launch + max(t_compute, t_memory)
    t_memory  = bytes / (bandwidth_fraction * datasheet bandwidth)
    t_compute = 2 count m k n / (peak * eff)
    eff = efficiency_max * wave(m, n) * m/(m + half_mn) * n/(n + half_mn) * k/(k + half_k)
    wave = tiles / (ceil(tiles / SMs) * SMs) for tiles = count ceil(m/128) ceil(n/128) >= SMs,
           else 1
Fitted parameters: efficiency_max, half_mn, half_k, bandwidth_fraction, launch_us; the objective
is the sum of squared log(model / measured) over the fit points.

Fit sets: H100 SXM: all 82 points per precision of workloads/baselines/measured/
h100-sxm-2026-11-23.json (the repeat run is only checked, by serrano_gpu_check). A100: all 20
points of the LLMCompass table (a copy beside this script). A hold-out experiment is printed too:
the H100 curves fitted to the square and skinny sweeps alone (26 points) and checked on the 56
transformer-layer rows, which the sweeps do not contain (attention GEMMs with K = 64 or 128).
"""
import csv
import json
import math
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
H100_JSON = os.path.join(ROOT, "workloads/baselines/measured/h100-sxm-2026-11-23.json")
A100_CSV = os.path.join(ROOT, "workloads/gpu/fit/a100_fp16_gemm_llmcompass_measured.csv")
TILE = 128

# Datasheet figures (configs/gpus/*.yaml, figures.md section 4): peak ops/s, bytes/s, SMs, and
# bytes per element of A, W and C.
DEVICES = {
    "h100-sxm int8": (1979e12, 3350e9, 132, (1, 1, 4)),
    "h100-sxm fp16": (989.4e12, 3350e9, 132, (2, 2, 2)),
    "a100-sxm fp16": (312e12, 2039e9, 108, (2, 2, 2)),
}
NAMES = ["efficiency_max", "half_mn", "half_k", "bandwidth_fraction", "launch_us"]
LO = [0.05, 0.5, 0.5, 0.05, 0.01]
HI = [1.0, 8192.0, 8192.0, 1.0, 100.0]


def load():
    data = {k: [] for k in DEVICES}
    with open(H100_JSON) as f:
        for r in json.load(f)["results"]:
            data["h100-sxm " + r["precision"]].append(
                (r["batch"], r["M"], r["K"], r["N"], r["time_us"]["median"],
                 r["model"].startswith("sweep-")))
    with open(A100_CSV) as f:
        rows = [row for row in csv.reader(l for l in f if not l.startswith("#"))]
    for row in rows[1:]:
        data["a100-sxm fp16"].append(
            (1, int(row[0]), int(row[1]), int(row[2]), float(row[3]) * 1000.0, True))
    return data


def model_us(p, dev, count, m, k, n):
    peak, bw, sms, eb = dev
    e_max, half_mn, half_k, bw_frac, launch = p
    ops = 2.0 * count * m * k * n
    nbytes = count * (m * k * eb[0] + k * n * eb[1] + m * n * eb[2])
    tiles = count * math.ceil(m / TILE) * math.ceil(n / TILE)
    wave = tiles / (math.ceil(tiles / sms) * sms) if tiles >= sms else 1.0
    eff = e_max * wave * m / (m + half_mn) * n / (n + half_mn) * k / (k + half_k)
    return launch + max(ops / (peak * eff), nbytes / (bw * bw_frac)) * 1e6


def objective(p, dev, pts):
    return sum(math.log(model_us(p, dev, *x[:4]) / x[4]) ** 2 for x in pts)


def fit(dev, pts):
    p = [0.7, 64.0, 64.0, 0.8, 2.5]
    step = [0.5] * len(p)
    best = objective(p, dev, pts)
    while max(step) > 1e-5:
        improved = False
        for i in range(len(p)):
            for s in (1.0 + step[i], 1.0 / (1.0 + step[i])):
                q = list(p)
                q[i] = min(HI[i], max(LO[i], q[i] * s))
                v = objective(q, dev, pts)
                if v < best - 1e-15:
                    best, p, improved = v, q, True
        if not improved:
            step = [x / 2 for x in step]
    return p


def median(xs):
    xs = sorted(xs)
    return (xs[len(xs) // 2] + xs[(len(xs) - 1) // 2]) / 2


def report(key, p, dev, pts, label):
    errs = [abs(model_us(p, dev, *x[:4]) / x[4] - 1) for x in pts]
    return (f"{label} {len(pts)} points: median |error| {100 * median(errs):.1f}%, "
            f"worst {100 * max(errs):.1f}%")


def main():
    data = load()
    for key, pts in data.items():
        dev = DEVICES[key]
        p = fit(dev, pts)
        print(f"# {key}: fitted to {report(key, p, dev, pts, 'all')}")
        for name, v in zip(NAMES, p):
            print(f"    {name}: {v:.4g}")
        held = [x for x in pts if not x[5]]
        if held:
            q = fit(dev, [x for x in pts if x[5]])
            print(f"# hold-out experiment, {key}: fitted to the {len(pts) - len(held)} sweep points "
                  f"({', '.join(f'{n} {v:.4g}' for n, v in zip(NAMES, q))}); "
                  + report(key, q, dev, held, "held-out"))


if __name__ == "__main__":
    main()
