// SPDX-License-Identifier: Apache-2.0
#include "workloads/gpu/gpu_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace serrano::workloads::gpu {

namespace {

double ceil_div(double a, double b) { return std::ceil(a / b); }

// Wave quantization: output tiles are spread over the SMs in waves; the last wave may leave SMs
// idle. Below one full wave cuBLAS-style libraries split K or shrink tiles to fill the machine,
// which the m, n, k saturation terms stand for, so the factor is 1 there.
double wave_factor(double tiles, double sms) {
  if (tiles < sms) return 1.0;
  return tiles / (ceil_div(tiles, sms) * sms);
}

}  // namespace

double power_w(const GpuSpec& spec, double utilization) {
  const double u = std::clamp(utilization, 0.0, 1.0);
  const double idle = spec.idle_w.value, tdp = spec.tdp_w.value;
  return std::min(tdp, idle + (tdp - idle) * u);
}

GemmEstimate estimate_gemm(const GpuSpec& spec, Precision p, std::uint64_t count, std::uint64_t m,
                           std::uint64_t k, std::uint64_t n, std::uint64_t w_sets) {
  if (count == 0 || m == 0 || k == 0 || n == 0) {
    throw std::invalid_argument("estimate_gemm: count, m, k and n must be at least 1");
  }
  if (w_sets > count) throw std::invalid_argument("estimate_gemm: w_sets must be at most count");
  const double w = double(w_sets == 0 ? count : w_sets);
  const PrecisionModel& pm = spec.model(p);
  const double c = double(count), dm = double(m), dk = double(k), dn = double(n);
  const double peak = spec.peak_ops(p);
  const double bw = spec.bandwidth_bps() * pm.bandwidth_fraction;

  GemmEstimate e;
  e.ops = 2.0 * c * dm * dk * dn;
  e.bytes = c * (dm * dk * pm.bytes_a + dm * dn * pm.bytes_c) + w * dk * dn * pm.bytes_w;
  const double tile = spec.tile.value;
  const double tiles = c * ceil_div(dm, tile) * ceil_div(dn, tile);
  e.efficiency = pm.efficiency_max * wave_factor(tiles, spec.sms.value) * dm / (dm + pm.half_mn) *
                 dn / (dn + pm.half_mn) * dk / (dk + pm.half_k);
  e.compute_s = e.ops / (peak * e.efficiency);
  e.memory_s = e.bytes / bw;
  e.launch_s = pm.launch_us * 1e-6;
  e.time_s = e.launch_s + std::max(e.compute_s, e.memory_s);
  e.bound = e.compute_s >= e.memory_s ? Bound::Compute : Bound::Memory;
  e.achieved_tops = e.ops / e.time_s / 1e12;
  const double u_compute = e.ops / e.time_s / (peak * pm.efficiency_max);
  const double u_memory = e.bytes / e.time_s / bw;
  e.utilization = std::clamp(std::max(u_compute, u_memory), 0.0, 1.0);
  e.power_w = power_w(spec, e.utilization);
  e.energy_j = e.power_w * e.time_s;
  return e;
}

VectorEstimate estimate_vector(const GpuSpec& spec, Precision p, double read_elements,
                               double write_elements) {
  const PrecisionModel& pm = spec.model(p);
  const double bw = spec.bandwidth_bps() * pm.bandwidth_fraction;
  VectorEstimate e;
  e.bytes = (read_elements + write_elements) * pm.bytes_vector;
  e.memory_s = e.bytes / bw;
  e.launch_s = pm.launch_us * 1e-6;
  e.time_s = e.launch_s + e.memory_s;
  e.utilization = std::clamp(e.bytes / e.time_s / bw, 0.0, 1.0);
  e.power_w = power_w(spec, e.utilization);
  e.energy_j = e.power_w * e.time_s;
  return e;
}

LayerEstimate estimate_layer(const GpuSpec& spec, Precision p, const ModelDesc& model,
                             const LayerShape& shape) {
  LayerEstimate layer;
  layer.gpu = spec.name;
  layer.precision = p;
  for (const LayerOp& op : layer_ops(model, shape)) {
    OpEstimate o;
    o.name = op.name;
    o.kind = op.kind;
    if (op.kind == OpKind::MatMul) {
      // Attention matmuls run one product per query head; under GQA the heads of a group share
      // one K (scores) or V (context) operand, which is read once.
      std::uint64_t w_sets = op.count;
      if (!op.weight_operand && model.kv_heads < model.heads) {
        w_sets = op.count / std::uint64_t(model.heads) * std::uint64_t(model.kv_heads);
      }
      const GemmEstimate g = estimate_gemm(spec, p, op.count, op.m, op.k, op.n, w_sets);
      o.count = op.count;
      o.m = op.m;
      o.k = op.k;
      o.n = op.n;
      o.ops = g.ops;
      o.bytes = g.bytes;
      o.time_s = g.time_s;
      o.power_w = g.power_w;
      o.energy_j = g.energy_j;
      o.achieved_tops = g.achieved_tops;
      o.bound = g.bound;
      layer.matmul_time_s += g.time_s;
      layer.ops_total += g.ops;
    } else {
      // Elements read per element written: two inputs for a residual add and for SwiGLU's
      // SiLU(gate) x up, one for the rest (norms, softmax, GELU/ReLU, RoPE).
      const double elems = double(op.rows) * double(op.cols);
      const bool two_inputs = op.kind == OpKind::Residual ||
                              (op.kind == OpKind::Activation && model.ffn == FfnType::SwiGlu);
      const VectorEstimate v = estimate_vector(spec, p, elems * (two_inputs ? 2.0 : 1.0), elems);
      o.rows = op.rows;
      o.cols = op.cols;
      o.bytes = v.bytes;
      o.time_s = v.time_s;
      o.power_w = v.power_w;
      o.energy_j = v.energy_j;
      o.bound = Bound::Memory;
      layer.vector_time_s += v.time_s;
    }
    layer.time_s += o.time_s;
    layer.energy_j += o.energy_j;
    layer.ops.push_back(std::move(o));
  }
  return layer;
}

const char* to_string(Bound b) { return b == Bound::Compute ? "compute" : "memory"; }

}  // namespace serrano::workloads::gpu
