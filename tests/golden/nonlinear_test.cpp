// SPDX-License-Identifier: Apache-2.0
// Tests for Serrano's integer non-linear ops (golden/nonlinear.h, docs/numerics-nonlinear.md).
#include "golden/nonlinear.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "golden/accuracy.h"

namespace serrano::golden {
namespace {

// ---- Accuracy floors (measured values in docs/numerics-nonlinear.md, floor ~1 dB below) ----

double floor_db(const std::string& op, const std::string& dist) {
  const bool uniform = dist == "uniform int8";
  if (op == "softmax") return uniform ? 29.3 : 40.6;
  if (op == "gelu_erf") return uniform ? 49.4 : 35.9;
  if (op == "gelu_tanh") return uniform ? 52.1 : 36.6;
  if (op == "silu") return uniform ? 50.0 : 36.2;
  if (op == "swiglu") return uniform ? 40.0 : 16.6;
  ADD_FAILURE() << "unknown op " << op;
  return 1e9;
}

TEST(Nonlinear, AccuracyFloors) {
  const std::vector<AccuracyRow> rows = nonlinear_accuracy();
  ASSERT_EQ(rows.size(), 10u);
  for (const AccuracyRow& r : rows) {
    EXPECT_GE(r.sqnr_db, floor_db(r.op, r.distribution)) << r.op << " / " << r.distribution;
    EXPECT_EQ(r.samples, 65536u) << r.op;
  }
}

TEST(Nonlinear, AccuracyIsDeterministic) {
  const std::vector<AccuracyRow> a = nonlinear_accuracy();
  const std::vector<AccuracyRow> b = nonlinear_accuracy();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].sqnr_db, b[i].sqnr_db);
    EXPECT_EQ(a[i].max_abs_error, b[i].max_abs_error);
    EXPECT_EQ(a[i].mean_error, b[i].mean_error);
  }
}

// ---- exp ----

TEST(NonlinearSoftmax, ExpHandValues) {
  // x = 0: z = 0, p = 0, (p + b)^2 = 1418723^2 = 2012774950729; * 11747 = 23644067346213563;
  // / 2^25 = 704648117.61 -> 704648118; + 369367187 = 1074015305 (= 1.000274 * 2^30).
  EXPECT_EQ(exp_q30(0), 1074015305);
  // x = -ln2 exactly: z = 1, p = 0: 1074015305 / 2 = 537007652.5 -> 537007653 (ties away).
  EXPECT_EQ(exp_q30(-kSoftmaxLn2Q20), 537007653);
  // x = -30 ln2: z = 30, the clamp: exactly 0 (not 1074015143 / 2^30 = 1.0003 -> 1).
  EXPECT_EQ(exp_q30(-30 * kSoftmaxLn2Q20), 0);
  EXPECT_THROW(exp_q30(1), std::invalid_argument);
  EXPECT_THROW(exp_q30(-30 * kSoftmaxLn2Q20 - 1), std::invalid_argument);
  // Within 0.32% (+ 1/2 LSB) of exp over the range above the clamp (measured 0.312%),
  // non-decreasing.
  std::int32_t prev = 0;
  for (std::int32_t x = -30 * kSoftmaxLn2Q20 + 997; x <= 0; x += 997) {
    const std::int32_t e = exp_q30(x);
    EXPECT_GE(e, prev);
    prev = e;
    const double ref = std::ldexp(std::exp(std::ldexp(x, -20)), 30);
    EXPECT_LE(std::fabs(e - ref), 0.0032 * ref + 0.5) << x;
  }
}

TEST(NonlinearSoftmax, ExpIsZeroExactlyAtTheClamp) {
  // z = floor(-x / ln2) reaches kSoftmaxMaxZ = 30 only at the clamp value itself: exp_q30 is 0
  // there, so an element at the clamp (a masked or padded logit) adds nothing to the sum.
  const std::int32_t clamp = -kSoftmaxMaxZ * kSoftmaxLn2Q20;
  EXPECT_EQ(clamp, -21804510);
  EXPECT_EQ(exp_q30(clamp), 0);
  // One Q20 step above the clamp: z = 29, p = 1 - ln2: poly = 536966613 (~2^29), / 2^29 -> 1,
  // as before the rule. The whole last octave (z = 29) stays at 1 or 2, never 0, non-decreasing.
  EXPECT_EQ(exp_q30(clamp + 1), 1);
  std::int32_t prev = exp_q30(clamp);
  for (std::int32_t x = clamp + 1; x <= clamp + kSoftmaxLn2Q20; x += 131) {
    const std::int32_t e = exp_q30(x);
    EXPECT_GE(e, 1) << x;
    EXPECT_LE(e, 2) << x;
    EXPECT_GE(e, prev) << x;
    prev = e;
  }
  EXPECT_EQ(exp_q30(clamp + kSoftmaxLn2Q20), 2);  // x = -29 ln2: z = 29, p = 0: 1074015305 / 2^29
}

TEST(NonlinearSoftmax, ClampedElementsContributeNothing) {
  // Scale 0.5: d <= -42 gives x <= -21 < -30 ln2 (-20.79), so those elements sit at the clamp.
  // Appending them leaves the other outputs bit for bit unchanged and they get -128.
  const SoftmaxParams p = make_softmax_params(0.5);
  std::mt19937_64 rng(11);
  for (int r = 0; r < 200; ++r) {
    const std::size_t n = 1 + rng() % 40;
    std::vector<std::int8_t> row(n);
    for (auto& v : row) v = static_cast<std::int8_t>(static_cast<int>(rng() % 100) + 20);  // >= 20
    std::vector<std::int8_t> longer = row;
    const std::size_t extra = 1 + rng() % 20;
    for (std::size_t k = 0; k < extra; ++k) {
      longer.insert(longer.begin() + static_cast<std::ptrdiff_t>(rng() % (longer.size() + 1)),
                    static_cast<std::int8_t>(-128 + static_cast<int>(rng() % 20)));  // <= -109
    }
    const std::vector<std::int8_t> out = softmax_i8(longer, p);
    std::vector<std::int8_t> kept;
    for (std::size_t i = 0; i < longer.size(); ++i) {
      if (longer[i] < 0) {
        EXPECT_EQ(out[i], -128) << i;
      } else {
        kept.push_back(out[i]);
      }
    }
    EXPECT_EQ(kept, softmax_i8(row, p)) << "row " << r;
  }
}

std::vector<std::int8_t> random_row(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::int8_t> row(n);
  for (auto& v : row) v = static_cast<std::int8_t>(static_cast<int>(rng() >> 56) - 128);
  return row;
}

int sum_of_probs_256(const std::vector<std::int8_t>& out) {
  int s = 0;
  for (std::int8_t v : out) s += v + 128;
  return s;
}

TEST(NonlinearSoftmax, RowsSumToOne) {
  // Each output is round(256 e_i / sum) clamped to 255, so every element is within 1/2 LSB
  // (+ a reciprocal error below 2^-20 LSB) of 256 e_i / sum and |sum_out - 256| <= n / 2.
  // Near-uniform rows (small scales) round every element the same way, so the deviation adds up:
  // measured on 1000 uniform-int8 rows of 128 per scale, worst |sum_out - 256| = 18 (scale 0.01),
  // 10 at 8/127, 4 at 0.5, 0 at 0.001 (see the doc). The test uses k = 20 for n = 128.
  std::mt19937_64 rng(42);
  int worst = 0;
  for (double scale : {0.001, 0.01, 0.03, 8.0 / 127, 0.2, 0.5, 2.0}) {
    const SoftmaxParams p = make_softmax_params(scale);
    for (int r = 0; r < 1000; ++r) {
      const int dev = std::abs(sum_of_probs_256(softmax_i8(random_row(rng, 128), p)) - 256);
      worst = std::max(worst, dev);
    }
  }
  EXPECT_LE(worst, 20);
  // The hard bound n / 2 for other lengths.
  const SoftmaxParams p = make_softmax_params(0.02);
  for (std::size_t n = 1; n <= 300; n += 7) {
    const int dev = std::abs(sum_of_probs_256(softmax_i8(random_row(rng, n), p)) - 256);
    EXPECT_LE(dev, static_cast<int>(n / 2) + 1) << n;  // + 1: the 256 -> 255 clamp at n = 1
  }
}

TEST(NonlinearSoftmax, AllEqualRow) {
  const SoftmaxParams p = make_softmax_params(0.1);
  // n = 4: every e equal, 256 / 4 = 64 -> q_out = 64 - 128 = -64.
  EXPECT_EQ(softmax_i8({5, 5, 5, 5}, p), std::vector<std::int8_t>(4, -64));
  // n = 128: 256 / 128 = 2 -> -126.
  EXPECT_EQ(softmax_i8(std::vector<std::int8_t>(128, 37), p), std::vector<std::int8_t>(128, -126));
  // n = 3: 256 / 3 = 85.33 -> 85 -> -43.
  EXPECT_EQ(softmax_i8({-9, -9, -9}, p), std::vector<std::int8_t>(3, -43));
  // All -128: equal too.
  EXPECT_EQ(softmax_i8(std::vector<std::int8_t>(16, -128), p), std::vector<std::int8_t>(16, -112));
}

TEST(NonlinearSoftmax, SingleHugeOutlier) {
  // Scale 0.1: outlier 127, rest -128: d = -255, x = -25.5 -> e^-25.5 ~ 8e-12: all mass on one.
  const SoftmaxParams p = make_softmax_params(0.1);
  std::vector<std::int8_t> row(64, -128);
  row[17] = 127;
  const std::vector<std::int8_t> out = softmax_i8(row, p);
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i], i == 17 ? 127 : -128) << i;  // 256 clamps to 255 -> 127
  }
}

TEST(NonlinearSoftmax, LengthOneAndEmpty) {
  const SoftmaxParams p = make_softmax_params(0.05);
  // One element: e / sum = 1 -> 256, clamped to 255 -> q_out = 127 (p = 255/256).
  for (int q : {-128, 0, 127}) {
    EXPECT_EQ(softmax_i8({static_cast<std::int8_t>(q)}, p), std::vector<std::int8_t>{127});
  }
  EXPECT_TRUE(softmax_i8({}, p).empty());
  EXPECT_THROW(softmax_i8(std::vector<std::int8_t>(kSoftmaxMaxRow + 1, 0), p),
               std::invalid_argument);
}

TEST(NonlinearSoftmax, ShiftInvariantAndOrderPreserving) {
  const SoftmaxParams p = make_softmax_params(0.08);
  std::mt19937_64 rng(7);
  for (int r = 0; r < 200; ++r) {
    std::vector<std::int8_t> row(32);
    std::vector<std::int8_t> shifted(32);
    for (std::size_t i = 0; i < row.size(); ++i) {
      row[i] = static_cast<std::int8_t>(static_cast<int>(rng() % 200) - 128);
      shifted[i] = static_cast<std::int8_t>(row[i] + 55);
    }
    const auto a = softmax_i8(row, p);
    EXPECT_EQ(a, softmax_i8(shifted, p));  // only q - max matters
    for (std::size_t i = 0; i < row.size(); ++i) {
      for (std::size_t j = 0; j < row.size(); ++j) {
        if (row[i] < row[j]) {
          EXPECT_LE(a[i], a[j]);
        }
      }
    }
  }
}

TEST(NonlinearSoftmax, Deterministic) {
  const SoftmaxParams p = make_softmax_params(0.07);
  std::mt19937_64 rng(3);
  const auto row = random_row(rng, 100);
  EXPECT_EQ(softmax_i8(row, p), softmax_i8(row, p));
  EXPECT_EQ(make_softmax_params(0.07).input_scale_q20, p.input_scale_q20);
  EXPECT_EQ(p.input_scale_q20, 73400);  // round(0.07 * 2^20) = round(73400.32)
}

// ---- GELU erf (i-GELU) ----

// ---- softmax_i32 (section 1b) ----

TEST(SoftmaxI32, EdgeRows) {
  const SoftmaxI32Params p = make_softmax_i32_params(0.001);
  EXPECT_EQ(softmax_i32({123456}, p), std::vector<std::int8_t>{127});
  EXPECT_TRUE(softmax_i32({}, p).empty());
  // All equal: round(256 / n) - 128, as for int8 logits.
  EXPECT_EQ(softmax_i32(std::vector<std::int32_t>(4, -77), p), std::vector<std::int8_t>(4, -64));
  EXPECT_EQ(softmax_i32(std::vector<std::int32_t>(128, 5), p), std::vector<std::int8_t>(128, -126));
  // The extremes of int32 neither overflow nor lose the outlier.
  const std::vector<std::int8_t> out =
      softmax_i32({INT32_MIN, INT32_MAX, INT32_MIN, 0}, make_softmax_i32_params(1e-6));
  EXPECT_EQ(out, (std::vector<std::int8_t>{-128, 127, -128, -128}));
}

TEST(SoftmaxI32, TracksFp64AndSumsToOne) {
  std::mt19937_64 gen(7);
  for (const double scale : {1e-4, 3e-3, 0.05}) {
    const SoftmaxI32Params p = make_softmax_i32_params(scale);
    double worst = 0.0;
    for (int r = 0; r < 200; ++r) {
      const std::size_t n = 1 + gen() % 300;
      // Logits spread over about +-12 in real terms.
      std::vector<std::int32_t> row(n);
      for (auto& q : row)
        q = std::int32_t(std::int64_t(gen() % 24001) - 12000) * std::int32_t(0.001 / scale + 1);
      const std::vector<std::int8_t> out = softmax_i32(row, p);
      double mx = -1e300, z = 0.0;
      for (auto q : row) mx = std::max(mx, scale * q);
      for (auto q : row) z += std::exp(scale * q - mx);
      double sum = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double got = (out[i] + 128) / 256.0;
        sum += got;
        worst = std::max(worst, std::fabs(got - std::exp(scale * row[i] - mx) / z));
      }
      EXPECT_NEAR(sum, 1.0, 0.5 / 256.0 * double(n) + 1.0 / 256.0);
    }
    // Output LSB 1/256: the error stays within one LSB (rounding plus the 0.32% exp error; a
    // certain element gets 255/256, the top of the int8 range, hence the equality).
    EXPECT_LE(worst, 1.0 / 256.0) << "scale " << scale;
  }
}

TEST(SoftmaxI32, MatchesInt8SoftmaxOnInt8Grid) {
  // With S * 2^20 a power of two both variants compute the same x_i exactly.
  const double scale = 1.0 / 64.0;
  const SoftmaxParams p8 = make_softmax_params(scale);
  const SoftmaxI32Params p32 = make_softmax_i32_params(scale);
  std::mt19937_64 gen(3);
  for (int r = 0; r < 100; ++r) {
    std::vector<std::int8_t> row8(1 + gen() % 64);
    std::vector<std::int32_t> row32;
    for (auto& q : row8) {
      q = std::int8_t(int(gen() % 256) - 128);
      row32.push_back(q);
    }
    EXPECT_EQ(softmax_i8(row8, p8), softmax_i32(row32, p32));
  }
}

TEST(SoftmaxI32, MaskedRowHandValues) {
  // Three visible logits, one masked (it was the row max) and 12 padding elements to a width of
  // 16. Under the old rule (exp 1, not 0, at the clamp) the 13 extra units in the sum moved the
  // first output across a rounding boundary (-54 instead of -53).
  const SoftmaxI32Params p = make_softmax_i32_params(1e-3);
  const std::vector<std::int8_t> alone = softmax_i32({3109, 3996, -1204}, p);
  EXPECT_EQ(alone, (std::vector<std::int8_t>{-53, 53, -127}));
  std::vector<std::int32_t> row = {3109, 5000 - (1 << 30), 3996, -1204};
  row.resize(16, -(1 << 30));
  std::vector<std::int8_t> want = {-53, -128, 53, -127};
  want.resize(16, -128);
  EXPECT_EQ(softmax_i32(row, p), want);
}

TEST(SoftmaxI32, MaskedLogitsAreExact) {
  // The compiler masks attention logits (causal mask, padding of a row to a multiple of the array
  // width) by adding -2^30: such a logit lands on the exponent clamp, where exp_q30 is exactly 0.
  // So the softmax of the masked row equals, bit for bit, the softmax of the visible elements
  // alone, and every masked element gives -128 (probability 0). Padding is an element of value
  // -2^30 (0 - 2^30).
  constexpr std::int64_t kMask = std::int64_t{1} << 30;
  std::mt19937_64 gen(2028);
  int masked_total = 0;
  for (const double scale : {1e-4, 1e-3, 0.02}) {
    const SoftmaxI32Params p = make_softmax_i32_params(scale);
    // Logit spreads of +-4, +-16 and +-40 in real terms (the last puts visible elements at the
    // clamp too).
    for (const double spread : {4.0, 16.0, 40.0}) {
      const auto range = static_cast<std::int64_t>(spread / scale);
      for (const std::size_t n : {1u, 2u, 3u, 7u, 16u, 33u, 64u, 100u, 128u, 257u}) {
        for (int r = 0; r < 8; ++r) {
          std::vector<std::int32_t> visible(n);
          for (auto& q : visible) {
            q = static_cast<std::int32_t>(static_cast<std::int64_t>(gen() % (2 * range + 1)) -
                                          range);
          }
          // Mask a random subset (any element, the row max included, but never all of them),
          // then pad to a multiple of 8 or 16.
          std::vector<std::int32_t> full(visible);
          std::vector<bool> is_masked(n, false);
          const std::size_t keep = gen() % n;               // this one stays visible
          const int density = static_cast<int>(gen() % 4);  // 0: none masked .. 3: most masked
          for (std::size_t i = 0; i < n; ++i) {
            if (i != keep && static_cast<int>(gen() % 4) < density) {
              is_masked[i] = true;
              full[i] = static_cast<std::int32_t>(full[i] - kMask);
            }
          }
          const std::size_t width = (gen() % 2) ? 8 : 16;
          while (full.size() % width != 0) {
            full.push_back(static_cast<std::int32_t>(-kMask));
            is_masked.push_back(true);
          }
          std::vector<std::int32_t> shown;
          for (std::size_t i = 0; i < n; ++i) {
            if (!is_masked[i]) shown.push_back(visible[i]);
          }
          const std::vector<std::int8_t> out = softmax_i32(full, p);
          const std::vector<std::int8_t> ref = softmax_i32(shown, p);
          ASSERT_EQ(out.size(), full.size());
          std::vector<std::int8_t> got;
          for (std::size_t i = 0; i < full.size(); ++i) {
            if (is_masked[i]) {
              EXPECT_EQ(out[i], -128) << "scale " << scale << " n " << n << " element " << i;
              ++masked_total;
            } else {
              got.push_back(out[i]);
            }
          }
          EXPECT_EQ(got, ref) << "scale " << scale << " spread " << spread << " n " << n;
        }
      }
    }
  }
  EXPECT_GT(masked_total, 10000);  // the rows above mask and pad plenty of elements
}

TEST(SoftmaxI32, RejectsBadScales) {
  EXPECT_THROW(make_softmax_i32_params(0.0), std::invalid_argument);
  EXPECT_THROW(make_softmax_i32_params(-1.0), std::invalid_argument);
  EXPECT_THROW(make_softmax_i32_params(1024.0), std::invalid_argument);
  EXPECT_THROW(softmax_i32({1, 2}, SoftmaxI32Params{}), std::invalid_argument);
}

TEST(NonlinearGelu, ErfHandValues) {
  // in scale 1/16, zp 0; out scale 1/16, zp 0.
  const GeluErfParams p = make_gelu_erf_params(1.0 / 16, 0, 1.0 / 16, 0);
  EXPECT_EQ(gelu_erf_i8(0, p), 0);
  // q = 127 (x = 7.94): |x|/sqrt2 = 5.6 > 1.769 -> L = 1, g = 127 * 2^17, real x -> 127.
  EXPECT_EQ(gelu_erf_i8(127, p), 127);
  // q = -128 (x = -8): L = 1, 1 - L = 0 -> 0.
  EXPECT_EQ(gelu_erf_i8(-128, p), 0);
  // q = 16 (x = 1): x_scale_q16 = round(2^12 / sqrt2) = 2896; t = 46336; m = -69597;
  // a m^2 = -18927 * 4843742409 = -91677512575143, / 2^32 = -21345.33 -> -21345; L = 44191;
  // g = 16 * (65536 + 44191) = 1755632; real = g / 2^21 = 0.83715 -> / (1/16) = 13.39 -> 13.
  // (Exact GELU(1) = 0.8413 -> 13.46 -> 13.)
  EXPECT_EQ(gelu_erf_i8(16, p), 13);
  EXPECT_EQ(p.x_scale_q16, 2896);
}

TEST(NonlinearGelu, ErfMonotonicForPositiveAndOddPart) {
  const GeluErfParams p = make_gelu_erf_params(8.0 / 127, 0, 8.0 / 127, 0);
  for (int q = 1; q <= 127; ++q) {
    EXPECT_GE(gelu_erf_i8(static_cast<std::int8_t>(q), p),
              gelu_erf_i8(static_cast<std::int8_t>(q - 1), p));
    // gelu(x) - gelu(-x) = x; same in and out scale so the difference is q within 1 LSB.
    const int diff =
        gelu_erf_i8(static_cast<std::int8_t>(q), p) - gelu_erf_i8(static_cast<std::int8_t>(-q), p);
    EXPECT_LE(std::abs(diff - q), 1) << q;
  }
}

TEST(NonlinearGelu, ErfCloseToReference) {
  const double s = 6.0 / 127;
  const GeluErfParams p = make_gelu_erf_params(s, 3, 0.03, -120);
  for (int q = -128; q <= 127; ++q) {
    const double ref = gelu_erf_ref(s * (q - 3));
    const double got = 0.03 * (gelu_erf_i8(static_cast<std::int8_t>(q), p) + 120);
    if (ref / 0.03 - 120 > 127.5) continue;     // saturated
    EXPECT_NEAR(got, ref, 0.025 + 0.015) << q;  // polynomial (<0.025) + 1/2 LSB
  }
}

// ---- LUT ops ----

TEST(NonlinearLut, GeluTanhHandValues) {
  const LutParams p = make_gelu_tanh_params(1.0 / 16, 0, 1.0 / 16, 0);
  EXPECT_EQ(lut_i8(0, p), 0);
  EXPECT_EQ(lut_i8(127, p), 127);  // gelu(7.94) = 7.94
  EXPECT_EQ(lut_i8(-128, p), 0);   // gelu(-8) ~ -1e-14
  EXPECT_EQ(lut_i8(16, p), 13);    // gelu_tanh(1) = 0.84119 -> 13.46 -> 13
  EXPECT_EQ(lut_i8(-16, p), -3);   // gelu_tanh(-1) = -0.15881 -> -2.54 -> -3
}

TEST(NonlinearLut, SiluHandValues) {
  const LutParams p = make_silu_params(1.0 / 16, 0, 1.0 / 32, -64);
  EXPECT_EQ(lut_i8(0, p), -64);
  EXPECT_EQ(lut_i8(127, p), 127);   // silu(7.94) = 7.93 * 32 = 253.7 - 64 -> clamps to 127
  EXPECT_EQ(lut_i8(-128, p), -64);  // silu(-8) = -0.00268 * 32 = -0.086 -> 0
  EXPECT_EQ(lut_i8(16, p), -41);    // silu(1) = 0.731059 * 32 = 23.39 -> 23 - 64
  EXPECT_EQ(lut_i8(-16, p), -73);   // silu(-1) = -0.268941 * 32 = -8.61 -> -9 - 64
}

TEST(NonlinearLut, MonotonicAndOddPart) {
  const double s = 8.0 / 127;
  const LutParams g = make_gelu_tanh_params(s, 0, s, 0);
  const LutParams si = make_silu_params(s, 0, s, 0);
  // Both are monotonic above their minimum (gelu: x > -0.75, silu: x > -1.28).
  for (int q = -11; q <= 127; ++q) {
    EXPECT_GE(lut_i8(static_cast<std::int8_t>(q), g), lut_i8(static_cast<std::int8_t>(q - 1), g));
  }
  for (int q = -19; q <= 127; ++q) {
    EXPECT_GE(lut_i8(static_cast<std::int8_t>(q), si), lut_i8(static_cast<std::int8_t>(q - 1), si));
  }
  for (int q = 1; q <= 127; ++q) {
    const auto a = static_cast<std::int8_t>(q);
    const auto b = static_cast<std::int8_t>(-q);
    EXPECT_LE(std::abs(lut_i8(a, g) - lut_i8(b, g) - q), 1) << q;    // gelu(x) - gelu(-x) = x
    EXPECT_LE(std::abs(lut_i8(a, si) - lut_i8(b, si) - q), 1) << q;  // silu(x) - silu(-x) = x
  }
}

// ---- SwiGLU ----

TEST(NonlinearSwiglu, HandValuesAndReference) {
  const double gs = 1.0 / 16;
  const double us = 1.0 / 32;
  const double os = 1.0 / 16;
  const SwigluParams p = make_swiglu_params(gs, 0, us, 0, os, 0);
  EXPECT_EQ(swiglu_i8(0, 100, p), 0);
  EXPECT_EQ(swiglu_i8(100, 0, p), 0);
  // silu(1) * 1 = 0.731 -> 11.7 -> 12.
  EXPECT_EQ(swiglu_i8(16, 32, p), 12);
  // silu(7.94) * (-4) = -31.7 -> clamps at -128.
  EXPECT_EQ(swiglu_i8(127, -128, p), -128);
  for (int g = -128; g <= 127; g += 3) {
    for (int u = -128; u <= 127; u += 5) {
      const double ref = silu_ref(gs * g) * us * u / os;
      if (std::fabs(ref) > 127) continue;
      const int got = swiglu_i8(static_cast<std::int8_t>(g), static_cast<std::int8_t>(u), p);
      EXPECT_LE(std::fabs(got - ref), 0.51) << g << " " << u;
    }
  }
}

// ---- Parameter validation ----

TEST(NonlinearParams, RejectBadScales) {
  for (double bad : {0.0, -1.0, std::nan(""), HUGE_VAL}) {
    EXPECT_THROW(make_softmax_params(bad), std::invalid_argument);
    EXPECT_THROW(make_gelu_erf_params(bad, 0, 0.1, 0), std::invalid_argument);
    EXPECT_THROW(make_gelu_erf_params(0.1, 0, bad, 0), std::invalid_argument);
    EXPECT_THROW(make_gelu_tanh_params(bad, 0, 0.1, 0), std::invalid_argument);
    EXPECT_THROW(make_gelu_tanh_params(0.1, 0, bad, 0), std::invalid_argument);
    EXPECT_THROW(make_silu_params(bad, 0, 0.1, 0), std::invalid_argument);
    EXPECT_THROW(make_swiglu_params(bad, 0, 0.1, 0, 0.1, 0), std::invalid_argument);
    EXPECT_THROW(make_swiglu_params(0.1, 0, bad, 0, 0.1, 0), std::invalid_argument);
    EXPECT_THROW(make_swiglu_params(0.1, 0, 0.1, 0, bad, 0), std::invalid_argument);
  }
  EXPECT_THROW(make_gelu_erf_params(0.1, 128, 0.1, 0), std::invalid_argument);
  EXPECT_THROW(make_silu_params(0.1, 0, 0.1, -129), std::invalid_argument);
  EXPECT_THROW(make_softmax_params(4096.0), std::invalid_argument);  // 2^32 in Q20
  try {
    make_softmax_params(-0.5);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "softmax: input_scale must be positive and finite");
  }
}

}  // namespace
}  // namespace serrano::golden
