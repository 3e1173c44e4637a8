// SPDX-License-Identifier: Apache-2.0
// One transformer layer in fp32: its weights (deterministic synthetic ones by default), a seeded
// input and KV cache, and a plain C++ reference forward pass that the int8 layer is measured
// against (docs/layers.md). The same operator order as workloads/layer_ops.h.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "workloads/layer_ops.h"
#include "workloads/model_desc.h"

namespace serrano::workloads {

// Deterministic random numbers: std::mt19937_64's raw output (its sequence is fixed by the
// standard), with our own uniform and normal transforms (the std:: distributions differ between
// standard libraries).
class Random {
 public:
  explicit Random(std::uint64_t seed) : m_gen(seed) {}
  double uniform();                          // [0, 1)
  double normal();                           // N(0, 1), Box-Muller
  std::uint64_t below(std::uint64_t bound);  // [0, bound), bound >= 1
 private:
  std::mt19937_64 m_gen;
};

// Row-major matrices: weights are [in x out] (k x n), so y = x . W + b.
struct LayerWeights {
  int d = 0, q_dim = 0, kv_dim = 0, ffn = 0;   // hidden, heads x head_dim, kv_heads x head_dim
  std::vector<float> w_qkv, b_qkv;             // [d x (q_dim + 2 kv_dim)], columns Q | K | V
  std::vector<float> w_o, b_o;                 // [q_dim x d]
  std::vector<float> w_gate, b_gate;           // [d x ffn] (SwiGLU only)
  std::vector<float> w_up, b_up;               // [d x ffn]
  std::vector<float> w_down, b_down;           // [ffn x d]
  std::vector<float> norm1_gamma, norm1_beta;  // before attention (pre) or after it (post)
  std::vector<float> norm2_gamma, norm2_beta;  // before the FFN (pre) or after it (post)
};

// Synthetic weights with realistic scale: matmul weights N(0, 1/fan_in) (variance-preserving,
// 0.036 for d = 768 and 0.016 for d = 4096, around the 0.02 of the BERT / GPT-2 initialisation),
// biases N(0, 0.02^2) (zero for RMSNorm models, which have none), norm gains 1 + N(0, 0.05^2) and
// shifts N(0, 0.02^2), and outlier channels: clamp(d / 512, 1, 6) hidden channels whose norm
// gains are x kOutlierGain and whose inputs are x kInputOutlierGain, as LLM.int8() (Dettmers et
// al. 2022: about six outlier dimensions in a 6.7B model) and SmoothQuant (Xiao et al. 2023)
// observe in trained models. Together they give those channels about 40x the spread of the rest.
constexpr double kOutlierGain = 6.0;
constexpr int kOutlierChannelsMax = 6;
std::vector<int> outlier_channels(const ModelDesc& m, std::uint64_t seed);
LayerWeights synthetic_weights(const ModelDesc& m, std::uint64_t seed);

// The layer's input and, for decode, its KV cache (fp32).
struct LayerInput {
  std::vector<float> x;                 // [T x d], tokens batch-major
  std::vector<float> k_cache, v_cache;  // decode: [batch][kv_heads][kv][head_dim]
};

// x ~ N(0, 1) with the outlier channels x kInputOutlierGain. The KV cache stands in for the
// projections of earlier tokens: N(0, (0.02 sqrt(d))^2), the spread of a unit-variance hidden
// state times N(0, 0.02^2) weights.
constexpr double kInputOutlierGain = 8.0;
// The outlier channels are the model's (`model_seed`, as for synthetic_weights); `seed` draws the
// values, so a calibration batch and a test input share the model's outlier channels.
LayerInput synthetic_input(const ModelDesc& m, const LayerShape& s, std::uint64_t seed,
                           std::uint64_t model_seed);

// Named intermediate tensors of a forward pass (for calibration and for --dump-dir).
using Trace = std::map<std::string, std::vector<float>>;

// The fp32 forward pass; returns y [T x d]. Attention scores are scaled by 1/sqrt(head_dim);
// causal models mask keys after the query's position; RoPE rotates interleaved pairs (2i, 2i+1)
// as golden::rope_i8 does, at position t (prefill) or kv (decode). With `trace`, records every
// intermediate named in docs/layers.md.
std::vector<float> reference_layer(const ModelDesc& m, const LayerShape& s, const LayerWeights& w,
                                   const LayerInput& in, Trace* trace = nullptr);

// Cosine similarity and signal-to-quantization-noise ratio (dB) of `got` against `ref`.
struct Agreement {
  double cosine = 0.0, sqnr_db = 0.0, max_abs_error = 0.0;
};
Agreement agreement(const std::vector<float>& ref, const std::vector<float>& got);

}  // namespace serrano::workloads
