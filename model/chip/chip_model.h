// SPDX-License-Identifier: Apache-2.0
// The SystemC model of the whole chip: dispatch, load / compute / store queues with dependency
// tokens, DMA engines, DRAM, the memories, the matrix unit and the vector unit. It runs an ISA v1
// program (docs/isa.md) with the timing of docs/chip-timing.md, in functional mode (real data,
// bit-exact with the golden library) or timing-only mode (the same cycles, no data).
//
// SystemC allows one elaboration per process: construct every ChipModel before the first run().
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "isa/instruction.h"
#include "model/array_unit.h"
#include "model/chip/chip_sim.h"

namespace serrano::model {

class ChipModel final : public IChipSim {
 public:
  enum class Mode { Functional, TimingOnly };

  ChipModel(const arch::ArchConfig& cfg, Mode mode);
  // With `array`, the matrix unit is what the factory builds (RTL in the loop:
  // testbench/loop/rtl_array_unit.h) instead of the model's own ArrayUnit.
  ChipModel(const arch::ArchConfig& cfg, Mode mode, const ArrayUnitFactory& array);
  ~ChipModel();

  // Runs `program` against a DRAM of max(dram.size(), dram_bytes) bytes holding `dram` (in
  // timing-only mode `dram` may be empty: only the size matters, for the range checks). Throws
  // ChipError for a program the chip cannot run or a deadlock.
  ChipRunResult run(const std::vector<isa::Instruction>& program, std::vector<std::uint8_t> dram,
                    std::uint64_t dram_bytes = 0) override;
  // "model", "model-timing", or with RTL in the loop "model+rtl-array 16x16".
  std::string name() const override;
  const arch::ArchConfig& config() const override { return m_cfg; }

  // Row widths in bytes of each on-chip memory (sp: max(R, C); wb: C; acc: 4C; qp: 12C).
  std::uint32_t row_bytes(isa::Mem mem) const;
  std::uint64_t rows(isa::Mem mem) const;

 private:
  struct Top;
  arch::ArchConfig m_cfg;
  Mode m_mode;
  std::unique_ptr<Top> m_top;
};

}  // namespace serrano::model
