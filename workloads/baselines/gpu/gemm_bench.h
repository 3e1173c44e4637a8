// SPDX-License-Identifier: Apache-2.0
// cuBLASLt GEMM timing for the GPU baselines: one shape and one precision at a time.
//
// Layout: the activations A are M x K row-major, the weights W are stored N x K row-major (the
// layout of a PyTorch Linear weight), the output C is M x N row-major. In cuBLAS's column-major
// terms that is C^T = op(W) * A^T with op(W) transposed and A^T not: the "TN" form, the only one
// cuBLASLt's int8 tensor-core (IMMA) kernels take with the ordinary row/column data orders.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nvml_power.h"
#include "shapes.h"

namespace serrano::gpubench {

enum class Precision {
  kInt8,  // int8 A and W, int32 accumulation (CUBLAS_COMPUTE_32I), int32 C
  kFp16,  // fp16 A and W, fp32 accumulation (CUBLAS_COMPUTE_32F), fp16 C
};
const char* precision_name(Precision p);
bool parse_precision(const std::string& s, Precision* p);

struct BenchOptions {
  int device = 0;
  int algo_count = 12;        // heuristic results asked for and timed
  double select_us = 1000.0;  // length of each algorithm's timed trial (a graph of launches)
  double budget_ms = 100.0;   // least time spent in the timed loop of one run
  double settle_ms = 150.0;   // loaded time before the power window opens
  double power_ms = 500.0;    // least length of the power window (0: no power)
  double warmup_ms = 20.0;    // graph replays before the timed loop
  double sample_us = 500.0;   // target length of one timed sample (a graph of G GEMMs)
  int min_samples = 10;
  int64_t rotate_bytes = 256ll << 20;  // A and W copies cycled through, so they come from DRAM
  int max_sets = 64;
  int64_t workspace_bytes = 32ll << 20;
  int verify_samples = 256;  // output elements checked against a reference
  int power_period_ms = 10;  // NVML power sampling period of the host thread
};

struct AlgoTrial {
  int rank = 0;  // position in the heuristic's answer (0 = its first choice)
  int algo_id = -1, tile = -1, stages = -1, splitk = -1, reduction = -1, swizzle = -1, custom = -1,
      cluster = -1;
  uint64_t workspace = 0;
  double waves = 0.0;
  bool ok = false;
  std::string error;
  double median_us = 0.0;
};

struct PowerResult {
  bool energy_ok = false;
  bool aligned = false;  // window opened and closed on energy-counter updates
  double energy_j = 0.0;
  double window_s = 0.0;
  double avg_w = 0.0;       // energy_j / window_s
  int counter_updates = 0;  // energy-counter changes inside the window
  int samples = 0;          // nvmlDeviceGetPowerUsage readings in the window
  double sampled_avg_w = 0.0;
  double sampled_max_w = 0.0;
  double sm_mhz_avg = 0.0;                     // mean SM clock sampled in the window
  int sm_mhz = -1, mem_mhz = -1, temp_c = -1;  // read right after the loop
  bool reasons_ok = false;
  uint64_t clock_event_reasons = 0;  // OR of the clock event reasons sampled in the window
  double energy_read_ms = 0.0;       // mean duration of one energy-counter read
};

struct RunResult {
  GemmShape shape;
  Precision precision = Precision::kInt8;
  std::string status = "error";  // "ok", "unsupported" (cuBLASLt has no algorithm), "error"
  std::string reason;
  std::vector<AlgoTrial> algos;
  int chosen = -1;  // index into algos
  int sets = 1;     // copies of A, W and C cycled through
  int graph_gemms = 0;
  std::string timing_method;  // "graph" or "stream"
  int samples = 0;
  int64_t gemms_timed = 0;
  double median_us = 0.0, min_us = 0.0, mean_us = 0.0, p90_us = 0.0;
  double busy_fraction = 0.0;  // summed sample time over wall time of the loop
  int verify_checked = 0;
  bool verify_pass = false;
  double verify_max_abs = 0.0, verify_rel_l2 = 0.0;
  bool power_measured = false;
  PowerResult power;
};

struct DeviceInfo {
  std::string name, pci_bus_id;
  int cc_major = 0, cc_minor = 0, sm_count = 0;
  int64_t total_mem = 0, l2_bytes = 0;
  int mem_bus_bits = 0;
  int sm_clock_khz_attr = 0, mem_clock_khz_attr = 0;  // cudaDevAttrClockRate / MemoryClockRate
  int driver_api = 0, runtime = 0;
  uint64_t cublaslt_version = 0, cublaslt_cudart = 0;
};

class GemmBench {
 public:
  GemmBench(const BenchOptions& opt, const Nvml* nvml);
  ~GemmBench();
  // False (error() says why) if the device, stream, cuBLASLt handle or workspace could not be set
  // up.
  bool init();
  const std::string& error() const { return error_; }
  const DeviceInfo& device() const { return info_; }
  RunResult run(const GemmShape& shape, Precision p);
  // Device-to-device cudaMemcpy of `bytes`, counting bytes read and written: the DRAM ceiling.
  bool copy_bandwidth(size_t bytes, int iters, double* median_gbs, double* best_gbs);
  // True once a CUDA error has left the context unusable; later runs are not attempted.
  bool broken() const { return broken_; }

 private:
  BenchOptions opt_;
  const Nvml* nvml_;
  DeviceInfo info_;
  std::string error_;
  bool broken_ = false;
  void* stream_ = nullptr;
  void* lt_ = nullptr;
  void* workspace_ = nullptr;
};

}  // namespace serrano::gpubench
