// SPDX-License-Identifier: Apache-2.0
// Verilated whole-chip RTL against the SystemC chip model on the same programs: generated
// double-buffered GEMM programs (workloads/gemm_program) run on every verilated chip build in this
// binary (testbench/chip), on the model with data and on the model in timing-only mode. The runs
// must agree in total cycles (and the functional ones in the DRAM image); the bench reports wall
// time, simulated cycles per second and the speed ratios (docs/performance.md).
//
// ./build/bench/chip_rtl_speed_bench [--quick]
// The 16x16 figures need the test-chip-16x16 build:
//   cmake -S . -B build -DSERRANO_RTL_CHIP_CONFIGS="test-chip-4x4;test-chip-8x8;test-chip-16x16"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "arch/arch_config.h"
#include "model/chip/chip_model.h"
#include "testbench/chip/rtl_chip_sim.h"
#include "workloads/gemm.h"
#include "workloads/gemm_program.h"

namespace {

using Clock = std::chrono::steady_clock;

template <class F>
double best_of(int reps, F&& f) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

struct Chip {
  serrano::arch::ArchConfig cfg;
  std::unique_ptr<serrano::model::IChipSim> rtl;
  std::unique_ptr<serrano::model::ChipModel> functional, timing;
};

}  // namespace

int sc_main(int argc, char** argv) {
  using namespace serrano;
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int reps = quick ? 1 : 3;
  // SystemC elaborates once: build every model before the first run.
  std::vector<Chip> chips;
  for (const auto& b : testbench::rtl_chip_builds()) {
    if (!b.variant.empty()) continue;
    if (quick && b.config != "test-chip-4x4") continue;
    Chip c;
    c.cfg =
        arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + b.config + ".yaml");
    c.rtl = testbench::make_rtl_chip_sim(c.cfg);
    c.functional = std::make_unique<model::ChipModel>(c.cfg, model::ChipModel::Mode::Functional);
    c.timing = std::make_unique<model::ChipModel>(c.cfg, model::ChipModel::Mode::TimingOnly);
    chips.push_back(std::move(c));
  }
  std::printf("chip_rtl_speed_bench: double-buffered generated GEMMs, best of %d runs\n", reps);
  std::printf("%-16s %-12s %8s %10s | %10s %10s %10s | %10s %10s | %8s %8s\n", "config", "gemm",
              "instr", "cycles", "rtl s", "model s", "timing s", "rtl cyc/s", "timing c/s",
              "model/rtl", "timing/rtl");
  int failures = 0;
  for (Chip& c : chips) {
    const workloads::ChipShape shape{
        c.cfg.array.rows, c.cfg.array.cols, c.functional->rows(isa::Mem::Sp),
        c.functional->rows(isa::Mem::Wb), c.functional->rows(isa::Mem::Acc)};
    const int R = c.cfg.array.rows;
    // Square GEMMs of 4R and 8R, and a tall one (64R x 16R x 16R) whose tiles are as large as the
    // memories allow, as a transformer layer's matmuls are.
    struct Shape {
      int m, k, n;
    };
    std::vector<Shape> sizes =
        quick ? std::vector<Shape>{{2 * R, 2 * R, 2 * R}}
              : std::vector<Shape>{
                    {4 * R, 4 * R, 4 * R}, {8 * R, 8 * R, 8 * R}, {64 * R, 16 * R, 16 * R}};
    for (const Shape& z : sizes) {
      const auto problem = workloads::random_gemm_problem(z.m, z.k, z.n, 7);
      const auto g = workloads::gemm_program(z.m, z.k, z.n, shape, 2, problem.out);
      const auto dram = workloads::gemm_dram_image(problem, g.layout);
      model::ChipRunResult r_rtl, r_fun, r_tim;
      const double t_rtl = best_of(reps, [&] { r_rtl = c.rtl->run(g.code, dram); });
      const double t_fun = best_of(reps, [&] { r_fun = c.functional->run(g.code, dram); });
      const double t_tim =
          best_of(reps, [&] { r_tim = c.timing->run(g.code, {}, g.layout.bytes); });
      const bool agree = r_rtl.total_cycles == r_fun.total_cycles &&
                         r_fun.total_cycles == r_tim.total_cycles && r_rtl.dram == r_fun.dram;
      if (!agree) ++failures;
      const double cyc = double(r_rtl.total_cycles);
      const std::string gemm =
          std::to_string(z.m) + "x" + std::to_string(z.k) + "x" + std::to_string(z.n);
      std::printf(
          "%-16s %-12s %8zu %10llu | %10.4f %10.5f %10.6f | %10.3g %10.3g | %8.0fx %8.0fx%s\n",
          c.cfg.name.c_str(), gemm.c_str(), g.code.size(),
          static_cast<unsigned long long>(r_rtl.total_cycles), t_rtl, t_fun, t_tim, cyc / t_rtl,
          cyc / t_tim, t_rtl / t_fun, t_rtl / t_tim, agree ? "" : "  MISMATCH");
    }
  }
  if (chips.empty()) std::printf("no verilated chip builds in this binary\n");
  return failures == 0 ? 0 : 1;
}
