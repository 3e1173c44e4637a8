#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Is the liberty-mapped netlist the same circuit as the generic one? A formal proof with Yosys:
# the liberty cells get their logic from the liberty file (read_liberty), flip-flops are matched by
# name (dfflibmap keeps them), and equiv_simple + equiv_induct must prove every output and every
# flip-flop input equal (docs/area.md, "Faithfulness").
#
#   equiv_liberty.sh --module TOP --generic GENERIC.v --liberty-netlist LIBERTY.v --liberty LIB
#                    --log FILE
set -euo pipefail
module="" generic="" netlist="" liberty="" log=""
while [ $# -gt 0 ]; do
  case "$1" in
    --module) module=$2; shift 2 ;;
    --generic) generic=$2; shift 2 ;;
    --liberty-netlist) netlist=$2; shift 2 ;;
    --liberty) liberty=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    *) echo "equiv_liberty: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if ! nice yosys -q -l "$log" -p "read_liberty $liberty; read_verilog $netlist; \
    rename $module gate; hierarchy -top gate; flatten gate; read_verilog $generic; \
    rename $module gold; proc; memory_map; opt_clean; async2sync; equiv_make gold gate equiv; \
    hierarchy -top equiv; equiv_simple -seq 1; equiv_induct; equiv_status -assert" \
    > /dev/null 2>&1; then
  echo "equiv_liberty: $(basename "$netlist") != $(basename "$generic") ($module); see $log" >&2
  grep -E "unproven|ERROR" "$log" | head -n 5 >&2
  exit 1
fi
echo "equiv_liberty: $(basename "$netlist") == $(basename "$generic") ($module): $(grep -o 'Of those cells.*' "$log")"
