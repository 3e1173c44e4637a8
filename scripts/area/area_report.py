#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Collect the Yosys results of scripts/area.sh into DIR/area.json and print a table.

Reads, for each top run (DIR/runs.txt): meta.json, yosys.log (time stamps), generic_stat.json,
memories.il and, when a liberty file was used, liberty_stat.json / liberty_stat.txt.

Conventions (docs/area.md):
  flip-flops        generic: every $_DFF*/$_SDFF*/$_DFFSR*/$_ALDFF* cell; liberty: every cell with
                    an ff group. Latches are counted apart (none expected).
  NAND2-eq (lib)    liberty area / area of the library's NAND2X1 cell (the usual gate-equivalent).
  NAND2-eq (gen)    transistors / 4 over the generic cells, with the transistor counts of Yosys's
                    `stat -tech cmos` table (NAND2 = 4, NOT = 2, XOR = 12, MUX = 12, DFF = 16 ...)
                    and, for flip-flop flavours that table lacks, DFF + 4 for an async reset/set,
                    + 12 (a MUX) for an enable, + 6 (an AND) for a sync reset.
  macros            memories at least macro_depth rows deep, left as $mem_v2 cells: counted in
                    bits, never in cells or area.
  times             wall_s: the whole Yosys run (the machine may be shared); cpu_s: user + system
                    seconds of Yosys and the ABC processes it starts; generic_s / liberty_s: the
                    two steps (wall), from the log's time stamps.
"""

import argparse
import json
import os
import re
import sys

STAMP = re.compile(r"^\[\d+\.\d+\] ?")

# Transistors per generic cell: Yosys 0.23 kernel/cost.h (stat -tech cmos).
CMOS = {"$_BUF_": 1, "$_NOT_": 2, "$_AND_": 6, "$_NAND_": 4, "$_OR_": 6, "$_NOR_": 4,
        "$_ANDNOT_": 6, "$_ORNOT_": 6, "$_XOR_": 12, "$_XNOR_": 12, "$_AOI3_": 6, "$_OAI3_": 6,
        "$_AOI4_": 8, "$_OAI4_": 8, "$_MUX_": 12, "$_NMUX_": 10}
DFF_T = 16
FF_PREFIXES = ("$_DFF_", "$_DFFE_", "$_SDFF_", "$_SDFFE_", "$_SDFFCE_", "$_DFFSR_", "$_DFFSRE_",
               "$_ALDFF_", "$_ALDFFE_")
LATCH_PREFIXES = ("$_DLATCH_", "$_DLATCHSR_", "$_SR_")


def strip_stamps(text):
    return "\n".join(STAMP.sub("", line) for line in text.splitlines())


def read(path):
    with open(path) as f:
        return f.read()


def read_stat_json(path):
    data = json.loads(strip_stamps(read(path)))
    return data["design"]["num_cells_by_type"], data.get("creator", "")


def ff_transistors(cell):
    """Our transistor count for a generic flip-flop type (see the module doc)."""
    t = DFF_T
    if cell.startswith(("$_DFFE_", "$_SDFFE_", "$_SDFFCE_", "$_DFFSRE_", "$_ALDFFE_")):
        t += 12
    if cell.startswith(("$_SDFF_", "$_SDFFE_", "$_SDFFCE_")):
        t += 6
    elif cell.startswith(("$_DFFSR_", "$_DFFSRE_")):
        t += 8
    elif cell.startswith("$_ALDFF"):
        t += 4
    else:
        suffix = cell.rstrip("_").split("_")[-1]
        # $_DFF_PN0_, $_DFFE_PN0P_: a third letter 0/1 is an async reset/set value.
        if len(suffix) >= 3 and suffix[2] in "01":
            t += 4
    return t


def generic_summary(by_type):
    cells = {k: v for k, v in by_type.items() if not k.startswith("$mem")}
    ffs = sum(v for k, v in cells.items() if k.startswith(FF_PREFIXES))
    latches = sum(v for k, v in cells.items() if k.startswith(LATCH_PREFIXES))
    transistors = 0
    unknown = []
    for k, v in cells.items():
        if k in CMOS:
            transistors += CMOS[k] * v
        elif k.startswith(FF_PREFIXES):
            transistors += ff_transistors(k) * v
        else:
            unknown.append(k)
    return {
        "cells": sum(cells.values()),
        "flip_flops": ffs,
        "latches": latches,
        "cells_by_type": dict(sorted(cells.items())),
        "transistors_est": transistors,
        "nand2_eq_est": round(transistors / 4),
        "cells_without_transistor_count": sorted(unknown),
    }


def parse_memories(path):
    mems = []
    cur = None
    for line in strip_stamps(read(path)).splitlines():
        line = line.strip()
        m = re.match(r"cell \$mem_v2 (\S+)", line)
        if m:
            cur = {"name": m.group(1).lstrip("\\")}
            mems.append(cur)
            continue
        m = re.match(r"parameter \\(WIDTH|SIZE|RD_PORTS|WR_PORTS|RD_CLK_ENABLE) (\S+)", line)
        if m and cur is not None:
            key, val = m.groups()
            if key == "RD_CLK_ENABLE":
                bits = val.split("'")[-1]
                cur["sync_read_ports"] = bits.count("1")
            else:
                cur[key.lower()] = int(val)
    out = []
    for m in mems:
        out.append({"name": m["name"], "width": m["width"], "depth": m["size"],
                    "bits": m["width"] * m["size"], "read_ports": m["rd_ports"],
                    "sync_read_ports": m.get("sync_read_ports", 0),
                    "write_ports": m["wr_ports"]})
    return out


def parse_liberty(path):
    """{cell: (area, sequential)} from a liberty file."""
    text = read(path)
    cells = {}
    for m in re.finditer(r"\bcell\s*\(\s*\"?([A-Za-z0-9_]+)\"?\s*\)\s*\{", text):
        depth = 1
        i = m.end()
        while depth and i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
            i += 1
        body = text[m.end():i]
        a = re.search(r"\barea\s*:\s*([0-9.eE+-]+)", body)
        seq = bool(re.search(r"\b(ff|latch|ff_bank|statetable)\s*\(", body))
        cells[m.group(1)] = (float(a.group(1)) if a else 0.0, seq)
    return cells


def liberty_summary(by_type, lib, stat_txt):
    cells = {k: v for k, v in by_type.items() if not k.startswith("$mem")}
    unknown = sorted(k for k in cells if k not in lib)
    area = sum(lib[k][0] * v for k, v in cells.items() if k in lib)
    seq_area = sum(lib[k][0] * v for k, v in cells.items() if k in lib and lib[k][1])
    ffs = sum(v for k, v in cells.items() if k in lib and lib[k][1])
    m = re.search(r"Chip area for module .*?: ([0-9.]+)", strip_stamps(read(stat_txt)))
    yosys_area = float(m.group(1)) if m else None
    nand2 = lib.get("NAND2X1", (None,))[0]
    return {
        "cells": sum(cells.values()),
        "flip_flops": ffs,
        "cells_by_type": dict(sorted(cells.items())),
        "area_um2": round(area, 1),
        "area_mm2": round(area / 1e6, 4),
        "sequential_area_um2": round(seq_area, 1),
        "combinational_area_um2": round(area - seq_area, 1),
        "yosys_chip_area": yosys_area,
        "nand2_eq": round(area / nand2) if nand2 else None,
        "cells_not_in_library": unknown,
    }


def marks(log_path):
    """Time stamps of the AREA-MARK lines."""
    t = {}
    for line in read(log_path).splitlines():
        m = re.match(r"^\[(\d+\.\d+)\] AREA-MARK (\S+)", line)
        if m:
            t[m.group(2)] = float(m.group(1))
    return t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    runs, pending = [], []
    for line in read(os.path.join(args.out, "runs.txt")).splitlines():
        parts = line.split()
        if parts and parts[0] == "run":
            runs.append(parts[1])
        elif parts and parts[0] == "pending":
            pending.append({"top": parts[1], "module": parts[2],
                            "reason": "module not in rtl/ yet"})

    libs = {}
    report = {"generator": "scripts/area.sh", "yosys": None, "tops": [], "pending": pending,
              "units": {"area": "um^2 (liberty area unit; the osu018 LEF gives NAND2X1 = "
                                "2.4 um x 10 um = 24, its liberty area)"}}
    for key in runs:
        d = os.path.join(args.out, key)
        meta = json.loads(read(os.path.join(d, "meta.json")))
        by_type, creator = read_stat_json(os.path.join(d, "generic_stat.json"))
        report["yosys"] = creator
        entry = dict(meta)
        params = dict(zip(meta["chparam"][1::3], (int(v) for v in meta["chparam"][2::3])))
        entry["parameters"] = params
        del entry["chparam"]
        entry["generic"] = generic_summary(by_type)
        mems = parse_memories(os.path.join(d, "memories.il"))
        depth = meta["macro_depth"]
        for m in mems:
            m["kept_as_macro"] = depth > 0 and m["depth"] >= depth
        entry["memories"] = mems
        entry["macro_bits"] = sum(m["bits"] for m in mems if m["kept_as_macro"])
        t = marks(os.path.join(d, "yosys.log"))
        entry["generic_s"] = round(t.get("generic-done", 0.0), 1)
        entry.setdefault("cpu_s", None)
        if meta.get("liberty"):
            lib_path = meta["liberty"]
            if lib_path not in libs:
                libs[lib_path] = parse_liberty(lib_path)
            lib_by_type, _ = read_stat_json(os.path.join(d, "liberty_stat.json"))
            entry["liberty_result"] = liberty_summary(lib_by_type, libs[lib_path],
                                                      os.path.join(d, "liberty_stat.txt"))
            entry["liberty_s"] = round(t.get("liberty-done", 0.0) - t.get("generic-done", 0.0), 1)
            report["liberty"] = {"path": lib_path, "nand2_cell": "NAND2X1",
                                 "nand2_area_um2": libs[lib_path].get("NAND2X1", (None,))[0]}
        if meta["module"] == "serrano_systolic_array":
            pes = params["Rows"] * params["Cols"]
            entry["pes"] = pes
            if "liberty_result" in entry:
                entry["per_pe_um2"] = round(entry["liberty_result"]["area_um2"] / pes, 1)
                entry["per_pe_nand2_eq"] = round(entry["liberty_result"]["nand2_eq"] / pes)
        report["tops"].append(entry)

    with open(os.path.join(args.out, "area.json"), "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")

    # The table.
    head = ["top", "params", "cells", "FFs", "NAND2-eq gen", "lib cells", "area um^2",
            "mm^2", "NAND2-eq lib", "um^2/PE", "macro bits", "wall s", "cpu s"]
    rows = []
    for e in report["tops"]:
        p = ",".join(f"{k}={v}" for k, v in e["parameters"].items()) or "-"
        g = e["generic"]
        lib = e.get("liberty_result")
        rows.append([
            e["key"], p, f"{g['cells']:,}", f"{g['flip_flops']:,}", f"{g['nand2_eq_est']:,}",
            f"{lib['cells']:,}" if lib else "-", f"{lib['area_um2']:,.0f}" if lib else "-",
            f"{lib['area_mm2']:.3f}" if lib else "-", f"{lib['nand2_eq']:,}" if lib else "-",
            f"{e['per_pe_um2']:,.0f}" if "per_pe_um2" in e else "-",
            f"{e['macro_bits']:,}" if e["macro_bits"] else "-", f"{e['wall_s']:.0f}",
            f"{e['cpu_s']:.0f}" if e["cpu_s"] is not None else "-"])
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    print()
    print("  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in
                    enumerate(zip(head, widths))))
    for r in rows:
        print("  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in
                        enumerate(zip(r, widths))))
    for p in pending:
        print(f"{p['top']}: pending ({p['module']}: {p['reason']})")
    for e in report["tops"]:
        for m in e["memories"]:
            if m["kept_as_macro"]:
                print(f"{e['key']}: SRAM macro {m['name']}: {m['depth']} x {m['width']} bits, "
                      f"{m['read_ports']}R{m['write_ports']}W (not in cells or area)")
        lib = e.get("liberty_result")
        if lib and lib["cells_not_in_library"]:
            print(f"{e['key']}: cells outside the library: {lib['cells_not_in_library']}",
                  file=sys.stderr)
    print(f"\narea: {os.path.join(args.out, 'area.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
