// SPDX-License-Identifier: Apache-2.0
// Serrano's integer-only non-linear operations (see golden/nonlinear.h and
// docs/numerics-nonlinear.md, which this file follows step by step).
//
// The integer functions use only int32/int64 arithmetic. Every right shift that rounds goes
// through round_shift (round half away from zero, computed on the magnitude), so nothing shifts a
// negative number. Floating point appears only in make_*_params, the fp64 references and the
// accuracy measurement at the end.
#include "golden/nonlinear.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <stdexcept>
#include <string>

#include "golden/accuracy.h"

namespace serrano::golden {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument(what); }

// round(v / 2^n), ties away from zero, for n in [1, 62].
std::int64_t round_shift(std::int64_t v, int n) {
  const std::int64_t half = std::int64_t{1} << (n - 1);
  if (v >= 0) {
    return (v + half) >> n;
  }
  return -((-v + half) >> n);
}

std::int32_t clamp_i8(std::int64_t v) {
  return static_cast<std::int32_t>(std::min<std::int64_t>(127, std::max<std::int64_t>(-128, v)));
}

void check_scale(double scale, const char* op, const char* name) {
  if (!(scale > 0) || !std::isfinite(scale)) {
    fail(std::string(op) + ": " + name + " must be positive and finite");
  }
}

void check_zero_point(std::int32_t zp, const char* op, const char* name) {
  if (zp < -128 || zp > 127) {
    fail(std::string(op) + ": " + name + " " + std::to_string(zp) + " is outside [-128, 127]");
  }
}

// round(scale * 2^frac_bits), which must be < 2^31.
std::int32_t to_fixed(double scale, int frac_bits, const char* op, const char* name) {
  const double v = std::round(std::ldexp(scale, frac_bits));
  if (v >= 2147483648.0) {
    fail(std::string(op) + ": " + name + " is too large (scale * 2^" + std::to_string(frac_bits) +
         " must be below 2^31)");
  }
  return static_cast<std::int32_t>(v);
}

// Round half away from zero of an fp64 value that is known to be finite.
std::int64_t round_away(double v) { return static_cast<std::int64_t>(std::round(v)); }

template <typename F>
LutParams make_lut(F f, const char* op, double input_scale, std::int32_t input_zero_point,
                   double output_scale, std::int32_t output_zero_point) {
  check_scale(input_scale, op, "input_scale");
  check_scale(output_scale, op, "output_scale");
  check_zero_point(input_zero_point, op, "input_zero_point");
  check_zero_point(output_zero_point, op, "output_zero_point");
  LutParams p;
  for (int q = -128; q <= 127; ++q) {
    const double y = f(input_scale * (q - input_zero_point)) / output_scale;
    const double clamped = std::min(1e6, std::max(-1e6, y));  // keep the conversion defined
    p.table[static_cast<std::size_t>(q + 128)] =
        static_cast<std::int8_t>(clamp_i8(round_away(clamped) + output_zero_point));
  }
  return p;
}

}  // namespace

// ---- Softmax ----

SoftmaxParams make_softmax_params(double input_scale) {
  check_scale(input_scale, "softmax", "input_scale");
  SoftmaxParams p;
  p.input_scale_q20 = to_fixed(input_scale, kSoftmaxFracBits, "softmax", "input_scale");
  return p;
}

std::int32_t exp_q30(std::int32_t x_q20) {
  if (x_q20 > 0 || x_q20 < -kSoftmaxMaxZ * kSoftmaxLn2Q20) {
    fail("exp_q30: argument " + std::to_string(x_q20) + " is outside [-30 ln2, 0] (Q20)");
  }
  // x = -z ln2 + p, z = floor(-x / ln2) in [0, 30], p in (-ln2, 0].
  const std::int32_t z = (-x_q20) / kSoftmaxLn2Q20;
  // z = 30 only at the clamp value x = -30 ln2 itself: exactly 0 (not round(poly / 2^30) = 1), so
  // a masked or padded logit (pushed to the clamp) contributes nothing to the softmax sum.
  if (z >= kSoftmaxMaxZ) {
    return 0;
  }
  const std::int32_t p = x_q20 + z * kSoftmaxLn2Q20;
  // exp(p) ~= a (p + b)^2 + c: (p + b) in Q20, squared Q40, times a (Q15) = Q55, to Q30.
  const std::int64_t pb = static_cast<std::int64_t>(p) + kSoftmaxPolyBQ20;
  const std::int64_t poly = round_shift(kSoftmaxPolyAQ15 * pb * pb, 25) + kSoftmaxPolyCQ30;
  // exp(x) = exp(p) / 2^z, rounded half away from zero.
  if (z == 0) {
    return static_cast<std::int32_t>(poly);
  }
  return static_cast<std::int32_t>(round_shift(poly, z));
}

namespace {

// Steps 3-6 of the softmax (docs/numerics-nonlinear.md): exp on the Q20 grid, int64 sum,
// reciprocal, and the int8 output with scale 1/256 and zero point -128. x holds the clamped
// x_i = S (q_i - max) in Q20, each in [-30 ln 2, 0], at least one of them 0.
std::vector<std::int8_t> softmax_from_q20(const std::vector<std::int32_t>& x) {
  std::vector<std::int32_t> e(x.size());
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    e[i] = exp_q30(x[i]);
    sum += e[i];
  }
  // 5. Reciprocal: recip = round(2^60 / sum) (sum >= 2^30 because the max element has d = 0).
  const std::int64_t two60 = std::int64_t{1} << 60;
  const std::int64_t recip = (two60 + sum / 2) / sum;
  // 6. q = round(e * recip / 2^52) = round(256 e / sum); out = min(q, 255) - 128.
  std::vector<std::int8_t> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::int64_t q = round_shift(e[i] * recip, 52);
    out[i] = static_cast<std::int8_t>(std::min<std::int64_t>(q, 255) - 128);
  }
  return out;
}

void check_row_length(std::size_t n) {
  if (n > kSoftmaxMaxRow) {
    fail("softmax: row length " + std::to_string(n) + " exceeds " + std::to_string(kSoftmaxMaxRow));
  }
}

}  // namespace

std::vector<std::int8_t> softmax_i8(const std::vector<std::int8_t>& row, const SoftmaxParams& p) {
  check_row_length(row.size());
  if (row.empty()) {
    return {};
  }
  // 1. Row max; d = q - max in [-255, 0].
  std::int32_t max_q = -128;
  for (std::int8_t q : row) {
    max_q = std::max<std::int32_t>(max_q, q);
  }
  // 2. x_q20 = d * input_scale_q20 (int64), clamped to [-30 ln2, 0].
  std::vector<std::int32_t> x(row.size());
  for (std::size_t i = 0; i < row.size(); ++i) {
    const std::int64_t d = static_cast<std::int64_t>(row[i]) - max_q;
    x[i] = static_cast<std::int32_t>(std::max<std::int64_t>(
        d * p.input_scale_q20, -std::int64_t{kSoftmaxMaxZ} * kSoftmaxLn2Q20));
  }
  return softmax_from_q20(x);
}

SoftmaxI32Params make_softmax_i32_params(double input_scale) {
  check_scale(input_scale, "softmax_i32", "input_scale");
  const double scaled = input_scale * double(1 << kSoftmaxFracBits);
  if (!(scaled < 1073741824.0)) {
    fail("softmax_i32: input_scale * 2^20 must be < 2^30");
  }
  SoftmaxI32Params p;
  p.scale_q20 = quantize_multiplier(scaled);
  return p;
}

std::vector<std::int8_t> softmax_i32(const std::vector<std::int32_t>& row,
                                     const SoftmaxI32Params& p) {
  check_row_length(row.size());
  if (row.empty()) {
    return {};
  }
  if (p.scale_q20.multiplier == 0) {
    fail("softmax_i32: parameters not made by make_softmax_i32_params");
  }
  std::int32_t max_q = row[0];
  for (std::int32_t q : row) {
    max_q = std::max(max_q, q);
  }
  std::vector<std::int32_t> x(row.size());
  for (std::size_t i = 0; i < row.size(); ++i) {
    // d in [-(2^32 - 1), 0]; below INT32_MIN it is clamped (its exp is 0 at any legal scale).
    const std::int64_t d = static_cast<std::int64_t>(row[i]) - max_q;
    const auto dc = static_cast<std::int32_t>(std::max<std::int64_t>(d, INT32_MIN));
    const std::int32_t xs =
        multiply_by_quantized_multiplier(dc, p.scale_q20.multiplier, p.scale_q20.shift);
    x[i] = std::max<std::int32_t>(xs, -kSoftmaxMaxZ * kSoftmaxLn2Q20);
  }
  return softmax_from_q20(x);
}

// ---- GELU, erf form ----

GeluErfParams make_gelu_erf_params(double input_scale, std::int32_t input_zero_point,
                                   double output_scale, std::int32_t output_zero_point) {
  check_scale(input_scale, "gelu_erf", "input_scale");
  check_scale(output_scale, "gelu_erf", "output_scale");
  check_zero_point(input_zero_point, "gelu_erf", "input_zero_point");
  check_zero_point(output_zero_point, "gelu_erf", "output_zero_point");
  GeluErfParams p;
  p.input_zero_point = input_zero_point;
  p.x_scale_q16 = to_fixed(input_scale / std::sqrt(2.0), kGeluFracBits, "gelu_erf", "input_scale");
  const double m = input_scale / (std::ldexp(1.0, 17) * output_scale);
  if (m >= 1.0) {
    fail("gelu_erf: input_scale / output_scale must be below 2^17");
  }
  p.output_multiplier = quantize_multiplier(m);
  p.output_zero_point = output_zero_point;
  return p;
}

std::int8_t gelu_erf_i8(std::int8_t q, const GeluErfParams& p) {
  // 1. v = q - zp_in in [-255, 255].
  const std::int64_t v = static_cast<std::int64_t>(q) - p.input_zero_point;
  const std::int64_t abs_v = v < 0 ? -v : v;
  // 2. |x / sqrt 2| in Q16, clipped at b: t = min(|v| * x_scale_q16, b_q16).
  const std::int64_t t = std::min<std::int64_t>(abs_v * p.x_scale_q16, kGeluBQ16);
  // 3. L = a (t - b)^2 + 1 in Q16: (t - b)^2 is Q32, times a (Q16) is Q48, to Q16.
  const std::int64_t m = t - kGeluBQ16;
  const std::int64_t l = round_shift(kGeluAQ16 * m * m, 32) + (std::int64_t{1} << 16);
  // 4. g = v * (2^16 + sgn(v) L): GELU(x) = input_scale * g / 2^17.
  const std::int64_t one_plus =
      v > 0 ? (std::int64_t{1} << 16) + l : (v < 0 ? (std::int64_t{1} << 16) - l : 0);
  const auto g = static_cast<std::int32_t>(v * one_plus);  // |g| <= 255 * 2^17 < 2^25
  // 5. Requantize: input_scale / (2^17 output_scale) as a QuantizedMultiplier, add zp, clamp.
  const std::int32_t y = multiply_by_quantized_multiplier(g, p.output_multiplier.multiplier,
                                                          p.output_multiplier.shift);
  return static_cast<std::int8_t>(clamp_i8(static_cast<std::int64_t>(y) + p.output_zero_point));
}

// ---- LUT ops ----

double gelu_erf_ref(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

double gelu_tanh_ref(double x) {
  const double k = std::sqrt(2.0 / 3.14159265358979323846);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

double silu_ref(double x) { return x / (1.0 + std::exp(-x)); }

LutParams make_gelu_tanh_params(double input_scale, std::int32_t input_zero_point,
                                double output_scale, std::int32_t output_zero_point) {
  return make_lut(gelu_tanh_ref, "gelu_tanh", input_scale, input_zero_point, output_scale,
                  output_zero_point);
}

LutParams make_silu_params(double input_scale, std::int32_t input_zero_point, double output_scale,
                           std::int32_t output_zero_point) {
  return make_lut(silu_ref, "silu", input_scale, input_zero_point, output_scale, output_zero_point);
}

std::int8_t lut_i8(std::int8_t q, const LutParams& p) {
  return p.table[static_cast<std::size_t>(static_cast<int>(q) + 128)];
}

// ---- SwiGLU ----

SwigluParams make_swiglu_params(double gate_scale, std::int32_t gate_zero_point, double up_scale,
                                std::int32_t up_zero_point, double output_scale,
                                std::int32_t output_zero_point) {
  check_scale(gate_scale, "swiglu", "gate_scale");
  check_scale(up_scale, "swiglu", "up_scale");
  check_scale(output_scale, "swiglu", "output_scale");
  check_zero_point(gate_zero_point, "swiglu", "gate_zero_point");
  check_zero_point(up_zero_point, "swiglu", "up_zero_point");
  check_zero_point(output_zero_point, "swiglu", "output_zero_point");
  // silu_scale = max_q |silu(gate_scale (q - zp))| / 32767 (never zero: silu(x) = 0 only at 0).
  double max_abs = 0;
  for (int q = -128; q <= 127; ++q) {
    max_abs = std::max(max_abs, std::fabs(silu_ref(gate_scale * (q - gate_zero_point))));
  }
  const double silu_scale = max_abs / 32767.0;
  SwigluParams p;
  for (int q = -128; q <= 127; ++q) {
    const double y = silu_ref(gate_scale * (q - gate_zero_point)) / silu_scale;
    const std::int64_t r =
        std::min<std::int64_t>(32767, std::max<std::int64_t>(-32767, round_away(y)));
    p.silu_table[static_cast<std::size_t>(q + 128)] = static_cast<std::int16_t>(r);
  }
  const double m = silu_scale * up_scale / output_scale;
  if (!(m < 1.0)) {
    fail("swiglu: silu_scale * up_scale / output_scale must be below 1");
  }
  p.up_zero_point = up_zero_point;
  p.output_multiplier = quantize_multiplier(m);
  p.output_zero_point = output_zero_point;
  return p;
}

std::int8_t swiglu_i8(std::int8_t gate, std::int8_t up, const SwigluParams& p) {
  const std::int32_t s = p.silu_table[static_cast<std::size_t>(static_cast<int>(gate) + 128)];
  const std::int32_t u = static_cast<std::int32_t>(up) - p.up_zero_point;  // [-255, 255]
  const std::int32_t prod = s * u;  // |prod| <= 32767 * 255 < 2^23
  const std::int32_t y = multiply_by_quantized_multiplier(prod, p.output_multiplier.multiplier,
                                                          p.output_multiplier.shift);
  return static_cast<std::int8_t>(clamp_i8(static_cast<std::int64_t>(y) + p.output_zero_point));
}

// ---- Accuracy ----

namespace {

struct Stats {
  double max_abs = 0;
  double sum_err = 0;
  double sum_ref2 = 0;
  double sum_err2 = 0;
  std::size_t n = 0;
  void add(double ref, double got) {
    const double err = got - ref;
    max_abs = std::max(max_abs, std::fabs(err));
    sum_err += err;
    sum_ref2 += ref * ref;
    sum_err2 += err * err;
    ++n;
  }
  AccuracyRow row(const std::string& op, const std::string& dist) const {
    AccuracyRow r;
    r.op = op;
    r.distribution = dist;
    r.max_abs_error = max_abs;
    r.mean_error = n ? sum_err / static_cast<double>(n) : 0;
    r.sqnr_db = sum_err2 > 0 ? 10 * std::log10(sum_ref2 / sum_err2) : 300;
    r.samples = n;
    return r;
  }
};

// Uniform double in [0, 1) from the top 53 bits (our own mapping, independent of the library).
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Standard normal by Box-Muller on unit() (deterministic across standard libraries).
double normal(std::mt19937_64& rng) {
  const double u1 = 1.0 - unit(rng);  // (0, 1]
  const double u2 = unit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * 3.14159265358979323846 * u2);
}

std::int8_t uniform_i8(std::mt19937_64& rng) {
  return static_cast<std::int8_t>(static_cast<int>(rng() >> 56) - 128);
}

// Symmetric per-tensor quantization: scale = max|x| / 127, zero point 0.
std::vector<std::int8_t> quantize_sym(const std::vector<double>& x, double* scale) {
  double m = 0;
  for (double v : x) {
    m = std::max(m, std::fabs(v));
  }
  *scale = m / 127;
  std::vector<std::int8_t> q(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    q[i] = static_cast<std::int8_t>(clamp_i8(round_away(x[i] / *scale)));
  }
  return q;
}

// Asymmetric output quantization calibrated on [lo, hi]: scale (hi - lo) / 255, zp maps lo to -128.
void calibrate(double lo, double hi, double* scale, std::int32_t* zp) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  *scale = (hi - lo) / 255;
  *zp = clamp_i8(round_away(-128 - lo / *scale));
}

// Gaussian activations, std 1, 1% outliers at 6-10 sigma with random sign.
std::vector<double> activations(std::mt19937_64& rng, std::size_t n) {
  std::vector<double> x(n);
  for (double& v : x) {
    if (unit(rng) < 0.01) {
      v = (6 + 4 * unit(rng)) * (unit(rng) < 0.5 ? -1 : 1);
    } else {
      v = normal(rng);
    }
  }
  return x;
}

constexpr std::size_t kSamples = 65536;

template <typename Ref>
void measure_unary(const std::string& op, Ref ref, bool lut, std::vector<AccuracyRow>* rows) {
  for (int dist = 0; dist < 2; ++dist) {
    std::mt19937_64 rng(dist == 0 ? 0x5e77a70001u : 0x5e77a70002u);
    std::vector<std::int8_t> q(kSamples);
    double in_scale = 8.0 / 127;
    if (dist == 0) {
      for (auto& v : q) {
        v = uniform_i8(rng);
      }
    } else {
      q = quantize_sym(activations(rng, kSamples), &in_scale);
    }
    double lo = 0;
    double hi = 0;
    for (int v = -128; v <= 127; ++v) {
      lo = std::min(lo, ref(in_scale * v));
      hi = std::max(hi, ref(in_scale * v));
    }
    double out_scale = 0;
    std::int32_t out_zp = 0;
    calibrate(lo, hi, &out_scale, &out_zp);
    const LutParams lp =
        lut ? (op == "silu" ? make_silu_params(in_scale, 0, out_scale, out_zp)
                            : make_gelu_tanh_params(in_scale, 0, out_scale, out_zp))
            : LutParams{};
    const GeluErfParams gp = make_gelu_erf_params(in_scale, 0, out_scale, out_zp);
    Stats s;
    for (std::int8_t v : q) {
      const std::int8_t y = lut ? lut_i8(v, lp) : gelu_erf_i8(v, gp);
      s.add(ref(in_scale * v), out_scale * (y - out_zp));
    }
    rows->push_back(s.row(op, dist == 0 ? "uniform int8" : "gaussian with outliers"));
  }
}

}  // namespace

std::vector<AccuracyRow> nonlinear_accuracy() {
  std::vector<AccuracyRow> rows;

  // Softmax: 512 rows of 128.
  for (int dist = 0; dist < 2; ++dist) {
    std::mt19937_64 rng(dist == 0 ? 0x50f7a70001u : 0x50f7a70002u);
    const std::size_t n_rows = 512;
    const std::size_t len = 128;
    std::vector<std::int8_t> q(n_rows * len);
    double scale = 8.0 / 127;
    if (dist == 0) {
      for (auto& v : q) {
        v = uniform_i8(rng);
      }
    } else {
      std::vector<double> x(n_rows * len);
      for (std::size_t r = 0; r < n_rows; ++r) {
        for (std::size_t i = 0; i < len; ++i) {
          x[r * len + i] = 3 * normal(rng);
        }
        const std::size_t outliers = 1 + (rng() % 3);  // 1 to 3 per row, in [6, 12]
        for (std::size_t k = 0; k < outliers; ++k) {
          x[r * len + rng() % len] = 6 + 6 * unit(rng);
        }
      }
      q = quantize_sym(x, &scale);
    }
    const SoftmaxParams sp = make_softmax_params(scale);
    Stats s;
    for (std::size_t r = 0; r < n_rows; ++r) {
      const std::vector<std::int8_t> row(q.begin() + static_cast<std::ptrdiff_t>(r * len),
                                         q.begin() + static_cast<std::ptrdiff_t>((r + 1) * len));
      const std::vector<std::int8_t> out = softmax_i8(row, sp);
      double m = -1e300;
      for (std::int8_t v : row) {
        m = std::max(m, scale * v);
      }
      double z = 0;
      for (std::int8_t v : row) {
        z += std::exp(scale * v - m);
      }
      for (std::size_t i = 0; i < len; ++i) {
        s.add(std::exp(scale * row[i] - m) / z, (out[i] + 128) / 256.0);
      }
    }
    rows.push_back(s.row("softmax", dist == 0 ? "uniform int8" : "attention scores"));
  }

  measure_unary("gelu_erf", gelu_erf_ref, false, &rows);
  measure_unary("gelu_tanh", gelu_tanh_ref, true, &rows);
  measure_unary("silu", silu_ref, true, &rows);

  // SwiGLU: gate and up independent, same distribution.
  for (int dist = 0; dist < 2; ++dist) {
    std::mt19937_64 rng(dist == 0 ? 0x5a1f70001u : 0x5a1f70002u);
    std::vector<std::int8_t> g(kSamples);
    std::vector<std::int8_t> u(kSamples);
    double gs = 8.0 / 127;
    double us = 4.0 / 127;
    if (dist == 0) {
      for (std::size_t i = 0; i < kSamples; ++i) {
        g[i] = uniform_i8(rng);
        u[i] = uniform_i8(rng);
      }
    } else {
      g = quantize_sym(activations(rng, kSamples), &gs);
      u = quantize_sym(activations(rng, kSamples), &us);
    }
    std::vector<double> ref(kSamples);
    double lo = 0;
    double hi = 0;
    for (std::size_t i = 0; i < kSamples; ++i) {
      ref[i] = silu_ref(gs * g[i]) * (us * u[i]);
      lo = std::min(lo, ref[i]);
      hi = std::max(hi, ref[i]);
    }
    double os = 0;
    std::int32_t ozp = 0;
    calibrate(lo, hi, &os, &ozp);
    const SwigluParams p = make_swiglu_params(gs, 0, us, 0, os, ozp);
    Stats s;
    for (std::size_t i = 0; i < kSamples; ++i) {
      s.add(ref[i], os * (swiglu_i8(g[i], u[i], p) - ozp));
    }
    rows.push_back(s.row("swiglu", dist == 0 ? "uniform int8" : "gaussian with outliers"));
  }
  return rows;
}

}  // namespace serrano::golden
