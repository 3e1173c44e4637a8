// SPDX-License-Identifier: Apache-2.0
// Serrano's golden numerics for norms and element-wise ops (see norms.h and
// docs/numerics-norms.md). The integer functions use only int32/int64/uint64 arithmetic; every
// rounding is spelled out. Nothing relies on signed overflow or on shifting negative numbers.
#include "golden/norms.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include "golden/accuracy.h"
#include "golden/golden.h"

namespace serrano::golden {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("serrano: " + what); }

void check_scale(double scale, const char* name) {
  if (!std::isfinite(scale) || scale <= 0.0) {
    fail(std::string(name) + " must be finite and > 0 (got " + std::to_string(scale) + ")");
  }
}

void check_zero_point(std::int32_t zp, const char* name) {
  if (zp < -128 || zp > 127) {
    fail(std::string(name) + " must be in [-128, 127] (got " + std::to_string(zp) + ")");
  }
}

std::int8_t saturate_i8(std::int64_t v) {
  return static_cast<std::int8_t>(std::min<std::int64_t>(127, std::max<std::int64_t>(-128, v)));
}

// round(v / 2^s), ties away from zero, s in [0, 62]; computed on the magnitude so that no
// negative number is shifted.
std::int64_t round_shift_right(std::int64_t v, int s) {
  if (s == 0) {
    return v;
  }
  const std::uint64_t half = std::uint64_t{1} << (s - 1);
  if (v >= 0) {
    return static_cast<std::int64_t>((static_cast<std::uint64_t>(v) + half) >> s);
  }
  const std::uint64_t mag = std::uint64_t{0} - static_cast<std::uint64_t>(v);
  return -static_cast<std::int64_t>((mag + half) >> s);
}

// ---- Norm core ----

NormChannel make_norm_channel(double scale_factor, double offset, double output_scale,
                              std::int32_t output_zero_point) {
  NormChannel ch;
  if (!std::isfinite(scale_factor) || !std::isfinite(offset)) {
    fail("gamma/beta/weight values must be finite");
  }
  const double real = std::fabs(scale_factor) / output_scale /
                      std::ldexp(1.0, kNormZFracBits - kNormOutFracBits);
  if (!(real < std::ldexp(1.0, 31))) {
    fail("|gamma| / output_scale is too large (must be < 2^39)");
  }
  const QuantizedMultiplier qm = quantize_multiplier(real);
  ch.multiplier = qm.multiplier;
  ch.shift = qm.shift;
  ch.negate = scale_factor < 0.0;
  const double bias =
      std::round((offset / output_scale + output_zero_point) * std::ldexp(1.0, kNormOutFracBits));
  const double lim = std::ldexp(1.0, 31);
  ch.bias = static_cast<std::int32_t>(std::min(lim - 1.0, std::max(-lim, bias)));
  return ch;
}

std::int64_t make_eps_term(int n, double input_scale, double eps) {
  if (!std::isfinite(eps) || eps < 0.0) {
    fail("eps must be finite and >= 0 (got " + std::to_string(eps) + ")");
  }
  const double e = std::round(static_cast<double>(n) * n * eps / (input_scale * input_scale));
  const double cap = std::ldexp(1.0, 60);
  return static_cast<std::int64_t>(std::min(cap, e));  // e >= 0; NaN impossible here
}

void check_length(std::size_t n) {
  if (n < 1 || n > static_cast<std::size_t>(kNormMaxLength)) {
    fail("norm length must be in [1, 65536] (got " + std::to_string(n) + ")");
  }
}

// Normalizes one row given D_i (= n * (x_i - mean) in input units, |D_i| < 2^25) and
// T (= n^2 * (var + eps) in input units^2, 1 <= T < 2^62), then applies the channel affine.
void normalize_row(const std::vector<std::int64_t>& d, std::uint64_t t, const NormParams& p,
                   std::int8_t* out) {
  // Step 1: k = largest integer with T * 4^k < 2^62, so T * 4^k is in [2^60, 2^62).
  int k = 0;
  while (k < 30 && t < (std::uint64_t{1} << (60 - 2 * k))) {  // T * 4^(k+1) < 2^62
    ++k;
  }
  // Step 2: r = floor(sqrt(T * 4^k)) in [2^30, 2^31): sqrt(T) * 2^k with 30+ significant bits.
  const std::uint64_t r = isqrt(t << (2 * k));
  // Step 3: inv = round(2^62 / r) in (2^31, 2^32]: 2^(62-k) / sqrt(T).
  const std::uint64_t inv = ((std::uint64_t{1} << 62) + r / 2) / r;
  // Step 4: z_i = round(D_i * inv / 2^(46 - k)) = (x_i - mean) / std in Q.16.
  const int z_shift = 62 - kNormZFracBits - k;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const NormChannel& ch = p.channels[i];
    std::int64_t z = round_shift_right(d[i] * static_cast<std::int64_t>(inv), z_shift);
    if (ch.negate) {
      z = -z;
    }
    // Step 5: scale by |gamma| / output_scale into Q.8 output units, add the bias, round.
    const std::int32_t scaled =
        multiply_by_quantized_multiplier(static_cast<std::int32_t>(z), ch.multiplier, ch.shift);
    const std::int64_t acc = static_cast<std::int64_t>(scaled) + ch.bias;
    out[i] = saturate_i8(round_shift_right(acc, kNormOutFracBits));
  }
}

void check_rows(const std::vector<std::int8_t>& x, const NormParams& p) {
  check_length(static_cast<std::size_t>(p.length));
  if (p.channels.size() != static_cast<std::size_t>(p.length)) {
    fail("norm params: channels.size() != length");
  }
  if (x.size() % static_cast<std::size_t>(p.length) != 0) {
    fail("norm input size " + std::to_string(x.size()) + " is not a multiple of the length " +
         std::to_string(p.length));
  }
}

void check_same_size(std::size_t a, std::size_t b) {
  if (a != b) {
    fail("element-wise inputs differ in size (" + std::to_string(a) + " vs " + std::to_string(b) +
         ")");
  }
}

}  // namespace

// ---- isqrt ----

std::uint64_t isqrt(std::uint64_t n) {
  // Classic bit-by-bit square root: one result bit per iteration, from bit 31 down to bit 0.
  std::uint64_t rem = n;
  std::uint64_t root = 0;
  std::uint64_t bit = std::uint64_t{1} << 62;  // highest power of four representable
  while (bit > rem) {
    bit >>= 2;
  }
  while (bit != 0) {
    if (rem >= root + bit) {
      rem -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return root;
}

// ---- LayerNorm / RMSNorm ----

NormParams make_layernorm_params(double input_scale, const std::vector<double>& gamma,
                                 const std::vector<double>& beta, double output_scale,
                                 std::int32_t output_zero_point, double eps) {
  check_scale(input_scale, "layernorm input_scale");
  check_scale(output_scale, "layernorm output_scale");
  check_zero_point(output_zero_point, "layernorm output_zero_point");
  check_length(gamma.size());
  if (beta.size() != gamma.size()) {
    fail("layernorm gamma and beta differ in size");
  }
  NormParams p;
  p.length = static_cast<int>(gamma.size());
  p.eps_term = make_eps_term(p.length, input_scale, eps);
  for (std::size_t c = 0; c < gamma.size(); ++c) {
    p.channels.push_back(make_norm_channel(gamma[c], beta[c], output_scale, output_zero_point));
  }
  return p;
}

NormParams make_rmsnorm_params(double input_scale, std::int32_t input_zero_point,
                               const std::vector<double>& weight, double output_scale,
                               std::int32_t output_zero_point, double eps) {
  check_scale(input_scale, "rmsnorm input_scale");
  check_scale(output_scale, "rmsnorm output_scale");
  check_zero_point(input_zero_point, "rmsnorm input_zero_point");
  check_zero_point(output_zero_point, "rmsnorm output_zero_point");
  check_length(weight.size());
  NormParams p;
  p.length = static_cast<int>(weight.size());
  p.input_zero_point = input_zero_point;
  p.eps_term = make_eps_term(p.length, input_scale, eps);
  for (double w : weight) {
    p.channels.push_back(make_norm_channel(w, 0.0, output_scale, output_zero_point));
  }
  return p;
}

std::vector<std::int8_t> layernorm_i8(const std::vector<std::int8_t>& x, const NormParams& p) {
  check_rows(x, p);
  const std::size_t n = static_cast<std::size_t>(p.length);
  std::vector<std::int8_t> out(x.size());
  std::vector<std::int64_t> d(n);
  for (std::size_t row = 0; row * n < x.size(); ++row) {
    const std::int8_t* q = x.data() + row * n;
    std::int64_t sum = 0, sum_sq = 0;  // |sum| <= 2^23, sum_sq <= 2^30
    for (std::size_t i = 0; i < n; ++i) {
      sum += q[i];
      sum_sq += static_cast<std::int64_t>(q[i]) * q[i];
    }
    const std::int64_t nn = static_cast<std::int64_t>(n);
    // n^2 * var = n * sum_sq - sum^2 >= 0 (Cauchy-Schwarz), <= 2^46.
    const std::int64_t var_n2 = nn * sum_sq - sum * sum;
    const std::uint64_t t =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(var_n2) +
                                       static_cast<std::uint64_t>(p.eps_term));
    for (std::size_t i = 0; i < n; ++i) {
      d[i] = nn * q[i] - sum;  // n * (q_i - mean), exact
    }
    normalize_row(d, t, p, out.data() + row * n);
  }
  return out;
}

std::vector<std::int8_t> rmsnorm_i8(const std::vector<std::int8_t>& x, const NormParams& p) {
  check_rows(x, p);
  check_zero_point(p.input_zero_point, "rmsnorm input_zero_point");
  const std::size_t n = static_cast<std::size_t>(p.length);
  std::vector<std::int8_t> out(x.size());
  std::vector<std::int64_t> d(n);
  for (std::size_t row = 0; row * n < x.size(); ++row) {
    const std::int8_t* q = x.data() + row * n;
    const std::int64_t nn = static_cast<std::int64_t>(n);
    std::int64_t sum_sq = 0;  // c in [-255, 255]: sum_sq <= 2^32
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t c = static_cast<std::int64_t>(q[i]) - p.input_zero_point;
      sum_sq += c * c;
      d[i] = nn * c;
    }
    const std::uint64_t t = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(nn * sum_sq) + static_cast<std::uint64_t>(p.eps_term));
    normalize_row(d, t, p, out.data() + row * n);
  }
  return out;
}

// ---- Residual add ----

AddParams make_add_params(double a_scale, std::int32_t a_zero_point, double b_scale,
                          std::int32_t b_zero_point, double output_scale,
                          std::int32_t output_zero_point) {
  check_scale(a_scale, "add a_scale");
  check_scale(b_scale, "add b_scale");
  check_scale(output_scale, "add output_scale");
  check_zero_point(a_zero_point, "add a_zero_point");
  check_zero_point(b_zero_point, "add b_zero_point");
  check_zero_point(output_zero_point, "add output_zero_point");
  const double twice_max = 2.0 * std::max(a_scale, b_scale);
  AddParams p;
  p.a_zero_point = a_zero_point;
  p.b_zero_point = b_zero_point;
  p.output_zero_point = output_zero_point;
  p.a_multiplier = quantize_multiplier(a_scale / twice_max);
  p.b_multiplier = quantize_multiplier(b_scale / twice_max);
  const double out_real = twice_max / (std::ldexp(1.0, kAddLeftShift) * output_scale);
  if (!(out_real < std::ldexp(1.0, 31))) {
    fail("add output multiplier is out of range (output_scale too small)");
  }
  p.output_multiplier = quantize_multiplier(out_real);
  return p;
}

std::int8_t add_i8(std::int8_t a, std::int8_t b, const AddParams& p) {
  // (q - zp) in [-255, 255]; times 2^20 stays below 2^28.
  const std::int32_t a_shifted =
      (static_cast<std::int32_t>(a) - p.a_zero_point) * (1 << kAddLeftShift);
  const std::int32_t b_shifted =
      (static_cast<std::int32_t>(b) - p.b_zero_point) * (1 << kAddLeftShift);
  const std::int32_t a_scaled = multiply_by_quantized_multiplier(
      a_shifted, p.a_multiplier.multiplier, p.a_multiplier.shift);
  const std::int32_t b_scaled = multiply_by_quantized_multiplier(
      b_shifted, p.b_multiplier.multiplier, p.b_multiplier.shift);
  const std::int32_t sum = a_scaled + b_scaled;  // each |.| <= 2^27
  const std::int32_t out = multiply_by_quantized_multiplier(
      sum, p.output_multiplier.multiplier, p.output_multiplier.shift);
  return saturate_i8(static_cast<std::int64_t>(out) + p.output_zero_point);
}

std::vector<std::int8_t> add_i8(const std::vector<std::int8_t>& a,
                                const std::vector<std::int8_t>& b, const AddParams& p) {
  check_same_size(a.size(), b.size());
  std::vector<std::int8_t> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    out[i] = add_i8(a[i], b[i], p);
  }
  return out;
}

// ---- Element-wise multiply ----

MulParams make_mul_params(double a_scale, std::int32_t a_zero_point, double b_scale,
                          std::int32_t b_zero_point, double output_scale,
                          std::int32_t output_zero_point) {
  check_scale(a_scale, "mul a_scale");
  check_scale(b_scale, "mul b_scale");
  check_scale(output_scale, "mul output_scale");
  check_zero_point(a_zero_point, "mul a_zero_point");
  check_zero_point(b_zero_point, "mul b_zero_point");
  check_zero_point(output_zero_point, "mul output_zero_point");
  const double real = a_scale * b_scale / output_scale;
  if (!(real < std::ldexp(1.0, 31))) {
    fail("mul multiplier a_scale * b_scale / output_scale must be < 2^31");
  }
  MulParams p;
  p.a_zero_point = a_zero_point;
  p.b_zero_point = b_zero_point;
  p.output_zero_point = output_zero_point;
  p.multiplier = quantize_multiplier(real);
  return p;
}

std::int8_t mul_i8(std::int8_t a, std::int8_t b, const MulParams& p) {
  const std::int32_t prod = (static_cast<std::int32_t>(a) - p.a_zero_point) *
                            (static_cast<std::int32_t>(b) - p.b_zero_point);  // |.| <= 65025
  const std::int32_t out =
      multiply_by_quantized_multiplier(prod, p.multiplier.multiplier, p.multiplier.shift);
  return saturate_i8(static_cast<std::int64_t>(out) + p.output_zero_point);
}

std::vector<std::int8_t> mul_i8(const std::vector<std::int8_t>& a,
                                const std::vector<std::int8_t>& b, const MulParams& p) {
  check_same_size(a.size(), b.size());
  std::vector<std::int8_t> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    out[i] = mul_i8(a[i], b[i], p);
  }
  return out;
}

// ---- RoPE ----

RopeTable make_rope_table(int dim, int max_pos, double theta) {
  if (dim <= 0 || dim % 2 != 0) {
    fail("rope dimension must be even and > 0 (got " + std::to_string(dim) + ")");
  }
  if (max_pos <= 0) {
    fail("rope max_pos must be > 0 (got " + std::to_string(max_pos) + ")");
  }
  if (!std::isfinite(theta) || theta <= 1.0) {
    fail("rope theta must be finite and > 1 (got " + std::to_string(theta) + ")");
  }
  RopeTable t;
  t.dim = dim;
  t.max_pos = max_pos;
  const int half = dim / 2;
  const double one = std::ldexp(1.0, kRopeFracBits);
  t.cos_q14.resize(static_cast<std::size_t>(max_pos) * half);
  t.sin_q14.resize(t.cos_q14.size());
  for (int p = 0; p < max_pos; ++p) {
    for (int i = 0; i < half; ++i) {
      const double angle = p * std::pow(theta, -2.0 * i / dim);
      const std::size_t idx = static_cast<std::size_t>(p) * half + i;
      t.cos_q14[idx] = static_cast<std::int16_t>(std::lround(std::cos(angle) * one));
      t.sin_q14[idx] = static_cast<std::int16_t>(std::lround(std::sin(angle) * one));
    }
  }
  return t;
}

std::vector<std::int8_t> rope_i8(const std::vector<std::int8_t>& x, int pos,
                                 std::int32_t zero_point, const RopeTable& table) {
  check_zero_point(zero_point, "rope zero_point");
  if (x.size() != static_cast<std::size_t>(table.dim)) {
    fail("rope input size " + std::to_string(x.size()) + " != table dimension " +
         std::to_string(table.dim));
  }
  if (pos < 0 || pos >= table.max_pos) {
    fail("rope position " + std::to_string(pos) + " is outside the table");
  }
  std::vector<std::int8_t> out(x.size());
  const int half = table.dim / 2;
  for (int i = 0; i < half; ++i) {
    const std::size_t idx = static_cast<std::size_t>(pos) * half + i;
    const std::int64_t c = table.cos_q14[idx], s = table.sin_q14[idx];
    const std::int64_t x0 = static_cast<std::int64_t>(x[2 * i]) - zero_point;
    const std::int64_t x1 = static_cast<std::int64_t>(x[2 * i + 1]) - zero_point;
    const std::int64_t y0 = x0 * c - x1 * s;  // |.| <= 2 * 255 * 16384 < 2^23
    const std::int64_t y1 = x0 * s + x1 * c;
    out[2 * i] = saturate_i8(round_shift_right(y0, kRopeFracBits) + zero_point);
    out[2 * i + 1] = saturate_i8(round_shift_right(y1, kRopeFracBits) + zero_point);
  }
  return out;
}

// ---- Accuracy ----

namespace {

// Deterministic random numbers from std::mt19937_64's raw output (no std distributions, whose
// algorithms differ between standard libraries).
constexpr double kPi = 3.14159265358979323846;

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  // Uniform in (0, 1].
  double uniform01() { return (static_cast<double>(gen_() >> 11) + 1.0) * std::ldexp(1.0, -53); }
  std::int8_t uniform_i8() {
    return static_cast<std::int8_t>(static_cast<int>(gen_() >> 56) - 128);
  }
  // Box-Muller.
  double gaussian() {
    const double u1 = uniform01(), u2 = uniform01();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }
  // N(0, 1) with probability 0.99, otherwise +-U[6, 10].
  double gaussian_with_outliers() {
    if (uniform01() <= 0.01) {
      const double mag = 6.0 + 4.0 * uniform01();
      return uniform01() <= 0.5 ? -mag : mag;
    }
    return gaussian();
  }

 private:
  std::mt19937_64 gen_;
};

struct Quantized {
  std::vector<std::int8_t> q;
  double scale = 1;
};

Quantized quantize_per_tensor(const std::vector<double>& x) {
  double mx = 0;
  for (double v : x) mx = std::max(mx, std::fabs(v));
  Quantized r;
  r.scale = mx > 0 ? mx / 127.0 : 1.0;
  for (double v : x) r.q.push_back(saturate_i8(std::llround(v / r.scale)));
  return r;
}

struct Tensor {
  std::vector<std::int8_t> q;
  double scale = 1;
  std::int32_t zp = 0;
};

// (a) uniform int8 with a fixed scale and zero point; (b) Gaussian with outliers * spread.
Tensor make_input(bool realistic, std::size_t n, Rng& rng, double uniform_scale,
                  std::int32_t uniform_zp, double spread) {
  Tensor t;
  if (!realistic) {
    for (std::size_t i = 0; i < n; ++i) t.q.push_back(rng.uniform_i8());
    t.scale = uniform_scale;
    t.zp = uniform_zp;
    return t;
  }
  std::vector<double> x(n);
  for (double& v : x) v = spread * rng.gaussian_with_outliers();
  Quantized qz = quantize_per_tensor(x);
  t.q = std::move(qz.q);
  t.scale = qz.scale;
  return t;
}

std::vector<double> dequantize(const Tensor& t) {
  std::vector<double> x;
  for (std::int8_t v : t.q) x.push_back(t.scale * (static_cast<int>(v) - t.zp));
  return x;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

AccuracyRow compare(const std::string& op, const std::string& dist,
                    const std::vector<std::int8_t>& out, double out_scale, std::int32_t out_zp,
                    const std::vector<double>& ref) {
  AccuracyRow r;
  r.op = op;
  r.distribution = dist;
  r.samples = ref.size();
  double sig = 0, noise = 0, sum_err = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double got = out_scale * (static_cast<int>(out[i]) - out_zp);
    const double err = got - ref[i];
    r.max_abs_error = std::max(r.max_abs_error, std::fabs(err));
    sum_err += err;
    sig += ref[i] * ref[i];
    noise += err * err;
  }
  r.mean_error = sum_err / static_cast<double>(ref.size());
  r.sqnr_db = noise > 0 ? 10.0 * std::log10(sig / noise) : 200.0;
  return r;
}

const char* dist_name(bool realistic) {
  return realistic ? "gaussian with 1% outliers" : "uniform int8";
}

AccuracyRow norm_row(bool rms, bool realistic) {
  const int n = rms ? 4096 : 768;
  const int rows = rms ? 16 : 64;
  const double eps = rms ? 1e-6 : 1e-5;
  Rng rng(rms ? (realistic ? 0x524d5302 : 0x524d5301) : (realistic ? 0x4c4e02 : 0x4c4e01));
  const Tensor in = make_input(realistic, static_cast<std::size_t>(n) * rows, rng, 0.05,
                               rms ? 3 : -7, 1.0);
  std::vector<double> gamma(n), beta(n, 0.0);
  for (double& g : gamma) g = 1.0 + 0.1 * rng.gaussian();
  if (!rms) {
    for (double& b : beta) b = 0.1 * rng.gaussian();
  }
  const std::vector<double> x = dequantize(in);
  std::vector<double> ref(x.size());
  for (int r = 0; r < rows; ++r) {
    const double* xr = x.data() + static_cast<std::size_t>(r) * n;
    double mean = 0, var = 0;
    if (!rms) {
      for (int i = 0; i < n; ++i) mean += xr[i];
      mean /= n;
    }
    for (int i = 0; i < n; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= n;
    const double inv = 1.0 / std::sqrt(var + eps);
    for (int i = 0; i < n; ++i) {
      ref[static_cast<std::size_t>(r) * n + i] = gamma[i] * (xr[i] - mean) * inv + beta[i];
    }
  }
  const double out_scale = max_abs(ref) / 127.0;
  std::vector<std::int8_t> out;
  if (rms) {
    out = rmsnorm_i8(in.q, make_rmsnorm_params(in.scale, in.zp, gamma, out_scale, 0, eps));
  } else {
    out = layernorm_i8(in.q, make_layernorm_params(in.scale, gamma, beta, out_scale, 0, eps));
  }
  return compare(rms ? "rmsnorm (n=4096)" : "layernorm (n=768)", dist_name(realistic), out,
                 out_scale, 0, ref);
}

AccuracyRow eltwise_row(bool mul, bool realistic) {
  const std::size_t n = 65536;
  Rng rng(mul ? (realistic ? 0x4d554c02 : 0x4d554c01) : (realistic ? 0x41444402 : 0x41444401));
  const Tensor a = make_input(realistic, n, rng, 0.02, -10, 1.0);
  const Tensor b = make_input(realistic, n, rng, 0.05, 5, 0.5);
  const std::vector<double> xa = dequantize(a), xb = dequantize(b);
  std::vector<double> ref(n);
  for (std::size_t i = 0; i < n; ++i) ref[i] = mul ? xa[i] * xb[i] : xa[i] + xb[i];
  const double out_scale = max_abs(ref) / 127.0;
  std::vector<std::int8_t> out;
  if (mul) {
    out = mul_i8(a.q, b.q, make_mul_params(a.scale, a.zp, b.scale, b.zp, out_scale, 0));
  } else {
    out = add_i8(a.q, b.q, make_add_params(a.scale, a.zp, b.scale, b.zp, out_scale, 0));
  }
  return compare(mul ? "mul" : "residual add", dist_name(realistic), out, out_scale, 0, ref);
}

AccuracyRow rope_row(bool realistic) {
  const int d = 128, vectors = 512, max_pos = 4096;
  const double theta = 10000.0;
  Rng rng(realistic ? 0x524f5002 : 0x524f5001);
  const RopeTable table = make_rope_table(d, max_pos, theta);
  const Tensor in = make_input(realistic, static_cast<std::size_t>(d) * vectors, rng, 0.05, 0, 1.0);
  const std::vector<double> x = dequantize(in);
  std::vector<double> ref(x.size());
  std::vector<std::int8_t> out;
  for (int v = 0; v < vectors; ++v) {
    const int pos = static_cast<int>(rng.uniform01() * max_pos) % max_pos;
    const std::size_t base = static_cast<std::size_t>(v) * d;
    for (int i = 0; i < d / 2; ++i) {
      const double angle = pos * std::pow(theta, -2.0 * i / d);
      const double x0 = x[base + 2 * i], x1 = x[base + 2 * i + 1];
      ref[base + 2 * i] = x0 * std::cos(angle) - x1 * std::sin(angle);
      ref[base + 2 * i + 1] = x0 * std::sin(angle) + x1 * std::cos(angle);
    }
    const std::vector<std::int8_t> head(in.q.begin() + static_cast<std::ptrdiff_t>(base),
                                        in.q.begin() + static_cast<std::ptrdiff_t>(base + d));
    const std::vector<std::int8_t> o = rope_i8(head, pos, in.zp, table);
    out.insert(out.end(), o.begin(), o.end());
  }
  return compare("rope (d=128, theta=1e4)", dist_name(realistic), out, in.scale, in.zp, ref);
}

}  // namespace

std::vector<AccuracyRow> norm_accuracy() {
  std::vector<AccuracyRow> rows;
  for (bool realistic : {false, true}) rows.push_back(norm_row(false, realistic));
  for (bool realistic : {false, true}) rows.push_back(norm_row(true, realistic));
  for (bool realistic : {false, true}) rows.push_back(eltwise_row(false, realistic));
  for (bool realistic : {false, true}) rows.push_back(eltwise_row(true, realistic));
  for (bool realistic : {false, true}) rows.push_back(rope_row(realistic));
  return rows;
}

}  // namespace serrano::golden
