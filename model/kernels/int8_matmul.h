// SPDX-License-Identifier: Apache-2.0
// Fast int8 x int8 -> int32 matrix kernel used by the functional SystemC model.
// Bit-exact with golden::gemm_i8_i32 (int32 wrap-around); tests compare them.
#pragma once

#include <cstdint>
#include <vector>

namespace serrano::kernels {

// A K x N int8 weight tile packed once (at preload) for repeated streaming.
class PackedWeights {
 public:
  PackedWeights() = default;
  // W is K x N with row stride ldw (elements). K, N >= 1.
  void pack(int K, int N, const std::int8_t* W, int ldw);
  int k() const { return m_k; }
  int n() const { return m_n; }

  // Implementation detail, public for the kernels: layout is chosen by pack().
  int m_k = 0, m_n = 0, m_kp = 0, m_np = 0;
  std::vector<std::int8_t> m_data;     // packed weights (vpdpbusd layout, see int8_matmul.cpp)
  std::vector<std::int8_t> m_plain;    // K x N row-major copy for the portable path
  std::vector<std::int32_t> m_colsum;  // per-column sum of W (for the unsigned-offset trick)
};

// C[m][n] (+)= sum_{k<K} A[m*lda + k] * W[k][n] for m < M, n < N; int32 wrap-around.
// accumulate=false overwrites C. Uses AVX-512 VNNI when the CPU has it, else portable code.
void matmul_i8(int M, const std::int8_t* A, int lda, const PackedWeights& W, std::int32_t* C,
               int ldc, bool accumulate);

// Which implementation matmul_i8 dispatches to on this CPU ("avx512-vnni" or "portable").
const char* matmul_i8_impl_name();

// Force the portable path (for tests comparing both implementations).
void matmul_i8_portable(int M, const std::int8_t* A, int lda, const PackedWeights& W,
                        std::int32_t* C, int ldc, bool accumulate);

}  // namespace serrano::kernels
