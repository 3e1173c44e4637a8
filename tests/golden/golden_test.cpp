// SPDX-License-Identifier: Apache-2.0
// Tests for Serrano's golden numerics (golden/golden.h, docs/numerics.md).
// Every expected value below is computed by hand in the comment next to it; none is taken from
// the code under test.
#include "golden/golden.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace serrano::golden {
namespace {

constexpr std::int32_t kMin = std::numeric_limits<std::int32_t>::min();  // -2^31
constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();  //  2^31 - 1
constexpr std::int32_t kTwoPow30 = std::int32_t{1} << 30;                //  1073741824

// std::mt19937 is fully specified by the C++ standard, but std::uniform_int_distribution and
// std::uniform_real_distribution are not: libstdc++, libc++ and MSVC map the same engine output
// to different numbers. That would be harmless for these tests, but the mappings below are
// written out so that the same seed draws the same data with every standard library.
class Rng {
 public:
  explicit Rng(std::uint32_t seed) : engine_(seed) {}

  // Uniform integer in [lo, hi], hi - lo < 2^32: scale one 32-bit draw by the span (the bias of
  // this multiply-shift mapping is below span / 2^32, irrelevant here).
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi - lo) + 1;  // <= 2^32
    const std::uint64_t draw = engine_();                                // < 2^32
    return lo + static_cast<std::int64_t>((draw * span) >> 32);
  }

  // Uniform double in [0, 1) with 53 random bits from two draws.
  double uniform_unit() {
    const std::uint64_t high = engine_() >> 5;                            // 27 bits
    const std::uint64_t low = engine_() >> 6;                             // 26 bits
    return static_cast<double>((high << 26) | low) / 9007199254740992.0;  // / 2^53
  }

  std::int8_t int8() { return static_cast<std::int8_t>(uniform_int(-128, 127)); }

 private:
  std::mt19937 engine_;
};

// Exact sum a + b reduced modulo 2^32 into [-2^31, 2^31): the test's own int32 wrap-around.
std::int32_t wrap(std::int64_t v) {
  std::int64_t r = v % (std::int64_t{1} << 32);  // in (-2^32, 2^32)
  if (r >= (std::int64_t{1} << 31)) {
    r -= std::int64_t{1} << 32;
  }
  if (r < -(std::int64_t{1} << 31)) {
    r += std::int64_t{1} << 32;
  }
  return static_cast<std::int32_t>(r);
}

// round() of the reals: half away from zero.
std::int64_t round_half_away(double v) { return static_cast<std::int64_t>(std::round(v)); }

// ---- saturating_rounding_doubling_high_mul: round(a * b / 2^31), ties toward +infinity ----

TEST(Srdhm, MinTimesMinSaturates) {
  // (-2^31)(-2^31) / 2^31 = 2^31 does not fit: the one saturating case.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMin), kMax);
}

TEST(Srdhm, PositiveTieRoundsUp) {
  // a*b = 2^15 * 2^15 = 2^30, i.e. 0.5 * 2^31. ab + 2^30 = 2^31 lands exactly on a multiple:
  // 2^31 / 2^31 = 1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(32768, 32768), 1);
  // a*b = 32767 * 32769 = 2^30 - 1 (just below 0.5). ab + 2^30 = 2^31 - 1, not a multiple:
  // (2^31 - 1) / 2^31 truncates to 0.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(32767, 32769), 0);
}

TEST(Srdhm, NegativeTieRoundsTowardPlusInfinity) {
  // a*b = -2^15 * 2^15 = -2^30 (-0.5). nudge = 1 - 2^30: ab + nudge = -2^31 + 1, not a multiple:
  // (-2^31 + 1) / 2^31 = -0.99999... truncates toward zero to 0. So -0.5 -> 0, not -1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-32768, 32768), 0);
  // a*b = -13325 * 80581 = -(2^30 + 1) (just below -0.5; 2^30 + 1 = 5^2 * 13 * 41 * 61 * 1321).
  // ab + nudge = -2^30 - 1 + 1 - 2^30 = -2^31 lands exactly on a multiple: -2^31 / 2^31 = -1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-13325, 80581), -1);
  // a*b = -98304 * 32768 = -3 * 2^30 (-1.5). ab + nudge = -2^32 + 1: / 2^31 = -1.99999... -> -1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-98304, 32768), -1);
}

TEST(Srdhm, Extremes) {
  // (2^31 - 1)^2 = 2^62 - 2^32 + 1; + 2^30 = 2^62 - 2^32 + 2^30 + 1;
  // / 2^31 = 2^31 - 2 + (2^30 + 1) / 2^31 -> truncates to 2^31 - 2.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMax, kMax), 2147483646);
  // -2^31 (2^31 - 1) = -2^62 + 2^31; + 1 - 2^30 = -2^62 + 2^31 - 2^30 + 1;
  // / 2^31 = -2^31 + 1 - (2^30 - 1) / 2^31 -> truncates toward zero to -2^31 + 1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMax), -2147483647);
  // -2^31 * 1 = -2^31 (exactly -1.0); + 1 - 2^30 = -2^31 - 2^30 + 1; / 2^31 = -1.4999... -> -1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, 1), -1);
  // 0 * anything: 0 + 2^30 = 2^30; / 2^31 = 0.5 -> truncates to 0.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(0, kMin), 0);
}

// ---- rounding_divide_by_pot: round(x / 2^e), ties away from zero ----

TEST(RoundingDivideByPot, HalfTiesAwayFromZero) {
  // 5 / 2 = 2.5: mask 1, rem 1, thr 0; 5 >> 1 = 2; 1 > 0 -> 3.
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);
  // -5 / 2 = -2.5: rem = -5 & 1 = 1, thr = 0 + 1 = 1; -5 >> 1 = -3 (floor); 1 > 1 no -> -3.
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);
  // -3 / 2 = -1.5: rem 1, thr 1; -3 >> 1 = -2; -> -2.
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);
  // 3 / 2 = 1.5: rem 1, thr 0; 3 >> 1 = 1; -> 2.
  EXPECT_EQ(rounding_divide_by_pot(3, 1), 2);
  // -7 / 4 = -1.75: rem = -7 & 3 = 1, thr = 1 + 1 = 2; -7 >> 2 = -2; 1 > 2 no -> -2.
  EXPECT_EQ(rounding_divide_by_pot(-7, 2), -2);
  // -5 / 4 = -1.25: rem = -5 & 3 = 3, thr 2; -5 >> 2 = -2; 3 > 2 -> -1.
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);
}

TEST(RoundingDivideByPot, ExponentZeroIsIdentity) {
  // mask 0, rem 0, thr 0 or 1: never rounds.
  for (std::int32_t x : {kMin, -1, 0, 1, 12345, kMax}) {
    EXPECT_EQ(rounding_divide_by_pot(x, 0), x);
  }
}

TEST(RoundingDivideByPot, ExponentThirtyOne) {
  // mask = 2^31 - 1, thr = 2^30 - 1 (+1 for negative x); x >> 31 is 0 or -1.
  // -2^31 / 2^31 = -1 exactly: rem 0, -1 + 0 = -1.
  EXPECT_EQ(rounding_divide_by_pot(kMin, 31), -1);
  // (2^31 - 1) / 2^31 = 0.99999...: rem = 2^31 - 1 > 2^30 - 1 -> 0 + 1 = 1.
  EXPECT_EQ(rounding_divide_by_pot(kMax, 31), 1);
  // 2^30 / 2^31 = 0.5, a tie: rem = 2^30 > thr = 2^30 - 1 -> 0 + 1 = 1 (away from zero).
  EXPECT_EQ(rounding_divide_by_pot(kTwoPow30, 31), 1);
  // 2^30 - 1 is just below the tie: rem = 2^30 - 1, not > thr -> 0.
  EXPECT_EQ(rounding_divide_by_pot(kTwoPow30 - 1, 31), 0);
  // -2^30 / 2^31 = -0.5, a tie: -2^30 >> 31 = -1; rem = 0xC0000000 & 0x7FFFFFFF = 2^30;
  // thr = 2^30 - 1 + 1 = 2^30; not > -> -1 (away from zero).
  EXPECT_EQ(rounding_divide_by_pot(-kTwoPow30, 31), -1);
  // -2^30 + 1 (-0.4999...): rem = 2^30 + 1 > 2^30 -> -1 + 1 = 0.
  EXPECT_EQ(rounding_divide_by_pot(-kTwoPow30 + 1, 31), 0);
}

TEST(RoundingDivideByPot, RejectsBadExponent) {
  EXPECT_THROW(rounding_divide_by_pot(1, -1), std::invalid_argument);
  EXPECT_THROW(rounding_divide_by_pot(1, 32), std::invalid_argument);
}

// ---- quantize_multiplier: M = M0 * 2^(shift - 31) ----

void expect_qm(double m, std::int32_t m0, int shift) {
  const QuantizedMultiplier q = quantize_multiplier(m);
  EXPECT_EQ(q.multiplier, m0) << "M = " << m;
  EXPECT_EQ(q.shift, shift) << "M = " << m;
}

TEST(QuantizeMultiplier, ExactPowersAndHalves) {
  expect_qm(0.5, kTwoPow30, 0);    // frexp: 0.5 * 2^0; 0.5 * 2^31 = 2^30
  expect_qm(0.25, kTwoPow30, -1);  // 0.5 * 2^-1
  expect_qm(1.0, kTwoPow30, 1);    // 0.5 * 2^1
  expect_qm(1.5, 1610612736, 1);   // 0.75 * 2^1; 0.75 * 2^31 = 1610612736
  expect_qm(0.75, 1610612736, 0);  // 0.75 * 2^0
  expect_qm(0.0, 0, 0);            // zero is special-cased
  expect_qm(-0.0, 0, 0);           // -0.0 == 0.0
  // 0.1 = 0.8 * 2^-3 (0.1 is the double 0.1000000000000000055...); 0.8 * 2^31 = 1717986918.4
  // -> rounds to 1717986918.
  expect_qm(0.1, 1717986918, -3);
  // 2^-32 = 0.5 * 2^-31: the smallest shift kept.
  expect_qm(std::ldexp(1.0, -32), kTwoPow30, -31);
}

TEST(QuantizeMultiplier, TiesAndTheCarryToTwoPow31) {
  // Largest double below 1: frexp gives q = 1 - 2^-53, shift 0; q * 2^31 = 2^31 - 2^-22 rounds to
  // 2^31, which does not fit: halve it and add one to the shift -> (2^30, 1), i.e. exactly 1.0.
  expect_qm(std::nextafter(1.0, 0.0), kTwoPow30, 1);
  // 1 - 2^-40: q * 2^31 = 2^31 - 2^-9 -> 2^31 -> same carry.
  expect_qm(1.0 - std::ldexp(1.0, -40), kTwoPow30, 1);
  // 1 - 2^-31: q * 2^31 = 2^31 - 1 exactly, no carry.
  expect_qm(1.0 - std::ldexp(1.0, -31), kMax, 0);
  // 1 - 2^-32: q * 2^31 = 2^31 - 0.5, a tie; round half away from zero -> 2^31 -> carry.
  expect_qm(1.0 - std::ldexp(1.0, -32), kTwoPow30, 1);
  // 0.5 + 2^-32: q * 2^31 = 2^30 + 0.5, a tie; half away from zero gives 2^30 + 1 (round half to
  // even would give 2^30).
  expect_qm(0.5 + std::ldexp(1.0, -32), kTwoPow30 + 1, 0);
  // Just below 2^-32: frexp shift = -32, but the carry brings it back to -31 before the flush.
  expect_qm(std::nextafter(std::ldexp(1.0, -32), 0.0), kTwoPow30, -31);
}

TEST(QuantizeMultiplier, TinyFlushesToZero) {
  // 2^-33 = 0.5 * 2^-32: shift -32 < -31 -> (0, 0).
  expect_qm(std::ldexp(1.0, -33), 0, 0);
  expect_qm(1e-20, 0, 0);
  expect_qm(std::numeric_limits<double>::denorm_min(), 0, 0);
}

TEST(QuantizeMultiplier, ShiftNeverExceedsThirty) {
  // 2^30 - 0.5 = (1 - 2^-31) * 2^30: M0 = 2^31 - 1, shift 30, no carry.
  expect_qm(std::ldexp(1.0, 30) - 0.5, kMax, 30);
  // 2^30 - 0.25 = (1 - 2^-32) * 2^30: q * 2^31 = 2^31 - 0.5 -> 2^31 -> carry -> shift 31,
  // which is saturated to the largest multiplier (2^31 - 1, 30).
  expect_qm(std::ldexp(1.0, 30) - 0.25, kMax, 30);
  // 2^30 itself and the largest double below 2^31 also saturate.
  expect_qm(std::ldexp(1.0, 30), kMax, 30);
  expect_qm(std::nextafter(std::ldexp(1.0, 31), 0.0), kMax, 30);
}

TEST(QuantizeMultiplier, RejectsOutOfDomain) {
  EXPECT_THROW(quantize_multiplier(-1e-9), std::invalid_argument);
  EXPECT_THROW(quantize_multiplier(-1.0), std::invalid_argument);
  EXPECT_THROW(quantize_multiplier(std::nan("")), std::invalid_argument);
  EXPECT_THROW(quantize_multiplier(std::numeric_limits<double>::infinity()), std::invalid_argument);
  EXPECT_THROW(quantize_multiplier(-std::numeric_limits<double>::infinity()),
               std::invalid_argument);
  EXPECT_THROW(quantize_multiplier(std::ldexp(1.0, 31)), std::invalid_argument);
}

TEST(QuantizeMultiplier, RepresentsTheRealValue) {
  // For M in [2^-31, 2^30), M0 * 2^(shift - 31) is within a relative 2^-31 of M.
  Rng rng(7);
  for (int i = 0; i < 10000; ++i) {
    const int exponent = static_cast<int>(rng.uniform_int(-31, 28));
    const double m = std::ldexp(1.0 + rng.uniform_unit(), exponent);  // in [2^-31, 2^29)
    const QuantizedMultiplier q = quantize_multiplier(m);
    ASSERT_GE(q.multiplier, kTwoPow30);
    ASSERT_GE(q.shift, -31);
    ASSERT_LE(q.shift, 30);
    const double back = std::ldexp(static_cast<double>(q.multiplier), q.shift - 31);
    ASSERT_LE(std::fabs(back - m), m * std::ldexp(1.0, -31)) << "M = " << m;
  }
}

// ---- multiply_by_quantized_multiplier ----

TEST(MultiplyByQuantizedMultiplier, LeftShifts) {
  // M = 1.0 = (2^30, 1): 100 << 1 = 200; SRDHM(200, 2^30) = 200 * 2^30 / 2^31 = 100.
  EXPECT_EQ(multiply_by_quantized_multiplier(100, kTwoPow30, 1), 100);
  // M = 3.0 = (0.75 * 2^31, 2): 7 << 2 = 28; 28 * 0.75 = 21 exactly.
  EXPECT_EQ(multiply_by_quantized_multiplier(7, 1610612736, 2), 21);
  // M = 2.0 = (2^30, 2): -2^29 << 2 = -2^31 fits exactly (no saturation);
  // SRDHM(-2^31, 2^30) = (-2^61 + 1 - 2^30) / 2^31 = -2^30 - 0.4999... -> -2^30.
  EXPECT_EQ(multiply_by_quantized_multiplier(-(1 << 29), kTwoPow30, 2), -kTwoPow30);
}

TEST(MultiplyByQuantizedMultiplier, LeftShiftSaturates) {
  // 2^30 << 2 = 2^32 saturates to 2^31 - 1 before the multiply;
  // SRDHM(2^31 - 1, 2^30) = ((2^31 - 1) 2^30 + 2^30) / 2^31 = 2^30.
  EXPECT_EQ(multiply_by_quantized_multiplier(kTwoPow30, kTwoPow30, 2), kTwoPow30);
  // -2^30 << 2 = -2^32 saturates to -2^31; SRDHM(-2^31, 2^30) = -2^30 (as above).
  EXPECT_EQ(multiply_by_quantized_multiplier(-kTwoPow30, kTwoPow30, 2), -kTwoPow30);
  // M = 1.0 at shift 1: (2^31 - 1) << 1 = 2^32 - 2 saturates to 2^31 - 1; SRDHM(., 2^30) = 2^30.
  // The saturation is on the intermediate, so the result is 2^30, not 2^31 - 1.
  EXPECT_EQ(multiply_by_quantized_multiplier(kMax, kTwoPow30, 1), kTwoPow30);
  // Shift 31 is accepted: 1 << 31 = 2^31 saturates to 2^31 - 1; SRDHM(2^31 - 1, 2^30) = 2^30.
  EXPECT_EQ(multiply_by_quantized_multiplier(1, kTwoPow30, 31), kTwoPow30);
}

TEST(MultiplyByQuantizedMultiplier, RightShifts) {
  // M = 0.25 = (2^30, -1), x = -95 (-23.75):
  // SRDHM(-95, 2^30): ab = -95 * 2^30; + 1 - 2^30 = -96 * 2^30 + 1 = -48 * 2^31 + 1 -> -47
  // (-47.5 rounded toward +inf); RDBP(-47, 1): -47 >> 1 = -24, rem 1, thr 1 -> -24.
  EXPECT_EQ(multiply_by_quantized_multiplier(-95, kTwoPow30, -1), -24);
  // M = 0.3 = (1288490189, -1), x = 1 (0.3): SRDHM(1, M0) = round(0.6) = 1; RDBP(1, 1) = 1
  // (0.5 rounds away). The exact answer round(0.3) = 0: the double rounding at work.
  EXPECT_EQ(multiply_by_quantized_multiplier(1, 1288490189, -1), 1);
  // M = 2^-31 = (2^30, -30), x = -2^31: SRDHM = -2^30; RDBP(-2^30, 30) = -1.
  EXPECT_EQ(multiply_by_quantized_multiplier(kMin, kTwoPow30, -30), -1);
  // Zero multiplier: always 0.
  EXPECT_EQ(multiply_by_quantized_multiplier(kMax, 0, 0), 0);
}

TEST(MultiplyByQuantizedMultiplier, RejectsBadShift) {
  EXPECT_THROW(multiply_by_quantized_multiplier(1, kTwoPow30, 32), std::invalid_argument);
  EXPECT_THROW(multiply_by_quantized_multiplier(1, kTwoPow30, -32), std::invalid_argument);
}

// ---- requantize ----

TEST(Requantize, ZeroPointAndClampAtBothEnds) {
  const RequantChannel half{0, kTwoPow30, 0};  // M = 0.5
  const RequantOutput out{10, -128, 127};
  // 100 * 0.5 = 50; + 10 = 60.
  EXPECT_EQ(requantize(100, half, out), 60);
  // 1000 * 0.5 + 10 = 510 -> clamps to 127.
  EXPECT_EQ(requantize(1000, half, out), 127);
  // -1000 * 0.5 + 10 = -490 -> clamps to -128.
  EXPECT_EQ(requantize(-1000, half, out), -128);
  // -277 * 0.5 = -138.5: SRDHM ab = -277 * 2^30, + 1 - 2^30 = -278 * 2^30 + 1 -> -138
  // (tie toward +inf); -138 + 10 = -128, exactly the bound.
  EXPECT_EQ(requantize(-277, half, out), -128);
  // Extreme accumulators: 2^31 - 1 and -2^31 saturate the output range.
  EXPECT_EQ(requantize(kMax, half, out), 127);
  EXPECT_EQ(requantize(kMin, half, out), -128);
}

TEST(Requantize, BiasIsAddedFirst) {
  // acc 90 + bias 10 = 100; * 0.25 = 25; + 0 = 25.
  EXPECT_EQ(requantize(90, RequantChannel{10, kTwoPow30, -1}, RequantOutput{}), 25);
  // acc 90 + bias -110 = -20; * 0.25 = -5; + (-3) = -8.
  EXPECT_EQ(requantize(90, RequantChannel{-110, kTwoPow30, -1}, RequantOutput{-3, -128, 127}), -8);
}

TEST(Requantize, BiasWrapsAround) {
  // (2^31 - 1) + 1 wraps to -2^31. With M = 2^-31 = (2^30, -30): -2^31 * 2^-31 = -1.
  // Without the wrap (exact 2^31) the answer would be +1.
  EXPECT_EQ(requantize(kMax, RequantChannel{1, kTwoPow30, -30}, RequantOutput{}), -1);
}

TEST(Requantize, FusedRelu) {
  const RequantChannel half{0, kTwoPow30, 0};
  // ReLU with zero point 0: range [0, 127]. -10 * 0.5 = -5 -> 0; 10 * 0.5 = 5 -> 5.
  EXPECT_EQ(requantize(-10, half, RequantOutput{0, 0, 127}), 0);
  EXPECT_EQ(requantize(10, half, RequantOutput{0, 0, 127}), 5);
  // ReLU with zero point -20 (real 0 is q = -20): range [-20, 127].
  // -10 * 0.5 - 20 = -25 -> -20; 10 * 0.5 - 20 = -15 stays.
  EXPECT_EQ(requantize(-10, half, RequantOutput{-20, -20, 127}), -20);
  EXPECT_EQ(requantize(10, half, RequantOutput{-20, -20, 127}), -15);
}

TEST(Requantize, RejectsBadOutputParameters) {
  const RequantChannel ch{0, kTwoPow30, 0};
  EXPECT_THROW(requantize(0, ch, RequantOutput{128, -128, 127}), std::invalid_argument);
  EXPECT_THROW(requantize(0, ch, RequantOutput{-129, -128, 127}), std::invalid_argument);
  EXPECT_THROW(requantize(0, ch, RequantOutput{0, -129, 127}), std::invalid_argument);
  EXPECT_THROW(requantize(0, ch, RequantOutput{0, -128, 128}), std::invalid_argument);
  EXPECT_THROW(requantize(0, ch, RequantOutput{0, 5, 4}), std::invalid_argument);
  EXPECT_THROW(requantize(0, RequantChannel{0, kTwoPow30, 32}, RequantOutput{}),
               std::invalid_argument);
}

// Property: requantize against the real-valued reference clamp(round(acc * M) + zp).
// The two roundings (SRDHM to an integer of x * M0 / 2^31, then RoundingDivideByPOT by 2^r with
// r = -shift) each err by at most half a unit of their own scale, so the result is within one LSB
// of the exact answer, and it can differ only when acc * M lies within 2^-(r + 1) of a
// half-integer (plus the 2^-31 relative error of M0). With uniformly spread fractions that is a
// fraction 2^-(r + 1) of the cases: 25% at r = 1 (M in [0.25, 0.5)), 0.2% at r = 8 (M near
// 0.003); at r = 0 (M in [0.5, 1)) only exact negative ties differ.
TEST(RequantizeProperty, WithinOneLsbOfRealArithmetic) {
  Rng rng(20240601);
  constexpr int kSamples = 200000;
  constexpr int kMaxRight = 14;  // M >= 1e-4 > 2^-14
  std::vector<int> samples(kMaxRight + 1, 0);
  std::vector<int> diffs(kMaxRight + 1, 0);
  int typical_samples = 0;  // M < 2^-7, r >= 7: the usual range for real layers
  int typical_diffs = 0;

  for (int i = 0; i < kSamples; ++i) {
    const double m = std::pow(10.0, -4.0 + 4.0 * rng.uniform_unit());  // log-uniform [1e-4, 1)
    const QuantizedMultiplier q = quantize_multiplier(m);
    const auto zp = static_cast<std::int32_t>(rng.uniform_int(-20, 20));
    // Accumulators whose real result spans a bit more than the int8 range.
    const auto bound = static_cast<std::int64_t>(150.0 / m);
    const auto acc = static_cast<std::int32_t>(rng.uniform_int(-bound, bound));

    const double exact = static_cast<double>(acc) * m;
    std::int64_t ref = round_half_away(exact) + zp;
    ref = ref < -128 ? -128 : (ref > 127 ? 127 : ref);
    const std::int8_t got =
        requantize(acc, RequantChannel{0, q.multiplier, q.shift}, RequantOutput{zp, -128, 127});

    const int right = -q.shift;
    ASSERT_GE(right, 0);
    ASSERT_LE(right, kMaxRight);
    ++samples[right];
    if (right >= 7) {
      ++typical_samples;
    }
    const std::int64_t diff = got - ref;
    ASSERT_LE(std::llabs(diff), 1) << "acc = " << acc << ", M = " << m;
    if (diff != 0) {
      ++diffs[right];
      if (right >= 7) {
        ++typical_diffs;
      }
      // Only near a half-integer: | |exact| - floor(|exact|) - 0.5 | <= 2^-(r + 1) (+ slack).
      const double frac = std::fabs(exact) - std::floor(std::fabs(exact));
      ASSERT_LE(std::fabs(frac - 0.5), std::ldexp(1.0, -(right + 1)) + 1e-6)
          << "acc = " << acc << ", M = " << m;
    }
  }

  int total_diffs = 0;
  for (int r = 0; r <= kMaxRight; ++r) {
    total_diffs += diffs[r];
    if (samples[r] == 0) {
      continue;
    }
    const double rate = static_cast<double>(diffs[r]) / samples[r];
    // Per right shift: at most the predicted 2^-(r + 1), with room for sampling noise.
    const double predicted = r == 0 ? 0.0 : std::ldexp(1.0, -(r + 1));
    EXPECT_LE(rate, predicted + 0.02) << "right shift " << r;
  }
  const double typical_rate = static_cast<double>(typical_diffs) / typical_samples;
  EXPECT_LT(typical_rate, 0.01);
  std::cout << "[ golden   ] requantize vs round(acc * M) + zp: " << total_diffs << " of "
            << kSamples << " differ by 1 LSB over M in [1e-4, 1); " << typical_diffs << " of "
            << typical_samples << " for M < 2^-7\n";
}

// ---- GEMM ----

TEST(Gemm, HandExample) {
  // A (2x3) = [[10, -20, 30], [-128, 127, 0]], zp 5 -> A - zp = [[5, -25, 25], [-133, 122, -5]].
  // W (3x2) = [[1, -2], [3, 4], [-5, 6]], bias = [100, -40].
  // C[0][0] = 5 - 75 - 125 + 100 = -95      C[0][1] = -10 - 100 + 150 - 40 = 0
  // C[1][0] = -133 + 366 + 25 + 100 = 358   C[1][1] = 266 + 488 - 30 - 40 = 684
  const std::vector<std::int8_t> a{10, -20, 30, -128, 127, 0};
  const std::vector<std::int8_t> w{1, -2, 3, 4, -5, 6};
  const std::vector<std::int32_t> bias{100, -40};
  EXPECT_EQ(gemm_i8_i32(2, 3, 2, a.data(), 5, w.data(), bias.data()),
            (std::vector<std::int32_t>{-95, 0, 358, 684}));
  // Without bias: [-195, 40, 258, 724].
  EXPECT_EQ(gemm_i8_i32(2, 3, 2, a.data(), 5, w.data(), nullptr),
            (std::vector<std::int32_t>{-195, 40, 258, 724}));
  // Column sums of W: 1 + 3 - 5 = -1, -2 + 4 + 6 = 8.
  EXPECT_EQ(weight_column_sums(3, 2, w.data()), (std::vector<std::int32_t>{-1, 8}));
}

TEST(Gemm, WrapsAroundAtLargeK) {
  // A = 127, zp = -128 -> 255; W = 127: each term 32385. K = 70000:
  // 32385 * 70000 = 2266950000 > 2^31 - 1, wraps to 2266950000 - 2^32 = -2028017296.
  constexpr int kDepth = 70000;
  const std::vector<std::int8_t> a(kDepth, 127);
  const std::vector<std::int8_t> w(kDepth, 127);
  EXPECT_EQ(gemm_i8_i32(1, kDepth, 1, a.data(), -128, w.data(), nullptr),
            (std::vector<std::int32_t>{-2028017296}));
  // A bias of 2^31 - 1 on top: -2028017296 + 2147483647 = 119466351 (wraps back).
  const std::int32_t bias = kMax;
  EXPECT_EQ(gemm_i8_i32(1, kDepth, 1, a.data(), -128, w.data(), &bias),
            (std::vector<std::int32_t>{119466351}));
}

TEST(Gemm, ZeroPointFoldsIntoBias) {
  // sum_k (a - zp) w + b == sum_k a w + (b - zp * colsum), modulo 2^32, on random data.
  Rng rng(12345);
  for (int trial = 0; trial < 200; ++trial) {
    const int m = static_cast<int>(rng.uniform_int(1, 8));
    const int k = static_cast<int>(rng.uniform_int(1, 300));
    const int n = static_cast<int>(rng.uniform_int(1, 8));
    const auto zp = static_cast<std::int32_t>(rng.uniform_int(-128, 127));
    std::vector<std::int8_t> a(static_cast<std::size_t>(m) * k);
    std::vector<std::int8_t> w(static_cast<std::size_t>(k) * n);
    std::vector<std::int32_t> bias(n);
    for (auto& v : a) {
      v = rng.int8();
    }
    for (auto& v : w) {
      v = rng.int8();
    }
    for (auto& v : bias) {
      v = static_cast<std::int32_t>(rng.uniform_int(kMin, kMax));  // exercises the wrap
    }
    const std::vector<std::int32_t> colsum = weight_column_sums(k, n, w.data());
    std::vector<std::int32_t> folded(n);
    for (int j = 0; j < n; ++j) {
      folded[j] =
          wrap(static_cast<std::int64_t>(bias[j]) - static_cast<std::int64_t>(zp) * colsum[j]);
    }
    ASSERT_EQ(gemm_i8_i32(m, k, n, a.data(), zp, w.data(), bias.data()),
              gemm_i8_i32(m, k, n, a.data(), 0, w.data(), folded.data()))
        << "trial " << trial;
  }
}

TEST(Gemm, RejectsBadArguments) {
  const std::vector<std::int8_t> a{1, 2, 3, 4};
  EXPECT_THROW(gemm_i8_i32(0, 2, 2, a.data(), 0, a.data(), nullptr), std::invalid_argument);
  EXPECT_THROW(gemm_i8_i32(2, -1, 2, a.data(), 0, a.data(), nullptr), std::invalid_argument);
  EXPECT_THROW(gemm_i8_i32(2, 2, 0, a.data(), 0, a.data(), nullptr), std::invalid_argument);
  EXPECT_THROW(gemm_i8_i32(2, 2, 2, nullptr, 0, a.data(), nullptr), std::invalid_argument);
  EXPECT_THROW(gemm_i8_i32(2, 2, 2, a.data(), 0, nullptr, nullptr), std::invalid_argument);
  EXPECT_THROW(gemm_i8_i32(2, 2, 2, a.data(), 128, a.data(), nullptr), std::invalid_argument);
  EXPECT_THROW(weight_column_sums(0, 2, a.data()), std::invalid_argument);
  EXPECT_THROW(weight_column_sums(2, 2, nullptr), std::invalid_argument);
}

// ---- linear_i8 ----

TEST(Linear, HandExample2x3x2) {
  // The GEMM of Gemm.HandExample: acc + bias = [[-95, 0], [358, 684]].
  // Channel 0: M = 0.25 = (2^30, -1). Channel 1: M = 0.1 = (1717986918, -3).
  // Output zero point -3, clamp [-20, 80].
  //  [0][0]: -95 * 0.25 = -23.75: SRDHM -> -47 (-47.5 toward +inf), RDBP(-47, 1) -> -24;
  //          -24 - 3 = -27 -> clamps to -20.
  //  [0][1]: 0 -> 0; 0 - 3 = -3.
  //  [1][0]: 358 * 0.25 = 89.5: SRDHM(358, 2^30) = 179; RDBP(179, 1) = 90 (tie away);
  //          90 - 3 = 87 -> clamps to 80.
  //  [1][1]: 684 * 0.1 = 68.4: 684 * 1717986918 = 1175103051912; + 2^30 = 1175104125736;
  //          / 2^31 = 547.2 -> 547; RDBP(547, 3): 547 >> 3 = 68, rem 3, thr 3 -> 68; 68 - 3 = 65.
  const std::vector<std::int8_t> a{10, -20, 30, -128, 127, 0};
  const std::vector<std::int8_t> w{1, -2, 3, 4, -5, 6};
  const std::vector<RequantChannel> channels{{100, kTwoPow30, -1}, {-40, 1717986918, -3}};
  const RequantOutput out{-3, -20, 80};
  EXPECT_EQ(linear_i8(2, 3, 2, a.data(), 5, w.data(), channels, out),
            (std::vector<std::int8_t>{-20, -3, 80, 65}));
  // Without the clamp: [-27, -3, 87, 65].
  EXPECT_EQ(linear_i8(2, 3, 2, a.data(), 5, w.data(), channels, RequantOutput{-3, -128, 127}),
            (std::vector<std::int8_t>{-27, -3, 87, 65}));
}

TEST(Linear, DocsWorkedExample) {
  // docs/numerics.md section 5. M = (0.02 * 0.005) / 0.04 = 0.0025 = 0.64 * 2^-8;
  // 0.64 * 2^31 = 1374389534.72 -> (1374389535, -8).
  const QuantizedMultiplier q = quantize_multiplier((0.02 * 0.005) / 0.04);
  EXPECT_EQ(q.multiplier, 1374389535);
  EXPECT_EQ(q.shift, -8);
  // A - 10 = [20, -60, 117, -10]; products 1280 + 7620 + 1755 - 1000 = 9655; + 3000 = 12655.
  const std::vector<std::int8_t> a{30, -50, 127, 0};
  const std::vector<std::int8_t> w{64, -127, 15, 100};
  const std::int32_t bias = 3000;
  EXPECT_EQ(gemm_i8_i32(1, 4, 1, a.data(), 10, w.data(), &bias), std::vector<std::int32_t>{12655});
  // Folded: colsum 52, bias' = 3000 - 10 * 52 = 2480; 1920 + 6350 + 1905 + 0 + 2480 = 12655.
  EXPECT_EQ(weight_column_sums(4, 1, w.data()), std::vector<std::int32_t>{52});
  const std::int32_t folded = 2480;
  EXPECT_EQ(gemm_i8_i32(1, 4, 1, a.data(), 0, w.data(), &folded), std::vector<std::int32_t>{12655});
  // SRDHM: 12655 * 1374389535 = 17392899565425; + 2^30 = 17393973307249; / 2^31 -> 8099.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(12655, 1374389535), 8099);
  // 8099 >> 8 = 31, remainder 163 > 127 -> 32; 32 - 5 = 27.
  EXPECT_EQ(rounding_divide_by_pot(8099, 8), 32);
  const std::vector<RequantChannel> channels{{bias, q.multiplier, q.shift}};
  EXPECT_EQ(linear_i8(1, 4, 1, a.data(), 10, w.data(), channels, RequantOutput{-5, -128, 127}),
            std::vector<std::int8_t>{27});

  // The double-rounding case: M = 0.0031 -> (1704243023, -8); acc 161 (exact 0.4991).
  // 161 * 1704243023 + 2^30 = 275456868527; / 2^31 -> 128; RDBP(128, 8) = 0.5 -> 1.
  const QuantizedMultiplier q2 = quantize_multiplier(0.0031);
  EXPECT_EQ(q2.multiplier, 1704243023);
  EXPECT_EQ(q2.shift, -8);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(161, 1704243023), 128);
  EXPECT_EQ(multiply_by_quantized_multiplier(161, 1704243023, -8), 1);
}

TEST(Linear, EqualsGemmThenRequantize) {
  // Bias inside the GEMM or inside requantize: identical bits (both adds wrap modulo 2^32).
  Rng rng(99);
  const int m = 5;
  const int k = 37;
  const int n = 4;
  std::vector<std::int8_t> a(m * k);
  std::vector<std::int8_t> w(k * n);
  for (auto& v : a) {
    v = rng.int8();
  }
  for (auto& v : w) {
    v = rng.int8();
  }
  std::vector<RequantChannel> channels(n);
  for (auto& ch : channels) {
    const QuantizedMultiplier q = quantize_multiplier(0.001 + 0.01 * rng.uniform_unit());
    ch = RequantChannel{static_cast<std::int32_t>(rng.uniform_int(-5000, 5000)), q.multiplier,
                        q.shift};
  }
  const RequantOutput out{7, -128, 127};
  const std::vector<std::int32_t> acc = gemm_i8_i32(m, k, n, a.data(), -4, w.data(), nullptr);
  const std::vector<std::int8_t> got = linear_i8(m, k, n, a.data(), -4, w.data(), channels, out);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      EXPECT_EQ(got[i * n + j], requantize(acc[i * n + j], channels[j], out));
    }
  }
}

TEST(Linear, RejectsBadArguments) {
  const std::vector<std::int8_t> a{1, 2, 3, 4};
  const std::vector<RequantChannel> two(2, RequantChannel{0, kTwoPow30, 0});
  const RequantOutput out{};
  EXPECT_THROW(linear_i8(0, 2, 2, a.data(), 0, a.data(), two, out), std::invalid_argument);
  EXPECT_THROW(linear_i8(2, 2, 1, a.data(), 0, a.data(), two, out), std::invalid_argument);
  EXPECT_THROW(linear_i8(2, 2, 2, a.data(), -129, a.data(), two, out), std::invalid_argument);
  EXPECT_THROW(linear_i8(2, 2, 2, a.data(), 0, a.data(), two, RequantOutput{0, 10, -10}),
               std::invalid_argument);
  EXPECT_THROW(linear_i8(2, 2, 2, a.data(), 0, a.data(), two, RequantOutput{0, -128, 200}),
               std::invalid_argument);
  EXPECT_THROW(linear_i8(2, 2, 2, a.data(), 0, a.data(), two, RequantOutput{-200, -128, 127}),
               std::invalid_argument);
  EXPECT_THROW(linear_i8(2, 2, 2, nullptr, 0, a.data(), two, out), std::invalid_argument);
}

}  // namespace
}  // namespace serrano::golden
