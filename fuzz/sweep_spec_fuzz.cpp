// SPDX-License-Identifier: Apache-2.0
// Sweep specs (workloads::sweep::parse_spec): parse or arch::ConfigError. Relative paths resolve
// against configs/ of the source tree, so the seeds' chip.base (a config file name) exists and the
// fuzzer gets past that check. The points of an accepted spec are listed when there are few.
#include "fuzz/fuzz_common.h"
#include "workloads/sweep.h"

// The sweep library links SystemC, whose main() wants an sc_main; libFuzzer's main runs instead,
// so this one is never called.
extern "C" int sc_main(int, char**) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace serrano;
  try {
    const workloads::sweep::Spec s =
        workloads::sweep::parse_spec(fuzz::as_text(data, size), "fuzz.yaml", SERRANO_CONFIGS_DIR);
    if (workloads::sweep::grid_size(s) <= 4096) (void)workloads::sweep::points(s);
  } catch (const arch::ConfigError&) {
  }
  return 0;
}
