// SPDX-License-Identifier: Apache-2.0
// Serrano's golden numerics: the single definition of every integer operation the chip performs.
// The SystemC model, the RTL checks and the workload tests all compare against these functions.
// Plain, readable C++; speed is not a goal here (docs/numerics.md states the arithmetic).
#pragma once

#include <cstdint>
#include <vector>

namespace serrano::golden {

// ---- Requantization (TFLite default "double rounding" path, gemmlowp fixed point) ----

// A real multiplier M expressed as M ~= multiplier * 2^(shift - 31), multiplier in [2^30, 2^31).
struct QuantizedMultiplier {
  std::int32_t multiplier = 0;
  int shift = 0;  // > 0: left shift, < 0: right shift; in [-31, 30]
};

// TFLite QuantizeMultiplier: frexp, round half away from zero, the 2^31 carry fix, and
// shift < -31 -> (0, 0). Requires 0 <= real_multiplier < 2^31 (throws std::invalid_argument).
QuantizedMultiplier quantize_multiplier(double real_multiplier);

// gemmlowp SaturatingRoundingDoublingHighMul (INT32_MIN * INT32_MIN saturates to INT32_MAX).
std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b);

// gemmlowp RoundingDivideByPOT, exponent in [0, 31]: round half away from zero.
std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent);

// TFLite MultiplyByQuantizedMultiplier. The left shift (shift > 0) saturates to int32
// (TFLite leaves overflow undefined; Serrano's hardware saturates). shift in [-31, 31].
std::int32_t multiply_by_quantized_multiplier(std::int32_t x, std::int32_t multiplier, int shift);

// Per-channel requantization parameters as the chip stores them.
struct RequantChannel {
  std::int32_t bias = 0;        // added to the accumulator first (int32, wrapping)
  std::int32_t multiplier = 0;  // fixed-point M0
  int shift = 0;                // as QuantizedMultiplier::shift
};

struct RequantOutput {
  std::int32_t zero_point = 0;  // in [-128, 127]
  std::int32_t act_min = -128;  // clamp bounds, int8, act_min <= act_max
  std::int32_t act_max = 127;
};

// out = clamp(MultiplyByQuantizedMultiplier(acc + bias, M0, shift) + zero_point, min, max).
// acc + bias wraps modulo 2^32; the zero-point add is exact (done in 64 bits) before the clamp.
std::int8_t requantize(std::int32_t acc, const RequantChannel& ch, const RequantOutput& out);

// ---- GEMM ----

// C[m][n] = sum_k (A[m][k] - a_zero_point) * W[k][n] + bias[n], int32 with wrap-around.
// A is M x K row-major, W is K x N row-major, bias has N entries (nullptr = zero bias).
std::vector<std::int32_t> gemm_i8_i32(int M, int K, int N, const std::int8_t* A,
                                      std::int32_t a_zero_point, const std::int8_t* W,
                                      const std::int32_t* bias);

// Column sums of W (K x N): sum_k W[k][n], used to fold the activation zero point into the bias:
// sum_k (a - zp) w + b  ==  sum_k a w + (b - zp * colsum)   (exactly, modulo 2^32).
std::vector<std::int32_t> weight_column_sums(int K, int N, const std::int8_t* W);

// Full int8 linear layer: requantize(gemm_i8_i32(A - zp, W) + bias) per output channel n.
// channels has N entries (their bias fields are used as the layer bias).
std::vector<std::int8_t> linear_i8(int M, int K, int N, const std::int8_t* A,
                                   std::int32_t a_zero_point, const std::int8_t* W,
                                   const std::vector<RequantChannel>& channels,
                                   const RequantOutput& out);

}  // namespace serrano::golden
