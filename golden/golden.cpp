// SPDX-License-Identifier: Apache-2.0
// Serrano's golden numerics (see golden.h and docs/numerics.md).
//
// Everything here is written to be read: each function follows the formula in docs/numerics.md
// line by line. All arithmetic is defined for every input the functions accept; nothing relies on
// signed overflow, on the result of shifting a negative number, or on how an out-of-range value
// converts to a signed type (those are undefined or implementation-defined in C++17).
#include "golden/golden.h"

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

namespace serrano::golden {
namespace {

constexpr std::int64_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kTwoPow30 = std::int64_t{1} << 30;
constexpr std::int64_t kTwoPow31 = std::int64_t{1} << 31;
constexpr std::int64_t kTwoPow32 = std::int64_t{1} << 32;

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument(what); }

std::string format_double(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

// v modulo 2^32, as a two's-complement int32 in [-2^31, 2^31): the int32 "wrap-around".
std::int32_t wrap_to_int32(std::int64_t v) {
  const auto low = static_cast<std::uint32_t>(v);  // conversion to unsigned is modulo 2^32
  if (low <= static_cast<std::uint32_t>(kInt32Max)) {
    return static_cast<std::int32_t>(low);
  }
  return static_cast<std::int32_t>(static_cast<std::int64_t>(low) - kTwoPow32);
}

std::int32_t saturate_to_int32(std::int64_t v) {
  if (v < kInt32Min) {
    return static_cast<std::int32_t>(kInt32Min);
  }
  if (v > kInt32Max) {
    return static_cast<std::int32_t>(kInt32Max);
  }
  return static_cast<std::int32_t>(v);
}

// Arithmetic shift right: floor(x / 2^e). Written out because C++17 leaves x >> e
// implementation-defined for negative x (every mainstream compiler shifts arithmetically).
std::int64_t floor_shift_right(std::int64_t x, int e) {
  if (x >= 0) {
    return x >> e;
  }
  // For x < 0: floor(x / 2^e) = -floor((-x - 1) / 2^e) - 1, and -x - 1 >= 0.
  return -((-(x + 1)) >> e) - 1;
}

void check_int8_range(std::int32_t v, const char* what) {
  if (v < -128 || v > 127) {
    fail(std::string(what) + " = " + std::to_string(v) + " is outside the int8 range [-128, 127]");
  }
}

void check_output(const RequantOutput& out) {
  check_int8_range(out.zero_point, "output zero_point");
  check_int8_range(out.act_min, "act_min");
  check_int8_range(out.act_max, "act_max");
  if (out.act_min > out.act_max) {
    fail("act_min = " + std::to_string(out.act_min) +
         " is greater than act_max = " + std::to_string(out.act_max));
  }
}

void check_gemm_args(int M, int K, int N, const std::int8_t* A, std::int32_t a_zero_point,
                     const std::int8_t* W) {
  if (M < 1 || K < 1 || N < 1) {
    fail("GEMM dimensions must be >= 1, got M = " + std::to_string(M) +
         ", K = " + std::to_string(K) + ", N = " + std::to_string(N));
  }
  if (A == nullptr || W == nullptr) {
    fail("GEMM operand A or W is a null pointer");
  }
  check_int8_range(a_zero_point, "activation zero_point");
}

}  // namespace

// ---- Requantization ----

QuantizedMultiplier quantize_multiplier(double real_multiplier) {
  if (std::isnan(real_multiplier) || real_multiplier < 0.0 ||
      real_multiplier >= static_cast<double>(kTwoPow31)) {  // also rejects +inf
    fail("real multiplier " + format_double(real_multiplier) + " is outside [0, 2^31)");
  }
  if (real_multiplier == 0.0) {
    return {0, 0};
  }

  // real_multiplier = q * 2^shift with q in [0.5, 1). q * 2^31 is exact in double (power of two).
  int shift = 0;
  const double q = std::frexp(real_multiplier, &shift);
  std::int64_t m0 = static_cast<std::int64_t>(std::round(q * static_cast<double>(kTwoPow31)));

  // std::round rounds half away from zero (TfLiteRound); q close to 1 can round up to 2^31.
  if (m0 == kTwoPow31) {
    m0 /= 2;
    ++shift;
  }
  // Below (1 - 2^-32) * 2^-32 every product would be shifted out: flush to zero (as TFLite).
  if (shift < -31) {
    return {0, 0};
  }
  // At or above 2^30 - 2^-2 the shift would be 31. Saturate to the largest representable
  // multiplier, as TFLite's single-rounding build does; with such a multiplier every non-zero
  // accumulator saturates an int8 output anyway, so requantize() results are unchanged.
  if (shift > 30) {
    return {static_cast<std::int32_t>(kInt32Max), 30};
  }
  return {static_cast<std::int32_t>(m0), shift};
}

std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  // The only product whose doubled high half does not fit: (-1) * (-1) = +1.
  if (a == kInt32Min && b == kInt32Min) {
    return static_cast<std::int32_t>(kInt32Max);
  }
  const std::int64_t ab = static_cast<std::int64_t>(a) * static_cast<std::int64_t>(b);
  const std::int64_t nudge = ab >= 0 ? kTwoPow30 : 1 - kTwoPow30;
  // C++ '/' truncates toward zero; together with the nudge this rounds ab / 2^31 to nearest,
  // ties toward +infinity (the ARM VQRDMULH result).
  return static_cast<std::int32_t>((ab + nudge) / kTwoPow31);
}

std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) {
  if (exponent < 0 || exponent > 31) {
    fail("rounding_divide_by_pot exponent " + std::to_string(exponent) + " is outside [0, 31]");
  }
  const std::int64_t mask = (std::int64_t{1} << exponent) - 1;
  // The low bits x mod 2^exponent, taken from the two's-complement pattern of x.
  const std::int64_t remainder = static_cast<std::int64_t>(static_cast<std::uint32_t>(x)) & mask;
  const std::int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  const std::int64_t result = floor_shift_right(x, exponent) + (remainder > threshold ? 1 : 0);
  return static_cast<std::int32_t>(result);  // |result| <= |x|, so it fits
}

std::int32_t multiply_by_quantized_multiplier(std::int32_t x, std::int32_t multiplier, int shift) {
  if (shift < -31 || shift > 31) {
    fail("quantized multiplier shift " + std::to_string(shift) + " is outside [-31, 31]");
  }
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  // |x| * 2^31 <= 2^62: exact in 64 bits, then saturated (Serrano's choice; TFLite: undefined).
  const std::int64_t shifted = static_cast<std::int64_t>(x) * (std::int64_t{1} << left_shift);
  const std::int32_t high =
      saturating_rounding_doubling_high_mul(saturate_to_int32(shifted), multiplier);
  return rounding_divide_by_pot(high, right_shift);
}

std::int8_t requantize(std::int32_t acc, const RequantChannel& ch, const RequantOutput& out) {
  check_output(out);
  const std::int32_t x = wrap_to_int32(static_cast<std::int64_t>(acc) + ch.bias);
  const std::int32_t y = multiply_by_quantized_multiplier(x, ch.multiplier, ch.shift);
  std::int64_t z = static_cast<std::int64_t>(y) + out.zero_point;
  if (z < out.act_min) {
    z = out.act_min;
  }
  if (z > out.act_max) {
    z = out.act_max;
  }
  return static_cast<std::int8_t>(z);
}

// ---- GEMM ----

std::vector<std::int32_t> gemm_i8_i32(int M, int K, int N, const std::int8_t* A,
                                      std::int32_t a_zero_point, const std::int8_t* W,
                                      const std::int32_t* bias) {
  check_gemm_args(M, K, N, A, a_zero_point, W);
  const auto rows = static_cast<std::size_t>(M);
  const auto depth = static_cast<std::size_t>(K);
  const auto cols = static_cast<std::size_t>(N);

  std::vector<std::int32_t> C(rows * cols);
  for (std::size_t m = 0; m < rows; ++m) {
    for (std::size_t n = 0; n < cols; ++n) {
      // Exact sum in 64 bits (|term| <= 255 * 128, K < 2^31: no overflow), then wrapped mod 2^32;
      // this equals accumulating in int32 with wrap-around after every add.
      std::int64_t sum = bias == nullptr ? 0 : bias[n];
      for (std::size_t k = 0; k < depth; ++k) {
        const std::int64_t a = static_cast<std::int64_t>(A[m * depth + k]) - a_zero_point;
        const std::int64_t w = W[k * cols + n];
        sum += a * w;
      }
      C[m * cols + n] = wrap_to_int32(sum);
    }
  }
  return C;
}

std::vector<std::int32_t> weight_column_sums(int K, int N, const std::int8_t* W) {
  if (K < 1 || N < 1) {
    fail("weight_column_sums dimensions must be >= 1, got K = " + std::to_string(K) +
         ", N = " + std::to_string(N));
  }
  if (W == nullptr) {
    fail("weight_column_sums operand W is a null pointer");
  }
  const auto depth = static_cast<std::size_t>(K);
  const auto cols = static_cast<std::size_t>(N);

  std::vector<std::int32_t> sums(cols);
  for (std::size_t n = 0; n < cols; ++n) {
    std::int64_t sum = 0;
    for (std::size_t k = 0; k < depth; ++k) {
      sum += W[k * cols + n];
    }
    sums[n] = wrap_to_int32(sum);
  }
  return sums;
}

std::vector<std::int8_t> linear_i8(int M, int K, int N, const std::int8_t* A,
                                   std::int32_t a_zero_point, const std::int8_t* W,
                                   const std::vector<RequantChannel>& channels,
                                   const RequantOutput& out) {
  check_gemm_args(M, K, N, A, a_zero_point, W);
  if (channels.size() != static_cast<std::size_t>(N)) {
    fail("linear_i8 needs one requantization channel per output column: N = " + std::to_string(N) +
         ", channels = " + std::to_string(channels.size()));
  }
  check_output(out);

  const auto rows = static_cast<std::size_t>(M);
  const auto cols = static_cast<std::size_t>(N);
  std::vector<std::int32_t> bias(cols);
  for (std::size_t n = 0; n < cols; ++n) {
    bias[n] = channels[n].bias;
  }
  const std::vector<std::int32_t> acc = gemm_i8_i32(M, K, N, A, a_zero_point, W, bias.data());

  std::vector<std::int8_t> result(rows * cols);
  for (std::size_t m = 0; m < rows; ++m) {
    for (std::size_t n = 0; n < cols; ++n) {
      RequantChannel scale_only = channels[n];
      scale_only.bias = 0;  // already added inside the GEMM
      result[m * cols + n] = requantize(acc[m * cols + n], scale_only, out);
    }
  }
  return result;
}

}  // namespace serrano::golden
