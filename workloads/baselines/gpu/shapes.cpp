// SPDX-License-Identifier: Apache-2.0
#include "shapes.h"

#include <sstream>

namespace serrano::gpubench {
namespace {

void add(std::vector<GemmShape>* v, const std::string& model, const std::string& phase,
         const std::string& layer, int64_t m, int64_t k, int64_t n, int64_t batch = 1,
         int count = 1) {
  v->push_back(GemmShape{model, phase, layer, m, k, n, batch, count});
}

// Attention of one layer, one GEMM per head (batched): scores S = Q K^T (M x head_dim x ctx) and
// context O = P V (M x ctx x head_dim). `rows` query rows per head, `heads` GEMMs in the batch.
void add_attention(std::vector<GemmShape>* v, const std::string& model, const std::string& phase,
                   int64_t rows, int64_t ctx, int64_t head_dim, int64_t heads) {
  add(v, model, phase, "attn_qk", rows, head_dim, ctx, heads);
  add(v, model, phase, "attn_pv", rows, ctx, head_dim, heads);
}

// Encoder/decoder layer with d x d projections and a two-matrix FFN (BERT, GPT-2).
void add_gelu_layer(std::vector<GemmShape>* v, const std::string& model, const std::string& phase,
                    int64_t rows, int64_t ctx, int64_t d, int64_t heads, int64_t ffn) {
  add(v, model, phase, "qkv", rows, d, 3 * d);
  add_attention(v, model, phase, rows, ctx, d / heads, heads);
  add(v, model, phase, "attn_out", rows, d, d);
  add(v, model, phase, "ffn_up", rows, d, ffn);
  add(v, model, phase, "ffn_down", rows, ffn, d);
}

// Llama-style layer: fused QKV with grouped KV heads, output projection, SwiGLU gate and up
// (same shape, count 2) and down.
void add_llama_weights(std::vector<GemmShape>* v, const std::string& model,
                       const std::string& phase, int64_t rows, int64_t d, int64_t kv_dim,
                       int64_t ffn) {
  add(v, model, phase, "qkv", rows, d, d + 2 * kv_dim);
  add(v, model, phase, "attn_o", rows, d, d);
  add(v, model, phase, "ffn_gate_up", rows, d, ffn, 1, 2);
  add(v, model, phase, "ffn_down", rows, ffn, d);
}

void add_models(std::vector<GemmShape>* v) {
  // BERT-base: d 768, 12 heads of 64, FFN 3072; prefill of 128 and 512 tokens.
  for (int64_t s : {128, 512})
    add_gelu_layer(v, "bert-base", "prefill-s" + std::to_string(s), s, s, 768, 12, 3072);
  // GPT-2 small has BERT-base's dimensions; its 1024-token prefill and one decode step at context
  // 1024 (one query row per head) add the shapes BERT lacks.
  add_gelu_layer(v, "gpt2-small", "prefill-s1024", 1024, 1024, 768, 12, 3072);
  add_gelu_layer(v, "gpt2-small", "decode-m1-ctx1024", 1, 1024, 768, 12, 3072);
  // Llama-2-7B: d 4096, 32 heads of 128 (MHA), FFN 11008.
  add_llama_weights(v, "llama-2-7b", "prefill-s512", 512, 4096, 4096, 11008);
  add_attention(v, "llama-2-7b", "prefill-s512", 512, 512, 128, 32);
  for (int64_t m : {1, 16}) {
    const std::string phase = "decode-m" + std::to_string(m) + "-ctx512";
    add_llama_weights(v, "llama-2-7b", phase, m, 4096, 4096, 11008);
    // Each of the m sequences attends over its own 512-token context: m * 32 one-row GEMMs.
    add_attention(v, "llama-2-7b", phase, 1, 512, 128, 32 * m);
  }
  // Llama-3-8B: d 4096, 32 query heads, 8 KV heads of 128 (GQA, K/V width 1024), FFN 14336.
  // Per query head its attention GEMMs have Llama-2-7B's shapes.
  add_llama_weights(v, "llama-3-8b", "prefill-s512", 512, 4096, 1024, 14336);
  add_attention(v, "llama-3-8b", "prefill-s512", 512, 512, 128, 32);
  for (int64_t m : {1, 16})
    add_llama_weights(v, "llama-3-8b", "decode-m" + std::to_string(m), m, 4096, 1024, 14336);
}

void add_square(std::vector<GemmShape>* v) {
  for (int64_t s : {256, 512, 1024, 2048, 3072, 4096, 6144, 8192})
    add(v, "sweep-square", "square", "s" + std::to_string(s), s, s, s);
}

void add_skinny(std::vector<GemmShape>* v) {
  for (int64_t kn : {4096, 8192})
    for (int64_t m : {1, 2, 4, 8, 16, 32, 64, 128, 256})
      add(v, "sweep-skinny", "kn" + std::to_string(kn), "m" + std::to_string(m), m, kn, kn);
}

}  // namespace

std::vector<GemmShape> default_shapes(const std::string& group) {
  std::vector<GemmShape> v;
  if (group == "all" || group == "models") add_models(&v);
  if (group == "all" || group == "square") add_square(&v);
  if (group == "all" || group == "skinny") add_skinny(&v);
  if (group == "smoke") {
    add(&v, "smoke", "smoke", "square512", 512, 512, 512);
    add(&v, "smoke", "smoke", "attn_qk", 128, 64, 128, 12);
    add(&v, "smoke", "smoke", "gemv", 1, 4096, 4096);
  }
  return v;
}

bool parse_shapes_text(const std::string& text, std::vector<GemmShape>* out, std::string* error) {
  std::istringstream lines(text);
  std::string line;
  int lineno = 0;
  while (std::getline(lines, line)) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    GemmShape s;
    if (!(fields >> s.model)) continue;  // blank or comment-only line
    if (!(fields >> s.phase >> s.layer >> s.m >> s.k >> s.n)) {
      *error =
          "line " + std::to_string(lineno) + ": want `model phase layer M K N [batch [count]]`";
      return false;
    }
    if (!(fields >> s.batch)) s.batch = 1;
    if (!(fields >> s.count)) s.count = 1;
    if (s.m <= 0 || s.k <= 0 || s.n <= 0 || s.batch <= 0 || s.count <= 0) {
      *error = "line " + std::to_string(lineno) + ": dimensions must be positive";
      return false;
    }
    out->push_back(s);
  }
  return true;
}

bool parse_shape_arg(const std::string& arg, GemmShape* out, std::string* error) {
  std::vector<int64_t> vals;
  std::istringstream in(arg);
  std::string tok;
  while (std::getline(in, tok, ',')) {
    try {
      size_t used = 0;
      int64_t x = std::stoll(tok, &used);
      if (used != tok.size() || x <= 0) throw std::invalid_argument(tok);
      vals.push_back(x);
    } catch (const std::exception&) {
      *error = "bad --shape '" + arg + "': want M,K,N or M,K,N,batch with positive integers";
      return false;
    }
  }
  if (vals.size() != 3 && vals.size() != 4) {
    *error = "bad --shape '" + arg + "': want M,K,N or M,K,N,batch";
    return false;
  }
  *out = GemmShape{
      "cli",
      "cli",
      std::to_string(vals[0]) + "x" + std::to_string(vals[1]) + "x" + std::to_string(vals[2]),
      vals[0],
      vals[1],
      vals[2],
      vals.size() == 4 ? vals[3] : 1,
      1};
  return true;
}

std::string format_shape(const GemmShape& s) {
  std::ostringstream o;
  o << s.model << ' ' << s.phase << ' ' << s.layer << ' ' << s.m << ' ' << s.k << ' ' << s.n << ' '
    << s.batch << ' ' << s.count;
  return o.str();
}

}  // namespace serrano::gpubench
