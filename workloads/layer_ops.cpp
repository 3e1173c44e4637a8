// SPDX-License-Identifier: Apache-2.0
#include "workloads/layer_ops.h"

#include <fmt/core.h>

namespace serrano::workloads {

namespace {

constexpr int kMaxBatch = 65536;

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw arch::ConfigError("layer", field, message);
}

const char* ffn_detail(FfnType t) {
  switch (t) {
    case FfnType::GeluErf: return "GELU (erf)";
    case FfnType::GeluTanh: return "GELU (tanh)";
    case FfnType::SwiGlu: return "SiLU(gate) x up";
    case FfnType::Relu: return "ReLU";
  }
  return "?";
}

LayerOp matmul(std::string name, std::string detail, std::uint64_t count, std::uint64_t m,
               std::uint64_t k, std::uint64_t n, bool weights) {
  LayerOp op;
  op.name = std::move(name);
  op.kind = OpKind::MatMul;
  op.detail = std::move(detail);
  op.count = count;
  op.m = m;
  op.k = k;
  op.n = n;
  op.weight_operand = weights;
  return op;
}

LayerOp vector_op(std::string name, OpKind kind, std::string detail, std::uint64_t rows,
                  std::uint64_t cols) {
  LayerOp op;
  op.name = std::move(name);
  op.kind = kind;
  op.detail = std::move(detail);
  op.rows = rows;
  op.cols = cols;
  return op;
}

}  // namespace

std::uint64_t layer_tokens(const LayerShape& s) {
  return std::uint64_t(s.batch) * std::uint64_t(s.phase == Phase::Prefill ? s.seq : 1);
}

std::uint64_t layer_context(const LayerShape& s) {
  return s.phase == Phase::Prefill ? std::uint64_t(s.seq) : std::uint64_t(s.kv) + 1;
}

void validate(const ModelDesc& m, const LayerShape& s) {
  validate(m, m.name);
  if (s.batch < 1 || s.batch > kMaxBatch) {
    fail("batch", fmt::format("must be in [1, {}], got {}", kMaxBatch, s.batch));
  }
  if (s.phase == Phase::Prefill) {
    if (s.seq < 1 || s.seq > m.max_context) {
      fail("seq", fmt::format("must be in [1, {}] ({} max_context), got {}", m.max_context, m.name,
                              s.seq));
    }
  } else if (s.phase == Phase::Decode) {
    if (!m.causal) {
      fail("phase", fmt::format("decode needs a causal model; {} has bidirectional attention "
                                "(an encoder runs prefill only)",
                                m.name));
    }
    if (s.kv < 0 || s.kv > m.max_context - 1) {
      fail("kv", fmt::format("must be in [0, {}] ({} max_context - 1: the cache plus the new "
                             "token), got {}",
                             m.max_context - 1, m.name, s.kv));
    }
  } else {
    fail("phase", fmt::format("must be prefill or decode, got enum value {}", int(s.phase)));
  }
}

std::vector<LayerOp> layer_ops(const ModelDesc& m, const LayerShape& s) {
  validate(m, s);
  const std::uint64_t T = layer_tokens(s), ctx = layer_context(s);
  const std::uint64_t Lq = s.phase == Phase::Prefill ? std::uint64_t(s.seq) : 1;
  const std::uint64_t d = std::uint64_t(m.hidden), h = std::uint64_t(m.heads),
                      hkv = std::uint64_t(m.kv_heads), hd = std::uint64_t(m.head_dim),
                      f = std::uint64_t(m.ffn_size), B = std::uint64_t(s.batch);
  const bool pre = m.placement == NormPlacement::Pre;
  const std::string norm = m.norm == NormType::LayerNorm ? "LayerNorm" : "RMSNorm";

  std::vector<LayerOp> ops;
  if (pre) ops.push_back(vector_op("norm.attn", OpKind::Norm, norm, T, d));
  ops.push_back(matmul("attn.qkv", fmt::format("Q, K, V projections ({} + 2 x {} heads)", h, hkv),
                       1, T, d, (h + 2 * hkv) * hd, true));
  if (m.position == Position::Rope) {
    ops.push_back(vector_op("attn.rope", OpKind::Rope, "RoPE on Q and K heads", T * (h + hkv), hd));
  }
  const std::string kv_src = s.phase == Phase::Decode ? "KV cache" : "this sequence";
  ops.push_back(
      matmul("attn.scores", "Q . K^T per head, K from " + kv_src, B * h, Lq, hd, ctx, false));
  ops.push_back(vector_op("attn.softmax", OpKind::Softmax,
                          m.causal ? "softmax (causal mask)" : "softmax", B * h * Lq, ctx));
  ops.push_back(
      matmul("attn.context", "P . V per head, V from " + kv_src, B * h, Lq, ctx, hd, false));
  ops.push_back(matmul("attn.out", "output projection", 1, T, h * hd, d, true));
  ops.push_back(vector_op("attn.residual", OpKind::Residual, "x + attention", T, d));
  if (!pre) ops.push_back(vector_op("norm.attn", OpKind::Norm, norm, T, d));
  if (pre) ops.push_back(vector_op("norm.ffn", OpKind::Norm, norm, T, d));
  if (m.ffn == FfnType::SwiGlu) {
    ops.push_back(matmul("ffn.gate", "gate projection", 1, T, d, f, true));
    ops.push_back(matmul("ffn.up", "up projection", 1, T, d, f, true));
  } else {
    ops.push_back(matmul("ffn.up", "up projection", 1, T, d, f, true));
  }
  ops.push_back(vector_op("ffn.act", OpKind::Activation, ffn_detail(m.ffn), T, f));
  ops.push_back(matmul("ffn.down", "down projection", 1, T, f, d, true));
  ops.push_back(vector_op("ffn.residual", OpKind::Residual, "x + FFN", T, d));
  if (!pre) ops.push_back(vector_op("norm.ffn", OpKind::Norm, norm, T, d));
  return ops;
}

LayerMacs layer_macs(const std::vector<LayerOp>& ops) {
  LayerMacs macs;
  for (const auto& op : ops) (op.weight_operand ? macs.weights : macs.attention) += op.macs();
  return macs;
}

std::uint64_t layer_weight_bytes(const std::vector<LayerOp>& ops) {
  std::uint64_t bytes = 0;
  for (const auto& op : ops) {
    if (op.kind == OpKind::MatMul && op.weight_operand) bytes += op.k * op.n;
  }
  return bytes;
}

const char* to_string(Phase p) { return p == Phase::Prefill ? "prefill" : "decode"; }

const char* to_string(OpKind k) {
  switch (k) {
    case OpKind::MatMul: return "matmul";
    case OpKind::Norm: return "norm";
    case OpKind::Softmax: return "softmax";
    case OpKind::Activation: return "activation";
    case OpKind::Residual: return "residual";
    case OpKind::Rope: return "rope";
  }
  return "?";
}

}  // namespace serrano::workloads
