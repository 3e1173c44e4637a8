#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Is a netlist from scripts/area.sh the same circuit as the original RTL? Runs both under Verilator
# on the same random inputs and compares every output every cycle (docs/area.md, "Faithfulness").
#
#   equiv_sim.sh --rtl DIR --manifest FILE --module TOP --netlist NET.v --work DIR
#                [--param NAME=VALUE]... [--define NAME]... [--narrow PORT=BITS]... [--cycles N]
#
# The original RTL files are those the rewritten top needs (from sv_for_yosys.py's manifest),
# read from --rtl untouched.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rtl="" manifest="" module="" netlist="" work="" cycles=20000
params=() defines=() narrow=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rtl) rtl=$2; shift 2 ;;
    --manifest) manifest=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    --netlist) netlist=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --param) params+=("$2"); shift 2 ;;
    --define) defines+=("$2"); shift 2 ;;
    --narrow) narrow+=("$2"); shift 2 ;;
    --cycles) cycles=$2; shift 2 ;;
    *) echo "equiv_sim: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
rm -rf "$work"
mkdir -p "$work"

# 1. The netlist as one flat module named area_gate.
nice yosys -q -l "$work/gate.log" -p "read_verilog $netlist; hierarchy -top $module; \
  proc; flatten; rename $module area_gate; write_verilog -noattr $work/gate.v" > /dev/null

# 2. The original files the top needs.
mapfile -t gold < <(python3 - "$manifest" "$module" "$rtl" <<'EOF'
import json, os, sys
m = json.load(open(sys.argv[1]))
units = {**m["packages"], **m["modules"]}
need, todo = set(), [sys.argv[2]]
while todo:
    u = todo.pop()
    if u not in need:
        need.add(u)
        todo.extend(units[u]["needs"])
files = {units[u]["file"] for u in need}
for f in m["files"]:
    base = os.path.basename(f["path"])
    if base in files:
        print(os.path.join(sys.argv[3], base))
EOF
)

# 3. Testbench, build, run.
python3 "$here/equiv_tb.py" --gate "$work/gate.v" --module "$module" --cycles "$cycles" \
  --out "$work" "${params[@]/#/--param=}" "${narrow[@]/#/--narrow=}"
nice verilator --cc --exe --build -j 1 -O1 -Wno-fatal -Wno-lint -Wno-style --x-assign 0 \
  --x-initial 0 --top-module area_equiv_tb -Mdir "$work/obj" "${defines[@]/#/+define+}" \
  "${gold[@]}" "$work/gate.v" "$work/area_equiv_tb.sv" "$work/main.cpp" > "$work/build.log" 2>&1 || {
  echo "equiv_sim: verilator build failed; see $work/build.log" >&2
  tail -n 20 "$work/build.log" >&2
  exit 1
}
if "$work/obj/Varea_equiv_tb" > "$work/run.log" 2>&1; then
  echo "equiv_sim: $(basename "$netlist") == RTL $module: $(grep '^equiv:' "$work/run.log")"
else
  echo "equiv_sim: $(basename "$netlist") != RTL $module:" >&2
  head -n 12 "$work/run.log" >&2
  exit 1
fi
