// SPDX-License-Identifier: Apache-2.0
// RTL in the loop (testbench/loop): the chip model with the verilated matrix unit in place of its
// own ArrayUnit runs the example programs and generated GEMMs with every instruction's dispatch,
// start and completion cycle and the final DRAM image identical to the pure model.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "golden/golden.h"
#include "isa/assembler.h"
#include "model/chip/chip_model.h"
#include "testbench/loop/rtl_array_unit.h"
#include "workloads/gemm.h"
#include "workloads/gemm_program.h"

namespace serrano::testbench {
namespace {

arch::ArchConfig config(const std::string& name) {
  return arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + name + ".yaml");
}

std::vector<isa::Instruction> example(const std::string& name) {
  const std::string path = std::string(SERRANO_SOURCE_DIR) + "/examples/" + name;
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return isa::assemble(text.str(), path).code;
}

// A DRAM image for the examples: random int8 operands where the programs read them and valid
// requant parameters (docs/examples.md's layout: A at 0, W at 0x1000, P at 0x2000).
std::vector<std::uint8_t> example_dram(std::uint32_t seed) {
  std::vector<std::uint8_t> dram(0x4000, 0);
  std::uint32_t x = seed;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  for (std::size_t i = 0; i < 0x2000; ++i) dram[i] = std::uint8_t(next() >> 24);
  for (int c = 0; c < 16; ++c) {
    const auto q = golden::quantize_multiplier(0.001 + 0.0002 * c);
    const std::int32_t rec[3] = {std::int32_t(next() % 4001) - 2000, q.multiplier, q.shift};
    std::memcpy(&dram[0x2000 + 12 * std::size_t(c)], rec, 12);
  }
  return dram;
}

void expect_same(const model::ChipRunResult& pure, const model::ChipRunResult& loop,
                 const std::string& what) {
  ASSERT_EQ(pure.timing.size(), loop.timing.size()) << what;
  for (std::size_t i = 0; i < pure.timing.size(); ++i) {
    EXPECT_EQ(pure.timing[i].dispatch, loop.timing[i].dispatch) << what << " instruction " << i;
    EXPECT_EQ(pure.timing[i].start, loop.timing[i].start) << what << " instruction " << i;
    EXPECT_EQ(pure.timing[i].complete, loop.timing[i].complete) << what << " instruction " << i;
  }
  EXPECT_EQ(pure.total_cycles, loop.total_cycles) << what;
  EXPECT_TRUE(pure.dram == loop.dram) << what << ": DRAM images differ";
  int shown = 0;
  for (std::size_t i = 0; i < pure.dram.size() && i < loop.dram.size() && shown < 8; ++i) {
    if (pure.dram[i] != loop.dram[i]) {
      ADD_FAILURE() << what << ": DRAM byte " << i << ": model " << int(std::int8_t(pure.dram[i]))
                    << ", model with the RTL array " << int(std::int8_t(loop.dram[i]));
      ++shown;
    }
  }
}

// The loop builds are weight-stationary matrix units: an os chip is refused in one line (its RTL is
// checked by serrano verify on test-chip-4x4-os instead).
TEST(RtlInTheLoop, OutputStationaryChipIsRefused) {
  arch::ArchConfig cfg = config("serrano-edge");
  cfg.array.dataflow = arch::Dataflow::OutputStationary;
  try {
    model::ChipModel loop(cfg, model::ChipModel::Mode::Functional, make_rtl_array_unit);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "--impl array=rtl: the RTL-in-the-loop matrix units are weight-stationary "
                 "builds; check an os chip against its RTL with serrano verify");
  }
}

TEST(RtlInTheLoop, ExampleProgramsAgreeWithThePureModel) {
  const arch::ArchConfig cfg = config("serrano-edge");
  model::ChipModel pure(cfg, model::ChipModel::Mode::Functional);
  model::ChipModel loop(cfg, model::ChipModel::Mode::Functional, make_rtl_array_unit);
  EXPECT_EQ(loop.name(), "model+rtl 16x16 array");
  for (const char* name : {"tile16.sasm", "gemm_serial.sasm", "gemm_double_buffered.sasm"}) {
    const auto prog = example(name);
    for (std::uint32_t seed : {1u, 2u}) {
      const auto dram = example_dram(seed);
      const model::ChipRunResult a = pure.run(prog, dram);
      const model::ChipRunResult b = loop.run(prog, dram);
      expect_same(a, b, name);
      std::printf("%-26s seed %u: %llu cycles in both\n", name, seed,
                  static_cast<unsigned long long>(b.total_cycles));
    }
  }
}

// Generated GEMM programs (workloads/gemm_program), one and two buffer slots, random shapes.
void check_generated(const std::string& config_name, int cases, std::uint64_t seed) {
  const arch::ArchConfig cfg = config(config_name);
  model::ChipModel pure(cfg, model::ChipModel::Mode::Functional);
  model::ChipModel loop(cfg, model::ChipModel::Mode::Functional, make_rtl_array_unit);
  const workloads::ChipShape shape{cfg.array.rows, cfg.array.cols, pure.rows(isa::Mem::Sp),
                                   pure.rows(isa::Mem::Wb), pure.rows(isa::Mem::Acc)};
  std::uint64_t state = seed;
  auto next = [&](int lo, int hi) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + int((state >> 33) % std::uint64_t(hi - lo + 1));
  };
  for (int i = 0; i < cases; ++i) {
    const int m = next(1, 80), k = next(1, 3 * cfg.array.rows), n = next(1, 3 * cfg.array.cols);
    const auto problem = workloads::random_gemm_problem(m, k, n, seed + std::uint64_t(i));
    for (int slots = 1; slots <= 2; ++slots) {
      const auto g = workloads::gemm_program(m, k, n, shape, slots, problem.out);
      const auto dram = workloads::gemm_dram_image(problem, g.layout);
      const model::ChipRunResult a = pure.run(g.code, dram);
      const model::ChipRunResult b = loop.run(g.code, dram);
      const std::string what = config_name + " " + std::to_string(m) + "x" + std::to_string(k) +
                               "x" + std::to_string(n) + " slots " + std::to_string(slots);
      expect_same(a, b, what);
      ASSERT_EQ(workloads::gemm_dram_result(b.dram, g.layout, m, n),
                workloads::gemm_golden(problem))
          << what;
    }
  }
}

TEST(RtlInTheLoop, GeneratedGemms4x4) { check_generated("test-chip-4x4", 12, 11); }
TEST(RtlInTheLoop, GeneratedGemms8x8) { check_generated("test-8x8", 12, 12); }

TEST(RtlInTheLoop, TimingOnlyRunsAgreeToo) {
  const arch::ArchConfig cfg = config("serrano-edge");
  model::ChipModel pure(cfg, model::ChipModel::Mode::TimingOnly);
  model::ChipModel loop(cfg, model::ChipModel::Mode::TimingOnly, make_rtl_array_unit);
  const auto prog = example("gemm_double_buffered.sasm");
  const model::ChipRunResult a = pure.run(prog, {}, 0x4000);
  const model::ChipRunResult b = loop.run(prog, {}, 0x4000);
  expect_same(a, b, "gemm_double_buffered timing-only");
}

TEST(RtlInTheLoop, UnknownShapeIsAClearError) {
  const arch::ArchConfig cfg = config("test-8x4");
  try {
    model::ChipModel loop(cfg, model::ChipModel::Mode::Functional, make_rtl_array_unit);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no verilated matrix unit for a 8x4 array"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace serrano::testbench
