#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that a serrano_gpu_gemm JSON file is well-formed and complete.

usage: check_results.py FILE.json [--require-all-ok] [--min-busy F]

Every result must name its shape, precision and status; an "ok" result must carry times, TOPS,
a passing reference check and (when NVML was there) power; a failed one must say why. With
--min-busy F, the GPU must have been busy (timed samples over wall time) at least that fraction of
each timed loop. Exit status 1 on any problem.
"""
import json
import math
import sys


def fail(msg):
    print("check_results: " + msg)
    return 1


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    path = argv[1]
    require_all_ok = "--require-all-ok" in argv[2:]
    min_busy = float(argv[argv.index("--min-busy") + 1]) if "--min-busy" in argv else None
    with open(path) as f:
        doc = json.load(f)
    bad = 0
    for key in ("schema", "date_utc", "device", "software", "settings", "idle_power", "results"):
        if key not in doc:
            bad += fail("missing top-level key " + key)
    if bad:
        return 1
    if doc["schema"] != "serrano-gpu-gemm/1":
        bad += fail("unknown schema " + str(doc["schema"]))
    for key in ("name", "sm_count", "compute_capability"):
        if not doc["device"].get(key):
            bad += fail("device." + key + " missing")
    for key in ("driver", "cuda_runtime", "cublaslt_version"):
        if not doc["software"].get(key):
            bad += fail("software." + key + " missing")
    if not doc.get("complete"):
        bad += fail("incomplete run: %d of %s results" % (len(doc["results"]), doc.get("runs_planned")))
    nvml = doc["software"].get("nvml", "").startswith("dlopen")
    unaligned = 0
    counts = {}
    for i, r in enumerate(doc["results"]):
        where = "results[%d] %s/%s/%s %s" % (i, r.get("model"), r.get("phase"), r.get("layer"),
                                            r.get("precision"))
        for key in ("M", "K", "N", "batch", "precision", "status", "ops", "bytes_min"):
            if key not in r:
                bad += fail(where + ": missing " + key)
        status = r.get("status")
        counts[status] = counts.get(status, 0) + 1
        if status == "ok":
            t = r.get("time_us", {})
            if not all(isinstance(t.get(k), (int, float)) and t[k] > 0 for k in ("median", "min")):
                bad += fail(where + ": bad time_us")
            if not (isinstance(r.get("tops_median"), (int, float)) and r["tops_median"] > 0):
                bad += fail(where + ": bad tops_median")
            if not r.get("verify", {}).get("pass"):
                bad += fail(where + ": reference check did not pass")
            busy = r.get("timing", {}).get("busy_fraction", 0)
            if min_busy is not None and busy < min_busy:
                bad += fail(where + ": GPU busy only %.3f of the loop" % busy)
            if r.get("chosen_algo") is None or not r.get("algos"):
                bad += fail(where + ": no algorithm recorded")
            if nvml and doc["settings"].get("power_ms", 0) > 0:
                p = r.get("power")
                if not p or not isinstance(p.get("avg_w"), (int, float)) or not math.isfinite(
                        p["avg_w"]) or p["avg_w"] <= 0:
                    bad += fail(where + ": no power figure")
                elif not p.get("aligned"):
                    unaligned += 1
        elif status in ("unsupported", "error"):
            if not r.get("reason"):
                bad += fail(where + ": " + status + " without a reason")
            if require_all_ok:
                bad += fail(where + ": " + status + ": " + r.get("reason", ""))
        else:
            bad += fail(where + ": unknown status " + str(status))
    print("%s: %s, driver %s, %s; %d results %s; %d power windows not on counter updates; %s" %
          (path, doc["device"].get("name"), doc["software"].get("driver"), doc["date_utc"],
           len(doc["results"]), counts, unaligned, "OK" if bad == 0 else "%d problems" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
