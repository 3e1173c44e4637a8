#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The RTL as rewritten for Yosys 0.23 (scripts/area/sv_for_yosys.py) must be as lint-clean under
# `verilator --lint-only -Wall` as rtl/ itself, for every block and for the core and chip at
# several shapes. Exit 77 (skipped) without yosys (the flow this serves), python3 or verilator.
#
#   rewrite_lint.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$1
work=$2
for tool in yosys python3 verilator; do
  command -v "$tool" >/dev/null 2>&1 || { echo "rewrite_lint: $tool not installed; skipped"; exit 77; }
done
rm -rf "$work"
mkdir -p "$work"
files=()
for f in "$src"/rtl/*_pkg.sv; do files+=("$f"); done
for f in "$src"/rtl/*.sv; do case "$f" in *_pkg.sv) ;; *) files+=("$f") ;; esac; done
python3 "$src/scripts/area/sv_for_yosys.py" --out "$work" "${files[@]}"
converted=()
for f in "${files[@]}"; do converted+=("$work/$(basename "$f")"); done

fail=0
# A configuration counts only where rtl/ itself is clean in it.
lint() {
  if ! verilator --lint-only -Wall "$src/rtl/lint/serrano.vlt" "${files[@]}" "$@" \
      > "$work/lint_rtl.log" 2>&1; then
    echo "rewrite_lint: --   $* (rtl/ itself is not lint-clean here)"
  elif ! verilator --lint-only -Wall "$src/rtl/lint/serrano.vlt" "${converted[@]}" "$@" \
      > "$work/lint.log" 2>&1; then
    echo "rewrite_lint: FAIL $*"
    head -n 20 "$work/lint.log"
    fail=1
  else
    echo "rewrite_lint: ok   $*"
  fi
}
modules=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["modules"]))' \
  "$work/manifest.json")
for m in $modules; do lint --top-module "$m"; done
for shape in 1x1 8x4 16x16; do
  for top in serrano_systolic_array serrano_gemm_core serrano_chip; do
    case " $modules " in *" $top "*) lint --top-module "$top" -GRows="${shape%x*}" -GCols="${shape#*x}" ;; esac
  done
done
exit $fail
