// SPDX-License-Identifier: Apache-2.0
// Functional coverage of a program campaign: simple counters ("bins") of what the programs
// exercised, so that a green campaign means something (docs/verification.md lists the bins).
// Instruction bins count instructions; run bins (queue-full stalls, DMAs in flight, token depth,
// bank conflicts) count programs, from the reference run's timing.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "isa/instruction.h"
#include "model/chip/chip_sim.h"
#include "testbench/verify/chip_geometry.h"

namespace serrano::verify {

class Coverage {
 public:
  Coverage();
  // One program and the reference implementation's run of it.
  void add(const ChipGeometry& g, const std::vector<isa::Instruction>& code,
           std::uint64_t dram_bytes, bool gemm, const model::ChipRunResult& run);
  void merge(const Coverage& other);
  // A bin the campaign cannot hit by construction (a generator limit): listed apart, not a hole.
  void exclude(const std::string& bin, const std::string& why);

  // Every bin in a fixed order, "group.name" -> count.
  const std::vector<std::pair<std::string, std::uint64_t>>& bins() const { return m_bins; }
  std::uint64_t count(const std::string& bin) const;  // throws std::out_of_range for no such bin
  std::vector<std::string> holes() const;             // bins never hit, excluded ones aside
  std::string table() const;                          // the bins by group, for the terminal
  // {"bins": {...}, "hit", "total", "holes": [...], "excluded": {bin: why}}
  nlohmann::ordered_json json() const;

 private:
  void hit(const std::string& bin, std::uint64_t n = 1);
  std::vector<std::pair<std::string, std::uint64_t>> m_bins;
  std::vector<std::pair<std::string, std::string>> m_excluded;
};

}  // namespace serrano::verify
