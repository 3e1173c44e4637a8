// SPDX-License-Identifier: Apache-2.0
// Whole-chip model speed: generated GEMM programs (workloads/gemm_program, double-buffered) on
// serrano-base, in timing-only mode (large GEMMs) and functional mode (with data, checked against
// the golden library). Reports simulated cycles, useful MACs (M*K*N) and their rates per
// wall-clock second. Run from a Release build: ./build/bench/chip_speed_bench [--quick]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <systemc>
#include <vector>

#include "arch/arch_config.h"
#include "model/chip/chip_model.h"
#include "workloads/gemm.h"
#include "workloads/gemm_program.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Case {
  int m, k, n;
};

// Best of `reps` runs, in seconds.
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

}  // namespace

int sc_main(int argc, char** argv) {
  using namespace serrano;
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const arch::ArchConfig cfg =
      arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/serrano-base.yaml");
  model::ChipModel timing(cfg, model::ChipModel::Mode::TimingOnly);
  model::ChipModel functional(cfg, model::ChipModel::Mode::Functional);
  const workloads::ChipShape shape{cfg.array.rows, cfg.array.cols, timing.rows(isa::Mem::Sp),
                                   timing.rows(isa::Mem::Wb), timing.rows(isa::Mem::Acc)};

  std::printf(
      "chip_speed_bench: serrano-base (%dx%d), double-buffered generated GEMM programs, "
      "best of %d runs\n",
      cfg.array.rows, cfg.array.cols, quick ? 1 : 5);
  std::printf("%-8s %-16s %12s %14s %10s %12s %14s\n", "mode", "gemm", "instructions", "cycles",
              "wall s", "cycles/s", "useful MAC/s");
  const std::vector<Case> timing_cases =
      quick ? std::vector<Case>{{256, 768, 768}}
            : std::vector<Case>{{128, 768, 3072}, {2048, 4096, 4096}, {8192, 4096, 11008}};
  for (const Case& c : timing_cases) {
    const auto g = workloads::gemm_program(c.m, c.k, c.n, shape, 2, golden::RequantOutput{});
    model::ChipRunResult r;
    const double s = best_of(quick ? 1 : 5, [&] { r = timing.run(g.code, {}, g.layout.bytes); });
    const double macs = double(c.m) * c.k * c.n;
    std::printf(
        "%-8s %-16s %12zu %14llu %10.4f %12.3g %14.3g\n", "timing",
        (std::to_string(c.m) + "x" + std::to_string(c.k) + "x" + std::to_string(c.n)).c_str(),
        g.code.size(), static_cast<unsigned long long>(r.total_cycles), s,
        double(r.total_cycles) / s, macs / s);
  }
  const std::vector<Case> functional_cases =
      quick ? std::vector<Case>{{64, 256, 256}}
            : std::vector<Case>{{128, 768, 768}, {512, 768, 3072}};
  for (const Case& c : functional_cases) {
    const auto problem = workloads::random_gemm_problem(c.m, c.k, c.n, 1);
    const auto g = workloads::gemm_program(c.m, c.k, c.n, shape, 2, problem.out);
    const auto image = workloads::gemm_dram_image(problem, g.layout);
    model::ChipRunResult r;
    const double s = best_of(quick ? 1 : 3, [&] { r = functional.run(g.code, image); });
    if (workloads::gemm_dram_result(r.dram, g.layout, c.m, c.n) !=
        workloads::gemm_golden(problem)) {
      std::printf("functional result differs from the golden library: stopping\n");
      return 1;
    }
    const double macs = double(c.m) * c.k * c.n;
    std::printf(
        "%-8s %-16s %12zu %14llu %10.4f %12.3g %14.3g  (golden match)\n", "data",
        (std::to_string(c.m) + "x" + std::to_string(c.k) + "x" + std::to_string(c.n)).c_str(),
        g.code.size(), static_cast<unsigned long long>(r.total_cycles), s,
        double(r.total_cycles) / s, macs / s);
  }
  return 0;
}
