// SPDX-License-Identifier: Apache-2.0
// The layer compiler (workloads/layer_compiler.h) and `run_layer`: compiled layers run on the chip
// model equal the golden int8 layer bit for bit; timing runs of the large models; the sanity
// invariants of docs/layers.md; and the errors for layers that cannot run.
//
// SystemC elaborates once per process, and CTest runs every test in its own process: a test makes
// all its chip models before the first run.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "model/chip/chip_model.h"
#include "workloads/layer_compiler.h"
#include "workloads/layer_run.h"
#include "workloads/model_desc.h"
#include "workloads/weights_io.h"

namespace serrano::workloads {
namespace {

arch::ArchConfig config(const std::string& name) {
  return arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + name + ".yaml");
}

// Small models with the structure of the big ones, so that functional runs stay fast.
ModelDesc tiny(const std::string& kind) {
  std::string y;
  if (kind == "llama") {  // Llama-3: GQA, RoPE, SwiGLU, RMSNorm, causal
    y = "name: tiny-llama\nsource: test\nlayers: 2\nhidden: 128\nheads: 4\nkv_heads: 2\n"
        "head_dim: 32\nffn: {size: 256, type: swiglu}\n"
        "norm: {type: rmsnorm, placement: pre, eps: 1.0e-5}\n"
        "position: {type: rope, theta: 10000.0}\nattention: {causal: true}\nvocab: 100\n"
        "max_context: 256\n";
  } else if (kind == "gpt") {  // GPT-2: GELU (tanh) table, LayerNorm pre, learned positions
    y = "name: tiny-gpt\nsource: test\nlayers: 2\nhidden: 64\nheads: 2\nkv_heads: 2\n"
        "head_dim: 32\nffn: {size: 256, type: gelu_tanh}\n"
        "norm: {type: layernorm, placement: pre, eps: 1.0e-5}\nposition: {type: learned}\n"
        "attention: {causal: true}\nvocab: 100\nmax_context: 128\n";
  } else {  // OPT-like ReLU FFN, post-norm, multi-query attention (one KV head)
    y = "name: tiny-relu\nsource: test\nlayers: 2\nhidden: 64\nheads: 4\nkv_heads: 1\n"
        "head_dim: 16\nffn: {size: 128, type: relu}\n"
        "norm: {type: layernorm, placement: post, eps: 1.0e-5}\nposition: {type: learned}\n"
        "attention: {causal: true}\nvocab: 100\nmax_context: 128\n";
  }
  return parse_model_yaml(y, "tiny-" + kind);
}

LayerShape prefill(int seq, int batch = 1) {
  LayerShape s;
  s.phase = Phase::Prefill;
  s.seq = seq;
  s.batch = batch;
  return s;
}

LayerShape decode(int kv, int batch = 1) {
  LayerShape s;
  s.phase = Phase::Decode;
  s.kv = kv;
  s.batch = batch;
  return s;
}

LayerRunOptions options(const LayerShape& s, bool timing_only, int layers = 1) {
  LayerRunOptions o;
  o.shape = s;
  o.timing_only = timing_only;
  o.layers = layers;
  return o;
}

void expect_bit_exact(const LayerRunResult& r) {
  EXPECT_TRUE(r.bit_exact);
  EXPECT_GE(r.tensors.size(), 9u);
  for (const auto& t : r.tensors) {
    EXPECT_GT(t.elements, 0u) << t.name;
    EXPECT_EQ(t.mismatches, 0u) << t.name << ": first mismatch at element " << t.first;
  }
}

const KernelResult& kernel(const LayerRunResult& r, const std::string& name) {
  for (const auto& k : r.kernels) {
    if (k.kernel.name == name) return k;
  }
  throw std::out_of_range("no kernel " + name);
}

// ---- Functional: the chip's tensors equal the golden int8 layer's ----

TEST(LayerFunctional, BertBasePrefillOnServranoEdgeIsBitExactAndFillsTheArray) {
  const ModelDesc m = find_model("bert-base");
  model::ChipModel sim(config("serrano-edge"), model::ChipModel::Mode::Functional);
  const LayerRunResult r = run_layer(m, sim, options(prefill(128), false));
  expect_bit_exact(r);
  EXPECT_GE(r.accuracy.cosine, 0.99);
  // The FFN matmuls of BERT-base keep the 16x16 array at least 80% busy (docs/layers.md).
  EXPECT_GE(kernel(r, "ffn.up+act").utilization, 0.80);
  EXPECT_GE(kernel(r, "ffn.down").utilization, 0.80);
  EXPECT_EQ(kernel(r, "ffn.down").bound, Bound::Compute);
}

TEST(LayerFunctional, BertBasePrefillOnServranoBaseIsBitExact) {
  const ModelDesc m = find_model("bert-base");
  model::ChipModel sim(config("serrano-base"), model::ChipModel::Mode::Functional);
  const LayerRunResult r = run_layer(m, sim, options(prefill(128), false));
  expect_bit_exact(r);
  EXPECT_GE(r.accuracy.cosine, 0.99);
  EXPECT_EQ(r.macs, layer_macs(layer_ops(m, prefill(128))).total());
}

TEST(LayerFunctional, LlamaStructurePrefillWithCausalMaskIsBitExact) {
  // 24 tokens on a 16-wide array: a causal mask and 8 padded columns in every softmax row.
  model::ChipModel sim(config("test-chip-16x16"), model::ChipModel::Mode::Functional);
  const LayerRunResult r = run_layer(tiny("llama"), sim, options(prefill(24, 2), false));
  expect_bit_exact(r);
  EXPECT_GE(r.accuracy.cosine, 0.98);
}

TEST(LayerFunctional, LlamaStructureDecodeAgainstAKvCacheIsBitExact) {
  model::ChipModel sim(config("test-chip-16x16"), model::ChipModel::Mode::Functional);
  const LayerRunResult r = run_layer(tiny("llama"), sim, options(decode(37, 3), false));
  expect_bit_exact(r);
  EXPECT_GE(r.accuracy.cosine, 0.98);
  EXPECT_GT(r.tokens_per_s, 0.0);
}

TEST(LayerFunctional, GeluTanhTableModelIsBitExactPrefillAndDecode) {
  model::ChipModel sim(config("test-chip-16x16"), model::ChipModel::Mode::Functional);
  expect_bit_exact(run_layer(tiny("gpt"), sim, options(prefill(13), false)));
  expect_bit_exact(run_layer(tiny("gpt"), sim, options(decode(20, 2), false)));
}

TEST(LayerFunctional, ReluPostNormMultiQueryModelIsBitExact) {
  model::ChipModel sim(config("test-chip-8x8"), model::ChipModel::Mode::Functional);
  expect_bit_exact(run_layer(tiny("relu"), sim, options(prefill(19), false)));
  expect_bit_exact(run_layer(tiny("relu"), sim, options(decode(9, 2), false)));
}

TEST(LayerFunctional, RealWeightsFromSafetensorsRunAsTheSyntheticOnes) {
  // The synthetic weights written to a safetensors file and read back give the same chip output.
  const ModelDesc m = tiny("llama");
  const std::string path = "/tmp/serrano_layers_test_" + std::to_string(::getpid()) +
                           ".safetensors";
  save_layer_weights_safetensors(synthetic_weights(m, 7), path);
  model::ChipModel sim(config("test-chip-16x16"), model::ChipModel::Mode::Functional);
  LayerRunOptions synthetic = options(prefill(16), false);
  synthetic.seed = 7;
  LayerRunOptions loaded = synthetic;
  loaded.weights = path;
  const LayerRunResult a = run_layer(m, sim, synthetic);
  const LayerRunResult b = run_layer(m, sim, loaded);
  std::remove(path.c_str());
  expect_bit_exact(b);
  EXPECT_EQ(a.chip_tensors.at("y"), b.chip_tensors.at("y"));
  loaded.weights = "/nonexistent/weights.safetensors";
  EXPECT_THROW(run_layer(m, sim, loaded), WeightsError);
}

// The same programs on the output-stationary array (docs/array-timing.md section 5): only the
// timing differs, so every structure stays bit-exact.
TEST(LayerFunctional, OutputStationaryChipRunsEveryStructureBitExact) {
  arch::ArchConfig cfg = config("test-chip-16x16");
  cfg.array.dataflow = arch::Dataflow::OutputStationary;
  model::ChipModel sim(cfg, model::ChipModel::Mode::Functional);
  expect_bit_exact(run_layer(tiny("llama"), sim, options(prefill(24, 2), false)));
  expect_bit_exact(run_layer(tiny("llama"), sim, options(decode(37, 3), false)));
  expect_bit_exact(run_layer(tiny("gpt"), sim, options(prefill(13), false)));
  expect_bit_exact(run_layer(tiny("relu"), sim, options(decode(9, 2), false)));
}

// BERT-base prefill 128 on serrano-edge, ws against os (docs/compiler.md, "Dataflows"): the
// linears stream 128 rows per tile and run alike; the attention kernel streams one query row at a
// time, which costs 1 cycle of the array in ws and a whole chunk of R = 16 cycles in os.
TEST(LayerTiming, OutputStationaryPaysForOneRowStreams) {
  const ModelDesc m = find_model("bert-base");
  arch::ArchConfig os_cfg = config("serrano-edge");
  os_cfg.array.dataflow = arch::Dataflow::OutputStationary;
  model::ChipModel ws(config("serrano-edge"), model::ChipModel::Mode::TimingOnly);
  model::ChipModel os(os_cfg, model::ChipModel::Mode::TimingOnly);
  const LayerRunResult a = run_layer(m, ws, options(prefill(128), true));
  const LayerRunResult b = run_layer(m, os, options(prefill(128), true));
  for (const char* k : {"attn.qkv.q", "attn.out", "ffn.up+act", "ffn.down"}) {
    const double ratio = double(kernel(b, k).cycles) / double(kernel(a, k).cycles);
    EXPECT_GT(ratio, 1.0) << k;  // os drains each block R - 1 cycles later
    EXPECT_LT(ratio, 1.01) << k;
  }
  const std::string attn = "attn.scores+softmax+context";
  EXPECT_GT(kernel(b, attn).cycles, 5 * kernel(a, attn).cycles);
  EXPECT_GT(b.layer_cycles, a.layer_cycles);
}

// ---- Timing only: the large models on serrano-base ----

TEST(LayerTiming, Llama3DecodeAtKv2048IsMemoryBoundAndBatchingPays) {
  const ModelDesc m = find_model("llama3-8b");
  model::ChipModel sim(config("serrano-base"), model::ChipModel::Mode::TimingOnly);
  const LayerRunResult b1 = run_layer(m, sim, options(decode(2048, 1), true));
  const LayerRunResult b16 = run_layer(m, sim, options(decode(2048, 16), true));
  for (const auto& k : b1.kernels) {
    if (k.kernel.stats.macs > 0) {
      EXPECT_EQ(k.bound, Bound::Memory) << k.kernel.name;
    }
  }
  EXPECT_LT(b1.utilization, 0.02);
  EXPECT_GT(b16.tokens_per_s, 4.0 * b1.tokens_per_s);
  EXPECT_EQ(b1.macs, layer_macs(layer_ops(m, decode(2048, 1))).total());
}

TEST(LayerTiming, Llama2PrefillAt512IsComputeBound) {
  const ModelDesc m = find_model("llama2-7b");
  model::ChipModel sim(config("serrano-base"), model::ChipModel::Mode::TimingOnly);
  const LayerRunResult r = run_layer(m, sim, options(prefill(512), true));
  for (const char* name : {"attn.qkv.q", "attn.out", "ffn.gate", "ffn.up", "ffn.down"}) {
    EXPECT_EQ(kernel(r, name).bound, Bound::Compute) << name;
    EXPECT_GT(kernel(r, name).utilization, 0.9) << name;
  }
  EXPECT_GT(r.utilization, 0.7);
}

TEST(LayerTiming, DoublingDramBandwidthSpeedsDecodeWhereDramBinds) {
  // serrano-base's array with a DRAM narrower than its 128 B/cycle weight path (51.2 GB/s, an
  // LPDDR5 pair), and the same with twice the bandwidth: batch-1 decode is then DRAM-bound.
  arch::ArchConfig narrow = config("serrano-base"), wide = narrow;
  narrow.dram.bandwidth_gbps = 51.2;
  wide.dram.bandwidth_gbps = 102.4;
  model::ChipModel a(narrow, model::ChipModel::Mode::TimingOnly);
  model::ChipModel b(wide, model::ChipModel::Mode::TimingOnly);
  const ModelDesc m = find_model("llama2-7b");
  const LayerRunResult ra = run_layer(m, a, options(decode(1024), true));
  const LayerRunResult rb = run_layer(m, b, options(decode(1024), true));
  EXPECT_GT(double(ra.layer_cycles) / double(rb.layer_cycles), 1.6);
  EXPECT_TRUE(kernel(ra, "ffn.down").memory_is_dram);
}

TEST(LayerTiming, DoublingServranoBaseDramBarelyChangesPrefillOrBatch1Decode) {
  // Prefill at 512 is compute-bound: twice the HBM3 bandwidth changes it by under 5%. Batch-1
  // decode is bound too, by the 128 B/cycle path that preloads weights into the array, not by
  // DRAM (the finding of docs/layers.md): it changes by under 2%.
  arch::ArchConfig base = config("serrano-base"), wide = base;
  wide.dram.bandwidth_gbps *= 2.0;
  model::ChipModel a(base, model::ChipModel::Mode::TimingOnly);
  model::ChipModel b(wide, model::ChipModel::Mode::TimingOnly);
  const ModelDesc m = find_model("llama2-7b");
  const LayerRunResult dec_a = run_layer(m, a, options(decode(1024), true));
  const LayerRunResult dec_b = run_layer(m, b, options(decode(1024), true));
  const LayerRunResult pre_a = run_layer(m, a, options(prefill(512), true));
  const LayerRunResult pre_b = run_layer(m, b, options(prefill(512), true));
  EXPECT_LT(double(pre_a.layer_cycles) / double(pre_b.layer_cycles), 1.05);
  EXPECT_LT(double(dec_a.layer_cycles) / double(dec_b.layer_cycles), 1.02);
  EXPECT_EQ(kernel(dec_a, "ffn.down").bound, Bound::Memory);
  EXPECT_FALSE(kernel(dec_a, "ffn.down").memory_is_dram);
}

TEST(LayerTiming, AStackOfLayersIsSimulatedWhole) {
  const ModelDesc m = find_model("llama2-7b");
  model::ChipModel sim(config("serrano-base"), model::ChipModel::Mode::TimingOnly);
  const LayerRunResult one = run_layer(m, sim, options(decode(512), true, 1));
  const LayerRunResult four = run_layer(m, sim, options(decode(512), true, 4));
  EXPECT_EQ(one.stack_cycles, one.layer_cycles);
  EXPECT_EQ(four.layer_cycles, one.layer_cycles);
  // Four identical layers separated by barriers: four times one layer, within a few cycles a
  // barrier.
  EXPECT_NEAR(double(four.stack_cycles), 4.0 * double(one.layer_cycles), 4.0 * 100.0);
}

TEST(LayerTiming, CompilingAndRunningIsDeterministic) {
  const ModelDesc m = tiny("llama");
  const arch::ArchConfig cfg = config("serrano-edge");
  const LayerProgram p1 = compile_layer(m, prefill(40), cfg);
  const LayerProgram p2 = compile_layer(m, prefill(40), cfg);
  EXPECT_EQ(p1.code, p2.code);
  model::ChipModel sim(cfg, model::ChipModel::Mode::TimingOnly);
  EXPECT_EQ(run_layer(m, sim, options(prefill(40), true)).layer_cycles,
            run_layer(m, sim, options(prefill(40), true)).layer_cycles);
}

// ---- Errors ----

TEST(LayerErrors, LayersThatCannotRunSayWhy) {
  const ModelDesc llama = find_model("llama2-7b");
  try {
    compile_layer(llama, decode(2048), config("tpu-v1"));
    FAIL() << "no error";
  } catch (const CompileError& e) {
    EXPECT_STREQ(e.what(),
                 "layer: attn.scores+softmax+context of llama2-7b (decode kv 2048 batch 1) needs "
                 "9216 weight-buffer rows, tpu-v1 has 1024");
  }
  try {
    compile_layer(llama, prefill(16), config("serrano-edge"));
    FAIL() << "no error";
  } catch (const CompileError& e) {
    EXPECT_STREQ(e.what(),
                 "layer: norm.attn of llama2-7b (prefill seq 16 batch 1) needs 257 parameter "
                 "rows, serrano-edge has 256");
  }
  try {
    compile_layer(tiny("gpt"), prefill(8), config("test-8x4"));
    FAIL() << "no error";
  } catch (const CompileError& e) {
    EXPECT_STREQ(e.what(),
                 "layer: the compiler needs a square array (rows = cols), test-8x4 is 8x4");
  }
  ModelDesc odd = tiny("gpt");
  odd.hidden = 72;
  odd.heads = 3;
  odd.kv_heads = 3;
  odd.head_dim = 24;
  try {
    compile_layer(odd, prefill(8), config("test-chip-16x16"));
    FAIL() << "no error";
  } catch (const CompileError& e) {
    EXPECT_STREQ(e.what(),
                 "layer: hidden = 72 of tiny-gpt is not a multiple of the scratchpad row of "
                 "test-chip-16x16 (16 bytes)");
  }
}

TEST(LayerErrors, ImpossibleShapesAndUnknownModels) {
  EXPECT_THROW(compile_layer(find_model("bert-base"), prefill(1024), config("serrano-base")),
               arch::ConfigError);
  EXPECT_THROW(compile_layer(find_model("bert-base"), decode(16), config("serrano-base")),
               arch::ConfigError);
  try {
    find_model("llama9-1t");
    FAIL() << "no error";
  } catch (const arch::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("llama9-1t: unknown model"), std::string::npos);
  }
  model::ChipModel sim(config("test-chip-16x16"), model::ChipModel::Mode::Functional);
  LayerRunOptions o = options(prefill(8), false, 2);
  try {
    run_layer(tiny("gpt"), sim, o);
    FAIL() << "no error";
  } catch (const arch::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("a functional run checks one layer"), std::string::npos);
  }
}

}  // namespace
}  // namespace serrano::workloads
