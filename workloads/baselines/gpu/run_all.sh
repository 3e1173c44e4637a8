#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds serrano_gpu_gemm in a scratch folder, runs the smoke set, checks it, then runs the default
# set. Writes smoke.json, full.json and their logs into OUTDIR (default: current folder).
#   workloads/baselines/gpu/run_all.sh OUTDIR [extra serrano_gpu_gemm options for the full run]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:-.}" && cd "${1:-.}" && pwd)"
shift || true
build="${BUILD_DIR:-/tmp/serrano-gpu-build}"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-90}" \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" 2>&1 | tail -n 3
bin="$build/serrano_gpu_gemm"
"$bin" --set smoke --idle-ms 500 --power-ms 200 --out "$out/smoke.json" 2>&1 | tee "$out/smoke.log"
python3 "$here/check_results.py" "$out/smoke.json" --require-all-ok --min-busy 0.95
"$bin" --out "$out/full.json" "$@" 2>&1 | tee "$out/full.log"
python3 "$here/check_results.py" "$out/full.json"
