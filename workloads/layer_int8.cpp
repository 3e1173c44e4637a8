// SPDX-License-Identifier: Apache-2.0
#include "workloads/layer_int8.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace serrano::workloads {

namespace {

std::int32_t round_away(double v) { return std::int32_t(std::lround(v)); }

std::int8_t saturate_i8(double v) {
  return std::int8_t(std::clamp<long>(std::lround(v), -128, 127));
}

std::pair<double, double> min_max(const std::vector<float>& v) {
  double lo = 0.0, hi = 0.0;  // the range always holds zero (exact zero point)
  for (float x : v) {
    lo = std::min(lo, double(x));
    hi = std::max(hi, double(x));
  }
  return {lo, hi};
}

ActQuant asymmetric(double lo, double hi) {
  ActQuant q;
  q.scale = hi > lo ? (hi - lo) / 255.0 : 1e-6;
  q.zero_point = std::clamp(round_away(-128.0 - lo / q.scale), -128, 127);
  return q;
}

ActQuant symmetric(double absmax) {
  ActQuant q;
  q.scale = absmax > 0.0 ? absmax / 127.0 : 1e-6;
  q.zero_point = 0;
  return q;
}

const std::vector<float>& traced(const Trace& t, const std::string& name) {
  const auto it = t.find(name);
  if (it == t.end()) throw std::invalid_argument("calibration trace has no tensor " + name);
  return it->second;
}

double abs_max(const std::vector<float>& v) {
  double m = 0.0;
  for (float x : v) m = std::max(m, std::fabs(double(x)));
  return m;
}

// Columns [first, first + count) of a [rows x n] matrix, as one vector.
std::vector<float> columns(const std::vector<float>& x, std::size_t n, std::size_t first,
                           std::size_t count) {
  std::vector<float> out;
  const std::size_t rows = x.size() / n;
  out.reserve(rows * count);
  for (std::size_t r = 0; r < rows; ++r) {
    out.insert(out.end(), x.begin() + long(r * n + first), x.begin() + long(r * n + first + count));
  }
  return out;
}

// Per-column out scales let one linear produce Q, K and V at their own scales.
QuantLinear make_linear(const std::vector<float>& W, const std::vector<float>& b, int k, int n,
                        const ActQuant& in, const std::vector<double>& out_scale,
                        std::int32_t out_zero_point, const std::vector<double>& row_factor = {}) {
  QuantLinear L;
  L.k = k;
  L.n = n;
  L.w.resize(std::size_t(k) * std::size_t(n));
  L.w_scale.assign(std::size_t(n), 0.0);
  auto weight = [&](std::size_t i, std::size_t j) {
    const double f = row_factor.empty() ? 1.0 : row_factor[i];
    return double(W[i * std::size_t(n) + j]) * f;
  };
  for (std::size_t j = 0; j < std::size_t(n); ++j) {
    double m = 0.0;
    for (std::size_t i = 0; i < std::size_t(k); ++i) m = std::max(m, std::fabs(weight(i, j)));
    L.w_scale[j] = m > 0.0 ? m / 127.0 : 1.0;
  }
  for (std::size_t i = 0; i < std::size_t(k); ++i) {
    for (std::size_t j = 0; j < std::size_t(n); ++j) {
      L.w[i * std::size_t(n) + j] = saturate_i8(weight(i, j) / L.w_scale[j]);
    }
  }
  L.channels.resize(std::size_t(n));
  for (std::size_t j = 0; j < std::size_t(n); ++j) {
    const double acc_scale = in.scale * L.w_scale[j];
    const golden::QuantizedMultiplier qm = golden::quantize_multiplier(acc_scale / out_scale[j]);
    L.channels[j].multiplier = qm.multiplier;
    L.channels[j].shift = qm.shift;
    const double bias = std::round(double(b[j]) / acc_scale);
    L.channels[j].bias = std::int32_t(std::clamp(bias, -2147483648.0, 2147483647.0));
  }
  L.out.zero_point = out_zero_point;
  return L;
}

std::vector<std::int8_t> run_linear(const QuantLinear& L, std::size_t M,
                                    const std::vector<std::int8_t>& x, std::int32_t x_zp) {
  return golden::linear_i8(int(M), L.k, L.n, x.data(), x_zp, L.w.data(), L.channels, L.out);
}

std::vector<double> to_double(const std::vector<float>& v, const std::vector<double>& divide = {}) {
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i] / (divide.empty() ? 1.0 : divide[i]);
  return out;
}

// SmoothQuant factors for the matmuls fed by a norm output X (trace `x_name`) with weights `Ws`
// ([d x n] each): s_j = max|X_j|^alpha / max_n |W_jn|^(1 - alpha).
std::vector<double> smooth_factors(const std::vector<float>& X, std::size_t d,
                                   const std::vector<const std::vector<float>*>& Ws,
                                   const std::vector<std::size_t>& ns, double alpha) {
  std::vector<double> xmax(d, 0.0), wmax(d, 0.0);
  for (std::size_t i = 0; i < X.size(); ++i) {
    xmax[i % d] = std::max(xmax[i % d], std::fabs(double(X[i])));
  }
  for (std::size_t w = 0; w < Ws.size(); ++w) {
    const auto& W = *Ws[w];
    for (std::size_t i = 0; i < W.size(); ++i) {
      const std::size_t row = i / ns[w];
      wmax[row] = std::max(wmax[row], std::fabs(double(W[i])));
    }
  }
  std::vector<double> s(d, 1.0);
  for (std::size_t j = 0; j < d; ++j) {
    if (xmax[j] > 0.0 && wmax[j] > 0.0) {
      s[j] = std::pow(xmax[j], alpha) / std::pow(wmax[j], 1.0 - alpha);
    }
  }
  return s;
}

// The calibration range of a norm output after dividing channel j by s_j.
ActQuant smoothed_range(const std::vector<float>& X, const std::vector<double>& s) {
  double lo = 0.0, hi = 0.0;
  const std::size_t d = s.size();
  for (std::size_t i = 0; i < X.size(); ++i) {
    const double v = X[i] / s[i % d];
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return asymmetric(lo, hi);
}

golden::NormParams make_norm(const ModelDesc& m, const ActQuant& in, const std::vector<float>& g,
                             const std::vector<float>& b, const ActQuant& out,
                             const std::vector<double>& smooth) {
  std::vector<double> gamma = to_double(g, smooth), beta = to_double(b, smooth);
  if (m.norm == NormType::LayerNorm) {
    return golden::make_layernorm_params(in.scale, gamma, beta, out.scale, out.zero_point,
                                         m.norm_eps);
  }
  return golden::make_rmsnorm_params(in.scale, in.zero_point, gamma, out.scale, out.zero_point,
                                     m.norm_eps);
}

std::vector<std::int8_t> run_norm(const ModelDesc& m, const std::vector<std::int8_t>& x,
                                  const golden::NormParams& p) {
  return m.norm == NormType::LayerNorm ? golden::layernorm_i8(x, p) : golden::rmsnorm_i8(x, p);
}

std::int8_t requant(std::int32_t acc, const golden::QuantizedMultiplier& qm,
                    std::int32_t zero_point) {
  golden::RequantChannel ch;
  ch.multiplier = qm.multiplier;
  ch.shift = qm.shift;
  golden::RequantOutput out;
  out.zero_point = zero_point;
  return golden::requantize(acc, ch, out);
}

}  // namespace

std::vector<std::int8_t> quantize(const std::vector<float>& x, const ActQuant& q) {
  std::vector<std::int8_t> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = saturate_i8(x[i] / q.scale + q.zero_point);
  return out;
}

std::vector<float> dequantize(const std::vector<std::int8_t>& x, const ActQuant& q) {
  std::vector<float> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = float(q.scale * (x[i] - q.zero_point));
  return out;
}

QuantizedLayer quantize_layer(const ModelDesc& m, const LayerWeights& w, const Trace& cal,
                              const QuantOptions& options) {
  validate(m, m.name);
  if (!(options.alpha >= 0.0 && options.alpha <= 1.0)) {
    throw arch::ConfigError("quantization", "alpha",
                            fmt::format("must be in [0, 1], got {}", options.alpha));
  }
  QuantizedLayer q;
  q.model = m;
  q.options = options;
  const std::size_t d = std::size_t(m.hidden), e = std::size_t(m.head_dim);
  const std::size_t qd = std::size_t(w.q_dim), kvd = std::size_t(w.kv_dim);
  const std::size_t f = std::size_t(w.ffn), qkv_n = qd + 2 * kvd;
  const bool pre = m.placement == NormPlacement::Pre;
  const bool smooth = options.smooth && pre;
  auto& act = q.act;
  auto asym = [&](const char* name) {
    const auto [lo, hi] = min_max(traced(cal, name));
    act[name] = asymmetric(lo, hi);
  };

  asym("x");
  if (smooth) {
    q.smooth_attn = smooth_factors(traced(cal, "norm.attn"), d, {&w.w_qkv}, {qkv_n}, options.alpha);
    std::vector<const std::vector<float>*> ffn_w = {&w.w_up};
    std::vector<std::size_t> ffn_n = {f};
    if (m.ffn == FfnType::SwiGlu) {
      ffn_w.push_back(&w.w_gate);
      ffn_n.push_back(f);
    }
    q.smooth_ffn = smooth_factors(traced(cal, "norm.ffn"), d, ffn_w, ffn_n, options.alpha);
    act["norm.attn"] = smoothed_range(traced(cal, "norm.attn"), q.smooth_attn);
    act["norm.ffn"] = smoothed_range(traced(cal, "norm.ffn"), q.smooth_ffn);
  } else {
    asym("norm.attn");
    asym("norm.ffn");
  }
  // Q, K, V: symmetric over their values before and after RoPE (RoPE keeps the scale).
  const auto& qkv = traced(cal, "attn.qkv");
  act["attn.q"] =
      symmetric(std::max(abs_max(columns(qkv, qkv_n, 0, qd)), abs_max(traced(cal, "attn.q"))));
  act["attn.k"] =
      symmetric(std::max(abs_max(columns(qkv, qkv_n, qd, kvd)), abs_max(traced(cal, "attn.k"))));
  act["attn.v"] = symmetric(abs_max(traced(cal, "attn.v")));
  act["attn.softmax"] = ActQuant{1.0 / 256.0, -128};
  for (const char* name : {"attn.context", "attn.out", "attn.residual", "ffn.up", "ffn.act",
                           "ffn.down", "ffn.residual"}) {
    asym(name);
  }
  if (m.ffn == FfnType::SwiGlu) asym("ffn.gate");
  if (m.ffn == FfnType::Relu) act["ffn.act"] = act["ffn.up"];  // ReLU is a clamp at the zero point
  act["y"] = pre ? act["ffn.residual"] : act["norm.ffn"];

  // Linears.
  const ActQuant& qkv_in = pre ? act["norm.attn"] : act["x"];
  std::vector<double> qkv_scales(qkv_n);
  for (std::size_t j = 0; j < qkv_n; ++j) {
    qkv_scales[j] = j < qd         ? act["attn.q"].scale
                    : j < qd + kvd ? act["attn.k"].scale
                                   : act["attn.v"].scale;
  }
  q.qkv = make_linear(w.w_qkv, w.b_qkv, int(d), int(qkv_n), qkv_in, qkv_scales, 0, q.smooth_attn);
  q.out_proj =
      make_linear(w.w_o, w.b_o, int(qd), int(d), act["attn.context"],
                  std::vector<double>(d, act["attn.out"].scale), act["attn.out"].zero_point);
  const ActQuant& ffn_in = act["norm.ffn"];
  const ActQuant& ffn_src = pre ? ffn_in : act["norm.attn"];
  q.up = make_linear(w.w_up, w.b_up, int(d), int(f), ffn_src,
                     std::vector<double>(f, act["ffn.up"].scale), act["ffn.up"].zero_point,
                     q.smooth_ffn);
  if (m.ffn == FfnType::SwiGlu) {
    q.gate = make_linear(w.w_gate, w.b_gate, int(d), int(f), ffn_src,
                         std::vector<double>(f, act["ffn.gate"].scale), act["ffn.gate"].zero_point,
                         q.smooth_ffn);
  }
  if (m.ffn == FfnType::Relu) q.up.out.act_min = act["ffn.up"].zero_point;
  q.down = make_linear(w.w_down, w.b_down, int(f), int(d), act["ffn.act"],
                       std::vector<double>(d, act["ffn.down"].scale), act["ffn.down"].zero_point);

  // Norms: pre-norm models normalise x and the attention residual; post-norm ones the two
  // residual sums.
  if (pre) {
    q.norm1 = make_norm(m, act["x"], w.norm1_gamma, w.norm1_beta, act["norm.attn"], q.smooth_attn);
    q.norm2 = make_norm(m, act["attn.residual"], w.norm2_gamma, w.norm2_beta, act["norm.ffn"],
                        q.smooth_ffn);
  } else {
    q.norm1 = make_norm(m, act["attn.residual"], w.norm1_gamma, w.norm1_beta, act["norm.attn"], {});
    q.norm2 = make_norm(m, act["ffn.residual"], w.norm2_gamma, w.norm2_beta, act["norm.ffn"], {});
  }

  // Attention.
  q.softmax = golden::make_softmax_i32_params(act["attn.q"].scale * act["attn.k"].scale /
                                              std::sqrt(double(e)));
  q.context_multiplier = golden::quantize_multiplier(
      act["attn.softmax"].scale * act["attn.v"].scale / act["attn.context"].scale);
  if (m.position == Position::Rope) {
    q.rope = golden::make_rope_table(m.head_dim, m.max_context, m.rope_theta);
  }

  // FFN activation and residual adds.
  const ActQuant& up = act["ffn.up"];
  const ActQuant& a = act["ffn.act"];
  switch (m.ffn) {
    case FfnType::GeluErf:
      q.gelu_erf = golden::make_gelu_erf_params(up.scale, up.zero_point, a.scale, a.zero_point);
      break;
    case FfnType::GeluTanh:
      q.lut = golden::make_gelu_tanh_params(up.scale, up.zero_point, a.scale, a.zero_point);
      break;
    case FfnType::SwiGlu:
      q.swiglu = golden::make_swiglu_params(act["ffn.gate"].scale, act["ffn.gate"].zero_point,
                                            up.scale, up.zero_point, a.scale, a.zero_point);
      break;
    case FfnType::Relu: break;
  }
  const ActQuant& x = act["x"];
  const ActQuant& o = act["attn.out"];
  const ActQuant& r1 = act["attn.residual"];
  q.add_attn = golden::make_add_params(x.scale, x.zero_point, o.scale, o.zero_point, r1.scale,
                                       r1.zero_point);
  const ActQuant& ffn_res_src = pre ? r1 : act["norm.attn"];
  const ActQuant& dn = act["ffn.down"];
  const ActQuant& r2 = act["ffn.residual"];
  q.add_ffn = golden::make_add_params(ffn_res_src.scale, ffn_res_src.zero_point, dn.scale,
                                      dn.zero_point, r2.scale, r2.zero_point);
  return q;
}

Int8LayerInput quantize_input(const QuantizedLayer& q, const LayerInput& in) {
  Int8LayerInput out;
  out.x = quantize(in.x, q.act.at("x"));
  out.k_cache = quantize(in.k_cache, q.act.at("attn.k"));
  out.v_cache = quantize(in.v_cache, q.act.at("attn.v"));
  return out;
}

Int8LayerResult golden_int8_layer(const QuantizedLayer& q, const LayerShape& s,
                                  const Int8LayerInput& in) {
  const ModelDesc& m = q.model;
  validate(m, s);
  const std::size_t T = layer_tokens(s), d = std::size_t(m.hidden), B = std::size_t(s.batch);
  const std::size_t Lq = s.phase == Phase::Prefill ? std::size_t(s.seq) : 1;
  const std::size_t ctx = layer_context(s), e = std::size_t(m.head_dim);
  const std::size_t h = std::size_t(m.heads), hkv = std::size_t(m.kv_heads), group = h / hkv;
  const std::size_t qd = h * e, kvd = hkv * e, qkv_n = qd + 2 * kvd;
  const std::size_t f = std::size_t(m.ffn_size);
  const std::size_t past = s.phase == Phase::Decode ? std::size_t(s.kv) : 0;
  if (in.x.size() != T * d) throw std::invalid_argument("golden_int8_layer: input is not T x d");
  if (in.k_cache.size() != B * hkv * past * e || in.v_cache.size() != in.k_cache.size()) {
    throw std::invalid_argument("golden_int8_layer: KV cache is not batch x kv_heads x kv x e");
  }
  const auto& act = q.act;
  const bool pre = m.placement == NormPlacement::Pre;
  Int8LayerResult r;
  auto& t = r.tensors;
  t["x"] = in.x;

  const std::vector<std::int8_t> h1 = pre ? run_norm(m, in.x, q.norm1) : in.x;
  if (pre) t["norm.attn"] = h1;
  const std::int32_t h1_zp = pre ? act.at("norm.attn").zero_point : act.at("x").zero_point;
  const std::vector<std::int8_t> qkv = run_linear(q.qkv, T, h1, h1_zp);
  t["attn.qkv"] = qkv;

  std::vector<std::int8_t> Q(T * qd), K(T * kvd), V(T * kvd);
  for (std::size_t tok = 0; tok < T; ++tok) {
    std::copy_n(&qkv[tok * qkv_n], qd, &Q[tok * qd]);
    std::copy_n(&qkv[tok * qkv_n + qd], kvd, &K[tok * kvd]);
    std::copy_n(&qkv[tok * qkv_n + qd + kvd], kvd, &V[tok * kvd]);
    if (m.position == Position::Rope) {
      const int pos = int(past + tok % Lq);
      auto rotate = [&](std::int8_t* head) {
        const std::vector<std::int8_t> x(head, head + e);
        const std::vector<std::int8_t> y = golden::rope_i8(x, pos, 0, q.rope);
        std::copy(y.begin(), y.end(), head);
      };
      for (std::size_t hh = 0; hh < h; ++hh) rotate(&Q[tok * qd + hh * e]);
      for (std::size_t hh = 0; hh < hkv; ++hh) rotate(&K[tok * kvd + hh * e]);
    }
  }
  t["attn.q"] = Q;
  t["attn.k"] = K;
  t["attn.v"] = V;

  std::vector<std::int8_t> probs_all, context(T * qd);
  const std::int32_t ctx_zp = act.at("attn.context").zero_point;
  std::vector<std::int8_t> kt(e * ctx), vm(ctx * e), qh(Lq * e);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t hh = 0; hh < h; ++hh) {
      const std::size_t g = hh / group;
      for (std::size_t j = 0; j < ctx; ++j) {
        const std::int8_t* key = j < past ? &in.k_cache[((b * hkv + g) * past + j) * e]
                                          : &K[(b * Lq + (j - past)) * kvd + g * e];
        const std::int8_t* val = j < past ? &in.v_cache[((b * hkv + g) * past + j) * e]
                                          : &V[(b * Lq + (j - past)) * kvd + g * e];
        for (std::size_t c = 0; c < e; ++c) kt[c * ctx + j] = key[c];
        std::copy_n(val, e, &vm[j * e]);
      }
      for (std::size_t i = 0; i < Lq; ++i)
        std::copy_n(&Q[(b * Lq + i) * qd + hh * e], e, &qh[i * e]);
      // Logits: Q . K^T (both symmetric) as int32; the softmax takes them as they are, with the
      // scale S_Q S_K / sqrt(e).
      const std::vector<std::int32_t> acc =
          golden::gemm_i8_i32(int(Lq), int(e), int(ctx), qh.data(), 0, kt.data(), nullptr);
      std::vector<std::int8_t> probs(Lq * ctx, std::int8_t(-128));
      for (std::size_t i = 0; i < Lq; ++i) {
        const std::size_t visible = m.causal ? past + i + 1 : ctx;
        // Masked keys (after the query's position) get probability 0 (int8 -128).
        const std::vector<std::int32_t> logits(acc.begin() + long(i * ctx),
                                               acc.begin() + long(i * ctx + visible));
        const std::vector<std::int8_t> p = golden::softmax_i32(logits, q.softmax);
        std::copy(p.begin(), p.end(), &probs[i * ctx]);
      }
      probs_all.insert(probs_all.end(), probs.begin(), probs.end());
      // Context: P (zero point -128) . V (symmetric).
      const std::vector<std::int32_t> cacc =
          golden::gemm_i8_i32(int(Lq), int(ctx), int(e), probs.data(),
                              act.at("attn.softmax").zero_point, vm.data(), nullptr);
      for (std::size_t i = 0; i < Lq; ++i) {
        for (std::size_t c = 0; c < e; ++c) {
          context[(b * Lq + i) * qd + hh * e + c] =
              requant(cacc[i * e + c], q.context_multiplier, ctx_zp);
        }
      }
    }
  }
  t["attn.softmax"] = probs_all;
  t["attn.context"] = context;
  const std::vector<std::int8_t> o = run_linear(q.out_proj, T, context, ctx_zp);
  t["attn.out"] = o;
  std::vector<std::int8_t> r1 = golden::add_i8(in.x, o, q.add_attn);
  t["attn.residual"] = r1;
  if (!pre) {
    r1 = run_norm(m, r1, q.norm1);
    t["norm.attn"] = r1;
  }
  const std::vector<std::int8_t> h2 = pre ? run_norm(m, r1, q.norm2) : r1;
  if (pre) t["norm.ffn"] = h2;
  const std::int32_t h2_zp = pre ? act.at("norm.ffn").zero_point : act.at("norm.attn").zero_point;
  const std::vector<std::int8_t> up = run_linear(q.up, T, h2, h2_zp);
  t["ffn.up"] = up;
  std::vector<std::int8_t> a(up.size());
  if (m.ffn == FfnType::SwiGlu) {
    const std::vector<std::int8_t> gate = run_linear(q.gate, T, h2, h2_zp);
    t["ffn.gate"] = gate;
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = golden::swiglu_i8(gate[i], up[i], q.swiglu);
  } else if (m.ffn == FfnType::GeluErf) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = golden::gelu_erf_i8(up[i], q.gelu_erf);
  } else if (m.ffn == FfnType::GeluTanh) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = golden::lut_i8(up[i], q.lut);
  } else {
    a = up;  // ReLU happened in the up projection's clamp
  }
  t["ffn.act"] = a;
  const std::vector<std::int8_t> down = run_linear(q.down, T, a, act.at("ffn.act").zero_point);
  t["ffn.down"] = down;
  std::vector<std::int8_t> y = golden::add_i8(r1, down, q.add_ffn);
  t["ffn.residual"] = y;
  if (!pre) {
    y = run_norm(m, y, q.norm2);
    t["norm.ffn"] = y;
  }
  (void)f;
  t["y"] = y;
  r.y = y;
  return r;
}

LayerAccuracy int8_layer_accuracy(const ModelDesc& m, const LayerShape& s, std::uint64_t seed,
                                  const QuantOptions& options) {
  const LayerWeights w = synthetic_weights(m, seed);
  // The calibration batch: other sequences of the same shape, options.calibration_batches times
  // the batch (more tokens, so the ranges hold the tails an input of this size can reach).
  LayerShape cs = s;
  cs.batch = s.batch * options.calibration_batches;
  Trace cal;
  reference_layer(m, cs, w, synthetic_input(m, cs, seed + 1, seed), &cal);
  const QuantizedLayer q = quantize_layer(m, w, cal, options);
  const LayerInput in = synthetic_input(m, s, seed, seed);
  const std::vector<float> ref = reference_layer(m, s, w, in);
  const Int8LayerResult r = golden_int8_layer(q, s, quantize_input(q, in));
  LayerAccuracy acc;
  acc.output = agreement(ref, dequantize(r.y, q.act.at("y")));
  acc.elements = ref.size();
  return acc;
}

}  // namespace serrano::workloads
