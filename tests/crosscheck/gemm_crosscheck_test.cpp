// SPDX-License-Identifier: Apache-2.0
// Random GEMM cross-check: for each array shape, random shapes and values through the verilated
// RTL, the SystemC model and the golden library; data must be identical and every command must
// issue in the same cycle on both. Each shape is its own test (own process, own elaboration).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "arch/arch_config.h"
#include "model/array_model.h"
#include "testbench/rtl_array_sim.h"
#include "workloads/gemm_check.h"

namespace serrano {
namespace {

arch::ArchConfig test_config(const std::string& name) {
  return arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + name + ".yaml");
}

struct CampaignStats {
  int cases = 0;
  int failures = 0;
  std::uint64_t cycles = 0;
  std::string first_failure;
};

// Random shapes: M from 1 (decode-like) to several accumulator blocks, K and N from 1 to three
// tiles, so partial tiles, single rows and multi-block accumulation all occur.
CampaignStats run_campaign(const arch::ArchConfig& cfg, model::IArraySim& rtl, int cases,
                           std::uint64_t seed) {
  model::ArrayModel model(cfg, model::ArrayModel::Mode::Functional);
  const int R = cfg.array.rows, C = cfg.array.cols;
  std::uint64_t state = seed;
  auto next = [&](int lo, int hi) {  // splitmix64: deterministic everywhere
    state += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return lo + int(z % std::uint64_t(hi - lo + 1));
  };
  CampaignStats stats;
  const int max_m = int(std::min<std::uint64_t>(cfg.accumulator_rows(), 600));
  for (int i = 0; i < cases; ++i) {
    const int shape_kind = next(0, 3);
    const int m = shape_kind == 0 ? 1 : next(1, shape_kind == 3 ? max_m : 48);
    const int k = next(1, 3 * R);
    const int n = next(1, 3 * C);
    const auto problem = workloads::random_gemm_problem(m, k, n, seed * 1000003u + unsigned(i));
    const auto tiling = workloads::plan_gemm_tiling(m, k, n, model.limits());
    const auto check = workloads::check_gemm(problem, tiling, model, &rtl);
    ++stats.cases;
    stats.cycles += check.model.total_cycles;
    if (!check.ok() || !check.model_matches_golden) {
      if (stats.failures++ == 0)
        stats.first_failure = fmt::format("case {}: {}", i, check.first_mismatch);
    }
  }
  return stats;
}

// dataflow: the config's own, or output-stationary (the "os" builds of the same shape).
void expect_clean_campaign(const std::string& config, int cases, std::uint64_t seed,
                           bool output_stationary = false) {
  arch::ArchConfig cfg = test_config(config);
  if (output_stationary) cfg.array.dataflow = arch::Dataflow::OutputStationary;
  auto rtl = testbench::make_rtl_array_sim(cfg.array.rows, cfg.array.cols,
                                           output_stationary ? "os" : "");
  const CampaignStats s = run_campaign(cfg, *rtl, cases, seed);
  EXPECT_EQ(s.failures, 0) << s.first_failure;
  EXPECT_EQ(s.cases, cases);
  std::printf("%s%s: %d random GEMMs, %d mismatches, %llu cycles simulated\n", config.c_str(),
              output_stationary ? " (os)" : "", s.cases, s.failures,
              static_cast<unsigned long long>(s.cycles));
}

TEST(GemmCrossCheck, Array4x4) { expect_clean_campaign("test-4x4", 500, 1); }
TEST(GemmCrossCheck, Array8x8) { expect_clean_campaign("test-8x8", 500, 2); }
TEST(GemmCrossCheck, Array8x4NonSquare) { expect_clean_campaign("test-8x4", 500, 3); }
TEST(GemmCrossCheck, Array16x16) { expect_clean_campaign("test-16x16", 300, 4); }

// The output-stationary array (docs/array-timing.md section 5): the same campaign, 2,000 random
// GEMMs over three shapes, zero data and cycle mismatches.
TEST(GemmCrossCheck, OutputStationary4x4) { expect_clean_campaign("test-4x4", 1000, 11, true); }
TEST(GemmCrossCheck, OutputStationary8x8) { expect_clean_campaign("test-8x8", 500, 12, true); }
TEST(GemmCrossCheck, OutputStationary8x4NonSquare) {
  expect_clean_campaign("test-8x4", 500, 13, true);
}

// The edge preset's acceptance GEMM: identical cycles and a passing golden check.
TEST(GemmCrossCheck, EdgePreset256Cubed) {
  const arch::ArchConfig cfg = test_config("serrano-edge");
  model::ArrayModel model(cfg, model::ArrayModel::Mode::Functional);
  auto rtl = testbench::make_rtl_array_sim(cfg.array.rows, cfg.array.cols);
  const auto problem = workloads::random_gemm_problem(256, 256, 256, 7);
  const auto tiling = workloads::plan_gemm_tiling(256, 256, 256, model.limits());
  const auto check = workloads::check_gemm(problem, tiling, model, rtl.get());
  EXPECT_TRUE(check.ok()) << check.first_mismatch;
  EXPECT_TRUE(check.model_matches_golden);
  ASSERT_TRUE(check.rtl.has_value());
  EXPECT_EQ(check.rtl->total_cycles, check.model.total_cycles);
}

// A data bug in the PE (an activation of -128 read as -127) must be caught.
TEST(GemmCrossCheck, CatchesInjectedDataBug) {
  const arch::ArchConfig cfg = test_config("test-4x4");
  auto rtl = testbench::make_rtl_array_sim(4, 4, "bug-pe");
  const CampaignStats s = run_campaign(cfg, *rtl, 40, 11);
  EXPECT_GT(s.failures, 0) << "the injected PE bug went unnoticed";
  EXPECT_NE(s.first_failure.find("first differing element"), std::string::npos) << s.first_failure;
  std::printf("bug-pe: %d of %d cases caught; first: %s\n", s.failures, s.cases,
              s.first_failure.c_str());
}

// A timing-only bug (one interlock a cycle too conservative) must be caught by the cycle check.
TEST(GemmCrossCheck, CatchesInjectedTimingBug) {
  const arch::ArchConfig cfg = test_config("test-4x4");
  auto rtl = testbench::make_rtl_array_sim(4, 4, "bug-timing");
  const CampaignStats s = run_campaign(cfg, *rtl, 40, 12);
  EXPECT_GT(s.failures, 0) << "the injected timing bug went unnoticed";
  EXPECT_NE(s.first_failure.find("first differing command"), std::string::npos) << s.first_failure;
  std::printf("bug-timing: %d of %d cases caught; first: %s\n", s.failures, s.cases,
              s.first_failure.c_str());
}

TEST(GemmCrossCheck, UnbuiltShapeIsAClearError) {
  try {
    testbench::make_rtl_array_sim(64, 64);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no verilated RTL build for a 64x64 array"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace serrano
