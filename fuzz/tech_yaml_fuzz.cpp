// SPDX-License-Identifier: Apache-2.0
// Technology tables (energy::parse_tech_yaml): parse or arch::ConfigError.
#include "fuzz/fuzz_common.h"
#include "model/energy/tech_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace serrano;
  try {
    const energy::TechTable t = energy::parse_tech_yaml(fuzz::as_text(data, size), "fuzz.yaml");
    (void)t.sources();
  } catch (const arch::ConfigError&) {
  }
  return 0;
}
