#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The rewrite of tests/area/cases/area_case.sv must behave as the original: both run under
# Verilator on the same random inputs and must print the same outputs, and yosys must read and
# synthesize the rewritten file. Exit 77 (skipped) without yosys, python3 or
# verilator.
#
#   rewrite_cases.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$1
work=$2
here="$src/tests/area/cases"
for tool in yosys python3 verilator; do
  command -v "$tool" >/dev/null 2>&1 || { echo "rewrite_cases: $tool not installed; skipped"; exit 77; }
done
rm -rf "$work"
mkdir -p "$work"
python3 "$src/scripts/area/sv_for_yosys.py" --out "$work/rewritten" "$here/area_case.sv"
run() {  # run NAME DUT.sv
  verilator --binary --timing -Wno-fatal -Wno-lint -Wno-style --top-module area_case_tb \
    -Mdir "$work/$1" "$2" "$here/area_case_tb.sv" > "$work/$1.build.log" 2>&1 ||
    { echo "rewrite_cases: build of $1 failed"; tail -n 20 "$work/$1.build.log"; exit 1; }
  "$work/$1/Varea_case_tb" | grep -v '^- ' > "$work/$1.out"
}
run original "$here/area_case.sv"
run rewritten "$work/rewritten/area_case.sv"
if ! cmp -s "$work/original.out" "$work/rewritten.out"; then
  echo "rewrite_cases: FAIL: outputs differ"
  diff "$work/original.out" "$work/rewritten.out" | head -n 10
  exit 1
fi
echo "rewrite_cases: ok: $(wc -l < "$work/original.out") lines of outputs identical"
yosys -q -p "read_verilog -sv $work/rewritten/area_case.sv; synth -top area_case" \
  > "$work/yosys.log" 2>&1 || { echo "rewrite_cases: FAIL: yosys"; tail -n 5 "$work/yosys.log"; exit 1; }
echo "rewrite_cases: ok: yosys reads and synthesizes the rewritten file"
