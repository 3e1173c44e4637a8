#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# One entry point for setting up, building, running and testing Serrano on Debian 12.
#
#   bash scripts/serrano.sh setup   install the Debian packages that are missing (root), or print
#                                   the exact apt-get line to run (not root)
#   bash scripts/serrano.sh build   setup, then configure and build (Release) into build/
#   bash scripts/serrano.sh run     build, then run the main job (report in reports/)
#   bash scripts/serrano.sh test    build, then run the whole test suite with CTest
#
# Environment: SERRANO_BUILD_DIR (default build), SERRANO_JOBS (default: all cores).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${SERRANO_BUILD_DIR:-$root/build}
jobs=${SERRANO_JOBS:-$(nproc)}

# Debian 12 packages Serrano needs (README.md says why each one is there).
packages=(
  build-essential cmake pkg-config
  verilator libsystemc-dev
  libfmt-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libbenchmark-dev
  python3-matplotlib
  slurm-wlm munge
)

setup() {
  local missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "serrano: all ${#packages[@]} Debian packages are installed"
    return 0
  fi
  local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "serrano: missing Debian packages: ${missing[*]}" >&2
    echo "serrano: run as root:  $cmd" >&2
    exit 1
  fi
  echo "serrano: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

build() {
  setup
  cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
  cmake --build "$build_dir" -j "$jobs"
}

run_main() {
  build
  mkdir -p "$root/reports"
  # The main job: one BERT-base layer (prefill, sequence length 128) compiled for the default
  # chip, run on its model with data (checked bit for bit against the golden int8 layer) and
  # compared in time and energy with the H100 SXM and A100 models.
  (cd "$root" && "$build_dir/cli/serrano" compare --functional --json reports/compare.json \
      --csv reports/compare.csv --plots reports/plots)
  echo "serrano: reports written to reports/compare.json, reports/compare.csv, reports/plots/"
}

run_tests() {
  build
  ctest --test-dir "$build_dir" -j "$jobs" --output-on-failure --timeout 900
}

# The sanitizer suite (docs/sanitizers.md): the unit tests of every parser and of
# the units that do not run a SystemC simulation, built with ASan and UBSan in build-asan. The
# SystemC-simulating suites (chip, model, energy_chip, layers) stop on a false positive of GCC
# 12's ASan in sigaltstack when an exception unwinds after elaboration (docs/sanitizers.md).
sanitize_tests=(arch_config_test golden_test nonlinear_test norms_test vector_ops_test
  int8_matmul_test isa_test dram_timing_test npy_test safetensors_test model_desc_test
  weights_io_test tech_table_test gpu_model_test)
run_sanitize() {
  setup
  local dir=${SERRANO_ASAN_DIR:-$root/build-asan}
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSERRANO_SANITIZE=ON \
    -DSERRANO_RTL_SHAPES=4x4 -DSERRANO_LOOP_SHAPES=4x4 -DSERRANO_RTL_CHIP_CONFIGS=test-chip-4x4 \
    -DSERRANO_RTL_CHIP_BUG_BUILDS=
  cmake --build "$dir" -j "$jobs" --target "${sanitize_tests[@]}"
  local failed=0 t bin
  for t in "${sanitize_tests[@]}"; do
    bin=$(find "$dir/tests" -type f -name "$t" -perm -u+x | head -1)
    echo "serrano: sanitize: $t"
    if ! (cd "$root" && SC_COPYRIGHT_MESSAGE=DISABLE ASAN_OPTIONS=detect_leaks=1 \
        UBSAN_OPTIONS=print_stacktrace=1 "$bin" --gtest_brief=1); then
      failed=1
    fi
  done
  return $failed
}

case "${1:-}" in
  setup) setup ;;
  build) build ;;
  run) run_main ;;
  test) run_tests ;;
  sanitize) run_sanitize ;;
  *)
    echo "usage: bash scripts/serrano.sh setup|build|run|test|sanitize" >&2
    exit 2
    ;;
esac
