// SPDX-License-Identifier: Apache-2.0
// GPU files (workloads::gpu::parse_gpu_yaml): parse or arch::ConfigError.
#include "fuzz/fuzz_common.h"
#include "workloads/gpu/gpu_spec.h"

// The GPU library links SystemC (through the workloads library), whose main() wants an sc_main;
// libFuzzer's main runs instead, so this one is never called.
extern "C" int sc_main(int, char**) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace serrano;
  try {
    const workloads::gpu::GpuSpec g =
        workloads::gpu::parse_gpu_yaml(fuzz::as_text(data, size), "fuzz.yaml");
    (void)g.peak_ops(workloads::gpu::Precision::Int8);
    (void)g.peak_ops(workloads::gpu::Precision::Fp16);
  } catch (const arch::ConfigError&) {
  }
  return 0;
}
