// SPDX-License-Identifier: Apache-2.0
#include "workloads/layer_ref.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "golden/nonlinear.h"

namespace serrano::workloads {

double Random::uniform() { return double(m_gen() >> 11) * 0x1.0p-53; }

double Random::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

std::uint64_t Random::below(std::uint64_t bound) {
  // Rejection sampling: exact and the same on every platform.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  std::uint64_t v = m_gen();
  while (v >= limit) v = m_gen();
  return v % bound;
}

namespace {

std::vector<float> normal_vector(Random& rng, std::size_t n, double mean, double stddev) {
  std::vector<float> v(n);
  for (auto& x : v) x = float(mean + stddev * rng.normal());
  return v;
}

// y[T x n] = x[T x k] . W[k x n] + b (double accumulation).
std::vector<float> linear(const std::vector<float>& x, std::size_t T, std::size_t k,
                          const std::vector<float>& W, const std::vector<float>& b, std::size_t n) {
  std::vector<float> y(T * n);
  std::vector<double> acc(n);
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t j = 0; j < n; ++j) acc[j] = b.empty() ? 0.0 : double(b[j]);
    for (std::size_t i = 0; i < k; ++i) {
      const double a = x[t * k + i];
      if (a == 0.0) continue;
      const float* row = &W[i * n];
      for (std::size_t j = 0; j < n; ++j) acc[j] += a * double(row[j]);
    }
    for (std::size_t j = 0; j < n; ++j) y[t * n + j] = float(acc[j]);
  }
  return y;
}

std::vector<float> norm(const ModelDesc& m, const std::vector<float>& x, std::size_t T,
                        std::size_t d, const std::vector<float>& gamma,
                        const std::vector<float>& beta) {
  std::vector<float> y(x.size());
  for (std::size_t t = 0; t < T; ++t) {
    const float* r = &x[t * d];
    double mean = 0.0, var = 0.0;
    if (m.norm == NormType::LayerNorm) {
      for (std::size_t i = 0; i < d; ++i) mean += r[i];
      mean /= double(d);
      for (std::size_t i = 0; i < d; ++i) var += (r[i] - mean) * (r[i] - mean);
      var /= double(d);
    } else {
      for (std::size_t i = 0; i < d; ++i) var += double(r[i]) * r[i];
      var /= double(d);
    }
    const double inv = 1.0 / std::sqrt(var + m.norm_eps);
    for (std::size_t i = 0; i < d; ++i) {
      const double z = (r[i] - mean) * inv * gamma[i];
      y[t * d + i] = float(m.norm == NormType::LayerNorm ? z + beta[i] : z);
    }
  }
  return y;
}

// Rotates interleaved pairs of one head in place (golden::rope_i8's convention).
void rope(float* head, int dim, std::int64_t pos, double theta) {
  for (int i = 0; i < dim / 2; ++i) {
    const double angle = double(pos) * std::pow(theta, -2.0 * i / dim);
    const double c = std::cos(angle), s = std::sin(angle);
    const double x0 = head[2 * i], x1 = head[2 * i + 1];
    head[2 * i] = float(x0 * c - x1 * s);
    head[2 * i + 1] = float(x0 * s + x1 * c);
  }
}

}  // namespace

std::vector<int> outlier_channels(const ModelDesc& m, std::uint64_t seed) {
  Random rng(seed ^ 0x6f75746c69657273ull);  // "outliers"
  const int count = std::clamp(m.hidden / 512, 1, kOutlierChannelsMax);
  std::vector<int> channels;
  while (int(channels.size()) < count) {
    const int c = int(rng.below(std::uint64_t(m.hidden)));
    if (std::find(channels.begin(), channels.end(), c) == channels.end()) channels.push_back(c);
  }
  std::sort(channels.begin(), channels.end());
  return channels;
}

LayerWeights synthetic_weights(const ModelDesc& m, std::uint64_t seed) {
  Random rng(seed);
  LayerWeights w;
  w.d = m.hidden;
  w.q_dim = m.heads * m.head_dim;
  w.kv_dim = m.kv_heads * m.head_dim;
  w.ffn = m.ffn_size;
  const std::size_t d = std::size_t(w.d), f = std::size_t(w.ffn);
  const std::size_t qkv = std::size_t(w.q_dim + 2 * w.kv_dim);
  const bool biases = m.norm == NormType::LayerNorm;  // Llama-style (RMSNorm) models have none
  auto bias = [&](std::size_t n) {
    return biases ? normal_vector(rng, n, 0.0, 0.02) : std::vector<float>(n, 0.0f);
  };
  auto weights = [&](std::size_t fan_in, std::size_t fan_out) {
    return normal_vector(rng, fan_in * fan_out, 0.0, 1.0 / std::sqrt(double(fan_in)));
  };
  w.w_qkv = weights(d, qkv);
  w.b_qkv = bias(qkv);
  w.w_o = weights(std::size_t(w.q_dim), d);
  w.b_o = bias(d);
  if (m.ffn == FfnType::SwiGlu) {
    w.w_gate = weights(d, f);
    w.b_gate = bias(f);
  }
  w.w_up = weights(d, f);
  w.b_up = bias(f);
  w.w_down = weights(f, d);
  w.b_down = bias(d);
  w.norm1_gamma = normal_vector(rng, d, 1.0, 0.05);
  w.norm2_gamma = normal_vector(rng, d, 1.0, 0.05);
  w.norm1_beta = biases ? normal_vector(rng, d, 0.0, 0.02) : std::vector<float>(d, 0.0f);
  w.norm2_beta = biases ? normal_vector(rng, d, 0.0, 0.02) : std::vector<float>(d, 0.0f);
  for (int c : outlier_channels(m, seed)) {
    w.norm1_gamma[std::size_t(c)] *= float(kOutlierGain);
    w.norm2_gamma[std::size_t(c)] *= float(kOutlierGain);
  }
  return w;
}

LayerInput synthetic_input(const ModelDesc& m, const LayerShape& s, std::uint64_t seed,
                           std::uint64_t model_seed) {
  validate(m, s);
  Random rng(seed ^ 0x696e707574ull);  // "input"
  const std::size_t T = layer_tokens(s), d = std::size_t(m.hidden);
  LayerInput in;
  in.x = normal_vector(rng, T * d, 0.0, 1.0);
  for (int c : outlier_channels(m, model_seed)) {
    for (std::size_t t = 0; t < T; ++t) in.x[t * d + std::size_t(c)] *= float(kInputOutlierGain);
  }
  if (s.phase == Phase::Decode) {
    const std::size_t n = std::size_t(s.batch) * std::size_t(m.kv_heads) * std::size_t(s.kv) *
                          std::size_t(m.head_dim);
    const double stddev = 0.02 * std::sqrt(double(m.hidden));
    in.k_cache = normal_vector(rng, n, 0.0, stddev);
    in.v_cache = normal_vector(rng, n, 0.0, stddev);
  }
  return in;
}

std::vector<float> reference_layer(const ModelDesc& m, const LayerShape& s, const LayerWeights& w,
                                   const LayerInput& in, Trace* trace) {
  validate(m, s);
  const std::size_t T = layer_tokens(s), d = std::size_t(m.hidden), B = std::size_t(s.batch);
  const std::size_t Lq = s.phase == Phase::Prefill ? std::size_t(s.seq) : 1;
  const std::size_t ctx = layer_context(s), e = std::size_t(m.head_dim);
  const std::size_t h = std::size_t(m.heads), hkv = std::size_t(m.kv_heads), group = h / hkv;
  const std::size_t qd = h * e, kvd = hkv * e, qkv_n = qd + 2 * kvd, f = std::size_t(m.ffn_size);
  const std::size_t past = s.phase == Phase::Decode ? std::size_t(s.kv) : 0;
  if (in.x.size() != T * d) throw std::invalid_argument("reference_layer: input is not T x d");
  auto record = [&](const char* name, const std::vector<float>& v) {
    if (trace != nullptr) (*trace)[name] = v;
  };
  const bool pre = m.placement == NormPlacement::Pre;
  record("x", in.x);

  const std::vector<float> h1 = pre ? norm(m, in.x, T, d, w.norm1_gamma, w.norm1_beta) : in.x;
  if (pre) record("norm.attn", h1);
  std::vector<float> qkv = linear(h1, T, d, w.w_qkv, w.b_qkv, qkv_n);
  record("attn.qkv", qkv);  // before RoPE
  // Split into Q [T x qd], K and V [T x kvd]; rotate Q and K.
  std::vector<float> q(T * qd), k(T * kvd), v(T * kvd);
  for (std::size_t t = 0; t < T; ++t) {
    std::copy_n(&qkv[t * qkv_n], qd, &q[t * qd]);
    std::copy_n(&qkv[t * qkv_n + qd], kvd, &k[t * kvd]);
    std::copy_n(&qkv[t * qkv_n + qd + kvd], kvd, &v[t * kvd]);
    if (m.position == Position::Rope) {
      const std::int64_t pos = std::int64_t(past + t % Lq);
      for (std::size_t hh = 0; hh < h; ++hh) rope(&q[t * qd + hh * e], int(e), pos, m.rope_theta);
      for (std::size_t hh = 0; hh < hkv; ++hh) {
        rope(&k[t * kvd + hh * e], int(e), pos, m.rope_theta);
      }
    }
  }
  record("attn.q", q);
  record("attn.k", k);
  record("attn.v", v);

  // Attention per sequence and head: keys are the cache (decode) then this step's tokens.
  std::vector<float> scores_all, probs_all;
  std::vector<float> context(T * qd);
  const double inv_sqrt = 1.0 / std::sqrt(double(e));
  std::vector<double> row(ctx);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t hh = 0; hh < h; ++hh) {
      const std::size_t g = hh / group;
      auto key = [&](std::size_t j) -> const float* {
        if (j < past) return &in.k_cache[((b * hkv + g) * past + j) * e];
        return &k[(b * Lq + (j - past)) * kvd + g * e];
      };
      auto value = [&](std::size_t j) -> const float* {
        if (j < past) return &in.v_cache[((b * hkv + g) * past + j) * e];
        return &v[(b * Lq + (j - past)) * kvd + g * e];
      };
      for (std::size_t i = 0; i < Lq; ++i) {
        const float* qi = &q[(b * Lq + i) * qd + hh * e];
        const std::size_t visible = m.causal ? past + i + 1 : ctx;
        double mx = -INFINITY;
        for (std::size_t j = 0; j < ctx; ++j) {
          double dot = 0.0;
          const float* kj = key(j);
          for (std::size_t c = 0; c < e; ++c) dot += double(qi[c]) * kj[c];
          row[j] = dot * inv_sqrt;
          if (trace != nullptr) scores_all.push_back(float(row[j]));
          if (j < visible) mx = std::max(mx, row[j]);
        }
        double sum = 0.0;
        for (std::size_t j = 0; j < ctx; ++j) {
          row[j] = j < visible ? std::exp(row[j] - mx) : 0.0;
          sum += row[j];
        }
        float* out = &context[(b * Lq + i) * qd + hh * e];
        std::vector<double> acc(e, 0.0);
        for (std::size_t j = 0; j < ctx; ++j) {
          const double p = row[j] / sum;
          if (trace != nullptr) probs_all.push_back(float(p));
          if (p == 0.0) continue;
          const float* vj = value(j);
          for (std::size_t c = 0; c < e; ++c) acc[c] += p * vj[c];
        }
        for (std::size_t c = 0; c < e; ++c) out[c] = float(acc[c]);
      }
    }
  }
  record("attn.scores", scores_all);
  record("attn.softmax", probs_all);
  record("attn.context", context);
  const std::vector<float> o = linear(context, T, qd, w.w_o, w.b_o, d);
  record("attn.out", o);
  std::vector<float> r1(T * d);
  for (std::size_t i = 0; i < r1.size(); ++i) r1[i] = in.x[i] + o[i];
  record("attn.residual", r1);
  if (!pre) {
    r1 = norm(m, r1, T, d, w.norm1_gamma, w.norm1_beta);
    record("norm.attn", r1);
  }
  const std::vector<float> h2 = pre ? norm(m, r1, T, d, w.norm2_gamma, w.norm2_beta) : r1;
  if (pre) record("norm.ffn", h2);
  std::vector<float> act;
  const std::vector<float> up = linear(h2, T, d, w.w_up, w.b_up, f);
  record("ffn.up", up);
  act.resize(up.size());
  if (m.ffn == FfnType::SwiGlu) {
    const std::vector<float> gate = linear(h2, T, d, w.w_gate, w.b_gate, f);
    record("ffn.gate", gate);
    for (std::size_t i = 0; i < up.size(); ++i) {
      act[i] = float(golden::silu_ref(gate[i]) * up[i]);
    }
  } else {
    for (std::size_t i = 0; i < up.size(); ++i) {
      const double x = up[i];
      act[i] = float(m.ffn == FfnType::GeluErf    ? golden::gelu_erf_ref(x)
                     : m.ffn == FfnType::GeluTanh ? golden::gelu_tanh_ref(x)
                                                  : std::max(0.0, x));
    }
  }
  record("ffn.act", act);
  const std::vector<float> down = linear(act, T, f, w.w_down, w.b_down, d);
  record("ffn.down", down);
  std::vector<float> y(T * d);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = r1[i] + down[i];
  record("ffn.residual", y);
  if (!pre) {
    y = norm(m, y, T, d, w.norm2_gamma, w.norm2_beta);
    record("norm.ffn", y);
  }
  record("y", y);
  return y;
}

Agreement agreement(const std::vector<float>& ref, const std::vector<float>& got) {
  if (ref.size() != got.size()) throw std::invalid_argument("agreement: sizes differ");
  double dot = 0.0, rr = 0.0, gg = 0.0, noise = 0.0, worst = 0.0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double r = ref[i], g = got[i];
    dot += r * g;
    rr += r * r;
    gg += g * g;
    noise += (r - g) * (r - g);
    worst = std::max(worst, std::fabs(r - g));
  }
  Agreement a;
  a.cosine = (rr > 0.0 && gg > 0.0) ? dot / std::sqrt(rr * gg) : 0.0;
  a.sqnr_db = noise > 0.0 ? 10.0 * std::log10(rr / noise) : INFINITY;
  a.max_abs_error = worst;
  return a;
}

}  // namespace serrano::workloads
