// SPDX-License-Identifier: Apache-2.0
#include "testbench/verify/rtl_bridge.h"

#include <stdexcept>

#if SERRANO_HAVE_RTL_CHIP
#include "testbench/chip/rtl_chip_sim.h"
#endif

namespace serrano::verify {

#if SERRANO_HAVE_RTL_CHIP

bool rtl_chip_available() { return true; }

std::vector<RtlChipBuildInfo> rtl_chip_build_list() {
  std::vector<RtlChipBuildInfo> list;
  for (const auto& b : testbench::rtl_chip_builds()) list.push_back({b.name, b.config, b.variant});
  return list;
}

std::unique_ptr<model::IChipSim> make_rtl_chip(const arch::ArchConfig& cfg,
                                               const std::string& variant,
                                               const std::string& wave_path,
                                               std::uint64_t wave_from, std::uint64_t wave_to) {
  testbench::RtlChipOptions options;
  options.wave_path = wave_path;
  options.wave_from = wave_from;
  options.wave_to = wave_to;
  return testbench::make_rtl_chip_sim(cfg, variant, options);
}

#else

bool rtl_chip_available() { return false; }

std::vector<RtlChipBuildInfo> rtl_chip_build_list() { return {}; }

std::unique_ptr<model::IChipSim> make_rtl_chip(const arch::ArchConfig&, const std::string&,
                                               const std::string&, std::uint64_t, std::uint64_t) {
  throw std::invalid_argument(
      "this serrano was built without the chip RTL (testbench/chip); use --impl interp");
}

#endif

}  // namespace serrano::verify
