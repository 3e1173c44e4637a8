// SPDX-License-Identifier: Apache-2.0
// Chip configs (arch::parse_arch_yaml): parse or arch::ConfigError. An accepted config must
// round-trip: to_yaml reads back to the same config (compared through its canonical text).
#include "arch/arch_config.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace serrano;
  arch::ArchConfig cfg;
  try {
    cfg = arch::parse_arch_yaml(fuzz::as_text(data, size), "fuzz.yaml");
  } catch (const arch::ConfigError&) {
    return 0;
  }
  const std::string text = arch::to_yaml(cfg);
  if (arch::to_yaml(arch::parse_arch_yaml(text, "round-trip.yaml")) != text) {
    fuzz::broken("to_yaml(parse_arch_yaml(to_yaml(cfg))) differs from to_yaml(cfg)");
  }
  return 0;
}
