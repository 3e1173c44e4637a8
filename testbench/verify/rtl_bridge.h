// SPDX-License-Identifier: Apache-2.0
// The verilated chip RTL (testbench/chip/rtl_chip_sim.h) as the campaign sees it. This binary may
// have been built without it (the RTL builds are optional); then rtl_chip_available() is false and
// make_rtl_chip throws.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "model/chip/chip_sim.h"

namespace serrano::verify {

struct RtlChipBuildInfo {
  std::string name;     // e.g. "test-chip-4x4-bug-token-drop"
  std::string config;   // the config name it was built for
  std::string variant;  // "" for the real design
};

bool rtl_chip_available();
std::vector<RtlChipBuildInfo> rtl_chip_build_list();

// The chip RTL built for this config (and variant), dumping an FST waveform of the cycles
// [wave_from, wave_to] to wave_path when it is not empty. Throws std::invalid_argument when there
// is no such build (or no RTL at all).
std::unique_ptr<model::IChipSim> make_rtl_chip(
    const arch::ArchConfig& cfg, const std::string& variant, const std::string& wave_path = "",
    std::uint64_t wave_from = 0, std::uint64_t wave_to = std::numeric_limits<std::uint64_t>::max());

}  // namespace serrano::verify
