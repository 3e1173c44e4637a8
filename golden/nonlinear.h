// SPDX-License-Identifier: Apache-2.0
// Serrano's integer-only non-linear operations: softmax, GELU (erf and tanh forms), SiLU and the
// SwiGLU product. docs/numerics-nonlinear.md specifies every step bit-exactly; these functions are
// that specification in code. The integer functions use no floating point; floating point appears
// only in the offline make_*_params functions that turn real scales into integer constants.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "golden/golden.h"

namespace serrano::golden {

// ---- Softmax (I-BERT i-exp on a Q20 fixed-point grid) ----

constexpr int kSoftmaxFracBits = 20;                  // x is held as x_q20 = round(x * 2^20)
constexpr std::int32_t kSoftmaxLn2Q20 = 726817;       // round(ln 2 * 2^20)
constexpr int kSoftmaxMaxZ = 30;                      // exponent clamp: x >= -30 ln 2
constexpr std::int32_t kSoftmaxPolyBQ20 = 1418723;    // round(1.353 * 2^20)
constexpr std::int32_t kSoftmaxPolyAQ15 = 11747;      // round(0.3585 * 2^15)
constexpr std::int32_t kSoftmaxPolyCQ30 = 369367187;  // round(0.344 * 2^30)
constexpr std::size_t kSoftmaxMaxRow = 65536;         // longest row accepted

struct SoftmaxParams {
  std::int32_t input_scale_q20 = 0;  // round(input_scale * 2^20), in [0, 2^31)
};

// Throws std::invalid_argument unless 0 < input_scale (finite) and round(input_scale * 2^20) <
// 2^31.
SoftmaxParams make_softmax_params(double input_scale);

// exp(x) for x = x_q20 / 2^20 <= 0 (x_q20 in [-30 * kSoftmaxLn2Q20, 0]), result in Q30 (value *
// 2^30), in [0, 2^30 + 2^20]. At the clamp itself (z = floor(-x / ln2) = kSoftmaxMaxZ, i.e.
// x_q20 = -30 * kSoftmaxLn2Q20) the result is exactly 0, so an element at the clamp (a masked or
// padded logit) adds nothing to the softmax sum and gets output -128; just above the clamp it is
// >= 1. Exposed for tests; softmax_i8 / softmax_i32 use it.
std::int32_t exp_q30(std::int32_t x_q20);

// Softmax over one row of int8 logits q (real value input_scale * q). Output int8 with scale 1/256
// and zero point -128: p = (q_out + 128) / 256. Rows longer than kSoftmaxMaxRow throw
// std::invalid_argument; an empty row gives an empty result.
std::vector<std::int8_t> softmax_i8(const std::vector<std::int8_t>& row, const SoftmaxParams& p);

// ---- Softmax over int32 logits (the attention scores straight from the accumulators) ----
//
// The same algorithm on a row of int32 values with real value input_scale * q (the product of the
// Q and K scales over sqrt(head_dim)), so the scores need no requantization to int8 first: the
// difference to the row max is moved onto the Q20 grid by a fixed-point multiply
// (docs/numerics-nonlinear.md, section 1b).
struct SoftmaxI32Params {
  QuantizedMultiplier scale_q20;  // quantize_multiplier(input_scale * 2^20)
};

// Throws std::invalid_argument unless 0 < input_scale (finite) and input_scale * 2^20 < 2^30.
SoftmaxI32Params make_softmax_i32_params(double input_scale);

std::vector<std::int8_t> softmax_i32(const std::vector<std::int32_t>& row,
                                     const SoftmaxI32Params& p);

// ---- GELU, erf form (I-BERT i-GELU on a Q16 grid) ----

constexpr int kGeluFracBits = 16;
constexpr std::int32_t kGeluBQ16 = 115933;  // round(1.769 * 2^16), the clip point of |x / sqrt 2|
constexpr std::int32_t kGeluAQ16 = -18927;  // round(-0.2888 * 2^16)

struct GeluErfParams {
  std::int32_t input_zero_point = 0;      // [-128, 127]
  std::int32_t x_scale_q16 = 0;           // round(input_scale / sqrt(2) * 2^16), in [0, 2^31)
  QuantizedMultiplier output_multiplier;  // quantize_multiplier(input_scale / (2^17 * out_scale))
  std::int32_t output_zero_point = 0;     // [-128, 127]
};

GeluErfParams make_gelu_erf_params(double input_scale, std::int32_t input_zero_point,
                                   double output_scale, std::int32_t output_zero_point);

std::int8_t gelu_erf_i8(std::int8_t q, const GeluErfParams& p);

// ---- Lookup-table ops: GELU tanh form (GPT-2 gelu_new) and SiLU ----

// table[q + 128] is the int8 output for int8 input q.
struct LutParams {
  std::array<std::int8_t, 256> table{};
};

// table[q + 128] = clamp(round_half_away(f(in_scale * (q - in_zp)) / out_scale) + out_zp,
// -128, 127), f evaluated in fp64.
LutParams make_gelu_tanh_params(double input_scale, std::int32_t input_zero_point,
                                double output_scale, std::int32_t output_zero_point);
LutParams make_silu_params(double input_scale, std::int32_t input_zero_point, double output_scale,
                           std::int32_t output_zero_point);

std::int8_t lut_i8(std::int8_t q, const LutParams& p);

// ---- SwiGLU product: silu(gate) * up ----

struct SwigluParams {
  std::array<std::int16_t, 256> silu_table{};  // silu(gate) in int16 with scale silu_scale
  std::int32_t up_zero_point = 0;              // [-128, 127]
  QuantizedMultiplier output_multiplier;       // silu_scale * up_scale / out_scale
  std::int32_t output_zero_point = 0;          // [-128, 127]
};

SwigluParams make_swiglu_params(double gate_scale, std::int32_t gate_zero_point, double up_scale,
                                std::int32_t up_zero_point, double output_scale,
                                std::int32_t output_zero_point);

std::int8_t swiglu_i8(std::int8_t gate, std::int8_t up, const SwigluParams& p);

// ---- fp64 references ----

double gelu_erf_ref(double x);   // x/2 (1 + erf(x / sqrt 2))
double gelu_tanh_ref(double x);  // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
double silu_ref(double x);       // x / (1 + exp(-x))

}  // namespace serrano::golden
