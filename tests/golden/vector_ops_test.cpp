// SPDX-License-Identifier: Apache-2.0
// golden::execute_vector_op against the golden functions it stands for, the parameter blocks'
// round trip through the parameter-memory layout, and the checks and parameter errors.
#include "golden/vector_ops.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace serrano::golden {
namespace {

constexpr std::size_t kC = 4, kRows = 64, kQpRows = 64;

struct Mem {
  std::vector<std::int8_t> sp = std::vector<std::int8_t>(kRows * kC);
  std::vector<std::int32_t> acc = std::vector<std::int32_t>(kRows * kC);
  std::vector<std::uint8_t> qp = std::vector<std::uint8_t>(kQpRows * 12 * kC);
  VectorMemories view() {
    VectorMemories m;
    m.sp = sp.data();
    m.sp_rows = kRows;
    m.sp_width = kC;
    m.acc = acc.data();
    m.acc_rows = kRows;
    m.cols = kC;
    m.qp = qp.data();
    m.qp_rows = kQpRows;
    return m;
  }
  void put_block(std::uint32_t row, const std::vector<std::uint8_t>& b) {
    std::memcpy(&qp[row * 12 * kC], b.data(), b.size());
  }
  void fill(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (auto& v : sp) v = std::int8_t(rng() >> 56);
    for (auto& v : acc) v = std::int32_t(std::int64_t(rng() % 200001) - 100000);
  }
};

TEST(VectorOps, SoftmaxOverLenRowsEqualsSoftmaxI32) {
  Mem m;
  m.fill(1);
  const SoftmaxI32Params p = make_softmax_i32_params(1e-4);
  m.put_block(3, softmax_block(p));
  VectorOpArgs op{VectorFunc::Softmax, 40, 8, 0, 2, 3, 3, 0};
  VectorMemories v = m.view();
  ASSERT_EQ(check_vector_op(op, v), "");
  const std::vector<std::int32_t> row0(m.acc.begin() + 8 * kC, m.acc.begin() + 11 * kC);
  const std::vector<std::int32_t> row1(m.acc.begin() + 11 * kC, m.acc.begin() + 14 * kC);
  execute_vector_op(op, v);
  const auto y0 = softmax_i32(row0, p), y1 = softmax_i32(row1, p);
  EXPECT_EQ(std::vector<std::int8_t>(m.sp.begin() + 40 * kC, m.sp.begin() + 43 * kC), y0);
  EXPECT_EQ(std::vector<std::int8_t>(m.sp.begin() + 43 * kC, m.sp.begin() + 46 * kC), y1);
}

TEST(VectorOps, NormsInPlaceEqualGolden) {
  for (int rms = 0; rms < 2; ++rms) {
    Mem m;
    m.fill(2 + rms);
    const std::size_t n = 2 * kC;
    std::vector<double> gamma(n), beta(n);
    for (std::size_t j = 0; j < n; ++j) {
      gamma[j] = (j % 3 == 0 ? -0.5 : 1.25) + 0.1 * double(j);
      beta[j] = 0.05 * double(j) - 0.2;
    }
    const NormParams p = rms ? make_rmsnorm_params(0.05, 3, gamma, 0.02, -4, 1e-5)
                             : make_layernorm_params(0.05, gamma, beta, 0.02, 5, 1e-5);
    m.put_block(10, norm_block(p, int(kC)));
    const VectorOpArgs op{rms ? VectorFunc::RmsNorm : VectorFunc::LayerNorm, 4, 4, 0, 3, 2, 10, 0};
    VectorMemories v = m.view();
    ASSERT_EQ(check_vector_op(op, v), "");
    const std::vector<std::int8_t> x(m.sp.begin() + 4 * kC, m.sp.begin() + 10 * kC);
    execute_vector_op(op, v);
    const auto y = rms ? rmsnorm_i8(x, p) : layernorm_i8(x, p);
    EXPECT_EQ(std::vector<std::int8_t>(m.sp.begin() + 4 * kC, m.sp.begin() + 10 * kC), y);
  }
}

TEST(VectorOps, ElementwiseOpsEqualGolden) {
  Mem m;
  m.fill(4);
  const GeluErfParams g = make_gelu_erf_params(0.05, 2, 0.03, -3);
  const LutParams l = make_silu_params(0.06, 0, 0.03, -10);
  const SwigluParams s = make_swiglu_params(0.05, 1, 0.04, -2, 0.05, 3);
  const AddParams a = make_add_params(0.05, 1, 0.08, -3, 0.1, 2);
  const MulParams u = make_mul_params(0.05, 1, 0.08, -3, 0.2, 2);
  m.put_block(0, gelu_block(g));
  m.put_block(1, lut_block(l));
  m.put_block(7, swiglu_block(s));
  m.put_block(20, add_block(a));
  m.put_block(21, mul_block(u));
  const std::vector<std::int8_t> sp = m.sp;
  VectorMemories v = m.view();
  const VectorOpArgs ops[] = {{VectorFunc::Gelu, 30, 0, 0, 2, 0, 0, 0},
                              {VectorFunc::Lut, 32, 0, 0, 2, 0, 1, 0},
                              {VectorFunc::Swiglu, 34, 0, 2, 2, 0, 7, 0},
                              {VectorFunc::QAdd, 36, 0, 2, 2, 0, 20, 0},
                              {VectorFunc::QMul, 38, 0, 2, 2, 0, 21, 0}};
  for (const VectorOpArgs& op : ops) {
    ASSERT_EQ(check_vector_op(op, v), "") << vector_mnemonic(op.func);
    execute_vector_op(op, v);
  }
  for (std::size_t e = 0; e < 2 * kC; ++e) {
    const std::int8_t x = sp[e], y = sp[2 * kC + e];
    EXPECT_EQ(m.sp[30 * kC + e], gelu_erf_i8(x, g));
    EXPECT_EQ(m.sp[32 * kC + e], lut_i8(x, l));
    EXPECT_EQ(m.sp[34 * kC + e], swiglu_i8(x, y, s));
    EXPECT_EQ(m.sp[36 * kC + e], add_i8(x, y, a));
    EXPECT_EQ(m.sp[38 * kC + e], mul_i8(x, y, u));
  }
}

TEST(VectorOps, RopeTakesCosSinFromAccumulators) {
  Mem m;
  m.fill(5);
  const RopeTable t = make_rope_table(int(kC), 8, 10000.0);
  for (std::size_t i = 0; i < kC / 2; ++i) {  // position 5 into acc row 12
    m.acc[12 * kC + 2 * i] = t.cos_q14[5 * kC / 2 + i] | 0x7fff0000;  // upper bits ignored
    m.acc[12 * kC + 2 * i + 1] = t.sin_q14[5 * kC / 2 + i];
  }
  const std::vector<std::int8_t> x(m.sp.begin() + 9 * kC, m.sp.begin() + 10 * kC);
  VectorMemories v = m.view();
  const VectorOpArgs op{VectorFunc::Rope, 9, 9, 12, 1, 0, 0, -3};
  ASSERT_EQ(check_vector_op(op, v), "");
  execute_vector_op(op, v);
  EXPECT_EQ(std::vector<std::int8_t>(m.sp.begin() + 9 * kC, m.sp.begin() + 10 * kC),
            rope_i8(x, 5, -3, t));
}

TEST(VectorOps, BlockSizesAndChecks) {
  EXPECT_EQ(softmax_block(make_softmax_i32_params(0.01)).size(), 8u);
  EXPECT_EQ(gelu_block(make_gelu_erf_params(0.05, 0, 0.05, 0)).size(), 20u);
  EXPECT_EQ(add_block(make_add_params(0.05, 0, 0.05, 0, 0.1, 0)).size(), 36u);
  EXPECT_EQ(swiglu_block(make_swiglu_params(0.05, 0, 0.05, 0, 0.1, 0)).size(), 528u);
  EXPECT_EQ(param_block_bytes(VectorFunc::LayerNorm, 9, 4), 12u * 4 * 4);
  Mem m;
  VectorMemories v = m.view();
  EXPECT_EQ(check_vector_op({VectorFunc::LayerNorm, 2, 0, 0, 2, 2, 0, 0}, v),
            "vlayernorm: dst rows 2 .. 5 partly overlap a rows 0 .. 3 (in place needs dst = a)");
  EXPECT_EQ(check_vector_op({VectorFunc::Softmax, 0, 60, 0, 2, 3, 0, 0}, v),
            "vsoftmax: a rows 60 .. 65 are outside the accumulators (64 rows)");
  EXPECT_EQ(check_vector_op({VectorFunc::Swiglu, 0, 0, 0, 1, 0, 60, 0}, v),
            "vswiglu: the parameter block (528 bytes, 11 rows from qp=60) is outside the "
            "parameter memory (64 rows)");
}

TEST(VectorOps, InvalidParameterBlockIsAnError) {
  Mem m;
  std::vector<std::uint8_t> b = gelu_block(make_gelu_erf_params(0.05, 0, 0.05, 0));
  b[12] = 40;  // w3, the output shift
  b[13] = b[14] = b[15] = 0;
  m.put_block(0, b);
  VectorMemories v = m.view();
  try {
    execute_vector_op({VectorFunc::Gelu, 1, 0, 0, 1, 0, 0, 0}, v);
    FAIL() << "no error";
  } catch (const VectorParamError& e) {
    EXPECT_STREQ(e.what(), "vgelu: parameter w3 (output shift) = 40 is outside [-31, 31]");
  }
}

}  // namespace
}  // namespace serrano::golden
