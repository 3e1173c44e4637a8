// SPDX-License-Identifier: Apache-2.0
// Transformer model descriptions: the shapes of a model's layers, read from a YAML file
// (configs/models/*.yaml; the keys are in docs/models.md). A user describes their own model by
// copying one of those files. Reading is as strict as the chip config's: unknown keys, quoted
// numbers, out-of-range values and inconsistent shapes are refused with a one-line
// arch::ConfigError "<file>: <field>: <message>".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arch/arch_config.h"

namespace serrano::workloads {

enum class FfnType { GeluErf, GeluTanh, SwiGlu, Relu };  // yaml: gelu_erf gelu_tanh swiglu relu
enum class NormType { LayerNorm, RmsNorm };              // yaml: layernorm rmsnorm
enum class NormPlacement { Pre, Post };                  // yaml: pre post
enum class Position { Learned, Rope };                   // yaml: learned rope

struct ModelDesc {
  std::string name;         // [a-z0-9._-]+
  std::string description;  // optional, free text
  std::string source;       // where the shapes come from (required: traceable numbers)
  int layers = 0;
  int hidden = 0;    // d_model
  int heads = 0;     // query heads
  int kv_heads = 0;  // key/value heads: = heads (MHA), < heads and dividing it (GQA), 1 (MQA)
  int head_dim = 0;
  int ffn_size = 0;  // FFN inner width (each of gate and up for SwiGLU)
  FfnType ffn = FfnType::GeluErf;
  NormType norm = NormType::LayerNorm;
  NormPlacement placement = NormPlacement::Pre;
  double norm_eps = 1e-5;
  Position position = Position::Learned;
  double rope_theta = 0.0;  // rope only
  bool causal = false;      // decoder (causal) or encoder (bidirectional) attention
  int vocab = 0;
  int max_context = 0;  // longest sequence (prefill) or KV cache + 1 (decode)
};

ModelDesc parse_model_yaml(const std::string& text, const std::string& source = "<string>");
ModelDesc load_model_file(const std::string& path);

// Checks a description built in code with the rules a file is held to; throws arch::ConfigError.
void validate(const ModelDesc& m, const std::string& source = "<model>");

// The model files shipped in configs/models (the built-in names, sorted).
std::string models_dir();
std::vector<std::string> builtin_models();

// `name_or_path`: a built-in name ("bert-base") or a path to a .yaml file (anything with a '/' or
// ending in .yaml). An unknown name throws arch::ConfigError naming the known ones:
// "model: bert-tiny: unknown model; known: bert-base, bert-large, ...".
ModelDesc find_model(const std::string& name_or_path);

const char* to_string(FfnType t);
const char* to_string(NormType t);
const char* to_string(NormPlacement p);
const char* to_string(Position p);

}  // namespace serrano::workloads
