// SPDX-License-Identifier: Apache-2.0
#include "model/energy/energy_model.h"

#include <fmt/core.h>

#include <algorithm>
#include <utility>

#include "isa/array_cmd.h"

namespace serrano::energy {

namespace {

constexpr const char* kMemNames[4] = {"scratchpad", "weight_buffer", "accumulator", "parameters"};

// Bits a PE writes into its pipeline registers for one MAC slot (rtl/serrano_pe.sv): the int8
// activation and its buffer-select bit passed right, the int32 partial sum passed down.
constexpr std::uint64_t kPeBitsPerMac = 8 + 1 + 32;
// A preload shifts one weight byte through every PE row of a column per weight row.
constexpr std::uint64_t kWeightBits = 8;

void add_missing(std::vector<std::string>& into, const std::vector<std::string>& from) {
  for (const auto& m : from) {
    if (std::find(into.begin(), into.end(), m) == into.end()) into.push_back(m);
  }
}

}  // namespace

ActionCounts& ActionCounts::operator+=(const ActionCounts& o) {
  cycles += o.cycles;
  mac_slots += o.mac_slots;
  useful_macs += o.useful_macs;
  preload_rows += o.preload_rows;
  accumulate_elements += o.accumulate_elements;
  requant_elements += o.requant_elements;
  vector_int32_elements += o.vector_int32_elements;
  vector_int8_elements += o.vector_int8_elements;
  for (int m = 0; m < 4; ++m) {
    sram_read_bytes[m] += o.sram_read_bytes[m];
    sram_write_bytes[m] += o.sram_write_bytes[m];
  }
  dram_read_bytes += o.dram_read_bytes;
  dram_write_bytes += o.dram_write_bytes;
  instructions += o.instructions;
  add_missing(missing, o.missing);
  return *this;
}

ActionCounts program_counts(const arch::ArchConfig& cfg,
                            const std::vector<isa::Instruction>& program, std::uint64_t tile_k) {
  ActionCounts c;
  const std::uint64_t R = std::uint64_t(cfg.array.rows), C = std::uint64_t(cfg.array.cols);
  const std::uint64_t W = std::max(R, C);  // scratchpad row
  constexpr auto sp = std::size_t(isa::Mem::Sp), wb = std::size_t(isa::Mem::Wb),
                 acc = std::size_t(isa::Mem::Acc), qp = std::size_t(isa::Mem::Qp);
  std::uint64_t k = tile_k;  // K of the tile in the array: the last preload's rows
  for (const isa::Instruction& in : program) {
    const std::uint64_t rows = in.rows;
    ++c.instructions;
    switch (in.opcode) {
      case isa::Opcode::Load:
        c.dram_read_bytes += rows * in.bytes;
        c.sram_write_bytes[std::size_t(in.mem)] += rows * in.bytes;
        break;
      case isa::Opcode::Store:
        c.dram_write_bytes += rows * in.bytes;
        c.sram_read_bytes[std::size_t(in.mem)] += rows * in.bytes;
        break;
      case isa::Opcode::Preload:
        c.preload_rows += rows;
        c.sram_read_bytes[wb] += rows * C;
        k = rows;
        break;
      case isa::Opcode::Matmul:
        c.mac_slots += rows * k * C;
        c.sram_read_bytes[sp] += rows * R;
        c.sram_write_bytes[acc] += rows * 4 * C;
        if (in.accumulate) {
          c.sram_read_bytes[acc] += rows * 4 * C;
          c.accumulate_elements += rows * C;
        }
        break;
      case isa::Opcode::Requant:
        c.requant_elements += rows * C;
        c.sram_read_bytes[acc] += rows * 4 * C;
        c.sram_read_bytes[qp] += 12 * C;  // one parameter row per instruction
        c.sram_write_bytes[sp] += rows * C;
        break;
      case isa::Opcode::Vec: {
        // SRAM bytes as the chip model counts them (isa::add_vec_sram_bytes: every operand row
        // once a pass, the parameter rows read).
        isa::add_vec_sram_bytes(in, W, C, c.sram_read_bytes, c.sram_write_bytes);
        if (std::uint8_t(in.vec_op) <= std::uint8_t(isa::VecOp::ReluSp)) {
          const bool on_acc = isa::vec_writes_acc(in.vec_op);
          (on_acc ? c.vector_int32_elements : c.vector_int8_elements) += rows * (on_acc ? C : W);
        } else {
          // The transformer ops (softmax, norms, GELU, ...): priced as one int32 operation per
          // element per pass over the row (softmax 3 passes, norms 2, the rest 1). An explicit
          // assumption: the exponent, reciprocal and square-root steps are not priced apart
          // (docs/energy.md).
          const bool row = isa::vec_is_row_op(in.vec_op);
          const std::uint64_t len = row ? std::max<std::uint64_t>(in.len, 1) : 1;
          const std::uint64_t E = isa::vec_a_on_acc(in.vec_op) ? C : W;
          const std::uint64_t passes = in.vec_op == isa::VecOp::Softmax ? 3 : row ? 2 : 1;
          c.vector_int32_elements += rows * len * E * passes;
        }
        break;
      }
      default: break;  // sync, halt: fetched and decoded only
    }
  }
  c.missing.push_back("cycles");
  return c;
}

ActionCounts run_counts(const arch::ArchConfig& cfg, const model::ChipRunResult& run) {
  ActionCounts c;
  c.cycles = run.total_cycles;
  c.mac_slots = run.array_macs;
  for (int m = 0; m < 4; ++m) {
    c.sram_read_bytes[m] = run.sram_read_bytes[m];
    c.sram_write_bytes[m] = run.sram_write_bytes[m];
  }
  c.dram_read_bytes = run.dram_read_bytes;
  c.dram_write_bytes = run.dram_write_bytes;
  c.instructions = run.timing.size();
  // Only a preload reads the weight buffer, C bytes a row: exact.
  c.preload_rows = run.sram_read_bytes[std::size_t(isa::Mem::Wb)] / std::uint64_t(cfg.array.cols);
  // ChipRunResult does not separate these from the SRAM bytes (the bytes themselves are
  // counted); run_counts(cfg, run, program) derives them from the program.
  c.missing = {"accumulate_elements", "requant_elements", "vector_int32_elements",
               "vector_int8_elements"};
  return c;
}

ActionCounts run_counts(const arch::ArchConfig& cfg, const model::ChipRunResult& run,
                        const std::vector<isa::Instruction>& program) {
  const ActionCounts p = program_counts(cfg, program);
  ActionCounts c = run_counts(cfg, run);
  c.accumulate_elements = p.accumulate_elements;
  c.requant_elements = p.requant_elements;
  c.vector_int32_elements = p.vector_int32_elements;
  c.vector_int8_elements = p.vector_int8_elements;
  c.missing.clear();
  return c;
}

double sram_bytes(const arch::ArchConfig& cfg, isa::Mem mem) {
  switch (mem) {
    case isa::Mem::Sp: return double(cfg.scratchpad.size_bytes);
    case isa::Mem::Wb: return double(cfg.weight_buffer.size_bytes);
    case isa::Mem::Acc: return double(cfg.accumulator.size_bytes);
    case isa::Mem::Qp: return double(isa::kQParamDepth) * 12.0 * double(cfg.array.cols);
  }
  return 0.0;
}

double bank_bytes(const arch::ArchConfig& cfg, isa::Mem mem) {
  switch (mem) {
    case isa::Mem::Sp: return sram_bytes(cfg, mem) / double(cfg.scratchpad.banks);
    case isa::Mem::Wb: return sram_bytes(cfg, mem) / double(cfg.weight_buffer.banks);
    case isa::Mem::Acc: return sram_bytes(cfg, mem) / double(cfg.accumulator.banks);
    case isa::Mem::Qp: return sram_bytes(cfg, mem);
  }
  return 0.0;
}

double AreaReport::mm2(const std::string& component) const {
  for (const auto& c : components) {
    if (c.name == component) return c.mm2;
  }
  return 0.0;
}

double EnergyReport::pj(const std::string& component) const {
  for (const auto& c : components) {
    if (c.name == component) return c.pj;
  }
  return 0.0;
}

double EnergyReport::sram_pj() const {
  double s = 0.0;
  for (const auto& c : components) {
    if (c.sram) s += c.pj;
  }
  return s;
}

AreaReport chip_area(const arch::ArchConfig& cfg, const TechTable& tech) {
  AreaReport a;
  a.tech = tech.name;
  const double R = cfg.array.rows, C = cfg.array.cols;
  auto add = [&](std::string name, std::string detail, double mm2) {
    a.components.push_back({std::move(name), std::move(detail), mm2});
    a.total_mm2 += mm2;
  };
  add("array",
      fmt::format("{} x {} PEs x {} mm^2", cfg.array.rows, cfg.array.cols, tech.pe_mm2.value),
      R * C * tech.pe_mm2.value);
  for (int m = 0; m < 4; ++m) {
    const double mib = sram_bytes(cfg, isa::Mem(m)) / (1024.0 * 1024.0);
    add(kMemNames[m], fmt::format("{:.4g} MiB x {} mm^2/MiB", mib, tech.sram_mm2_per_mib.value),
        mib * tech.sram_mm2_per_mib.value);
  }
  add("vector", fmt::format("{} lanes x {} mm^2", cfg.vector.lanes, tech.vector_lane_mm2.value),
      double(cfg.vector.lanes) * tech.vector_lane_mm2.value);
  add("requant", fmt::format("{} lanes x {} mm^2", cfg.array.cols, tech.requant_lane_mm2.value),
      C * tech.requant_lane_mm2.value);
  add("controller", "dispatch, queues, DMA engines", tech.controller_mm2.value);
  return a;
}

EnergyReport chip_energy(const arch::ArchConfig& cfg, const TechTable& tech,
                         const ActionCounts& n) {
  EnergyReport r;
  r.tech = tech.name;
  r.convention = tech.convention;
  r.area = chip_area(cfg, tech);
  r.missing = n.missing;
  const double R = cfg.array.rows, C = cfg.array.cols;

  auto add = [&](const char* name, const char* unit, double count, double pj_each, bool logic,
                 bool sram) {
    r.components.push_back({name, unit, count, pj_each, count * pj_each, logic, sram});
    r.dynamic_pj += count * pj_each;
  };
  add("mac", "MAC", double(n.mac_slots), tech.mac_int8_pj.value, true, false);
  add("pe_registers", "bit",
      double(n.mac_slots) * double(kPeBitsPerMac) +
          double(n.preload_rows) * R * C * double(kWeightBits),
      tech.pe_register_pj_per_bit.value, true, false);
  add("accumulate", "element", double(n.accumulate_elements), tech.acc_add_pj.value, true, false);
  add("requant", "element", double(n.requant_elements), tech.requant_pj.value, true, false);
  add("vector_int32", "element", double(n.vector_int32_elements), tech.vector_int32_op_pj.value,
      true, false);
  add("vector_int8", "element", double(n.vector_int8_elements), tech.vector_int8_op_pj.value, true,
      false);
  static const char* kRead[4] = {"scratchpad_read", "weight_buffer_read", "accumulator_read",
                                 "parameters_read"};
  static const char* kWrite[4] = {"scratchpad_write", "weight_buffer_write", "accumulator_write",
                                  "parameters_write"};
  for (int m = 0; m < 4; ++m) {
    const double bank = bank_bytes(cfg, isa::Mem(m));
    add(kRead[m], "byte", double(n.sram_read_bytes[m]), tech.sram_read.pj_per_byte(bank), false,
        true);
    add(kWrite[m], "byte", double(n.sram_write_bytes[m]), tech.sram_write.pj_per_byte(bank), false,
        true);
  }
  add("dma", "byte", double(n.dram_read_bytes + n.dram_write_bytes), tech.dma_pj_per_byte.value,
      true, false);
  const double dram_bit = tech.dram(cfg.dram.kind).value;
  add("dram_read", "bit", 8.0 * double(n.dram_read_bytes), dram_bit, false, false);
  add("dram_write", "bit", 8.0 * double(n.dram_write_bytes), dram_bit, false, false);
  add("instruction", "instruction", double(n.instructions), tech.instruction_pj.value, true, false);

  r.seconds = double(n.cycles) / (cfg.clock_ghz * 1e9);
  r.static_mw = tech.static_mw_per_mm2.value * r.area.total_mm2;
  r.static_pj = r.static_mw * 1e-3 * r.seconds * 1e12;
  r.total_pj = r.dynamic_pj + r.static_pj;
  r.useful_macs_known = n.useful_macs != 0;
  r.useful_macs = r.useful_macs_known ? n.useful_macs : n.mac_slots;
  r.tops_per_watt = r.total_pj > 0.0 ? 2.0 * double(r.useful_macs) / r.total_pj : 0.0;

  for (const Sensitivity& alt : tech.sensitivity) {
    SensitivityResult s;
    s.name = alt.name;
    s.source = alt.source;
    for (const EnergyComponent& c : r.components) {
      if (c.logic) {
        s.dynamic_pj += c.pj * alt.logic_factor.value;
      } else if (c.sram) {
        // The component's memory: the same index in kRead / kWrite.
        int m = 0;
        while (m < 4 && c.name != kRead[m] && c.name != kWrite[m]) ++m;
        s.dynamic_pj += c.count * alt.sram.pj_per_byte(bank_bytes(cfg, isa::Mem(m)));
      } else {
        s.dynamic_pj += c.pj;
      }
    }
    s.total_pj = s.dynamic_pj + r.static_pj;
    s.ratio = r.total_pj > 0.0 ? s.total_pj / r.total_pj : 0.0;
    r.sensitivity.push_back(std::move(s));
  }
  return r;
}

EnergyReport chip_energy(const arch::ArchConfig& cfg, const TechTable& tech,
                         const model::ChipRunResult& run) {
  return chip_energy(cfg, tech, run_counts(cfg, run));
}

std::string format_report(const EnergyReport& r, double items, const std::string& item_name) {
  std::string s;
  s += fmt::format("  area ({})    {:.4f} mm^2:", r.tech, r.area.total_mm2);
  for (const auto& c : r.area.components) s += fmt::format(" {} {:.4f}", c.name, c.mm2);
  s += "\n";
  s += fmt::format("  energy ({}): {}\n", r.tech, r.convention);
  s += fmt::format("    {:<20} {:>16} {:>12} {:>14} {:>7}\n", "component", "count", "pJ each", "pJ",
                   "share");
  for (const auto& c : r.components) {
    if (c.count == 0.0) continue;
    s += fmt::format("    {:<20} {:>16.0f} {:>12.4g} {:>14.1f} {:>6.1f}%\n", c.name, c.count,
                     c.pj_each, c.pj, r.total_pj > 0.0 ? 100.0 * c.pj / r.total_pj : 0.0);
  }
  s += fmt::format("    {:<20} {:>16} {:>12} {:>14.1f} {:>6.1f}%\n", "dynamic", "", "",
                   r.dynamic_pj, r.total_pj > 0.0 ? 100.0 * r.dynamic_pj / r.total_pj : 0.0);
  s += fmt::format("    {:<20} {:>16} {:>12} {:>14.1f} {:>6.1f}%  ({:.3f} mW x {:.4g} s)\n",
                   "static", "", "", r.static_pj,
                   r.total_pj > 0.0 ? 100.0 * r.static_pj / r.total_pj : 0.0, r.static_mw,
                   r.seconds);
  s += fmt::format("    {:<20} {:>16} {:>12} {:>14.1f}  = {:.4g} uJ\n", "total", "", "", r.total_pj,
                   r.total_pj * 1e-6);
  s += fmt::format("    {} MACs{}: {:.4f} TOPS/W, {:.4f} pJ per MAC\n", r.useful_macs,
                   r.useful_macs_known ? "" : " (MAC slots: useful MACs not given)",
                   r.tops_per_watt, r.useful_macs > 0 ? r.total_pj / double(r.useful_macs) : 0.0);
  if (items > 0.0) {
    s += fmt::format("    per {}: {:.1f} pJ\n", item_name, r.total_pj / items);
  }
  for (const auto& alt : r.sensitivity) {
    s += fmt::format(
        "    sensitivity: with the {} convention the chip energy would be {:.1f} pJ "
        "(x{:.3f})\n",
        alt.name, alt.total_pj, alt.ratio);
  }
  if (!r.missing.empty()) {
    std::string list;
    for (const auto& m : r.missing) list += (list.empty() ? "" : ", ") + m;
    s += fmt::format("    not counted (the counts did not give them): {}\n", list);
  }
  return s;
}

}  // namespace serrano::energy
