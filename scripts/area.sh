#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Area of the Serrano RTL with Yosys: cell counts, flip-flops and, where the OSU 0.18 um library
# (Debian package qflow-tech-osu018) is installed, area in um^2. docs/area.md explains the flow
# and records the figures.
#
#   scripts/area.sh [--rows R --cols C] [--top pe|array|core|chip|all|MODULE]... [--out DIR]
#                   [--rtl DIR]
#                   [--param NAME=VALUE]... [--define NAME]... [--liberty FILE | --no-liberty]
#                   [--macro-depth N] [--check | --check-liberty] [--netlist]
#
#   --rows, --cols   array shape, set as the top's Rows/Cols parameters (default 4x4), as the
#                    Verilator build sets them with -GRows= -GCols=
#   --top            pe (serrano_pe), array (serrano_systolic_array), core (serrano_gemm_core),
#                    chip (serrano_chip), all (those four; a missing chip top is reported and
#                    skipped), or any module name in rtl/. May be given more than once.
#   --out            output folder (default build/area); area.json and one folder per top
#   --rtl DIR        the RTL folder (default rtl/), e.g. a commit exported with git archive
#   --param          another top-level parameter (e.g. SpDepth=64), set only on tops that have it
#   --define         a +define+ for the RTL, as the Verilator build passes it
#   --liberty FILE   library to map to (default the osu018 one when installed); --no-liberty skips
#   --macro-depth N  memories at least N rows deep stay SRAM macros, counted in bits (default 32);
#                    0 maps every memory to flip-flops
#   --check          also check the generic netlist against the original RTL in simulation
#                    (Verilator, random inputs, every output every cycle; docs/area.md)
#   --check-liberty  --check, and prove the liberty netlist equal to the generic one (Yosys
#                    equiv_make/equiv_induct; minutes even for a small array)
#   --netlist        keep the synthesized netlists (generic.v, liberty.v) in the top's folder
#
# Exit status: 0 done, 1 a step failed, 2 bad usage, 77 yosys is not installed (CTest's skip code).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
here="$root/scripts/area"

rows=4
cols=4
tops=()
out="$root/build/area"
rtl="$root/rtl"
params=()
defines=()
liberty=/usr/share/qflow/tech/osu018/osu018_stdcells.lib
liberty_given=0
macro_depth=32
check=0
check_liberty=0
netlist=0

usage() {
  sed -n '/^#   scripts\/area.sh/,/^# Exit status/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=${2:?}; shift 2 ;;
    --cols) cols=${2:?}; shift 2 ;;
    --top) tops+=("${2:?}"); shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --rtl) rtl=${2:?}; shift 2 ;;
    --param) params+=("${2:?}"); shift 2 ;;
    --define) defines+=("${2:?}"); shift 2 ;;
    --liberty) liberty=${2:?}; liberty_given=1; shift 2 ;;
    --no-liberty) liberty=""; shift ;;
    --macro-depth) macro_depth=${2:?}; shift 2 ;;
    --check) check=1; shift ;;
    --check-liberty) check=1; check_liberty=1; shift ;;
    --netlist) netlist=1; shift ;;
    -h|--help) usage ;;
    *) echo "area: unknown argument '$1'" >&2; usage ;;
  esac
done
[ ${#tops[@]} -gt 0 ] || tops=(all)
for n in "$rows" "$cols" "$macro_depth"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "area: '$n' is not a number" >&2; exit 2; }
done
for p in "${params[@]+"${params[@]}"}"; do
  [[ "$p" =~ ^[A-Za-z_][A-Za-z0-9_]*=[0-9]+$ ]] || { echo "area: --param wants NAME=NUMBER, got '$p'" >&2; exit 2; }
done

if ! command -v yosys >/dev/null 2>&1; then
  echo "area: yosys is not installed (Debian: apt-get install yosys); nothing done" >&2
  exit 77
fi
for tool in python3 verilator; do
  command -v "$tool" >/dev/null 2>&1 || { echo "area: $tool is not installed" >&2; exit 1; }
done
if [ -n "$liberty" ] && [ ! -f "$liberty" ]; then
  if [ $liberty_given -eq 1 ]; then
    echo "area: liberty file $liberty not found" >&2
    exit 2
  fi
  echo "area: $liberty not found (Debian package qflow-tech-osu018): generic cells only"
  liberty=""
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)

# 1. Rewrite the RTL for Yosys 0.23 (packages first, so that the modules can name them).
sources=()
for f in "$rtl"/*_pkg.sv; do [ -e "$f" ] && sources+=("$f"); done
for f in "$rtl"/*.sv; do
  case "$f" in *_pkg.sv) ;; *) sources+=("$f") ;; esac
done
rm -rf "$out/src"
# A file that cannot be rewritten is reported; only the tops that need it fail.
python3 "$here/sv_for_yosys.py" --out "$out/src" "${defines[@]/#/--define=}" "${sources[@]}" ||
  echo "area: some RTL files could not be rewritten (above); tops that need them will fail"

# The module for each --top name, and whether it exists.
module_of() {
  case "$1" in
    pe) echo serrano_pe ;;
    array) echo serrano_systolic_array ;;
    core) echo serrano_gemm_core ;;
    chip) echo serrano_chip ;;
    *) echo "$1" ;;
  esac
}
has_module() {
  python3 -c 'import json,sys; sys.exit(0 if sys.argv[2] in json.load(open(sys.argv[1]))["modules"] else 1)' \
    "$out/src/manifest.json" "$1"
}
# The rewritten files a module needs (its own, its submodules', its packages'), packages first.
top_files() {
  python3 - "$out/src/manifest.json" "$1" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
units = {**m["packages"], **m["modules"]}
need, todo = set(), [sys.argv[2]]
while todo:
    u = todo.pop()
    if u in need:
        continue
    if u not in units:
        sys.exit(f"area: {u} (needed by {sys.argv[2]}) was not rewritten; see the errors above")
    need.add(u)
    todo.extend(units[u]["needs"])
files = {units[u]["file"] for u in need}
print(" ".join(f["converted"] for f in m["files"]
               if "converted" in f and f["converted"].split("/")[-1] in files))
EOF
}
top_params() {
  python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["modules"][sys.argv[2]]["parameters"]))' \
    "$out/src/manifest.json" "$1"
}

expanded=()
for t in "${tops[@]}"; do
  if [ "$t" = all ]; then expanded+=(pe array core chip); else expanded+=("$t"); fi
done

: > "$out/runs.txt"
status=0
for t in "${expanded[@]}"; do
  module=$(module_of "$t")
  if ! has_module "$module"; then
    if [ "$t" = chip ] && [[ " ${tops[*]} " == *" all "* ]]; then
      echo "area: chip: no module serrano_chip in rtl/ yet; skipped (pending)"
      echo "pending chip serrano_chip" >> "$out/runs.txt"
      continue
    fi
    echo "area: no module $module in rtl/" >&2
    exit 2
  fi

  converted=$(top_files "$module")
  # Parameters: Rows/Cols and every --param the top declares, set with Yosys's chparam before
  # elaboration (hierarchy -chparam trips an assertion of Yosys 0.23 on the chip top).
  declared=" $(top_params "$module") "
  chparam=""
  for p in "Rows=$rows" "Cols=$cols" "${params[@]+"${params[@]}"}"; do
    name=${p%%=*}
    if [[ "$declared" == *" $name "* ]]; then
      chparam+=" -set $name ${p#*=}"
    fi
  done
  if [[ "$declared" == *" Rows "* ]]; then key="${t}_${rows}x${cols}"; else key="$t"; fi
  dir="$out/$key"
  rm -rf "$dir"
  mkdir -p "$dir"

  if [ "$macro_depth" -eq 0 ]; then mem_select='t:$mem_v2'; else mem_select="t:\$mem_v2 r:SIZE<$macro_depth %i"; fi
  write_generic=""
  write_liberty=""
  if [ $netlist -eq 1 ] || [ $check -eq 1 ]; then
    write_generic="write_verilog -noattr $dir/generic.v"
    write_liberty="write_verilog -noattr $dir/liberty.v"
  fi
  fill() {
    sed -e "s|@SOURCES@|$converted|" -e "s|@TOP@|$module|g" -e "s|@CHPARAM@|${chparam:+chparam$chparam $module}|" \
        -e "s|@DIR@|$dir|g" -e "s|@MEM_SELECT@|$mem_select|" -e "s|@LIBERTY@|$liberty|g" \
        -e "s|@WRITE_GENERIC@|$write_generic|" -e "s|@WRITE_LIBERTY@|$write_liberty|" "$1"
  }
  fill "$here/synth_generic.ys.in" > "$dir/synth.ys"
  [ -n "$liberty" ] && fill "$here/map_liberty.ys.in" >> "$dir/synth.ys"

  echo "area: $key: yosys on $module${chparam:+ (${chparam# })} ..."
  # Wall, user and system seconds of Yosys and the ABC processes it starts.
  TIMEFORMAT='%R %U %S'
  if ! { time nice yosys -t -q -l "$dir/yosys.log" "$dir/synth.ys" > "$dir/yosys.stdout" 2>&1 ; } \
      2> "$dir/time.txt"; then
    echo "area: $key: yosys failed; last lines of $dir/yosys.log:" >&2
    tail -n 20 "$dir/yosys.log" >&2
    exit 1
  fi
  read -r wall_s user_s sys_s < "$dir/time.txt"
  # Yosys 0.23 reads some constructs it does not support (a member of an array element, x[i].m) as
  # a new, implicitly declared wire: a wrong circuit without an error. Refuse such a run.
  if grep -q "is implicitly declared" "$dir/yosys.log"; then
    echo "area: $key: Yosys declared wires implicitly (a construct it misreads); figures refused:" >&2
    grep "is implicitly declared" "$dir/yosys.log" | sed 's/^\[[0-9.]*\] //' | head -n 5 >&2
    exit 1
  fi
  # Which RTL: a digest of the source files read (the same files give the same digest, wherever
  # they come from), and the repository's HEAD and uncommitted rtl/ files when run.
  git_head=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
  rtl_dirty=$(git -C "$root" status --porcelain -- rtl 2>/dev/null | grep -c . || true)
  rtl_digest=$(cd "$rtl" && cat $(ls *.sv | sort) | sha256sum | cut -c1-16)
  python3 - "$dir/meta.json" <<EOF
import json, sys
json.dump({"key": "$key", "top": "$t", "module": "$module", "chparam": "$chparam".split(),
           "macro_depth": $macro_depth, "liberty": "$liberty" or None,
           "defines": "${defines[*]+"${defines[*]}"}".split(),
           "rtl": "$rtl", "rtl_sha256_16": "$rtl_digest", "repo_head": "$git_head",
           "repo_rtl_uncommitted_files": $rtl_dirty,
           "wall_s": $wall_s, "cpu_s": round($user_s + $sys_s, 1)}, open(sys.argv[1], "w"), indent=2)
EOF
  echo "run $key $module" >> "$out/runs.txt"

  if [ $check -eq 1 ]; then
    echo "area: $key: checking the generic netlist against the RTL in simulation ..."
    # Every parameter as set, and command rows kept short so that commands finish and overlap.
    eq_args=(--rtl "$rtl" --manifest "$out/src/manifest.json" --module "$module"
             --narrow cmd_rows_i=3 "${defines[@]/#/--define=}")
    set -- $chparam
    while [ $# -ge 3 ]; do eq_args+=(--param "$2=$3"); shift 3; done
    bash "$here/equiv_sim.sh" "${eq_args[@]}" --netlist "$dir/generic.v" \
      --work "$dir/equiv_generic" || status=1
    if [ -n "$liberty" ] && [ $check_liberty -eq 1 ]; then
      bash "$here/equiv_liberty.sh" --module "$module" --generic "$dir/generic.v" \
        --liberty-netlist "$dir/liberty.v" --liberty "$liberty" --log "$dir/equiv_liberty.log" ||
        status=1
    fi
    [ $netlist -eq 1 ] || rm -f "$dir/generic.v" "$dir/liberty.v"
  fi
done

python3 "$here/area_report.py" --out "$out"
exit $status
