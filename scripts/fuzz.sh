#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs the libFuzzer fuzzers of fuzz/ (docs/reliability.md, "Fuzzing"), each for a fixed time on a
# copy of its seed corpus, and fails if any of them finds something. Builds nothing: configure and
# build them first (clang, -DSERRANO_FUZZ=ON; docs/reliability.md gives the commands).
#
#   bash scripts/fuzz.sh [SECONDS] [BUILD_DIR] [NAME...]
#
# SECONDS per fuzzer (default 10); BUILD_DIR the fuzz build tree (default build-fuzz); NAME the
# fuzzers to run (default all: arch_yaml asm sbin npy safetensors model_yaml gpu_yaml tech_yaml
# sweep_spec). A finding is saved as BUILD_DIR/fuzz/findings/NAME/crash-* (or leak-, timeout-,
# oom-), the fuzzer's log as BUILD_DIR/fuzz/logs/NAME.log. Replay one with
#   BUILD_DIR/fuzz/NAME_fuzz FILE
# Environment: SERRANO_FUZZ_ARGS, more libFuzzer flags for every fuzzer (e.g. -runs=1000000).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-10}
build_dir=${2:-$root/build-fuzz}
shift $(($# < 2 ? $# : 2))
names=("$@")
all=(arch_yaml asm sbin npy safetensors model_yaml gpu_yaml tech_yaml sweep_spec)
((${#names[@]})) || names=("${all[@]}")

# The longest input each fuzzer makes: a little above its largest seed (the technology tables are
# the longest files, about 6 kB).
declare -A max_len=(
  [arch_yaml]=4096 [asm]=4096 [sbin]=2048 [npy]=4096 [safetensors]=4096
  [model_yaml]=2048 [gpu_yaml]=8192 [tech_yaml]=8192 [sweep_spec]=2048)

if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "fuzz.sh: SECONDS must be a positive integer, got '$seconds'" >&2
  exit 2
fi
for name in "${names[@]}"; do
  if [[ -z ${max_len[$name]:-} ]]; then
    echo "fuzz.sh: unknown fuzzer '$name' (known: ${all[*]})" >&2
    exit 2
  fi
  if [[ ! -x $build_dir/fuzz/${name}_fuzz ]]; then
    echo "fuzz.sh: $build_dir/fuzz/${name}_fuzz is not built (see docs/reliability.md)" >&2
    exit 2
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$build_dir/fuzz/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=()
start=$(date +%s)
printf '%-12s %10s %6s %8s %11s  %s\n' fuzzer execs time exec/s corpus result
for name in "${names[@]}"; do
  corpus=$tmp/$name
  findings=$build_dir/fuzz/findings/$name
  log=$build_dir/fuzz/logs/$name.log
  mkdir -p "$corpus" "$findings"
  cp "$root/fuzz/corpus/$name/"* "$corpus/"
  dict=()
  [[ -f $root/fuzz/$name.dict ]] && dict=("-dict=$root/fuzz/$name.dict")
  t0=$(date +%s)
  # shellcheck disable=SC2086  # SERRANO_FUZZ_ARGS is a list of flags
  if "$build_dir/fuzz/${name}_fuzz" "$corpus" "${dict[@]}" -max_total_time="$seconds" \
      -max_len="${max_len[$name]}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$findings/" ${SERRANO_FUZZ_ARGS:-} >"$log" 2>&1; then
    result=ok
  else
    result="FOUND something (exit $?): $log"
    failed+=("$name")
  fi
  took=$(($(date +%s) - t0))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  units=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-12s %10s %5ss %8s %11s  %s\n' "$name" "${execs:-?}" "$took" "${rate:-?}" "${units:-?}" \
    "$result"
done
echo "fuzz.sh: ${#names[@]} fuzzer(s) in $(($(date +%s) - start)) s"
if ((${#failed[@]})); then
  echo "fuzz.sh: findings in: ${failed[*]} (inputs under $build_dir/fuzz/findings/)" >&2
  exit 1
fi
