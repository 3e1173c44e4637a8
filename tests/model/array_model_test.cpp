// SPDX-License-Identifier: Apache-2.0
// The SystemC model end to end: golden data, identical cycles in both modes, clear errors.
#include "model/array_model.h"

#include <gtest/gtest.h>

#include "arch/arch_config.h"
#include "workloads/gemm.h"
#include "workloads/gemm_check.h"

namespace serrano::model {
namespace {

arch::ArchConfig config(const std::string& name) {
  return arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + name + ".yaml");
}

TEST(ArrayModel, MatchesGoldenOnTheBasePreset) {
  ArrayModel model(config("serrano-base"), ArrayModel::Mode::Functional);
  for (const auto& [m, k, n] : {std::tuple{1, 768, 768}, {200, 300, 150}, {129, 129, 257}}) {
    const auto p = workloads::random_gemm_problem(m, k, n, 42);
    const auto t = workloads::plan_gemm_tiling(m, k, n, model.limits());
    const auto check = workloads::check_gemm(p, t, model, nullptr);
    EXPECT_TRUE(check.model_matches_golden) << check.first_mismatch;
  }
}

TEST(ArrayModel, TimingOnlyGivesIdenticalCycles) {
  const arch::ArchConfig cfg = config("serrano-edge");
  ArrayModel functional(cfg, ArrayModel::Mode::Functional);
  ArrayModel timing(cfg, ArrayModel::Mode::TimingOnly);
  for (int i = 0; i < 20; ++i) {
    const int m = 1 + 23 * i, k = 5 + 13 * i, n = 3 + 11 * i;
    const auto p = workloads::random_gemm_problem(m, k, n, std::uint64_t(i));
    const auto t = workloads::plan_gemm_tiling(m, k, n, functional.limits());
    const isa::ArrayProgram full = workloads::build_gemm_program(p, t);
    isa::ArrayProgram cmds_only;
    cmds_only.cmds = full.cmds;
    cmds_only.output_rows = full.output_rows;
    const ArrayRunResult a = functional.run(full);
    const ArrayRunResult b = timing.run(cmds_only);
    EXPECT_EQ(a.total_cycles, b.total_cycles) << m << "x" << k << "x" << n;
    EXPECT_EQ(a.issue_cycles, b.issue_cycles);
    EXPECT_TRUE(b.output.empty());
  }
}

TEST(ArrayModel, UtilizationApproachesOneForLargeGemms) {
  // 512-row streams amortize fill and drain (R + C) and the requant tail.
  ArrayModel model(config("serrano-edge"), ArrayModel::Mode::TimingOnly);
  isa::ArrayProgram prog;
  const auto t = workloads::plan_gemm_tiling(512, 256, 256, model.limits());
  prog.cmds = workloads::gemm_commands(t, 512, 256, 256, golden::RequantOutput{});
  prog.output_rows = std::uint64_t(t.n_blocks) * 512;
  const ArrayRunResult r = model.run(prog);
  const double util = 512.0 * 256 * 256 / (16.0 * 16 * double(r.total_cycles));
  EXPECT_GT(util, 0.97);
  EXPECT_LT(util, 1.0);
}

void expect_command_error(const isa::ArrayCmd& cmd, const std::string& message) {
  ArrayModel model(config("test-4x4"), ArrayModel::Mode::Functional);
  isa::ArrayProgram prog;
  prog.cmds = {cmd};
  prog.output_rows = 4;
  try {
    model.run(prog);
    FAIL() << "expected: " << message;
  } catch (const isa::CommandError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(ArrayModel, RejectsZeroRows) {
  expect_command_error(isa::ArrayCmd::stream(0, 0, 0, false),
                       "command 0 (stream sp=0 rows=0 acc=0 =): rows must be at least 1");
}

TEST(ArrayModel, RejectsTileTallerThanTheArray) {
  expect_command_error(isa::ArrayCmd::preload(0, 5),
                       "command 0 (preload wb=0 rows=5): a weight tile has at most 4 rows (the "
                       "array's rows)");
}

TEST(ArrayModel, RejectsOutOfRangeAccumulatorRows) {
  expect_command_error(isa::ArrayCmd::stream(0, 8, 250, false),
                       "command 0 (stream sp=0 rows=8 acc=250 =): accumulator rows [250, 258) "
                       "exceed its 256 rows");
}

TEST(ArrayModel, RejectsInvertedClamp) {
  expect_command_error(isa::ArrayCmd::requant(0, 1, 0, 0, 0, 5, -5),
                       "command 0 (requant acc=0 rows=1 out=0 qp=0 zp=0 min=5 max=-5): act_min "
                       "must not exceed act_max");
}


}  // namespace
}  // namespace serrano::model

namespace serrano::model {
namespace {

// docs/array-timing.md section 3: the closed form for a tiled GEMM whose blocks all have
// M_b >= K + 1 rows, whose requants never wait for each other, and whose K is a multiple of R.
TEST(ArrayModel, TiledGemmFollowsTheClosedForm) {
  const arch::ArchConfig cfg = config("test-4x4");  // 256 accumulator rows: blocks of <= 128
  ArrayModel model(cfg, ArrayModel::Mode::TimingOnly);
  const std::uint64_t R = 4, C = 4;
  for (const auto& [m, k, n] : {std::tuple{20, 16, 12}, {256, 8, 4}, {5, 4, 9}, {200, 16, 8}}) {
    const auto t = workloads::plan_gemm_tiling(m, k, n, model.limits());
    isa::ArrayProgram prog;
    prog.cmds = workloads::gemm_commands(t, m, k, n, golden::RequantOutput{});
    prog.output_rows = std::uint64_t(t.n_blocks) * std::uint64_t(m);
    const std::uint64_t blocks = std::uint64_t(t.n_blocks) * std::uint64_t(t.m_blocks);
    const std::uint64_t m_last = std::uint64_t(m - (t.m_blocks - 1) * t.m_block_rows);
    const std::uint64_t rows_all_blocks = std::uint64_t(t.n_blocks) * std::uint64_t(m);
    const std::uint64_t expected = R + std::uint64_t(t.k_tiles) * rows_all_blocks +
                                   (blocks - 1) * (R + C + 1 + R) + (R + C + m_last + 5);
    EXPECT_EQ(model.run(prog).total_cycles, expected) << m << "x" << k << "x" << n;
  }
}

}  // namespace
}  // namespace serrano::model

namespace serrano::model {
namespace {

// docs/array-timing.md section 5: the output-stationary closed form. A block of M_b rows streams
// n_b = ceil(M_b / R) chunks per K tile, and a block boundary costs 2R + C + K.
TEST(ArrayModel, OutputStationaryTiledGemmFollowsItsClosedForm) {
  arch::ArchConfig cfg = config("test-4x4");
  cfg.array.dataflow = arch::Dataflow::OutputStationary;
  ArrayModel model(cfg, ArrayModel::Mode::TimingOnly);
  const std::uint64_t R = 4, C = 4;
  for (const auto& [m, k, n] : {std::tuple{64, 16, 8}, {20, 16, 12}, {23, 8, 4}, {256, 8, 4}}) {
    const auto t = workloads::plan_gemm_tiling(m, k, n, model.limits());
    isa::ArrayProgram prog;
    prog.cmds = workloads::gemm_commands(t, m, k, n, golden::RequantOutput{});
    prog.output_rows = std::uint64_t(t.n_blocks) * std::uint64_t(m);
    const std::uint64_t blocks = std::uint64_t(t.n_blocks) * std::uint64_t(t.m_blocks);
    std::uint64_t chunk_rows = 0;  // sum over blocks of n_b R
    for (int b = 0; b < t.m_blocks; ++b) {
      const std::uint64_t mb = std::uint64_t(std::min(t.m_block_rows, m - b * t.m_block_rows));
      chunk_rows += (mb + R - 1) / R * R;
    }
    const std::uint64_t m_last = std::uint64_t(m - (t.m_blocks - 1) * t.m_block_rows);
    const std::uint64_t expected = R + std::uint64_t(t.k_tiles) * t.n_blocks * chunk_rows +
                                   (blocks - 1) * (2 * R + C + R) + (2 * R + C - 1 + m_last + 5);
    EXPECT_EQ(model.run(prog).total_cycles, expected) << m << "x" << k << "x" << n;
  }
}

}  // namespace
}  // namespace serrano::model

namespace serrano::model {
namespace {

// The counter-example in docs/array-timing.md: a short last block after a long one makes the final
// requant wait for the previous requant's reads.
TEST(ArrayModel, ShortLastBlockWaitsForThePreviousRequant) {
  ArrayModel model(config("test-4x4"), ArrayModel::Mode::TimingOnly);
  const auto t = workloads::plan_gemm_tiling(300, 8, 4, model.limits());
  isa::ArrayProgram prog;
  prog.cmds = workloads::gemm_commands(t, 300, 8, 4, golden::RequantOutput{});
  prog.output_rows = 300;
  const ArrayRunResult r = model.run(prog);
  EXPECT_EQ(r.total_cycles, 714u);  // the closed form would say 687
  // The last requant issues exactly when the previous one has read its 128 rows.
  const std::size_t last = prog.cmds.size() - 1, prev = last - 5;
  ASSERT_EQ(prog.cmds[prev].op, isa::ArrayOp::Requant);
  EXPECT_EQ(r.issue_cycles[last], r.issue_cycles[prev] + 128);
}

}  // namespace
}  // namespace serrano::model
