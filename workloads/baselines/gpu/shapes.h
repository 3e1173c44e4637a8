// SPDX-License-Identifier: Apache-2.0
// GEMM shapes measured by serrano_gpu_gemm: the default set (one layer of BERT-base, GPT-2 small,
// Llama-2-7B and Llama-3-8B, plus square and skinny-M sweeps) and a plain text format for others.
//
// Convention: C[M][N] = A[M][K] * W[K][N], `batch` independent GEMMs of that shape (attention
// heads), `count` how many times the GEMM occurs in one layer (gate and up projections: 2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace serrano::gpubench {

struct GemmShape {
  std::string model;  // "bert-base", "sweep-square", "cli", ...
  std::string phase;  // "prefill-s128", "decode-m1-ctx512", ...
  std::string layer;  // "qkv", "attn_qk", "ffn_down", ...
  int64_t m = 0, k = 0, n = 0;
  int64_t batch = 1;
  int count = 1;
};

// The documented default set; `group` is "all", "models", "square", "skinny" or "smoke".
std::vector<GemmShape> default_shapes(const std::string& group);

// One shape per line: `model phase layer M K N [batch [count]]`; '#' starts a comment.
// Appends to `out`; false with `error` set on a malformed line.
bool parse_shapes_text(const std::string& text, std::vector<GemmShape>* out, std::string* error);
// "M,K,N" or "M,K,N,batch" from the command line.
bool parse_shape_arg(const std::string& arg, GemmShape* out, std::string* error);
// The line parse_shapes_text reads back.
std::string format_shape(const GemmShape& s);

}  // namespace serrano::gpubench
