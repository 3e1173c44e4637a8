// SPDX-License-Identifier: Apache-2.0
// The GPU baseline model: time and energy of a transformer layer's operators (workloads/
// layer_ops.h, the same list the chip runs) on a GPU described by a GpuSpec. Per operator:
//
//   GEMM:      t = launch + max(ops / (peak x eff(m, n, k)), bytes / (bandwidth_fraction x BW))
//              eff = efficiency_max x wave x m/(m + half_mn) x n/(n + half_mn) x k/(k + half_k)
//   vector op: t = launch + bytes / (bandwidth_fraction x BW)      (memory-bound by definition)
//   power:     P = idle + (TDP - idle) x u, at most TDP; u = the larger of the compute and the
//              memory utilization, each as a fraction of its sustained ceiling
//              (efficiency_max x peak; bandwidth_fraction x BW)
//   energy:    E = P x t
//
// docs/gpu-baselines.md gives the derivation, every parameter's source, the fit and its error.
// Everything here is modelled; the measured figures are in workloads/baselines/measured/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/gpu/gpu_spec.h"
#include "workloads/layer_ops.h"
#include "workloads/model_desc.h"

namespace serrano::workloads::gpu {

enum class Bound { Compute, Memory };  // which of the two terms of the max is larger

struct GemmEstimate {
  double ops = 0.0;    // 2 x count x m x k x n
  double bytes = 0.0;  // A and W read once, C written once
  double compute_s = 0.0, memory_s = 0.0, launch_s = 0.0;
  double time_s = 0.0;         // launch + max(compute, memory)
  double efficiency = 0.0;     // eff(m, n, k): fraction of the datasheet peak while computing
  double achieved_tops = 0.0;  // ops / time / 1e12
  Bound bound = Bound::Compute;
  double utilization = 0.0;  // of the sustained ceilings, in [0, 1]
  double power_w = 0.0;
  double energy_j = 0.0;
};

struct VectorEstimate {
  double bytes = 0.0;
  double memory_s = 0.0, launch_s = 0.0, time_s = 0.0;
  double utilization = 0.0, power_w = 0.0, energy_j = 0.0;
};

// `count` independent [m x k] . [k x n] products (attention heads) as one batched kernel. Each
// product has its own A and C; `w_sets` distinct [k x n] operands are read (0 means `count`;
// fewer when query heads share K and V, GQA). Throws std::invalid_argument for a zero dimension or
// w_sets > count.
GemmEstimate estimate_gemm(const GpuSpec& spec, Precision p, std::uint64_t count, std::uint64_t m,
                           std::uint64_t k, std::uint64_t n, std::uint64_t w_sets = 0);

// An elementwise or row-reduction kernel that reads `read_elements` and writes `write_elements`
// elements of the precision's vector width.
VectorEstimate estimate_vector(const GpuSpec& spec, Precision p, double read_elements,
                               double write_elements);

// P = idle + (TDP - idle) x utilization, utilization clamped to [0, 1]: never above TDP.
double power_w(const GpuSpec& spec, double utilization);

struct OpEstimate {
  std::string name;  // as in layer_ops ("attn.qkv", ...)
  OpKind kind = OpKind::MatMul;
  std::uint64_t count = 0, m = 0, k = 0, n = 0;  // matmuls
  std::uint64_t rows = 0, cols = 0;              // vector ops
  double ops = 0.0, bytes = 0.0;
  double time_s = 0.0, energy_j = 0.0, power_w = 0.0;
  double achieved_tops = 0.0;  // matmuls only
  Bound bound = Bound::Memory;
};

struct LayerEstimate {
  std::string gpu;
  Precision precision = Precision::Int8;
  std::vector<OpEstimate> ops;  // in layer_ops order
  double time_s = 0.0;          // sum over ops (one kernel after another, no overlap)
  double energy_j = 0.0;        // sum over ops
  double matmul_time_s = 0.0, vector_time_s = 0.0;
  double ops_total = 0.0;  // 2 x MACs
  double avg_power_w() const { return time_s > 0.0 ? energy_j / time_s : 0.0; }
  double achieved_tops() const { return time_s > 0.0 ? ops_total / time_s / 1e12 : 0.0; }
};

// One layer of `model` in `shape` (validated by layer_ops), operator by operator.
LayerEstimate estimate_layer(const GpuSpec& spec, Precision p, const ModelDesc& model,
                             const LayerShape& shape);

const char* to_string(Bound b);

}  // namespace serrano::workloads::gpu
