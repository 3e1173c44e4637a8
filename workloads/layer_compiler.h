// SPDX-License-Identifier: Apache-2.0
// The layer compiler: lowers one quantized transformer layer (workloads/layer_int8.h) to an ISA v1
// program for any square chip (docs/compiler.md). The program is a sequence of kernels, one per
// operator or fused group of operators; each kernel moves its operands between DRAM and the
// on-chip memories in double-buffered steps (the load queue fetches step i + 1 while the compute
// queue works on step i and the store queue drains step i - 1), and kernels are separated by a
// barrier, so a kernel reads what the previous ones wrote to DRAM. Run on the chip model in
// functional mode, the output equals golden_int8_layer bit for bit.
//
// What each kernel does:
// - matmul (linear): tiles [M x K] . [K x N] to the array, keeps the operand whose re-reading
//   would cost more DRAM traffic resident on chip while the other streams, requantizes in the
//   epilogue with the zero point of the input folded into the bias, and applies GELU (vgelu or
//   vlut) in the epilogue when the FFN has one; ReLU is the requant clamp.
// - attention: per sequence and KV head, Q . K^T into the accumulators (int32, one softmax row
//   spread over ceil(ctx / C) accumulator rows), a mask for causal and padded columns, vsoftmax,
//   then P . V with the softmax zero point folded by two constant rows, and the requant of the
//   context. K is kept transposed in DRAM (the array takes K^T as the stationary operand); the
//   transpose is done by one-byte DMA rows, the chip having no transposing DMA.
// - vector passes: norms (vlayernorm / vrmsnorm), residual adds (vqadd), SwiGLU (vswiglu) and
//   RoPE (vrope, cos / sin from a table in DRAM loaded into the accumulators).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "isa/instruction.h"
#include "workloads/layer_int8.h"
#include "workloads/layer_ops.h"
#include "workloads/model_desc.h"

namespace serrano::workloads {

// A layer that cannot be compiled for a chip: one line naming what does not fit.
// "layer: attention of bert-base at seq 512 needs 4160 accumulator rows per step, serrano-tiny
// has 1024".
class CompileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A named DRAM region of the compiled layer.
struct DramRegion {
  std::string name;  // "x", "w.qkv.q", "kt", ...
  std::uint64_t addr = 0, bytes = 0;
};

// Statistics of one kernel, counted from its instructions at compile time.
struct KernelStats {
  std::uint64_t instructions = 0;
  std::uint64_t dram_read_bytes = 0, dram_write_bytes = 0;  // payload of its loads and stores
  std::uint64_t stream_rows = 0;   // activation rows streamed through the array
  std::uint64_t preload_rows = 0;  // weight rows preloaded into the array
  std::uint64_t vector_cycles = 0;  // sum of the vector unit's cycles (isa::vec_cycles)
  std::uint64_t macs = 0;           // useful MACs (those of the layer operators it covers)
};

struct Kernel {
  std::string name;               // "attn.qkv", "attn.scores+softmax+context", ...
  std::string shape;              // "128x768x2304", "12 heads, 128x64 . 64x128", ...
  std::vector<std::size_t> ops;   // indices into LayerProgram::ops
  std::size_t begin = 0, end = 0;  // its instructions [begin, end) in LayerProgram::code
  KernelStats stats;
};

struct LayerProgram {
  ModelDesc model;
  LayerShape shape;
  std::vector<LayerOp> ops;  // layer_ops(model, shape)
  std::vector<isa::Instruction> code;
  std::vector<Kernel> kernels;
  std::vector<DramRegion> regions;
  std::uint64_t dram_bytes = 0;  // the DRAM image size the program needs
  int rows = 0, cols = 0;        // the array (square: rows = cols)

  const DramRegion& region(const std::string& name) const;  // throws std::out_of_range
};

// Compiles the layer for `cfg`. With `q` the instructions carry its zero points and clamps (a
// functional run needs them); without it (timing only) they are zero, which changes no cycle.
// Throws CompileError for a chip the layer does not fit, arch::ConfigError for a bad shape.
LayerProgram compile_layer(const ModelDesc& m, const LayerShape& s, const arch::ArchConfig& cfg,
                           const QuantizedLayer* q = nullptr);

// The program of a stack of `layers` copies of the layer, one after the other with a barrier
// between them (timing only: every copy uses the same DRAM regions).
std::vector<isa::Instruction> stack_program(const LayerProgram& p, int layers);

// The DRAM image of a functional run: weights, parameters, tables, masks and the input (x and,
// for decode, the KV cache: K transposed, V as is).
std::vector<std::uint8_t> layer_dram_image(const LayerProgram& p, const QuantizedLayer& q,
                                           const Int8LayerInput& in);

// The int8 tensors the program leaves in DRAM, by golden trace name ("y", "attn.q", "attn.k",
// "attn.v", "attn.context", "attn.out", "attn.residual", "norm.attn", "norm.ffn", "ffn.up",
// "ffn.gate", "ffn.act", "ffn.down", "ffn.residual"), in the layout golden_int8_layer uses.
std::map<std::string, std::vector<std::int8_t>> layer_dram_tensors(
    const LayerProgram& p, const std::vector<std::uint8_t>& dram);

}  // namespace serrano::workloads
