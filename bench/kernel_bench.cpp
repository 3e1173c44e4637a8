// SPDX-License-Identifier: Apache-2.0
// Throughput of the model's int8 matrix kernel for square weight tiles K = N, streaming M rows.
// items_per_second is multiply-accumulates per second (M * K * N per iteration).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "model/kernels/int8_matmul.h"

namespace {

using serrano::kernels::PackedWeights;

template <bool kPortable>
void BM_matmul_i8(benchmark::State& state) {
  const int KN = static_cast<int>(state.range(0));
  const int M = static_cast<int>(state.range(1));
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<std::int8_t> A(static_cast<std::size_t>(M) * KN);
  std::vector<std::int8_t> W(static_cast<std::size_t>(KN) * KN);
  for (auto& a : A) a = static_cast<std::int8_t>(dist(rng));
  for (auto& w : W) w = static_cast<std::int8_t>(dist(rng));
  std::vector<std::int32_t> C(static_cast<std::size_t>(M) * KN);
  PackedWeights pw;
  pw.pack(KN, KN, W.data(), KN);
  for (auto _ : state) {
    if (kPortable) {
      serrano::kernels::matmul_i8_portable(M, A.data(), KN, pw, C.data(), KN, false);
    } else {
      serrano::kernels::matmul_i8(M, A.data(), KN, pw, C.data(), KN, false);
    }
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * M * static_cast<std::int64_t>(KN) * KN);
  state.SetLabel(kPortable ? "portable" : serrano::kernels::matmul_i8_impl_name());
}

void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"KN", "M"})->ArgsProduct({{16, 32, 128, 256}, {1, 256, 1024}});
}

BENCHMARK(BM_matmul_i8<false>)->Name("BM_matmul_i8")->Apply(shapes);
BENCHMARK(BM_matmul_i8<true>)->Name("BM_matmul_i8_portable")->Apply(shapes);

}  // namespace

BENCHMARK_MAIN();
