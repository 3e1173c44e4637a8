// SPDX-License-Identifier: Apache-2.0
// The built-in model descriptions hold the published shapes (../shared/reference/figures.md
// section 8), bad descriptions and impossible layer shapes are refused with exact one-line
// messages, and the operator list of a layer has the shapes and MAC counts the papers give.
#include "workloads/model_desc.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "workloads/layer_ops.h"

namespace serrano::workloads {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_model_yaml(yaml, "m.yaml");
  } catch (const arch::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kGood = R"(name: tiny
source: "a test"
layers: 2
hidden: 64
heads: 4
kv_heads: 2
head_dim: 16
ffn: {size: 128, type: swiglu}
norm: {type: rmsnorm, placement: pre, eps: 1.0e-5}
position: {type: rope, theta: 10000.0}
attention: {causal: true}
vocab: 1000
max_context: 256
)";

std::string with(const std::string& from, const std::string& to) {
  std::string s = kGood;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(ModelFiles, BuiltinsAreExactlyTheFive) {
  EXPECT_EQ(builtin_models(), (std::vector<std::string>{"bert-base", "bert-large", "gpt2-small",
                                                        "llama2-7b", "llama3-8b"}));
}

TEST(ModelFiles, BuiltinsHoldThePublishedShapes) {
  struct Row {
    const char* name;
    int layers, hidden, heads, kv, head_dim, ffn;
    FfnType type;
    NormType norm;
    NormPlacement placement;
    bool causal;
    int vocab, ctx;
  };
  const Row rows[] = {
      {"bert-base", 12, 768, 12, 12, 64, 3072, FfnType::GeluErf, NormType::LayerNorm,
       NormPlacement::Post, false, 30522, 512},
      {"bert-large", 24, 1024, 16, 16, 64, 4096, FfnType::GeluErf, NormType::LayerNorm,
       NormPlacement::Post, false, 30522, 512},
      {"gpt2-small", 12, 768, 12, 12, 64, 3072, FfnType::GeluTanh, NormType::LayerNorm,
       NormPlacement::Pre, true, 50257, 1024},
      {"llama2-7b", 32, 4096, 32, 32, 128, 11008, FfnType::SwiGlu, NormType::RmsNorm,
       NormPlacement::Pre, true, 32000, 4096},
      {"llama3-8b", 32, 4096, 32, 8, 128, 14336, FfnType::SwiGlu, NormType::RmsNorm,
       NormPlacement::Pre, true, 128256, 8192},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    const ModelDesc m = find_model(r.name);
    EXPECT_EQ(m.name, r.name);
    EXPECT_EQ(m.layers, r.layers);
    EXPECT_EQ(m.hidden, r.hidden);
    EXPECT_EQ(m.heads, r.heads);
    EXPECT_EQ(m.kv_heads, r.kv);
    EXPECT_EQ(m.head_dim, r.head_dim);
    EXPECT_EQ(m.ffn_size, r.ffn);
    EXPECT_EQ(m.ffn, r.type);
    EXPECT_EQ(m.norm, r.norm);
    EXPECT_EQ(m.placement, r.placement);
    EXPECT_EQ(m.causal, r.causal);
    EXPECT_EQ(m.vocab, r.vocab);
    EXPECT_EQ(m.max_context, r.ctx);
    EXPECT_FALSE(m.source.empty());
  }
  EXPECT_EQ(find_model("llama3-8b").rope_theta, 500000.0);
  EXPECT_EQ(find_model("llama2-7b").rope_theta, 10000.0);
  EXPECT_EQ(find_model("bert-base").position, Position::Learned);
}

TEST(ModelFiles, PathsLoadToo) {
  const ModelDesc m =
      find_model(std::string(SERRANO_SOURCE_DIR) + "/configs/models/gpt2-small.yaml");
  EXPECT_EQ(m.name, "gpt2-small");
  EXPECT_NO_THROW(parse_model_yaml(kGood));
}

struct BadCase {
  const char* label;
  std::string yaml;
  std::string message;
};

TEST(ModelFiles, BadDescriptionsGiveExactMessages) {
  const BadCase cases[] = {
      {"unknown key", with("layers: 2", "layer: 2"), "m.yaml: layer: unknown key"},
      {"quoted number", with("hidden: 64", "hidden: \"64\""),
       "m.yaml: hidden: must be an integer in [1, 65536], got \"64\""},
      {"zero heads", with("heads: 4", "heads: 0"),
       "m.yaml: heads: must be an integer in [1, 1024], got 0"},
      {"kv heads do not divide", with("kv_heads: 2", "kv_heads: 3"),
       "m.yaml: kv_heads: must divide heads = 4 (multi-head, grouped-query or multi-query "
       "attention), got 3"},
      {"unknown ffn", with("type: swiglu", "type: geglu"),
       "m.yaml: ffn.type: must be one of gelu_erf, gelu_tanh, swiglu, relu, got \"geglu\""},
      {"odd head dim with rope", with("head_dim: 16", "head_dim: 15"),
       "m.yaml: head_dim: must be even for rope (rotation pairs), got 15"},
      {"theta without rope", with("type: rope, theta: 10000.0", "type: learned, theta: 1.0"),
       "m.yaml: position.theta: only for position type rope"},
      {"missing source", with("source: \"a test\"\n", ""), "m.yaml: source: missing"},
      {"eps zero", with("eps: 1.0e-5", "eps: 0"),
       "m.yaml: norm.eps: must be a number in (0, 1], got 0"},
      {"causal not a bool", with("causal: true", "causal: yes"),
       "m.yaml: attention.causal: must be true or false, got \"yes\""},
      {"bad placement", with("placement: pre", "placement: middle"),
       "m.yaml: norm.placement: must be one of pre, post, got \"middle\""},
      {"not a map", "[1, 2]", "m.yaml: (top): must be a map of keys, got a sequence"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(error_of(c.yaml), c.message);
  }
}

TEST(ModelFiles, UnknownModelNamesTheKnownOnes) {
  try {
    find_model("bert-tiny");
    FAIL() << "no error";
  } catch (const arch::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "model: bert-tiny: unknown model; known: bert-base, bert-large, gpt2-small, "
              "llama2-7b, llama3-8b (or give a path to a .yaml description)");
  }
  EXPECT_THROW(find_model("/nonexistent/model.yaml"), arch::ConfigError);
}

// Per-token MACs of the weight matmuls (figures.md section 8: BERT-base 7.08 M, Llama-2-7B 202 M,
// Llama-3-8B 218 M), exactly.
TEST(LayerOps, WeightMacsPerTokenMatchThePublishedCounts) {
  const LayerShape one{Phase::Prefill, 1, 0, 1};
  EXPECT_EQ(layer_macs(layer_ops(find_model("bert-base"), one)).weights, 7077888u);
  EXPECT_EQ(layer_macs(layer_ops(find_model("gpt2-small"), one)).weights, 7077888u);
  EXPECT_EQ(layer_macs(layer_ops(find_model("llama2-7b"), one)).weights, 202375168u);
  EXPECT_EQ(layer_macs(layer_ops(find_model("llama3-8b"), one)).weights, 218103808u);
  EXPECT_EQ(layer_weight_bytes(layer_ops(find_model("llama3-8b"), one)), 218103808u);
}

TEST(LayerOps, BertPrefillIsPostNormWithItsShapes) {
  const auto ops = layer_ops(find_model("bert-base"), {Phase::Prefill, 128, 0, 2});
  std::vector<std::string> names;
  for (const auto& op : ops) names.push_back(op.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"attn.qkv", "attn.scores", "attn.softmax", "attn.context",
                                      "attn.out", "attn.residual", "norm.attn", "ffn.up", "ffn.act",
                                      "ffn.down", "ffn.residual", "norm.ffn"}));
  const LayerOp& qkv = ops[0];
  EXPECT_EQ(qkv.m, 256u);
  EXPECT_EQ(qkv.k, 768u);
  EXPECT_EQ(qkv.n, 2304u);
  EXPECT_TRUE(qkv.weight_operand);
  const LayerOp& scores = ops[1];
  EXPECT_EQ(scores.count, 24u);  // batch 2 x 12 heads
  EXPECT_EQ(scores.m, 128u);
  EXPECT_EQ(scores.k, 64u);
  EXPECT_EQ(scores.n, 128u);
  EXPECT_FALSE(scores.weight_operand);
  EXPECT_EQ(ops[2].rows, 24u * 128u);
  EXPECT_EQ(ops[2].cols, 128u);
  // Attention MACs: 2 x B x heads x L x L x head_dim.
  EXPECT_EQ(layer_macs(ops).attention, 2ull * 2 * 12 * 128 * 128 * 64);
}

TEST(LayerOps, Llama3DecodeUsesGroupedKvAndTheCache) {
  const auto ops = layer_ops(find_model("llama3-8b"), {Phase::Decode, 0, 2048, 16});
  EXPECT_EQ(ops[0].name, "norm.attn");
  EXPECT_EQ(ops[0].rows, 16u);
  const LayerOp& qkv = ops[1];
  EXPECT_EQ(qkv.m, 16u);
  EXPECT_EQ(qkv.n, (32u + 2 * 8) * 128);
  EXPECT_EQ(ops[2].name, "attn.rope");
  EXPECT_EQ(ops[2].rows, 16u * (32 + 8));
  const LayerOp& scores = ops[3];
  EXPECT_EQ(scores.count, 16u * 32);
  EXPECT_EQ(scores.m, 1u);
  EXPECT_EQ(scores.k, 128u);
  EXPECT_EQ(scores.n, 2049u);  // 2048 cached tokens plus the new one
  EXPECT_EQ(ops[4].cols, 2049u);
  std::vector<std::string> ffn;
  for (const auto& op : ops) {
    if (op.name.rfind("ffn.", 0) == 0) ffn.push_back(op.name);
  }
  EXPECT_EQ(
      ffn, (std::vector<std::string>{"ffn.gate", "ffn.up", "ffn.act", "ffn.down", "ffn.residual"}));
}

std::string layer_error(const std::string& model, const LayerShape& s) {
  try {
    layer_ops(find_model(model), s);
  } catch (const arch::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LayerOps, ImpossibleShapesGiveExactMessages) {
  EXPECT_EQ(layer_error("bert-base", {Phase::Prefill, 1024, 0, 1}),
            "layer: seq: must be in [1, 512] (bert-base max_context), got 1024");
  EXPECT_EQ(layer_error("bert-base", {Phase::Prefill, 0, 0, 1}),
            "layer: seq: must be in [1, 512] (bert-base max_context), got 0");
  EXPECT_EQ(layer_error("bert-base", {Phase::Decode, 0, 10, 1}),
            "layer: phase: decode needs a causal model; bert-base has bidirectional attention "
            "(an encoder runs prefill only)");
  EXPECT_EQ(layer_error("llama2-7b", {Phase::Decode, 0, 4096, 1}),
            "layer: kv: must be in [0, 4095] (llama2-7b max_context - 1: the cache plus the new "
            "token), got 4096");
  EXPECT_EQ(layer_error("llama2-7b", {Phase::Decode, 0, 16, 0}),
            "layer: batch: must be in [1, 65536], got 0");
  EXPECT_EQ(layer_error("gpt2-small", {Phase::Decode, 0, 1023, 1}), "(no error)");
}

}  // namespace
}  // namespace serrano::workloads
