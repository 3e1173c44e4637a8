// SPDX-License-Identifier: Apache-2.0
// Runs a compiled transformer layer on the chip model (`serrano layer`, docs/layers.md):
// functional mode (synthetic or loaded weights, calibration, the golden int8 layer, the fp32
// reference, a bit-for-bit check of every tensor the program leaves in DRAM) or timing only
// (no data). Reports cycles, utilization, DRAM bytes and the bound of every kernel.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "model/chip/chip_sim.h"
#include "workloads/layer_compiler.h"
#include "workloads/layer_int8.h"

namespace serrano::workloads {

struct LayerRunOptions {
  LayerShape shape;
  int layers = 1;            // layers in the stack (all of them: model.layers)
  bool timing_only = false;  // no data: cycles only
  std::uint64_t seed = 1;    // synthetic weights (model seed) and input
  QuantOptions quant;
  std::string weights;  // functional: load real weights from here (.npy dir or .safetensors)
};

// What limits a kernel (docs/layers.md, "Bound"): the largest of
// - compute: activation rows streamed through the array (one per cycle),
// - memory: moving operands, max(DRAM bytes / DRAM bytes per cycle, weight rows preloaded);
//   the preload path takes one weight-buffer row (C bytes) a cycle, so a decode step whose
//   weights each serve one token is bound by it when DRAM delivers more than C bytes a cycle,
// - vector: the vector unit's cycles.
enum class Bound { Compute, Memory, Vector };
const char* to_string(Bound b);

struct KernelResult {
  Kernel kernel;
  std::uint64_t cycles = 0;    // from the previous kernel's end to this one's
  double utilization = 0.0;    // useful MACs / (R C cycles)
  double compute_cycles = 0.0, memory_cycles = 0.0, vector_cycles = 0.0;  // the bound's terms
  Bound bound = Bound::Compute;
  bool memory_is_dram = false;  // memory-bound: by DRAM (else by the weight preload path)
};

// "compute", "memory (DRAM)", "memory (preload)", "vector".
std::string bound_text(const KernelResult& k);

struct TensorCheck {
  std::string name;
  std::size_t elements = 0, mismatches = 0;
  std::size_t first = 0;  // index of the first mismatch
};

struct LayerRunResult {
  std::string arch;
  int rows = 0, cols = 0;
  double clock_ghz = 0.0;
  std::uint64_t instructions = 0;
  std::vector<KernelResult> kernels;
  std::uint64_t layer_cycles = 0;  // the first layer (up to its last kernel's end)
  int layers = 1;
  std::uint64_t stack_cycles = 0;  // the whole stack, simulated (= layer_cycles for one layer)
  std::uint64_t macs = 0;          // one layer
  std::uint64_t dram_read_bytes = 0, dram_write_bytes = 0;  // one layer, as simulated
  double latency_us = 0.0;         // the stack
  double tops = 0.0;               // achieved, int8 (2 ops a MAC)
  double utilization = 0.0;        // macs / (R C layer_cycles)
  double tokens_per_s = 0.0;       // decode: batch / latency
  // Functional mode.
  bool functional = false;
  bool bit_exact = false;  // every checked tensor equals the golden int8 layer's
  std::vector<TensorCheck> tensors;
  Agreement accuracy;  // the chip's output against the fp32 reference
  std::map<std::string, std::vector<std::int8_t>> chip_tensors;  // for --dump-dir
  LayerProgram program;  // the compiled layer (one layer; its kernels' instruction ranges)
};

// Runs on `sim` (a model::ChipModel made in functional mode, or in timing-only mode for
// o.timing_only; SystemC elaborates once per process, so the caller makes every simulator before
// the first run). Throws CompileError, arch::ConfigError (shape), model::ChipError (a program the
// chip refuses).
LayerRunResult run_layer(const ModelDesc& m, model::IChipSim& sim, const LayerRunOptions& o);

}  // namespace serrano::workloads
