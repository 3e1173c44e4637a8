// SPDX-License-Identifier: Apache-2.0
// The small interface every implementation of the whole chip offers: the SystemC model
// (model/chip/chip_model.h) and the verilated chip RTL (testbench/chip). The verify campaign, the
// CLI and benchmarks run ISA programs through it and never see which one they talk to.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "isa/instruction.h"

namespace serrano::model {

// A program the chip cannot run (out-of-range rows or DRAM bytes, a tile taller than the array) or
// a deadlock. what() is one line naming the instruction: "instruction 7 (matmul ...): ...".
class ChipError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct InstructionTiming {
  isa::Queue queue = isa::Queue::Load;
  std::uint64_t dispatch = 0;  // cycle it entered its queue
  std::uint64_t start = 0;     // cycle it left its queue (compute: issued to the matrix unit)
  std::uint64_t complete = 0;  // cycle its results (and pushed tokens) are visible
};

struct UnitStats {
  std::uint64_t instructions = 0;
  std::uint64_t busy = 0;           // cycles with at least one instruction of the unit in flight
  std::uint64_t token_stall = 0;    // cycles heads waited for tokens
  std::uint64_t memory_stall = 0;   // DMA: waiting for DRAM; compute: matrix-unit interlocks
  std::uint64_t bank_conflict = 0;  // DMA: cycles its rows waited for an SRAM bank port
  std::uint64_t idle = 0;           // total_cycles - busy
};

struct ChipRunResult {
  std::uint64_t total_cycles = 0;
  std::vector<InstructionTiming> timing;  // one per instruction (halt: dispatch only)
  UnitStats load, compute, store;
  std::uint64_t dram_read_bytes = 0, dram_write_bytes = 0;  // payload bytes
  // On-chip traffic by isa::Mem (sp, wb, acc, qp), every agent: DMA, matrix unit, vector unit.
  std::uint64_t sram_read_bytes[4] = {0, 0, 0, 0};
  std::uint64_t sram_write_bytes[4] = {0, 0, 0, 0};
  std::uint64_t array_stream_rows =
      0;                           // activation rows streamed (the array is busy one cycle each)
  std::uint64_t array_macs = 0;    // stream rows x tile rows (K) x C: MAC slots used
  std::vector<std::uint8_t> dram;  // functional mode: the DRAM image after the run
};

class IChipSim {
 public:
  virtual ~IChipSim() = default;
  // "model", "model-timing", "rtl", "rtl-bug-dma-stride", ...: names the implementation in reports.
  virtual std::string name() const = 0;
  virtual const arch::ArchConfig& config() const = 0;
  // Runs `program` against a DRAM of max(dram.size(), dram_bytes) bytes holding `dram`. The result
  // carries at least total_cycles, timing (dispatch/start/complete per instruction) and, in
  // functional mode, the final DRAM image. Throws ChipError for a program the chip cannot run or a
  // deadlock (one line naming the instruction).
  virtual ChipRunResult run(const std::vector<isa::Instruction>& program,
                            std::vector<std::uint8_t> dram, std::uint64_t dram_bytes = 0) = 0;
};

}  // namespace serrano::model
