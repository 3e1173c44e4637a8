// SPDX-License-Identifier: Apache-2.0
// Shared by the chip harness and its generated per-build sources: the RTL parameters of a build,
// the program and config checks, the cycle limit. Internal to testbench/chip.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "isa/instruction.h"
#include "model/chip/chip_sim.h"

namespace serrano::testbench::chip {

// The RTL parameters of one build (from configs/<config>.yaml at configure time).
struct ChipBuildParams {
  int rows = 0, cols = 0;
  std::uint64_t sp_depth = 0, wb_depth = 0, acc_depth = 0;
  int sp_banks = 0, wb_banks = 0, acc_banks = 0, lanes = 0;
  int dataflow = 0;  // Dataflow: 0 ws, 1 os (serrano_pkg.sv)
  std::uint64_t imem_depth = 0;
};

// Largest DRAM image the harness holds.
inline constexpr std::uint64_t kMaxDramBytes = std::uint64_t(1) << 30;
inline constexpr std::uint64_t kQParamRows = 256;
inline constexpr int kDmaTags = 8;

// Checks a program the way model::ChipModel::run does (same messages), plus what only the RTL
// build limits (instruction memory, DRAM image size). Throws model::ChipError.
void check_program(const std::vector<isa::Instruction>& program, const ChipBuildParams& p,
                   std::uint64_t dram_size);
std::string describe(const std::vector<isa::Instruction>& program, std::size_t i);
// Refuses a config that differs from the build's parameters (std::invalid_argument).
void check_config(const arch::ArchConfig& cfg, const ChipBuildParams& p, const std::string& build);
// On-chip traffic and matrix-unit work of the instructions [0, n) (they all run), counted as the
// chip model counts them: sram_read_bytes, sram_write_bytes, array_stream_rows, array_macs.
void count_traffic(const std::vector<isa::Instruction>& program, std::size_t n,
                   const ChipBuildParams& p, model::ChipRunResult& result);
// A bound on the cycles a program can take; past it the run is reported as a deadlock.
std::uint64_t cycle_limit(const std::vector<isa::Instruction>& program,
                          const arch::ArchConfig& cfg);

}  // namespace serrano::testbench::chip
