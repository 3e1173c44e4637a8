// SPDX-License-Identifier: Apache-2.0
#include "workloads/layer_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "workloads/layer_ref.h"
#include "workloads/weights_io.h"

namespace serrano::workloads {

const char* to_string(Bound b) {
  switch (b) {
    case Bound::Compute: return "compute";
    case Bound::Memory: return "memory";
    case Bound::Vector: return "vector";
  }
  return "?";
}

std::string bound_text(const KernelResult& k) {
  if (k.bound != Bound::Memory) return to_string(k.bound);
  return k.memory_is_dram ? "memory (DRAM)" : "memory (preload)";
}

namespace {

void fill_kernels(LayerRunResult& r, const LayerProgram& p, const model::ChipRunResult& run,
                  const arch::ArchConfig& cfg) {
  const double pes = double(p.rows) * double(p.cols);
  const double dram_bytes_per_cycle = cfg.dram.bandwidth_gbps / cfg.clock_ghz;
  std::uint64_t prev_end = 0;
  for (const Kernel& k : p.kernels) {
    std::uint64_t end = prev_end;
    for (std::size_t i = k.begin; i < k.end; ++i) end = std::max(end, run.timing[i].complete);
    KernelResult kr;
    kr.kernel = k;
    kr.cycles = end - prev_end;
    prev_end = end;
    kr.utilization = kr.cycles ? double(k.stats.macs) / (pes * double(kr.cycles)) : 0.0;
    kr.compute_cycles = double(k.stats.stream_rows);
    const double dram_cycles =
        double(k.stats.dram_read_bytes + k.stats.dram_write_bytes) / dram_bytes_per_cycle;
    kr.memory_cycles = std::max(dram_cycles, double(k.stats.preload_rows));
    kr.memory_is_dram = dram_cycles >= double(k.stats.preload_rows);
    kr.vector_cycles = double(k.stats.vector_cycles);
    if (kr.memory_cycles >= kr.compute_cycles && kr.memory_cycles >= kr.vector_cycles) {
      kr.bound = Bound::Memory;
    } else if (kr.vector_cycles > kr.compute_cycles) {
      kr.bound = Bound::Vector;
    } else {
      kr.bound = Bound::Compute;
    }
    r.macs += k.stats.macs;
    r.kernels.push_back(std::move(kr));
  }
}

}  // namespace

LayerRunResult run_layer(const ModelDesc& m, model::IChipSim& sim, const LayerRunOptions& o) {
  const arch::ArchConfig& cfg = sim.config();
  if (o.layers < 1 || o.layers > m.layers) {
    throw arch::ConfigError("layer", "layers",
                            fmt::format("must be in [1, {}] ({} has {} layers), got {}", m.layers,
                                        m.name, m.layers, o.layers));
  }
  if (!o.timing_only && o.layers != 1) {
    throw arch::ConfigError("layer", "layers",
                            "a functional run checks one layer; use --timing-only for a stack");
  }
  LayerRunResult r;
  r.arch = cfg.name;
  r.rows = cfg.array.rows;
  r.cols = cfg.array.cols;
  r.clock_ghz = cfg.clock_ghz;
  r.layers = o.layers;
  r.functional = !o.timing_only;

  LayerProgram prog;
  model::ChipRunResult run;
  if (o.timing_only) {
    validate(m, o.shape);
    prog = compile_layer(m, o.shape, cfg, nullptr);
    if (o.layers > 1) {
      // The whole stack, simulated; the per-kernel figures are those of its first layer.
      run = sim.run(stack_program(prog, o.layers), {}, prog.dram_bytes);
    } else {
      run = sim.run(prog.code, {}, prog.dram_bytes);
    }
  } else {
    const LayerShape& s = o.shape;
    validate(m, s);
    const LayerWeights w =
        o.weights.empty() ? synthetic_weights(m, o.seed) : load_layer_weights(m, o.weights);
    LayerShape cs = s;
    cs.batch = s.batch * o.quant.calibration_batches;
    Trace cal;
    reference_layer(m, cs, w, synthetic_input(m, cs, o.seed + 1, o.seed), &cal);
    const QuantizedLayer q = quantize_layer(m, w, cal, o.quant);
    const LayerInput in = synthetic_input(m, s, o.seed, o.seed);
    const std::vector<float> ref = reference_layer(m, s, w, in);
    const Int8LayerInput qin = quantize_input(q, in);
    const Int8LayerResult gold = golden_int8_layer(q, s, qin);
    prog = compile_layer(m, s, cfg, &q);
    run = sim.run(prog.code, layer_dram_image(prog, q, qin), prog.dram_bytes);
    if (run.dram.empty()) {
      throw std::logic_error("run_layer: a functional run needs a functional chip model");
    }
    r.chip_tensors = layer_dram_tensors(prog, run.dram);
    r.bit_exact = true;
    for (const auto& [name, got] : r.chip_tensors) {
      const auto it = gold.tensors.find(name);
      if (it == gold.tensors.end() || name == "x") continue;
      TensorCheck c;
      c.name = name;
      c.elements = got.size();
      const auto& want = it->second;
      if (want.size() != got.size()) {
        c.mismatches = std::max(want.size(), got.size());
      } else {
        for (std::size_t i = 0; i < got.size(); ++i) {
          if (got[i] != want[i]) {
            if (c.mismatches == 0) c.first = i;
            ++c.mismatches;
          }
        }
      }
      r.bit_exact = r.bit_exact && c.mismatches == 0;
      r.tensors.push_back(c);
    }
    r.accuracy = agreement(ref, dequantize(r.chip_tensors.at("y"), q.act.at("y")));
  }
  r.instructions = prog.code.size();
  fill_kernels(r, prog, run, cfg);
  r.layer_cycles = 0;
  for (const auto& k : r.kernels) r.layer_cycles += k.cycles;
  r.stack_cycles = run.total_cycles;
  r.dram_read_bytes = run.dram_read_bytes / std::uint64_t(o.layers);
  r.dram_write_bytes = run.dram_write_bytes / std::uint64_t(o.layers);
  r.latency_us = double(r.stack_cycles) / (cfg.clock_ghz * 1e3);
  const double seconds = r.latency_us * 1e-6;
  r.tops = seconds > 0 ? 2.0 * double(r.macs) * o.layers / seconds / 1e12 : 0.0;
  r.utilization = r.layer_cycles ? double(r.macs) / (double(r.rows) * double(r.cols) *
                                                      double(r.layer_cycles))
                                 : 0.0;
  if (o.shape.phase == Phase::Decode && seconds > 0) r.tokens_per_s = o.shape.batch / seconds;
  r.program = std::move(prog);
  return r;
}

}  // namespace serrano::workloads
