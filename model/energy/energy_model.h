// SPDX-License-Identifier: Apache-2.0
// Energy and area of a Serrano chip from a technology table (tech_table.h): energy = the count
// of every action times its energy, plus static power (per mm^2, times the chip's area) times
// the run's time; area = the components of the config times their area per unit. Plain C++: it
// reads the counts a run produced (model::ChipRunResult) or counts an ISA program itself, and
// knows nothing of SystemC. docs/energy.md gives every equation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "isa/instruction.h"
#include "model/chip/chip_sim.h"
#include "model/energy/tech_table.h"

namespace serrano::energy {

// Everything the energy model multiplies by a per-action energy. A whole run, one operator's
// slice of a program, or a sum of slices (operator+=): the caller decides what it covers.
struct ActionCounts {
  std::uint64_t cycles = 0;        // time the static power is paid for
  std::uint64_t mac_slots = 0;     // array MACs issued: stream rows x tile K x C
  std::uint64_t useful_macs = 0;   // the workload's MACs (e.g. M x K x N), for TOPS/W; 0: unknown
  std::uint64_t preload_rows = 0;  // weight rows shifted into the array
  std::uint64_t accumulate_elements = 0;    // int32 adds of matmuls with accumulate (rows x C)
  std::uint64_t requant_elements = 0;       // requant rows x C
  std::uint64_t vector_int32_elements = 0;  // vadd/vmax/vrelu.acc: rows x C
  std::uint64_t vector_int8_elements = 0;   // vadd/vmax/vrelu.sp: rows x max(R, C)
  std::uint64_t sram_read_bytes[4] = {0, 0, 0, 0};  // by isa::Mem: sp, wb, acc, qp
  std::uint64_t sram_write_bytes[4] = {0, 0, 0, 0};
  std::uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  std::uint64_t instructions = 0;  // fetched and decoded, halt and sync included
  // Counts the source could not give, by name ("requant_elements", "cycles", ...): the report
  // lists them, and their energy is missing from the total.
  std::vector<std::string> missing;

  ActionCounts& operator+=(const ActionCounts& other);
};

// Counts an ISA program from its instructions alone (every count but cycles, which it marks
// missing), with the accounting of model/chip: the same bytes per memory, MAC slots with the K of
// the last preload. For one operator's slice of a compiled program, tile_k is the K of the tile
// the array holds when the slice begins (the rows of the last preload before it; 0: none).
ActionCounts program_counts(const arch::ArchConfig& cfg,
                            const std::vector<isa::Instruction>& program, std::uint64_t tile_k = 0);

// The counts of a finished run. ChipRunResult has no requant, vector-unit or accumulate counts:
// without the program they are marked missing (preload rows are derived exactly from the weight
// buffer reads); with the program they come from program_counts, everything else from the run.
ActionCounts run_counts(const arch::ArchConfig& cfg, const model::ChipRunResult& run);
ActionCounts run_counts(const arch::ArchConfig& cfg, const model::ChipRunResult& run,
                        const std::vector<isa::Instruction>& program);

struct EnergyComponent {
  std::string name;      // "mac", "scratchpad_read", "dram_read", ...
  std::string unit;      // what `count` counts: "MAC", "bit", "byte", "element", "instruction"
  double count = 0.0;    // actions
  double pj_each = 0.0;  // the table's energy per action (SRAM: at this memory's bank size)
  double pj = 0.0;       // count x pj_each
  bool logic = false;    // scaled by a sensitivity's logic_factor
  bool sram = false;     // re-priced on a sensitivity's SRAM curve
};

struct SensitivityResult {
  std::string name;
  std::string source;
  double dynamic_pj = 0.0;
  double total_pj = 0.0;
  double ratio = 0.0;  // total_pj / the report's total_pj
};

struct AreaComponent {
  std::string name;  // "array", "scratchpad", ..., "controller"
  std::string detail;
  double mm2 = 0.0;
};

struct AreaReport {
  std::string tech;
  std::vector<AreaComponent> components;
  double total_mm2 = 0.0;
  double mm2(const std::string& component) const;  // 0 when absent
};

struct EnergyReport {
  std::string tech;
  std::string convention;
  std::vector<EnergyComponent> components;  // dynamic, one per action kind
  double dynamic_pj = 0.0;
  double seconds = 0.0;    // cycles / clock
  double static_mw = 0.0;  // static_mw_per_mm2 x total area
  double static_pj = 0.0;  // static_mw x seconds
  double total_pj = 0.0;
  std::uint64_t useful_macs = 0;  // counts.useful_macs, or mac_slots when that is 0
  bool useful_macs_known = false;
  double tops_per_watt = 0.0;  // 2 x useful_macs / total_pj (ops per pJ = TOPS/W)
  std::vector<SensitivityResult> sensitivity;
  std::vector<std::string> missing;
  AreaReport area;

  double pj(const std::string& component) const;  // 0 when absent
  double sram_pj() const;                         // every *_read / *_write of the four memories
};

// The SRAM bank size each memory's accesses are priced at: size / banks; the requant parameter
// memory is one bank of isa::kQParamDepth rows of 12 C bytes.
double bank_bytes(const arch::ArchConfig& cfg, isa::Mem mem);
double sram_bytes(const arch::ArchConfig& cfg, isa::Mem mem);

AreaReport chip_area(const arch::ArchConfig& cfg, const TechTable& tech);

EnergyReport chip_energy(const arch::ArchConfig& cfg, const TechTable& tech,
                         const ActionCounts& counts);
// run_counts(cfg, run) priced: requant, vector and accumulate counts are missing (listed).
EnergyReport chip_energy(const arch::ArchConfig& cfg, const TechTable& tech,
                         const model::ChipRunResult& run);

// A terminal block: area, energy per component, static, total, TOPS/W, per item (when items > 0,
// e.g. tokens or inferences, named by item_name), the sensitivities and the missing counts.
std::string format_report(const EnergyReport& report, double items = 0.0,
                          const std::string& item_name = "inference");

}  // namespace serrano::energy
