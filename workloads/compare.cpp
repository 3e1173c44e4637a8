// SPDX-License-Identifier: Apache-2.0
#include "workloads/compare.h"

#include <algorithm>
#include <stdexcept>

namespace serrano::workloads {

namespace {

// The K of the tile the array holds when instruction `begin` runs: the last preload before it.
std::uint64_t tile_k_before(const std::vector<isa::Instruction>& code, std::size_t begin) {
  for (std::size_t i = begin; i-- > 0;) {
    if (code[i].opcode == isa::Opcode::Preload) return code[i].rows;
  }
  return 0;
}

void drop_missing(energy::ActionCounts& c, const std::string& name) {
  c.missing.erase(std::remove(c.missing.begin(), c.missing.end(), name), c.missing.end());
}

// A kernel's action counts: its instructions, its cycles and useful MACs.
energy::ActionCounts kernel_counts(const arch::ArchConfig& cfg,
                                   const std::vector<isa::Instruction>& code,
                                   const KernelResult& k) {
  const std::vector<isa::Instruction> slice(code.begin() + long(k.kernel.begin),
                                            code.begin() + long(k.kernel.end));
  energy::ActionCounts c = energy::program_counts(cfg, slice, tile_k_before(code, k.kernel.begin));
  c.cycles = k.cycles;
  c.useful_macs = k.kernel.stats.macs;
  drop_missing(c, "cycles");
  return c;
}

}  // namespace

energy::EnergyReport layer_energy(const arch::ArchConfig& cfg, const energy::TechTable& tech,
                                  const LayerRunResult& run) {
  energy::ActionCounts total;
  for (const KernelResult& k : run.kernels) total += kernel_counts(cfg, run.program.code, k);
  total.useful_macs = run.macs;
  return energy::chip_energy(cfg, tech, total);
}

CompareResult compare(const ModelDesc& m, model::IChipSim& sim, const energy::TechTable& tech,
                      const std::vector<gpu::GpuSpec>& gpus, const CompareOptions& o) {
  if (gpus.empty()) throw std::invalid_argument("compare: no GPU to compare with");
  const arch::ArchConfig& cfg = sim.config();
  CompareResult res;
  res.model = m.name;
  res.arch = cfg.name;
  res.tech = tech.name;
  res.shape = o.shape;
  res.layers = o.layers;
  res.clock_ghz = cfg.clock_ghz;
  res.chip_peak_tops = 2.0 * cfg.array.rows * cfg.array.cols * cfg.clock_ghz / 1e3;
  res.chip_dram_gbs = cfg.dram.bandwidth_gbps;
  res.items = double(o.shape.batch);

  LayerRunOptions ro;
  ro.shape = o.shape;
  ro.layers = o.layers;  // a functional run checks one layer (run_layer says so otherwise)
  ro.timing_only = !o.functional;
  ro.seed = o.seed;
  res.run = run_layer(m, sim, ro);
  const LayerRunResult& run = res.run;
  const std::vector<isa::Instruction>& code = run.program.code;

  // The GPUs, operator by operator, in layer_ops order.
  std::vector<gpu::LayerEstimate> est;
  for (const auto& g : gpus) {
    est.push_back(gpu::estimate_layer(g, o.gpu_precision, m, o.shape));
    const gpu::LayerEstimate fp16 = gpu::estimate_layer(g, gpu::Precision::Fp16, m, o.shape);
    GpuTotals t;
    t.name = g.name;
    t.description = g.description;
    t.peak_tops = o.gpu_precision == gpu::Precision::Int8 ? g.int8_tops.value : g.fp16_tflops.value;
    t.bandwidth_gbs = g.bandwidth_gbs.value;
    t.tdp_w = g.tdp_w.value;
    t.seconds = est.back().time_s * o.layers;
    t.energy_j = est.back().energy_j * o.layers;
    t.fp16_seconds = fp16.time_s * o.layers;
    t.fp16_energy_j = fp16.energy_j * o.layers;
    res.gpus.push_back(t);
  }

  // The chip, kernel by kernel; kernels covering the same operators share a row.
  for (const KernelResult& k : run.kernels) {
    const energy::EnergyReport e = energy::chip_energy(cfg, tech, kernel_counts(cfg, code, k));

    std::vector<std::size_t> ops = k.kernel.ops;
    std::sort(ops.begin(), ops.end());
    CompareRow* row = nullptr;
    if (!ops.empty()) {
      for (auto& r : res.rows) {
        if (r.ops == ops) row = &r;
      }
    }
    if (row == nullptr) {
      CompareRow r;
      r.ops = ops;
      r.name = ops.size() == 1 ? run.program.ops[ops[0]].name : k.kernel.name;
      r.bound = bound_text(k);
      r.gpus.resize(gpus.size());
      for (std::size_t g = 0; g < gpus.size(); ++g) {
        std::string bound;
        for (std::size_t i : ops) {
          const gpu::OpEstimate& op = est[g].ops[i];
          r.gpus[g].seconds += op.time_s;
          r.gpus[g].energy_j += op.energy_j;
          r.gpus[g].ops += op.ops;
          r.gpus[g].bytes += op.bytes;
          const std::string b = gpu::to_string(op.bound);
          bound = bound.empty() || bound == b ? b : "mixed";
        }
        r.gpus[g].bound = bound.empty() ? "-" : bound;
      }
      res.rows.push_back(std::move(r));
      row = &res.rows.back();
    } else if (row->bound != bound_text(k)) {
      row->bound = "mixed";
    }
    row->cycles += k.cycles;
    row->energy_j += e.total_pj * 1e-12;
    row->ops_count += 2.0 * double(k.kernel.stats.macs);
    row->dram_bytes += double(k.kernel.stats.dram_read_bytes + k.kernel.stats.dram_write_bytes);
  }
  const double pes = double(cfg.array.rows) * double(cfg.array.cols);
  for (auto& r : res.rows) {
    r.seconds = double(r.cycles) / (cfg.clock_ghz * 1e9);
    r.utilization = r.cycles ? r.ops_count / 2.0 / (pes * double(r.cycles)) : 0.0;
  }
  res.energy = layer_energy(cfg, tech, run);
  res.chip_seconds = double(run.stack_cycles) / (cfg.clock_ghz * 1e9);
  res.chip_energy_j = res.energy.total_pj * 1e-12 * o.layers;
  return res;
}

}  // namespace serrano::workloads
