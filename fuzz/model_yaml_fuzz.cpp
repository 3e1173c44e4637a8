// SPDX-License-Identifier: Apache-2.0
// Model descriptions (workloads::parse_model_yaml): parse or arch::ConfigError. An accepted
// description passes validate() (the rules a description built in code is held to).
#include "fuzz/fuzz_common.h"
#include "workloads/model_desc.h"

// The workloads library links SystemC, whose main() wants an sc_main; libFuzzer's main runs
// instead, so this one is never called.
extern "C" int sc_main(int, char**) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace serrano;
  try {
    const workloads::ModelDesc m =
        workloads::parse_model_yaml(fuzz::as_text(data, size), "fuzz.yaml");
    workloads::validate(m, "fuzz.yaml");
  } catch (const arch::ConfigError&) {
  }
  return 0;
}
