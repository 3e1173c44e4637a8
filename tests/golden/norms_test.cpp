// SPDX-License-Identifier: Apache-2.0
// Golden norms and element-wise ops (golden/norms.h, docs/numerics-norms.md): exact integer
// square root, edge cases, hand-computed vectors, invariants and accuracy floors.
#include "golden/norms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "golden/accuracy.h"

namespace serrano::golden {
namespace {

// ---- isqrt ----

// Checks r == floor(sqrt(n)) without floating point: r^2 <= n < (r+1)^2 (in 128 bits).
void expect_isqrt_exact(std::uint64_t n) {
  const std::uint64_t r = isqrt(n);
  const unsigned __int128 r2 = static_cast<unsigned __int128>(r) * r;
  const unsigned __int128 r1 = static_cast<unsigned __int128>(r + 1) * (r + 1);
  EXPECT_LE(r2, n) << "n = " << n;
  EXPECT_GT(r1, n) << "n = " << n;
}

TEST(Isqrt, EdgeValues) {
  EXPECT_EQ(isqrt(0), 0u);
  EXPECT_EQ(isqrt(1), 1u);
  EXPECT_EQ(isqrt(2), 1u);
  EXPECT_EQ(isqrt(3), 1u);
  EXPECT_EQ(isqrt(4), 2u);
  EXPECT_EQ(isqrt(0xFFFFFFFFull), 65535u);
  EXPECT_EQ(isqrt(std::numeric_limits<std::uint64_t>::max()), 0xFFFFFFFFull);
  EXPECT_EQ(isqrt(0xFFFFFFFE00000001ull), 0xFFFFFFFFull);  // (2^32 - 1)^2
  EXPECT_EQ(isqrt(0xFFFFFFFE00000000ull), 0xFFFFFFFEull);  // (2^32 - 1)^2 - 1
  EXPECT_EQ(isqrt(std::uint64_t{1} << 62), std::uint64_t{1} << 31);
  EXPECT_EQ(isqrt(std::uint64_t{1} << 63), 3037000499u);
}

TEST(Isqrt, PerfectSquaresAndNeighbours) {
  for (std::uint64_t r : {std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{255},
                          std::uint64_t{65535}, std::uint64_t{65536}, std::uint64_t{1} << 31,
                          std::uint64_t{3037000499}, std::uint64_t{4294967294}}) {
    EXPECT_EQ(isqrt(r * r), r);
    EXPECT_EQ(isqrt(r * r - 1), r - 1);
    EXPECT_EQ(isqrt(r * r + 1), r);
  }
  for (std::uint64_t r = 0; r < 5000; ++r) {
    EXPECT_EQ(isqrt(r * r), r);
    if (r > 0) {
      EXPECT_EQ(isqrt(r * r - 1), r - 1);
    }
    EXPECT_EQ(isqrt(r * r + 2 * r), r);  // (r+1)^2 - 1
  }
}

TEST(Isqrt, RandomValues) {
  std::mt19937_64 gen(12345);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t v = gen();
    expect_isqrt_exact(v);
    expect_isqrt_exact(v >> (v % 64));  // all magnitudes
  }
}

// ---- helpers ----

double gaussian(std::mt19937_64& gen) {
  const double u1 = (static_cast<double>(gen() >> 11) + 1.0) * std::ldexp(1.0, -53);
  const double u2 = (static_cast<double>(gen() >> 11) + 1.0) * std::ldexp(1.0, -53);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

std::int8_t quantize(double x, double scale) {
  const long v = std::lround(x / scale);
  return static_cast<std::int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
}

// fp64 LayerNorm of one dequantized row (zero point irrelevant).
std::vector<double> layernorm_ref(const std::vector<std::int8_t>& q, double scale,
                                  const std::vector<double>& gamma,
                                  const std::vector<double>& beta, double eps) {
  const std::size_t n = q.size();
  double mean = 0, var = 0;
  for (std::int8_t v : q) mean += scale * v;
  mean /= static_cast<double>(n);
  for (std::int8_t v : q) var += (scale * v - mean) * (scale * v - mean);
  var /= static_cast<double>(n);
  std::vector<double> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = gamma[i] * (scale * q[i] - mean) / std::sqrt(var + eps) + beta[i];
  }
  return y;
}

// ---- LayerNorm ----

// Normalized rows (gamma = 1, beta = 0): per-row mean 0 and variance 1 of the dequantized output.
TEST(LayerNorm, RowMeanZeroVarianceOne) {
  const int n = 768, rows = 32;
  const double in_scale = 4.5 / 127, out_scale = 5.0 / 127;
  std::mt19937_64 gen(7);
  const NormParams p = make_layernorm_params(in_scale, std::vector<double>(n, 1.0),
                                             std::vector<double>(n, 0.0), out_scale, 0, 1e-5);
  for (int r = 0; r < rows; ++r) {
    std::vector<std::int8_t> x(n);
    const double offset = 0.5 * (r % 5) - 1.0, spread = 0.5 + 0.1 * (r % 7);
    for (std::int8_t& v : x) v = quantize(offset + spread * gaussian(gen), in_scale);
    const std::vector<std::int8_t> y = layernorm_i8(x, p);
    double mean = 0, var = 0;
    for (std::int8_t v : y) mean += out_scale * v;
    mean /= n;
    for (std::int8_t v : y) var += (out_scale * v - mean) * (out_scale * v - mean);
    var /= n;
    EXPECT_NEAR(mean, 0.0, 0.005) << "row " << r;  // documented: |mean| <= 0.005
    EXPECT_NEAR(var, 1.0, 0.02) << "row " << r;    // documented: |var - 1| <= 0.02
  }
}

TEST(LayerNorm, WithinOneLsbOfFp64) {
  const int n = 768;
  std::mt19937_64 gen(8);
  std::vector<double> gamma(n), beta(n);
  for (int i = 0; i < n; ++i) {
    gamma[i] = 1.0 + 0.1 * gaussian(gen);
    beta[i] = 0.1 * gaussian(gen);
  }
  const double in_scale = 0.03, out_scale = 6.0 / 127;
  const NormParams p = make_layernorm_params(in_scale, gamma, beta, out_scale, -3, 1e-5);
  for (int r = 0; r < 16; ++r) {
    std::vector<std::int8_t> x(n);
    for (std::int8_t& v : x) v = quantize(gaussian(gen), in_scale);
    const std::vector<std::int8_t> y = layernorm_i8(x, p);
    const std::vector<double> ref = layernorm_ref(x, in_scale, gamma, beta, 1e-5);
    for (int i = 0; i < n; ++i) {
      const double want = std::max(-128.0, std::min(127.0, ref[i] / out_scale - 3));
      EXPECT_NEAR(y[i], want, 0.51) << "row " << r << " i " << i;
    }
  }
}

TEST(LayerNorm, AllEqualRowUsesEpsAndGivesBeta) {
  const int n = 64;
  for (double eps : {1e-5, 0.0}) {
    const NormParams p = make_layernorm_params(0.1, std::vector<double>(n, 2.0),
                                               std::vector<double>(n, 0.5), 0.01, 0, eps);
    for (int value : {37, -128, 127, 0}) {
      const std::vector<std::int8_t> y =
          layernorm_i8(std::vector<std::int8_t>(n, static_cast<std::int8_t>(value)), p);
      for (std::int8_t v : y) EXPECT_EQ(v, 50) << "value " << value << " eps " << eps;
    }
  }
}

TEST(LayerNorm, SingleHugeOutlier) {
  const int n = 768;
  std::vector<std::int8_t> x(n, 0);
  x[100] = 127;
  const std::vector<double> gamma(n, 1.0), beta(n, 0.0);
  const double out_scale = 28.0 / 127;
  const NormParams p = make_layernorm_params(0.1, gamma, beta, out_scale, 0, 1e-5);
  const std::vector<std::int8_t> y = layernorm_i8(x, p);
  const std::vector<double> ref = layernorm_ref(x, 0.1, gamma, beta, 1e-5);
  for (int i = 0; i < n; ++i) EXPECT_NEAR(y[i], ref[i] / out_scale, 0.51) << i;
  EXPECT_EQ(y[100], 126);  // sqrt(767) / (28 / 127) = 125.6
  EXPECT_EQ(y[0], 0);
}

TEST(LayerNorm, MultipleRowsAreIndependent) {
  const int n = 16;
  const NormParams p = make_layernorm_params(0.1, std::vector<double>(n, 1.0),
                                             std::vector<double>(n, 0.0), 2.0 / 127, 0, 1e-5);
  std::vector<std::int8_t> a(n), b(n);
  for (int i = 0; i < n; ++i) {
    a[i] = static_cast<std::int8_t>(i * 7 - 50);
    b[i] = static_cast<std::int8_t>(100 - i * 3);
  }
  std::vector<std::int8_t> ab = a;
  ab.insert(ab.end(), b.begin(), b.end());
  const std::vector<std::int8_t> y = layernorm_i8(ab, p), ya = layernorm_i8(a, p),
                                  yb = layernorm_i8(b, p);
  EXPECT_EQ(std::vector<std::int8_t>(y.begin(), y.begin() + n), ya);
  EXPECT_EQ(std::vector<std::int8_t>(y.begin() + n, y.end()), yb);
}

// ---- RMSNorm ----

TEST(RmsNorm, WithinOneLsbOfFp64AndZeroRow) {
  const int n = 4096;
  std::mt19937_64 gen(9);
  std::vector<double> w(n);
  for (double& v : w) v = 1.0 + 0.1 * gaussian(gen);
  const double in_scale = 0.04, out_scale = 6.0 / 127;
  const int zp = 5;
  const NormParams p = make_rmsnorm_params(in_scale, zp, w, out_scale, 0, 1e-6);
  std::vector<std::int8_t> x(n);
  for (std::int8_t& v : x) v = quantize(gaussian(gen) + zp * in_scale, in_scale);
  const std::vector<std::int8_t> y = rmsnorm_i8(x, p);
  double ms = 0;
  for (std::int8_t v : x) ms += (in_scale * (v - zp)) * (in_scale * (v - zp));
  ms /= n;
  for (int i = 0; i < n; ++i) {
    const double want = w[i] * in_scale * (x[i] - zp) / std::sqrt(ms + 1e-6) / out_scale;
    EXPECT_NEAR(y[i], std::max(-128.0, std::min(127.0, want)), 0.51) << i;
  }
  // A row at the zero point is all zeros: the eps path (and T >= 1) avoids a division by zero.
  const NormParams p0 = make_rmsnorm_params(in_scale, zp, w, out_scale, 0, 0.0);
  for (std::int8_t v : rmsnorm_i8(std::vector<std::int8_t>(n, zp), p0)) EXPECT_EQ(v, 0);
}

// ---- Residual add ----

TEST(ResidualAdd, HandComputed) {
  // a: scale 0.5, b: scale 0.25, out: scale 1. 5.0 + 1.5 = 6.5 -> 7 (half away from zero).
  const AddParams p = make_add_params(0.5, 0, 0.25, 0, 1.0, 0);
  EXPECT_EQ(add_i8(10, 6, p), 7);
  EXPECT_EQ(add_i8(-10, -6, p), -7);
  EXPECT_EQ(add_i8(4, 4, p), 3);    // 2 + 1
  EXPECT_EQ(add_i8(0, 0, p), 0);
  EXPECT_EQ(add_i8(3, -2, p), 1);   // 1.5 - 0.5
  // Zero points: a = 20 (zp 10) -> 5.0, b = 1 (zp -5) -> 1.5, out zp 3: 7 + 3 = 10.
  const AddParams pz = make_add_params(0.5, 10, 0.25, -5, 1.0, 3);
  EXPECT_EQ(add_i8(20, 1, pz), 10);
  const std::vector<std::int8_t> out = add_i8({10, -10}, {6, -6}, p);
  EXPECT_EQ(out, (std::vector<std::int8_t>{7, -7}));
}

TEST(ResidualAdd, SaturatesAtBothEnds) {
  const AddParams p = make_add_params(0.5, 0, 0.25, 0, 0.5, 0);
  EXPECT_EQ(add_i8(127, 127, p), 127);    // 95.25 / 0.5 = 190.5
  EXPECT_EQ(add_i8(-128, -128, p), -128);  // -192
  EXPECT_EQ(add_i8(100, 0, p), 100);
  const AddParams pz = make_add_params(1.0, 0, 1.0, 0, 1.0, 100);
  EXPECT_EQ(add_i8(20, 20, pz), 127);
  EXPECT_EQ(add_i8(-128, -128, pz), -128);
}

// ---- Element-wise multiply ----

TEST(Mul, HandComputed) {
  const MulParams p = make_mul_params(0.5, 0, 0.25, 0, 0.125, 0);  // multiplier 1
  EXPECT_EQ(mul_i8(3, 5, p), 15);
  EXPECT_EQ(mul_i8(-3, 5, p), -15);
  EXPECT_EQ(mul_i8(20, 20, p), 127);
  EXPECT_EQ(mul_i8(-20, 20, p), -128);
  const MulParams half = make_mul_params(0.5, 1, 0.5, -1, 0.5, 2);  // multiplier 0.5
  EXPECT_EQ(mul_i8(4, 2, half), 2 + 5);   // (3 * 3) / 2 = 4.5 -> 5
  // -4.5 -> -4: with shift 0 the only rounding is gemmlowp's SaturatingRoundingDoublingHighMul,
  // whose nudge rounds negative ties toward zero.
  EXPECT_EQ(mul_i8(-2, 2, half), 2 - 4);
  EXPECT_EQ(mul_i8(-4, 2, half), 2 - 7);  // (-5 * 3) / 2 = -7.5 -> -7
}

// ---- RoPE ----

TEST(Rope, PositionZeroIsIdentity) {
  const RopeTable t = make_rope_table(128, 16, 10000.0);
  for (int zp : {0, -7, 20}) {
    for (int start = -128; start < 128; start += 64) {
      std::vector<std::int8_t> x(128);
      for (int i = 0; i < 128; ++i) x[i] = static_cast<std::int8_t>(start + i / 2 + (i % 2) * 63);
      EXPECT_EQ(rope_i8(x, 0, zp, t), x);
    }
  }
}

TEST(Rope, PreservesPairNorm) {
  const int d = 64;
  for (double theta : {10000.0, 500000.0}) {
    const RopeTable t = make_rope_table(d, 8192, theta);
    std::mt19937_64 gen(11);
    double worst = 0;
    for (int trial = 0; trial < 2000; ++trial) {
      std::vector<std::int8_t> x(d);
      for (std::int8_t& v : x) v = static_cast<std::int8_t>(static_cast<int>(gen() % 181) - 90);
      const int pos = static_cast<int>(gen() % 8192);
      const std::vector<std::int8_t> y = rope_i8(x, pos, 0, t);
      for (int i = 0; i < d; i += 2) {
        const double nx = std::hypot(x[i], x[i + 1]), ny = std::hypot(y[i], y[i + 1]);
        if (nx > 127) continue;  // a rotated component could saturate
        worst = std::max(worst, std::fabs(nx - ny));
      }
    }
    EXPECT_LE(worst, 0.75) << "theta " << theta;  // documented bound: 0.75 LSB
  }
}

TEST(Rope, QuarterTurn) {
  // d = 2, theta irrelevant for i = 0: angle = pos radians. No position gives exactly pi/2, so
  // check the table entries directly and a rotation by pos = 1 rad.
  const RopeTable t = make_rope_table(2, 4, 10000.0);
  EXPECT_EQ(t.cos_q14[0], 16384);
  EXPECT_EQ(t.sin_q14[0], 0);
  EXPECT_EQ(t.cos_q14[1], 8852);   // round(cos(1) * 2^14)
  EXPECT_EQ(t.sin_q14[1], 13787);  // round(sin(1) * 2^14)
  // (100, 0) -> (round(100 * 8852 / 2^14), round(100 * 13787 / 2^14)) = (54, 84).
  EXPECT_EQ(rope_i8({100, 0}, 1, 0, t), (std::vector<std::int8_t>{54, 84}));
}

// ---- Parameter validation ----

template <typename F>
void expect_invalid(F f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected std::invalid_argument containing '" << fragment << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(NormsValidation, RejectsBadParameters) {
  const std::vector<double> g(8, 1.0), b(8, 0.0);
  expect_invalid([&] { make_layernorm_params(0.0, g, b, 0.1, 0, 1e-5); }, "input_scale");
  expect_invalid([&] { make_layernorm_params(0.1, g, b, -1.0, 0, 1e-5); }, "output_scale");
  expect_invalid([&] { make_layernorm_params(0.1, g, b, NAN, 0, 1e-5); }, "output_scale");
  expect_invalid([&] { make_layernorm_params(0.1, g, b, 0.1, 0, -1.0); }, "eps");
  expect_invalid([&] { make_layernorm_params(0.1, g, {0.0}, 0.1, 0, 1e-5); }, "differ in size");
  expect_invalid([&] { make_layernorm_params(0.1, {}, {}, 0.1, 0, 1e-5); }, "length");
  expect_invalid([&] { make_layernorm_params(0.1, g, b, 0.1, 128, 1e-5); }, "zero_point");
  expect_invalid([&] { make_rmsnorm_params(-0.1, 0, g, 0.1, 0, 1e-6); }, "input_scale");
  expect_invalid([&] { make_rmsnorm_params(0.1, -129, g, 0.1, 0, 1e-6); }, "zero_point");
  expect_invalid([&] { make_add_params(0.0, 0, 0.1, 0, 0.1, 0); }, "a_scale");
  expect_invalid([&] { make_add_params(0.1, 0, -0.1, 0, 0.1, 0); }, "b_scale");
  expect_invalid([&] { make_add_params(0.1, 0, 0.1, 0, 0.0, 0); }, "output_scale");
  expect_invalid([&] { make_mul_params(0.1, 0, 0.0, 0, 0.1, 0); }, "b_scale");
  expect_invalid([&] { make_mul_params(0.1, 0, 0.1, 0, -2.0, 0); }, "output_scale");
  expect_invalid([&] { make_rope_table(127, 16, 10000.0); }, "even");
  expect_invalid([&] { make_rope_table(0, 16, 10000.0); }, "even");
  expect_invalid([&] { make_rope_table(64, 0, 10000.0); }, "max_pos");
  expect_invalid([&] { make_rope_table(64, 16, 1.0); }, "theta");
  const NormParams p = make_layernorm_params(0.1, g, b, 0.1, 0, 1e-5);
  expect_invalid([&] { layernorm_i8(std::vector<std::int8_t>(7), p); }, "multiple");
  const RopeTable t = make_rope_table(4, 4, 10000.0);
  expect_invalid([&] { rope_i8({1, 2}, 0, 0, t); }, "dimension");
  expect_invalid([&] { rope_i8({1, 2, 3, 4}, 4, 0, t); }, "position");
  const AddParams ap = make_add_params(0.1, 0, 0.1, 0, 0.1, 0);
  expect_invalid([&] { add_i8(std::vector<std::int8_t>(3), std::vector<std::int8_t>(2), ap); },
                 "differ in size");
}

// ---- Accuracy floors (docs/numerics-norms.md lists measured values and these floors) ----

TEST(NormsAccuracy, SqnrFloors) {
  struct Floor {
    const char* op;
    const char* dist;
    double db;
  };
  const Floor floors[] = {
      {"layernorm (n=768)", "uniform int8", 44.0},
      {"layernorm (n=768)", "gaussian with 1% outliers", 32.0},
      {"rmsnorm (n=4096)", "uniform int8", 44.5},
      {"rmsnorm (n=4096)", "gaussian with 1% outliers", 31.5},
      {"residual add", "uniform int8", 44.5},
      {"residual add", "gaussian with 1% outliers", 32.5},
      {"mul", "uniform int8", 41.5},
      {"mul", "gaussian with 1% outliers", 18.5},
      {"rope (d=128, theta=1e4)", "uniform int8", 23.5},
      {"rope (d=128, theta=1e4)", "gaussian with 1% outliers", 34.0},
  };
  const std::vector<AccuracyRow> rows = norm_accuracy();
  ASSERT_EQ(rows.size(), std::size(floors));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].op, floors[i].op);
    EXPECT_EQ(rows[i].distribution, floors[i].dist);
    EXPECT_GE(rows[i].sqnr_db, floors[i].db) << rows[i].op << " / " << rows[i].distribution;
    EXPECT_GT(rows[i].samples, 10000u);
    EXPECT_LT(std::fabs(rows[i].mean_error), 0.01) << rows[i].op;
  }
}

}  // namespace
}  // namespace serrano::golden
