// SPDX-License-Identifier: Apache-2.0
// The verilated chip RTL (rtl/serrano_chip.sv) behind model::IChipSim.
//
// RTL parameters are fixed when Verilator compiles, so each chip configuration is its own build,
// named after its config (configs/<config>.yaml); a variant names a build with a deliberately
// injected bug (docs/chip-rtl.md). The DRAM is the C++ timing model of model/dram, attached in the
// harness exactly as the SystemC model attaches it, so RTL and model see identical memory timing.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "model/chip/chip_sim.h"

namespace serrano::testbench {

// {"test-chip-4x4-bug-dma-stride", "test-chip-4x4", "bug-dma-stride"}
struct RtlChipBuild {
  std::string name;
  std::string config;
  std::string variant;
};

// Every verilated chip build in this binary.
const std::vector<RtlChipBuild>& rtl_chip_builds();

struct RtlChipOptions {
  std::string wave_path;               // non-empty: dump an FST waveform of the run to this file
  std::uint64_t wave_from = 0;         // first cycle dumped
  std::uint64_t wave_to = UINT64_MAX;  // last cycle dumped
};

// The verilated chip for cfg.name (and variant); throws std::invalid_argument naming the builds
// that exist when there is none. Its run() refuses (model::ChipError, one line) a program the RTL
// build cannot hold (instruction memory size, DRAM size) and reports a deadlock (a cycle limit)
// the same way the model does.
std::unique_ptr<model::IChipSim> make_rtl_chip_sim(const arch::ArchConfig& cfg,
                                                   const std::string& variant = "",
                                                   const RtlChipOptions& options = {});

}  // namespace serrano::testbench
