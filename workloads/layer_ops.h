// SPDX-License-Identifier: Apache-2.0
// The operators of one transformer layer, with their shapes, for a phase (prefill or decode), a
// sequence or KV-cache length and a batch. This is the one list that the compiler lowers to chip
// programs, the GPU baselines model operator by operator, and the reports print; nothing else
// restates a layer's shapes.
//
// Conventions (docs/models.md):
// - prefill: `batch` sequences of `seq` tokens each; attention over those tokens (ctx = seq). For
//   causal models the score and context matmuls are counted over the whole ctx x ctx square, as a
//   dense engine computes them (the masked half is work done, not work skipped).
// - decode: `batch` sequences, one new token each, attending over `kv` cached tokens plus itself
//   (ctx = kv + 1). Decode needs a causal model.
// - T = batch x (seq for prefill, 1 for decode) tokens flow through the per-token operators.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/model_desc.h"

namespace serrano::workloads {

enum class Phase { Prefill, Decode };  // cli: prefill | decode

struct LayerShape {
  Phase phase = Phase::Prefill;
  int seq = 128;  // prefill tokens per sequence (ignored for decode)
  int kv = 0;     // decode: cached tokens per sequence (ignored for prefill)
  int batch = 1;
};

enum class OpKind {
  MatMul,      // count x ([m x k] int8 . [k x n] int8 -> int32), requantized to int8
  Norm,        // LayerNorm / RMSNorm over rows of `cols`
  Softmax,     // over rows of `cols`
  Activation,  // GELU, SiLU x up (SwiGLU), ReLU over rows of `cols`
  Residual,    // element-wise add of two int8 tensors, rows x cols
  Rope,        // rotary embedding of q and k heads, rows of head_dim
};

struct LayerOp {
  std::string name;  // "attn.qkv", "attn.scores", "ffn.down", ...
  OpKind kind = OpKind::MatMul;
  std::string detail;  // "LayerNorm", "GELU (erf)", "K cache", ...
  // MatMul: `count` independent products of [m x k] by [k x n].
  std::uint64_t count = 1, m = 0, k = 0, n = 0;
  bool weight_operand = false;  // the [k x n] operand is a weight matrix (else an activation)
  // Vector ops: rows of cols elements in all.
  std::uint64_t rows = 0, cols = 0;

  std::uint64_t macs() const { return kind == OpKind::MatMul ? count * m * k * n : 0; }
  std::uint64_t elements() const {  // output elements
    return kind == OpKind::MatMul ? count * m * n : rows * cols;
  }
};

// Throws arch::ConfigError ("seq: must be in [1, 512] (bert-base max_context), got 1024", "phase:
// decode needs a causal model; bert-base has bidirectional attention", ...).
void validate(const ModelDesc& m, const LayerShape& s);

// The operators of one layer, in execution order. Validates first.
std::vector<LayerOp> layer_ops(const ModelDesc& m, const LayerShape& s);

// Tokens through the per-token operators (T) and the attention context length (ctx).
std::uint64_t layer_tokens(const LayerShape& s);
std::uint64_t layer_context(const LayerShape& s);

// Sum of macs() over the layer's operators; split into weight matmuls and attention matmuls.
struct LayerMacs {
  std::uint64_t weights = 0, attention = 0;
  std::uint64_t total() const { return weights + attention; }
};
LayerMacs layer_macs(const std::vector<LayerOp>& ops);

// Bytes of int8 weights one layer holds (its weight matmuls' k x n).
std::uint64_t layer_weight_bytes(const std::vector<LayerOp>& ops);

const char* to_string(Phase p);
const char* to_string(OpKind k);

}  // namespace serrano::workloads
