// SPDX-License-Identifier: Apache-2.0
// Real weights for one transformer layer: LayerWeights (workloads/layer_ref.h) read from a folder
// of .npy files, one per tensor, or from one .safetensors file, every tensor checked against the
// model's shapes (docs/models.md, "Real weights").
//
// The tensors, by name (file <name>.npy in a folder, key <name> in a safetensors file), with d the
// hidden width, q = heads x head_dim, kv = kv_heads x head_dim and f the FFN width:
//   w_qkv [d, q + 2 kv] (columns Q | K | V)  b_qkv [q + 2 kv]
//   w_o   [q, d]                             b_o   [d]
//   w_gate [d, f] (SwiGLU models only)       b_gate [f] (SwiGLU models only)
//   w_up  [d, f]                             b_up  [f]
//   w_down [f, d]                            b_down [d]
//   norm1_gamma, norm2_gamma [d]             norm1_beta, norm2_beta [d] (LayerNorm models only)
// Matrices are [in x out], row-major (y = x . W + b): a PyTorch nn.Linear weight, [out x in],
// is stored transposed. Biases and betas may be missing (they are then zeros); every other tensor
// is required. Values are float32 (.npy '<f4'; safetensors F32, F16 or BF16, converted exactly)
// and finite. Anything else (a wrong shape, a missing tensor, another dtype, a tensor the model
// does not have, an unknown name, a NaN) is refused with a one-line WeightsError naming the file
// and the tensor.
#pragma once

#include <stdexcept>
#include <string>

#include "workloads/layer_ref.h"
#include "workloads/model_desc.h"

namespace serrano::workloads {

// Weights that cannot be read or do not fit the model. what() is one line:
// "weights/w_up.npy: shape [768, 3000], expected [768, 3072] (d x ffn of bert-base)" or, in a
// safetensors file, "layer.safetensors: w_up: shape ...".
class WeightsError : public std::runtime_error {
 public:
  explicit WeightsError(const std::string& line);
  WeightsError(const std::string& where, const std::string& message);
};

// `path` is a folder of .npy files or a file whose name ends in ".safetensors". The result has
// the model's sizes, zeros for missing biases and betas, and no gate for non-SwiGLU models, as
// synthetic_weights gives. Throws WeightsError (file format errors included), or
// arch::ConfigError if `m` itself is invalid.
LayerWeights load_layer_weights(const ModelDesc& m, const std::string& path);

// Write `w` in the formats load_layer_weights reads: the required tensors, the gate if `w` has
// one, and each bias and beta that is not all zeros. The folder is created if needed, and the
// .npy files of tensors not written are removed from it so that an older file cannot be read
// back in their place; other files are left alone. Throws std::invalid_argument if a vector's
// size does not match w's sizes, WeightsError if a file cannot be written.
void save_layer_weights_npy(const LayerWeights& w, const std::string& dir);
void save_layer_weights_safetensors(const LayerWeights& w, const std::string& path);

}  // namespace serrano::workloads
