// SPDX-License-Identifier: Apache-2.0
// A GPU baseline: datasheet figures and the fitted (or assumed) parameters of the GPU model, read
// from a data file (configs/gpus/<name>.yaml) in which every number names its source.
// docs/gpu-baselines.md describes the keys, the model and where each parameter comes from.
// Reading is as strict as every Serrano input file's (arch/yaml_reader.h): one-line
// arch::ConfigError "<file>: <field>: <message>".
#pragma once

#include <string>
#include <vector>

#include "arch/arch_config.h"

namespace serrano::workloads::gpu {

enum class Precision { Int8, Fp16 };  // yaml / cli: int8 | fp16

// One datasheet figure and where it comes from. `unconfirmed` figures are marked so in the file
// (sources disagree or none was found); they are used, and reports say so.
struct Figure {
  double value = 0.0;
  std::string source;
  bool unconfirmed = false;
};

// The model's parameters for one precision (docs/gpu-baselines.md section 1).
struct PrecisionModel {
  std::string source;               // "fitted to ..., N points" or "assumed: ..."
  double efficiency_max = 0.0;      // sustained fraction of the datasheet peak for large GEMMs
  double half_mn = 0.0;             // M (and N) at which that dimension halves the efficiency
  double half_k = 0.0;              // K at which the reduction depth halves the efficiency
  double bandwidth_fraction = 0.0;  // achievable fraction of the datasheet memory bandwidth
  double launch_us = 0.0;           // fixed cost per kernel (GEMM or vector op)
  // Bytes per element moved: A and W operands, the GEMM output C, and vector-op elements.
  int bytes_a = 0, bytes_w = 0, bytes_c = 0, bytes_vector = 0;
};

struct GpuSpec {
  std::string name;  // [a-z0-9._-]+, the file's stem for the shipped files
  std::string description;
  std::string file;  // where it was read from

  // Datasheet (figures.md section 4). Dense peaks, no 2:4 sparsity.
  Figure int8_tops;      // dense int8, 1e12 ops/s
  Figure fp16_tflops;    // dense fp16 with fp32 accumulation, 1e12 flop/s
  Figure bandwidth_gbs;  // memory bandwidth, 1e9 B/s
  Figure memory_gb;
  Figure tdp_w;
  Figure sms;        // streaming multiprocessors: the wave-quantization width
  Figure clock_mhz;  // informational
  Figure l2_mb;      // informational

  // Power model: P = idle + (TDP - idle) x utilization, capped at TDP.
  Figure idle_w;
  // The output-tile edge of the wave-quantization term (tiles of tile x tile outputs).
  Figure tile;
  PrecisionModel int8, fp16;

  // Only for a GPU calibrated on a table timed through a framework: a fixed per-call cost of that
  // harness (e.g. PyTorch dispatch for the LLMCompass A100 table), added to the model's time when
  // comparing with that table and nowhere else. Zero when absent.
  Figure calibration_overhead_us;

  const PrecisionModel& model(Precision p) const { return p == Precision::Int8 ? int8 : fp16; }
  // Datasheet dense peak, ops/s.
  double peak_ops(Precision p) const;
  // Datasheet memory bandwidth, B/s.
  double bandwidth_bps() const { return bandwidth_gbs.value * 1e9; }
};

GpuSpec parse_gpu_yaml(const std::string& text, const std::string& source = "<string>");
GpuSpec load_gpu_file(const std::string& path);

// The GPU files shipped in configs/gpus (overridable with the environment variable
// SERRANO_GPUS_DIR), and their names, sorted.
std::string gpus_dir();
std::vector<std::string> builtin_gpus();

// `name_or_path`: a built-in name ("h100-sxm") or a path to a .yaml file (anything with a '/' or
// ending in .yaml). An unknown name throws arch::ConfigError naming the known ones:
// "gpu: h200: unknown GPU; known: a100-sxm, b200, h100-pcie, h100-sxm, l4 (or give a path to a
// .yaml file)".
GpuSpec find_gpu(const std::string& name_or_path);

const char* to_string(Precision p);
// "int8" | "fp16"; anything else throws arch::ConfigError("precision", text, "must be int8 or
// fp16").
Precision parse_precision(const std::string& text);

}  // namespace serrano::workloads::gpu
