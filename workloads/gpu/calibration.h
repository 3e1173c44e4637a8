// SPDX-License-Identifier: Apache-2.0
// The GPU model against measured GEMMs: every calibration point, the model's time (and power where
// the point has a measured power), the error, and per-dataset summaries. Used by
// `serrano_gpu_check` (the figures of docs/gpu-baselines.md) and by tests/gpu.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/gpu/gpu_model.h"
#include "workloads/gpu/gpu_spec.h"

namespace serrano::workloads::gpu {

struct CalibrationPoint {
  std::string label;  // "llama-3-8b decode-m1 qkv", "square 4096", "M=64 K=12288 N=12288"
  Precision precision = Precision::Int8;
  std::uint64_t count = 1, m = 0, k = 0, n = 0;
  double measured_us = 0.0;
  double measured_w = 0.0;  // 0 when the source has no power
  double model_us = 0.0;
  double model_w = 0.0;
  Bound bound = Bound::Compute;
  double error() const { return model_us / measured_us - 1.0; }  // signed, relative
  double power_error() const { return measured_w > 0.0 ? model_w / measured_w - 1.0 : 0.0; }
};

struct CalibrationSet {
  std::string name;    // "h100-sxm int8", ...
  std::string gpu;     // the GpuSpec name it is checked against
  std::string source;  // the data file
  bool fitted = true;  // the GPU's parameters were fitted to these points (else only checked)
  std::vector<CalibrationPoint> points;

  double median_abs_error() const;
  double worst_abs_error() const;
  double median_abs_power_error() const;  // over the points with a measured power; 0 if none
};

// A result file of workloads/baselines/gpu (schema serrano-gpu-gemm/1): one set per precision
// present, named "<gpu> <precision><suffix>". Throws arch::ConfigError on a malformed file.
std::vector<CalibrationSet> load_gemm_json(const GpuSpec& spec, const std::string& path,
                                           const std::string& suffix, bool fitted);

// A CSV "M,K,N,latency_ms,TFLOPS" (lines starting with '#' are comments) of one precision; the
// spec's calibration_overhead_us is added to every model time.
CalibrationSet load_gemm_csv(const GpuSpec& spec, Precision p, const std::string& path,
                             const std::string& name, bool fitted);

// The shipped calibration data under `source_dir` (the repository root): H100 SXM run 1 (int8,
// fp16; the fit set), the H100 SXM repeat run (int8, fp16; checked only), the LLMCompass A100
// fp16 table (the fit set).
std::vector<CalibrationSet> default_calibration(const std::string& source_dir);

double median(std::vector<double> v);

}  // namespace serrano::workloads::gpu
