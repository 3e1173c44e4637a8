// SPDX-License-Identifier: Apache-2.0
// Tests for real layer weights (workloads/weights_io.h): synthetic weights written as .npy files
// and as safetensors files read back equal, for an encoder (LayerNorm, GELU, biases) and a
// Llama-style decoder (RMSNorm, SwiGLU, grouped-query attention) at test size and for BERT-base
// itself; F16 and BF16 tensors; and every refusal with its exact message.
#include "workloads/weights_io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "io/npy.h"
#include "io/safetensors.h"
#include "workloads/layer_ref.h"
#include "workloads/model_desc.h"

namespace serrano::workloads {
namespace {

namespace fs = std::filesystem;

// An encoder and a decoder small enough to write in a millisecond; q_dim differs from d so that a
// transposed matrix cannot pass.
ModelDesc tiny_bert() {
  ModelDesc m = find_model("bert-base");
  m.name = "tiny-bert";
  m.hidden = 12;
  m.heads = 2;
  m.kv_heads = 2;
  m.head_dim = 8;
  m.ffn_size = 20;
  return m;
}

ModelDesc tiny_llama() {
  ModelDesc m = find_model("llama3-8b");
  m.name = "tiny-llama";
  m.hidden = 12;
  m.heads = 4;
  m.kv_heads = 2;
  m.head_dim = 4;
  m.ffn_size = 20;
  return m;
}

// A folder of its own for each test, removed at the end.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_path = (fs::temp_directory_path() /
              ("serrano_weights_" + std::string(info->name()) + "_" + std::to_string(::getpid())))
                 .string();
    fs::remove_all(m_path);
    fs::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  std::string operator/(const std::string& name) const {
    return (fs::path(m_path) / name).string();
  }

 private:
  std::string m_path;
};

void expect_same(const LayerWeights& a, const LayerWeights& b) {
  EXPECT_EQ(a.d, b.d);
  EXPECT_EQ(a.q_dim, b.q_dim);
  EXPECT_EQ(a.kv_dim, b.kv_dim);
  EXPECT_EQ(a.ffn, b.ffn);
  EXPECT_EQ(a.w_qkv, b.w_qkv);
  EXPECT_EQ(a.b_qkv, b.b_qkv);
  EXPECT_EQ(a.w_o, b.w_o);
  EXPECT_EQ(a.b_o, b.b_o);
  EXPECT_EQ(a.w_gate, b.w_gate);
  EXPECT_EQ(a.b_gate, b.b_gate);
  EXPECT_EQ(a.w_up, b.w_up);
  EXPECT_EQ(a.b_up, b.b_up);
  EXPECT_EQ(a.w_down, b.w_down);
  EXPECT_EQ(a.b_down, b.b_down);
  EXPECT_EQ(a.norm1_gamma, b.norm1_gamma);
  EXPECT_EQ(a.norm1_beta, b.norm1_beta);
  EXPECT_EQ(a.norm2_gamma, b.norm2_gamma);
  EXPECT_EQ(a.norm2_beta, b.norm2_beta);
}

// The what() of the WeightsError that loading throws, or a marker if it throws none.
std::string load_error(const ModelDesc& m, const std::string& path) {
  try {
    load_layer_weights(m, path);
  } catch (const WeightsError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "message is not one line";
    return e.what();
  }
  return "(no error)";
}

void write_f32(const std::string& path, std::vector<std::size_t> shape) {
  std::size_t n = 1;
  for (const std::size_t s : shape) n *= s;
  io::write_npy(path, io::make_f32(std::move(shape), std::vector<float>(n, 0.5f)));
}

// The safetensors file of `w`, to be edited by a test.
io::SafetensorsFile as_file(const LayerWeights& w, const TempDir& dir) {
  save_layer_weights_safetensors(w, dir / "tmp.safetensors");
  return io::read_safetensors(dir / "tmp.safetensors");
}

// ---------------------------------------------------------------------------------------------
// Round trips.

TEST(Weights, EncoderRoundTripsThroughNpyAndSafetensors) {
  const ModelDesc m = tiny_bert();
  const LayerWeights w = synthetic_weights(m, 7);
  TempDir dir;
  save_layer_weights_npy(w, dir / "npy");
  expect_same(load_layer_weights(m, dir / "npy"), w);
  save_layer_weights_safetensors(w, dir / "layer.safetensors");
  expect_same(load_layer_weights(m, dir / "layer.safetensors"), w);
  // Every tensor was written (the synthetic biases and betas are not zeros), with its shape.
  EXPECT_EQ(io::read_npy(dir / "npy/w_qkv.npy").shape, (std::vector<std::size_t>{12, 48}));
  EXPECT_EQ(io::read_npy(dir / "npy/w_o.npy").shape, (std::vector<std::size_t>{16, 12}));
  EXPECT_EQ(io::read_npy(dir / "npy/b_up.npy").shape, (std::vector<std::size_t>{20}));
  EXPECT_EQ(io::read_safetensors(dir / "layer.safetensors").tensors.size(), 12u);
}

TEST(Weights, DecoderRoundTripsThroughNpyAndSafetensors) {
  const ModelDesc m = tiny_llama();
  const LayerWeights w = synthetic_weights(m, 3);
  TempDir dir;
  save_layer_weights_npy(w, dir / "npy");
  expect_same(load_layer_weights(m, dir / "npy"), w);
  save_layer_weights_safetensors(w, dir / "layer.safetensors");
  expect_same(load_layer_weights(m, dir / "layer.safetensors"), w);
  // RMSNorm models have no betas and these synthetic ones no biases: only the seven matrices and
  // gains are written; reading gives zeros for the rest, as synthetic_weights does.
  EXPECT_EQ(io::read_safetensors(dir / "layer.safetensors").tensors.size(), 7u);
  EXPECT_FALSE(fs::exists(dir / "npy/b_qkv.npy"));
  EXPECT_EQ(io::read_npy(dir / "npy/w_qkv.npy").shape, (std::vector<std::size_t>{12, 32}));
  EXPECT_EQ(io::read_npy(dir / "npy/w_gate.npy").shape, (std::vector<std::size_t>{12, 20}));
}

TEST(Weights, BertBaseRoundTripsAndNamesAWrongShape) {
  const ModelDesc m = find_model("bert-base");
  const LayerWeights w = synthetic_weights(m, 1);
  TempDir dir;
  save_layer_weights_npy(w, dir / "weights");
  expect_same(load_layer_weights(m, dir / "weights"), w);
  save_layer_weights_safetensors(w, dir / "bert.safetensors");
  expect_same(load_layer_weights(m, dir / "bert.safetensors"), w);

  write_f32(dir / "weights/w_up.npy", {768, 3000});
  EXPECT_EQ(
      load_error(m, dir / "weights"),
      dir / "weights/w_up.npy: shape [768, 3000], expected [768, 3072] (d x ffn of bert-base)");
}

TEST(Weights, MissingBiasesAndBetasAreZeros) {
  const ModelDesc m = tiny_bert();
  const LayerWeights w = synthetic_weights(m, 7);
  TempDir dir;
  save_layer_weights_npy(w, dir / "w");
  fs::remove(dir / "w/b_qkv.npy");
  fs::remove(dir / "w/norm2_beta.npy");
  const LayerWeights got = load_layer_weights(m, dir / "w");
  EXPECT_EQ(got.b_qkv, std::vector<float>(48, 0.0f));
  EXPECT_EQ(got.norm2_beta, std::vector<float>(12, 0.0f));
  EXPECT_EQ(got.w_qkv, w.w_qkv);
  EXPECT_EQ(got.norm1_beta, w.norm1_beta);
}

TEST(Weights, ReadsF16AndBF16Tensors) {
  const ModelDesc m = tiny_llama();
  LayerWeights w = synthetic_weights(m, 3);
  TempDir dir;
  io::SafetensorsFile f = as_file(w, dir);
  // w_o as BF16 (the top half of each float32: the values truncated to bfloat16), and norm1_gamma
  // as F16 (all 1.5: 0x3e00).
  io::SafetensorsTensor& o = f.tensors.at("w_o");
  io::SafetensorsTensor bf16;
  bf16.dtype = io::TensorDType::BF16;
  bf16.shape = o.shape;
  for (std::size_t i = 0; i < o.data.size(); i += 4) {
    bf16.data.push_back(o.data[i + 2]);
    bf16.data.push_back(o.data[i + 3]);
  }
  for (float& x : w.w_o) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &x, 4);
    bits &= 0xffff0000u;
    std::memcpy(&x, &bits, 4);
  }
  o = bf16;
  io::SafetensorsTensor f16;
  f16.dtype = io::TensorDType::F16;
  f16.shape = {12};
  for (int i = 0; i < 12; ++i) f16.data.insert(f16.data.end(), {0x00, 0x3e});
  f.tensors["norm1_gamma"] = f16;
  w.norm1_gamma.assign(12, 1.5f);
  io::write_safetensors(dir / "half.safetensors", f);
  expect_same(load_layer_weights(m, dir / "half.safetensors"), w);
}

// ---------------------------------------------------------------------------------------------
// Refusals: one line, naming the file and the tensor.

TEST(Weights, RefusesMissingAndMisshapenTensors) {
  const ModelDesc m = tiny_bert();
  TempDir dir;
  save_layer_weights_npy(synthetic_weights(m, 7), dir / "w");
  fs::remove(dir / "w/w_o.npy");
  EXPECT_EQ(load_error(m, dir / "w"),
            dir / "w/w_o.npy: missing (required: [16, 12], q_dim x d of tiny-bert)");

  // A matrix stored as PyTorch does ([out x in]) is refused.
  write_f32(dir / "w/w_o.npy", {12, 16});
  EXPECT_EQ(load_error(m, dir / "w"),
            dir / "w/w_o.npy: shape [12, 16], expected [16, 12] (q_dim x d of tiny-bert)");
  write_f32(dir / "w/w_o.npy", {16, 12});
  write_f32(dir / "w/b_qkv.npy", {1, 48});
  EXPECT_EQ(load_error(m, dir / "w"),
            dir / "w/b_qkv.npy: shape [1, 48], expected [48] (q_dim + 2 kv_dim of tiny-bert)");

  // In a safetensors file the tensor is named after the file.
  const ModelDesc llama = tiny_llama();
  io::SafetensorsFile f = as_file(synthetic_weights(llama, 3), dir);
  f.tensors.erase("w_gate");
  io::write_safetensors(dir / "l.safetensors", f);
  EXPECT_EQ(load_error(llama, dir / "l.safetensors"),
            dir / "l.safetensors: w_gate: missing (required: [12, 20], d x ffn of tiny-llama)");
  f.tensors["w_gate"] = io::make_tensor_f32({12, 21}, std::vector<float>(12 * 21, 0.0f));
  io::write_safetensors(dir / "l.safetensors", f);
  EXPECT_EQ(load_error(llama, dir / "l.safetensors"),
            dir /
                "l.safetensors: w_gate: shape [12, 21], expected [12, 20] (d x ffn of "
                "tiny-llama)");
}

TEST(Weights, RefusesTensorsTheModelDoesNotHave) {
  TempDir dir;
  const ModelDesc bert = tiny_bert();
  save_layer_weights_npy(synthetic_weights(bert, 7), dir / "w");
  write_f32(dir / "w/w_gate.npy", {12, 20});
  EXPECT_EQ(load_error(bert, dir / "w"),
            dir / "w/w_gate.npy: w_gate is for swiglu models only; tiny-bert has a gelu_erf FFN");

  const ModelDesc llama = tiny_llama();
  io::SafetensorsFile f = as_file(synthetic_weights(llama, 3), dir);
  f.tensors["norm1_beta"] = io::make_tensor_f32({12}, std::vector<float>(12, 0.0f));
  io::write_safetensors(dir / "l.safetensors", f);
  EXPECT_EQ(load_error(llama, dir / "l.safetensors"),
            dir /
                "l.safetensors: norm1_beta: norm1_beta is for layernorm models only; "
                "tiny-llama uses rmsnorm");

  // An unknown name (a typo would otherwise read as a missing bias: zeros).
  f.tensors.erase("norm1_beta");
  f.tensors["b_qvk"] = io::make_tensor_f32({32}, std::vector<float>(32, 0.0f));
  io::write_safetensors(dir / "l.safetensors", f);
  EXPECT_EQ(load_error(llama, dir / "l.safetensors"),
            dir /
                "l.safetensors: b_qvk: unknown tensor (the names are w_qkv, b_qkv, w_o, b_o, "
                "w_gate, b_gate, w_up, b_up, w_down, b_down, norm1_gamma, norm1_beta, "
                "norm2_gamma, norm2_beta)");
  fs::remove(dir / "w/w_gate.npy");
  write_f32(dir / "w/attn.npy", {1});
  std::ofstream(dir / "w/README.txt") << "other files are ignored\n";
  EXPECT_EQ(load_error(bert, dir / "w"),
            dir /
                "w/attn.npy: unknown tensor (the names are w_qkv, b_qkv, w_o, b_o, w_gate, "
                "b_gate, w_up, b_up, w_down, b_down, norm1_gamma, norm1_beta, norm2_gamma, "
                "norm2_beta)");
  fs::remove(dir / "w/attn.npy");
  EXPECT_NO_THROW(load_layer_weights(bert, dir / "w"));
}

TEST(Weights, RefusesOtherDtypesAndNonFiniteValues) {
  TempDir dir;
  const ModelDesc bert = tiny_bert();
  save_layer_weights_npy(synthetic_weights(bert, 7), dir / "w");
  io::write_npy(dir / "w/norm1_gamma.npy", io::make_i32({12}, std::vector<std::int32_t>(12, 1)));
  EXPECT_EQ(load_error(bert, dir / "w"),
            dir / "w/norm1_gamma.npy: dtype '<i4', expected '<f4' (float32)");
  std::vector<float> v(16 * 12, 0.25f);
  v[1 * 12 + 5] = std::numeric_limits<float>::quiet_NaN();
  io::write_npy(dir / "w/norm1_gamma.npy", io::make_f32({12}, std::vector<float>(12, 1.0f)));
  io::write_npy(dir / "w/w_o.npy", io::make_f32({16, 12}, v));
  EXPECT_EQ(load_error(bert, dir / "w"), dir / "w/w_o.npy: value at [1, 5] is nan, not finite");

  const ModelDesc llama = tiny_llama();
  io::SafetensorsFile f = as_file(synthetic_weights(llama, 3), dir);
  io::SafetensorsTensor& g = f.tensors.at("norm2_gamma");
  g.dtype = io::TensorDType::I32;
  io::write_safetensors(dir / "l.safetensors", f);
  EXPECT_EQ(load_error(llama, dir / "l.safetensors"),
            dir / "l.safetensors: norm2_gamma: dtype I32, expected F32, F16 or BF16");
  g = io::make_tensor_f32({12}, std::vector<float>(12, 1.0f));
  g.data[4 * 3 + 2] = 0x80;  // 0x7f800000: +inf
  g.data[4 * 3 + 3] = 0x7f;
  io::write_safetensors(dir / "l.safetensors", f);
  EXPECT_EQ(load_error(llama, dir / "l.safetensors"),
            dir / "l.safetensors: norm2_gamma: value at [3] is inf, not finite");
}

TEST(Weights, RefusesBadPathsAndFiles) {
  TempDir dir;
  const ModelDesc m = tiny_bert();
  EXPECT_EQ(load_error(m, dir / "none"), dir / "none: no such file or folder");
  write_f32(dir / "w_up.npy", {12, 20});
  EXPECT_EQ(load_error(m, dir / "w_up.npy"),
            dir / "w_up.npy: not a folder of .npy files or a .safetensors file");
  // File format errors keep the format reader's message.
  EXPECT_EQ(load_error(m, dir / "none.safetensors"), dir / "none.safetensors: cannot read file");
  std::ofstream(dir / "bad.safetensors") << std::string("\x02\x00\x00\x00\x00\x00\x00\x00[]", 10);
  EXPECT_EQ(load_error(m, dir / "bad.safetensors"),
            dir / "bad.safetensors: malformed header: must be a JSON object, got an array");
  save_layer_weights_npy(synthetic_weights(m, 7), dir / "w");
  std::ofstream(dir / "w/w_down.npy") << "not npy";
  EXPECT_EQ(load_error(m, dir / "w"),
            dir /
                "w/w_down.npy: not a .npy file: it does not start with the magic string "
                "\\x93NUMPY");
  // The model itself is checked first.
  ModelDesc broken = m;
  broken.kv_heads = 3;
  EXPECT_THROW(load_layer_weights(broken, dir / "w"), arch::ConfigError);
}

// ---------------------------------------------------------------------------------------------
// The writers.

TEST(Weights, SavingReplacesOldFilesAndChecksSizes) {
  TempDir dir;
  const ModelDesc m = tiny_bert();
  LayerWeights w = synthetic_weights(m, 7);
  save_layer_weights_npy(w, dir / "w");
  ASSERT_TRUE(fs::exists(dir / "w/b_qkv.npy"));
  // Zero biases are not written, and the old file is gone: it cannot be read back instead.
  w.b_qkv.assign(48, 0.0f);
  save_layer_weights_npy(w, dir / "w");
  EXPECT_FALSE(fs::exists(dir / "w/b_qkv.npy"));
  expect_same(load_layer_weights(m, dir / "w"), w);

  w.w_up.pop_back();
  try {
    save_layer_weights_npy(w, dir / "w");
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "save_layer_weights: w_up has 239 values, but [12, 20] (d x ffn) needs 240");
  }
  w = synthetic_weights(m, 7);
  w.b_gate.assign(20, 1.0f);
  EXPECT_THROW(save_layer_weights_safetensors(w, dir / "x.safetensors"), std::invalid_argument);
}

}  // namespace
}  // namespace serrano::workloads
