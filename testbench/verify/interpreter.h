// SPDX-License-Identifier: Apache-2.0
// A reference interpreter of ISA v1 programs: executes the instructions one after the other in
// program order with the golden library's arithmetic, with no notion of queues, tokens or cycles.
// For a program whose cross-queue hazards are ordered by tokens (docs/chip-timing.md) that is the
// defined result, so it is a third opinion on data, independent of both timing models.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "model/chip/chip_sim.h"
#include "testbench/verify/chip_geometry.h"

namespace serrano::verify {

class Interpreter final : public model::IChipSim {
 public:
  explicit Interpreter(const arch::ArchConfig& cfg);
  std::string name() const override { return "interp"; }
  const arch::ArchConfig& config() const override { return m_cfg; }
  // Final DRAM image only: total_cycles is 0 and every timing entry is zero (the queue aside).
  // Throws model::ChipError for rows, bytes or DRAM ranges the chip does not have.
  model::ChipRunResult run(const std::vector<isa::Instruction>& program,
                           std::vector<std::uint8_t> dram, std::uint64_t dram_bytes = 0) override;

 private:
  arch::ArchConfig m_cfg;
  ChipGeometry m_g;
};

// Which store wrote each DRAM byte last in program order (what in-order execution leaves there).
struct ByteWriter {
  std::int64_t instruction = -1;  // -1: no store wrote it (the initial image)
  std::uint32_t row = 0;          // row of the store (0 .. rows-1)
  std::uint32_t byte = 0;         // byte within the row
};
std::vector<ByteWriter> dram_writers(const std::vector<isa::Instruction>& program,
                                     std::uint64_t dram_bytes);

}  // namespace serrano::verify
