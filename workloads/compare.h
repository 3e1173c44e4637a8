// SPDX-License-Identifier: Apache-2.0
// `serrano compare` (docs/compare.md): one workload (model, phase, lengths, batch, layers) on a
// Serrano chip, compiled and simulated (workloads/layer_run.h) and priced with a technology table
// (model/energy), against GPUs modelled operator by operator (workloads/gpu). Rows are the chip's
// kernels grouped by the layer operators they cover, so that each row compares the same work.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/chip/chip_sim.h"
#include "model/energy/energy_model.h"
#include "model/energy/tech_table.h"
#include "workloads/gpu/gpu_model.h"
#include "workloads/gpu/gpu_spec.h"
#include "workloads/layer_run.h"

namespace serrano::workloads {

struct CompareOptions {
  LayerShape shape;
  int layers = 1;
  bool functional = false;  // also check the chip's output against the golden int8 layer
  std::uint64_t seed = 1;
  gpu::Precision gpu_precision = gpu::Precision::Int8;
};

struct GpuCell {
  double seconds = 0.0, energy_j = 0.0;
  double ops = 0.0, bytes = 0.0;  // 2 x MACs; bytes the model moves
  std::string bound;              // "compute", "memory", "mixed" (a row of several kernels)
};

struct CompareRow {
  std::string name;               // "attn.qkv", "ffn.up+act", "attn.kv", ...
  std::vector<std::size_t> ops;   // layer operators covered (indices into the layer's ops)
  std::uint64_t cycles = 0;       // chip
  double seconds = 0.0, energy_j = 0.0, ops_count = 0.0, dram_bytes = 0.0;
  double utilization = 0.0;
  std::string bound;
  std::vector<GpuCell> gpus;  // one per CompareResult::gpus
};

struct GpuTotals {
  std::string name, description;
  double peak_tops = 0.0, bandwidth_gbs = 0.0, tdp_w = 0.0;  // of the precision compared
  double seconds = 0.0, energy_j = 0.0;                       // the stack (layers x one layer)
  double fp16_seconds = 0.0, fp16_energy_j = 0.0;             // the same in fp16, for reference
};

struct CompareResult {
  std::string model, arch, tech;
  LayerShape shape;
  int layers = 1;
  double chip_peak_tops = 0.0, chip_dram_gbs = 0.0, clock_ghz = 0.0;
  std::vector<CompareRow> rows;  // one layer
  std::vector<GpuTotals> gpus;
  LayerRunResult run;            // the chip run (one layer's kernels; the stack's cycles)
  energy::EnergyReport energy;   // the chip, one layer
  double chip_seconds = 0.0, chip_energy_j = 0.0;  // the stack
  double items = 1.0;           // sequences (prefill) or tokens (decode) the stack serves
  const char* item_name() const { return shape.phase == Phase::Decode ? "token" : "sequence"; }
};

// The chip energy of one layer of `run` (each kernel's instructions counted, with its cycles and
// useful MACs; static power for the layer's cycles).
energy::EnergyReport layer_energy(const arch::ArchConfig& cfg, const energy::TechTable& tech,
                                  const LayerRunResult& run);

// Runs the chip (`sim` made in functional mode when o.functional, else timing-only) and the GPU
// models. Throws what run_layer throws, and std::invalid_argument for an empty GPU list.
CompareResult compare(const ModelDesc& m, model::IChipSim& sim, const energy::TechTable& tech,
                      const std::vector<gpu::GpuSpec>& gpus, const CompareOptions& o);

}  // namespace serrano::workloads
