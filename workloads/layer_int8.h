// SPDX-License-Identifier: Apache-2.0
// W8A8 quantization of one transformer layer and the bit-exact golden int8 layer: the
// specification the compiled chip program must reproduce bit for bit (docs/layers.md).
//
// - Weights: int8, symmetric, per output channel (scale = max |w| / 127 per column).
// - Activations: int8 per tensor, calibrated on a calibration batch run through the fp32
//   reference: asymmetric min/max, except Q, K, V and the attention logits (symmetric, zero point
//   0, so the attention matmuls take them as the zero-point-free operand) and the softmax output
//   (fixed scale 1/256, zero point -128). The attention logits stay int32: golden::softmax_i32
//   reads the Q . K^T accumulators directly (an int8 logit grid costs several dB of SQNR).
// - Optional SmoothQuant (alpha): for pre-norm models, the matmuls right after a norm get
//   per-input-channel factors s_j = max|X_j|^alpha / max|W_j|^(1 - alpha), folded into the norm's
//   gain (and shift) and the weight rows. Post-norm models (BERT) are left unsmoothed: their norm
//   output also feeds the residual, so the factor cannot be folded away.
// - The KV cache is int8 with the K and V scales.
// Every op is a golden library function; nothing here does arithmetic of its own beyond moving
// rows.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "golden/golden.h"
#include "golden/nonlinear.h"
#include "golden/norms.h"
#include "workloads/layer_ops.h"
#include "workloads/layer_ref.h"
#include "workloads/model_desc.h"

namespace serrano::workloads {

struct QuantOptions {
  bool smooth = false;  // SmoothQuant
  double alpha = 0.5;   // migration strength, [0, 1]
  int calibration_batches = 4;  // int8_layer_accuracy: calibration batch = this x the batch
};

// Real value = scale * (q - zero_point).
struct ActQuant {
  double scale = 1.0;
  std::int32_t zero_point = 0;
};

// An int8 linear: y = requantize(x . W + bias) per output column.
struct QuantLinear {
  int k = 0, n = 0;
  std::vector<std::int8_t> w;                    // [k x n]
  std::vector<double> w_scale;                   // per column
  std::vector<golden::RequantChannel> channels;  // per column (bias, multiplier, shift)
  golden::RequantOutput out;                     // output zero point and clamp
};

struct QuantizedLayer {
  ModelDesc model;
  QuantOptions options;
  std::vector<double> smooth_attn, smooth_ffn;  // SmoothQuant factors (empty when off)
  // Activation quantization of every tensor, by the names of the fp32 trace (docs/layers.md).
  std::map<std::string, ActQuant> act;
  QuantLinear qkv, out_proj, gate, up, down;
  golden::NormParams norm1, norm2;
  golden::SoftmaxI32Params softmax;               // int32 logits, scale s_q s_k / sqrt(e)
  golden::QuantizedMultiplier context_multiplier;  // (1/256) s_v / s_context
  golden::GeluErfParams gelu_erf;
  golden::LutParams lut;  // GELU (tanh)
  golden::SwigluParams swiglu;
  golden::AddParams add_attn, add_ffn;
  golden::RopeTable rope;  // RoPE models
};

// Quantizes `w` for model `m`, calibrating on the fp32 trace of a calibration batch
// (reference_layer(..., &trace)).
QuantizedLayer quantize_layer(const ModelDesc& m, const LayerWeights& w, const Trace& calibration,
                              const QuantOptions& options = {});

// Quantizes an fp32 tensor with `q` (round half away from zero, saturate).
std::vector<std::int8_t> quantize(const std::vector<float>& x, const ActQuant& q);
std::vector<float> dequantize(const std::vector<std::int8_t>& x, const ActQuant& q);

struct Int8LayerInput {
  std::vector<std::int8_t> x;                 // [T x d] with act["x"]
  std::vector<std::int8_t> k_cache, v_cache;  // decode: [batch][kv_heads][kv][head_dim]
};
Int8LayerInput quantize_input(const QuantizedLayer& q, const LayerInput& in);

struct Int8LayerResult {
  std::vector<std::int8_t> y;  // [T x d] with act["y"]
  // Every intermediate int8 tensor by trace name (for --dump-dir and for checking the chip).
  std::map<std::string, std::vector<std::int8_t>> tensors;
};

// The golden int8 layer: bit-exact, integer-only (golden library ops).
Int8LayerResult golden_int8_layer(const QuantizedLayer& q, const LayerShape& s,
                                  const Int8LayerInput& in);

// The int8 layer against fp32 on one input: runs calibration (seed + 1), quantization, the golden
// int8 layer and the fp32 reference, and compares the dequantized output.
struct LayerAccuracy {
  Agreement output;
  std::size_t elements = 0;
};
LayerAccuracy int8_layer_accuracy(const ModelDesc& m, const LayerShape& s, std::uint64_t seed,
                                  const QuantOptions& options = {});

}  // namespace serrano::workloads
