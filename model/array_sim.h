// SPDX-License-Identifier: Apache-2.0
// The small interface every implementation of the matrix unit offers: the SystemC model
// (model/array_model.h) and the verilated RTL (testbench/rtl_array_sim.h). Cross-checks, the CLI
// and benchmarks run programs through it and never see which one they talk to.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "isa/array_cmd.h"

namespace serrano::model {

struct ArrayRunResult {
  std::uint64_t total_cycles = 0;           // first command presented in cycle 0; first idle cycle
  std::vector<std::uint64_t> issue_cycles;  // per command, the cycle it was accepted
  std::vector<std::int8_t> output;  // output_rows x C, requantized rows (timing-only: empty)
  std::uint64_t stream_rows = 0;    // activation rows pushed through the array
  std::uint64_t preload_rows = 0;   // weight rows shifted into the array
  std::uint64_t requant_rows = 0;   // accumulator rows requantized
};

class IArraySim {
 public:
  virtual ~IArraySim() = default;
  virtual std::string name() const = 0;
  virtual const isa::ArrayLimits& limits() const = 0;
  // Loads the program's memory images, runs its commands to completion and returns the result.
  // Throws isa::CommandError for a malformed program and std::runtime_error on a deadlock.
  virtual ArrayRunResult run(const isa::ArrayProgram& program) = 0;
};

// Memory capacities of the matrix unit that a config describes.
isa::ArrayLimits array_limits(const arch::ArchConfig& cfg);

}  // namespace serrano::model
