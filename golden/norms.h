// SPDX-License-Identifier: Apache-2.0
// Serrano's golden numerics for normalization and element-wise ops: integer square root,
// LayerNorm, RMSNorm, residual add, element-wise multiply and RoPE. Integer-only and bit-exact;
// docs/numerics-norms.md states every step. Floating point appears only in the offline
// make_*_params / make_rope_table functions that turn real scales and weights into constants.
#pragma once

#include <cstdint>
#include <vector>

#include "golden/golden.h"

namespace serrano::golden {

// ---- Integer square root ----

// floor(sqrt(n)) for every n (bit-by-bit "digit" method, at most 32 iterations).
std::uint64_t isqrt(std::uint64_t n);

// ---- LayerNorm / RMSNorm ----

// Fraction bits of the normalized value z = (x - mean) / std inside the norms.
constexpr int kNormZFracBits = 16;
// Extra fraction bits of the output before its final rounding to int8.
constexpr int kNormOutFracBits = 8;
// Largest row length the norms accept (keeps every intermediate inside int64).
constexpr int kNormMaxLength = 65536;

// One output channel of a norm: out = clamp(round((MBQM(+-z, multiplier, shift) + bias) / 2^8)).
struct NormChannel {
  std::int32_t multiplier = 0;  // |gamma| / (output_scale * 2^(16 - 8)), as quantize_multiplier
  int shift = 0;
  bool negate = false;          // gamma < 0
  std::int32_t bias = 0;        // round((beta / output_scale + output_zero_point) * 2^8)
};

struct NormParams {
  int length = 0;                 // n, channels per row
  std::int32_t input_zero_point = 0;  // used by RMSNorm only (LayerNorm's mean removes it)
  std::int64_t eps_term = 0;      // round(n^2 * eps / input_scale^2), clamped to [0, 2^60]
  std::vector<NormChannel> channels;  // n entries
};

// LayerNorm: y_c = gamma_c * (x - mean) / sqrt(var + eps) + beta_c over each row of n int8
// values (real x = input_scale * (q - zp); the zero point cancels). Throws std::invalid_argument
// for non-positive/non-finite scales, eps < 0, gamma/beta size mismatch, n outside
// [1, kNormMaxLength], an output zero point outside int8, or |gamma| / output_scale >= 2^31.
NormParams make_layernorm_params(double input_scale, const std::vector<double>& gamma,
                                 const std::vector<double>& beta, double output_scale,
                                 std::int32_t output_zero_point, double eps);

// RMSNorm (Llama): y_c = w_c * x / sqrt(mean(x^2) + eps), x = input_scale * (q - input_zp).
NormParams make_rmsnorm_params(double input_scale, std::int32_t input_zero_point,
                               const std::vector<double>& weight, double output_scale,
                               std::int32_t output_zero_point, double eps);

// x holds rows * params.length int8 values, row-major; returns the same shape.
std::vector<std::int8_t> layernorm_i8(const std::vector<std::int8_t>& x, const NormParams& params);
std::vector<std::int8_t> rmsnorm_i8(const std::vector<std::int8_t>& x, const NormParams& params);

// ---- Residual add (TFLite ADD, int8) ----

constexpr int kAddLeftShift = 20;

struct AddParams {
  std::int32_t a_zero_point = 0, b_zero_point = 0, output_zero_point = 0;
  QuantizedMultiplier a_multiplier;       // a_scale / (2 * max(a_scale, b_scale))
  QuantizedMultiplier b_multiplier;       // b_scale / (2 * max(a_scale, b_scale))
  QuantizedMultiplier output_multiplier;  // 2 * max(a_scale, b_scale) / (2^20 * output_scale)
};

AddParams make_add_params(double a_scale, std::int32_t a_zero_point, double b_scale,
                          std::int32_t b_zero_point, double output_scale,
                          std::int32_t output_zero_point);
std::int8_t add_i8(std::int8_t a, std::int8_t b, const AddParams& params);
std::vector<std::int8_t> add_i8(const std::vector<std::int8_t>& a,
                                const std::vector<std::int8_t>& b, const AddParams& params);

// ---- Element-wise multiply ----

struct MulParams {
  std::int32_t a_zero_point = 0, b_zero_point = 0, output_zero_point = 0;
  QuantizedMultiplier multiplier;  // a_scale * b_scale / output_scale
};

MulParams make_mul_params(double a_scale, std::int32_t a_zero_point, double b_scale,
                          std::int32_t b_zero_point, double output_scale,
                          std::int32_t output_zero_point);
std::int8_t mul_i8(std::int8_t a, std::int8_t b, const MulParams& params);
std::vector<std::int8_t> mul_i8(const std::vector<std::int8_t>& a,
                                const std::vector<std::int8_t>& b, const MulParams& params);

// ---- RoPE ----

constexpr int kRopeFracBits = 14;  // table entries are Q1.14: 1.0 == 16384 exactly

struct RopeTable {
  int dim = 0;      // d, even
  int max_pos = 0;  // positions 0 .. max_pos - 1
  // cos/sin of p * theta^(-2i/d) for p in [0, max_pos), i in [0, d/2): index p * (d/2) + i.
  std::vector<std::int16_t> cos_q14, sin_q14;
};

// Throws std::invalid_argument for d <= 0 or odd, max_pos <= 0, theta <= 1 or non-finite.
RopeTable make_rope_table(int dim, int max_pos, double theta);

// Rotates one head vector x[0..d) at position pos (output has the input's scale and zero point).
std::vector<std::int8_t> rope_i8(const std::vector<std::int8_t>& x, int pos,
                                 std::int32_t zero_point, const RopeTable& table);

}  // namespace serrano::golden
