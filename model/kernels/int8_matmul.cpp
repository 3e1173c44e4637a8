// SPDX-License-Identifier: Apache-2.0
// Fast int8 x int8 -> int32 matrix kernel of the functional model: a portable implementation and
// an AVX-512 VNNI one chosen at run time (the library itself is built for baseline x86-64).
//
// Packing layout (PackedWeights::pack)
// ------------------------------------
// K is padded with zero weights to Kp = round_up(K, 4) and N to Np = round_up(N, 16). The padded
// tile is cut into Kg = Kp / 4 "k-groups" (4 consecutive k) and Np / 16 "column blocks" (16
// consecutive n). m_data stores one 64-byte record per (column block nb, k-group g), column block
// outermost, so that a column block is one contiguous stream along k:
//
//   m_data[(nb * Kg + g) * 64 + 4 * j + q] = W[4 * g + q][16 * nb + j]      (j < 16, q < 4)
//
// i.e. 32-bit lane j of a record holds the 4 weights of column 16 * nb + j for k = 4g .. 4g + 3,
// which is the operand layout of vpdpbusd: one instruction adds, in each lane j,
// sum_q A[m][4g + q] * W[4g + q][16 nb + j] once the 4 activation bytes are broadcast to all lanes.
// m_plain is a plain K x N row-major copy for the portable path, and m_colsum[n] (n < Np, zero in
// the padding) is sum_k W[k][n].
//
// vpdpbusd multiplies unsigned bytes by signed bytes. Activations are fed as a ^ 0x80 = a + 128
// (unsigned), so each lane computes sum_k (a + 128) w = sum_k a w + 128 colsum[n]; the accumulators
// start at -128 colsum[n] instead of zero. All of this is exact modulo 2^32 (vpdpbusd's products
// and additions cannot saturate; it is the non-saturating form), so the result is bit-exact with
// the plain definition with int32 wrap-around. Padded k lanes read zero weights, so whatever the
// padded activation bytes are, they contribute nothing.

#include "model/kernels/int8_matmul.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <utility>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SERRANO_KERNELS_X86 1
#include <immintrin.h>
#else
#define SERRANO_KERNELS_X86 0
#endif

namespace serrano::kernels {

namespace {

int round_up(int x, int m) { return (x + m - 1) / m * m; }

// uint32 -> int32 modulo 2^32 without relying on implementation-defined conversions.
std::int32_t to_i32(std::uint32_t v) {
  std::int32_t r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}

}  // namespace

void PackedWeights::pack(int K, int N, const std::int8_t* W, int ldw) {
  if (K < 1 || N < 1 || W == nullptr || ldw < N) {
    throw std::invalid_argument("PackedWeights::pack: need K, N >= 1, W != nullptr, ldw >= N");
  }
  m_k = K;
  m_n = N;
  m_kp = round_up(K, 4);
  m_np = round_up(N, 16);
  const std::size_t kg = static_cast<std::size_t>(m_kp / 4);
  m_data.assign(static_cast<std::size_t>(m_kp) * static_cast<std::size_t>(m_np), 0);
  m_plain.resize(static_cast<std::size_t>(K) * static_cast<std::size_t>(N));
  std::vector<std::uint32_t> sums(static_cast<std::size_t>(m_np), 0u);
  for (int k = 0; k < K; ++k) {
    const std::int8_t* row = W + static_cast<std::size_t>(k) * static_cast<std::size_t>(ldw);
    std::memcpy(m_plain.data() + static_cast<std::size_t>(k) * static_cast<std::size_t>(N), row,
                static_cast<std::size_t>(N));
    for (int n = 0; n < N; ++n) {
      const std::size_t rec =
          static_cast<std::size_t>(n / 16) * kg + static_cast<std::size_t>(k / 4);
      m_data[rec * 64 + static_cast<std::size_t>((n % 16) * 4 + k % 4)] = row[n];
      sums[static_cast<std::size_t>(n)] += static_cast<std::uint32_t>(row[n]);
    }
  }
  m_colsum.resize(sums.size());
  std::transform(sums.begin(), sums.end(), m_colsum.begin(), to_i32);
}

// ---------------------------------------------------------------------------------------------
// Portable path: rows in groups of up to 4 share each weight row load; the inner loop over n is
// plain enough for the auto-vectorizer. Accumulation is in uint32 (wrap-around, no UB), and the
// int8 x int8 product is formed in int16, where it always fits (|p| <= 16384).

namespace {

constexpr int kPortableCols = 256;

template <int R>
void portable_rows(const std::int8_t* A, std::size_t lda, const std::int8_t* w, int K, int N,
                   int n0, int nb, std::int32_t* C, std::size_t ldc, bool accumulate) {
  alignas(64) std::uint32_t acc[R][kPortableCols];
  for (int r = 0; r < R; ++r) {
    const std::int32_t* c = C + r * ldc + n0;
    for (int n = 0; n < nb; ++n) {
      acc[r][n] = accumulate ? static_cast<std::uint32_t>(c[n]) : 0u;
    }
  }
  for (int k = 0; k < K; ++k) {
    const std::int8_t* wr = w + static_cast<std::size_t>(k) * static_cast<std::size_t>(N) + n0;
    for (int r = 0; r < R; ++r) {
      const std::int16_t a = A[r * lda + static_cast<std::size_t>(k)];
      std::uint32_t* ar = acc[r];
      for (int n = 0; n < nb; ++n) {
        const auto p = static_cast<std::int16_t>(a * static_cast<std::int16_t>(wr[n]));
        ar[n] += static_cast<std::uint32_t>(static_cast<std::int32_t>(p));
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    std::int32_t* c = C + r * ldc + n0;
    for (int n = 0; n < nb; ++n) c[n] = to_i32(acc[r][n]);
  }
}

}  // namespace

void matmul_i8_portable(int M, const std::int8_t* A, int lda, const PackedWeights& W,
                        std::int32_t* C, int ldc, bool accumulate) {
  const int K = W.m_k;
  const int N = W.m_n;
  if (M <= 0 || N <= 0) return;
  const auto sa = static_cast<std::size_t>(lda);
  const auto sc = static_cast<std::size_t>(ldc);
  const std::int8_t* w = W.m_plain.data();
  for (int n0 = 0; n0 < N; n0 += kPortableCols) {
    const int nb = std::min(kPortableCols, N - n0);
    int m = 0;
    for (; m + 4 <= M; m += 4) {
      portable_rows<4>(A + m * sa, sa, w, K, N, n0, nb, C + m * sc, sc, accumulate);
    }
    for (; m < M; ++m) {
      portable_rows<1>(A + m * sa, sa, w, K, N, n0, nb, C + m * sc, sc, accumulate);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// AVX-512 VNNI path.
//
// Activations are first copied, 48 rows at a time, into a panel of (a ^ 0x80) bytes whose rows are
// padded to a multiple of 64 (the tail is read from A with a masked load, so no byte past K is
// touched). A micro-kernel then computes an MR x (16 NR) block of C: per k-group it loads NR weight
// records and, for each of the MR rows, broadcasts 4 panel bytes and issues NR vpdpbusd, keeping
// MR * NR accumulators in registers. Column groups take NR = 4 vectors (the last group 1..4), and
// MR = 24 / NR rows (16 for NR = 1), with smaller MR for the row tail. When MR * NR is too small to
// hide vpdpbusd latency (e.g. M = 1), consecutive k-groups go to separate accumulator sets that are
// added at the end.

#if SERRANO_KERNELS_X86

#define SERRANO_VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

namespace {

constexpr int kMaxNr = 4;
constexpr int kChunkRows = 48;  // multiple of every MR below
constexpr std::array<int, kMaxNr + 1> kMaxMr = {0, 16, 12, 8, 6};

using BlockFn = void (*)(const std::uint8_t* ap, std::size_t lap, int kg, const std::int8_t* wp,
                         std::size_t wstride, const std::int32_t* colsum, std::int32_t* c,
                         std::size_t ldc, __mmask16 last_mask, bool accumulate);

// acc += (u8 a) . (s8 w) over each 32-bit lane's 4 bytes. With GCC 12 the intrinsic makes the
// register allocator copy and spill every accumulator in the k loop; inline asm with the
// accumulator as a read-write operand keeps all of them in registers.
SERRANO_VNNI_TARGET inline __m512i dpbusd(__m512i acc, __m512i a, __m512i w) {
#if defined(__GNUC__) && !defined(__clang__)
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(w));
  return acc;
#else
  return _mm512_dpbusd_epi32(acc, a, w);
#endif
}

template <int MR, int NR>
SERRANO_VNNI_TARGET void vnni_block(const std::uint8_t* ap, std::size_t lap, int kg,
                                    const std::int8_t* wp, std::size_t wstride,
                                    const std::int32_t* colsum, std::int32_t* c, std::size_t ldc,
                                    __mmask16 last_mask, bool accumulate) {
  constexpr int kAcc = MR * NR;
  constexpr int kSplit = std::min(4, (8 + kAcc - 1) / kAcc);
  __m512i acc[kSplit][MR][NR];
  __m512i init[NR];
  __mmask16 mask[NR];
#pragma GCC unroll 4
  for (int j = 0; j < NR; ++j) {
    const __m512i cs = _mm512_loadu_si512(colsum + 16 * j);
    // (maskz form: GCC 12 warns about the undefined passthrough of the unmasked one.)
    init[j] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_maskz_slli_epi32(0xFFFF, cs, 7));
    mask[j] = j == NR - 1 ? last_mask : static_cast<__mmask16>(0xFFFF);
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m) {
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) {
      acc[0][m][j] = init[j];
      if (accumulate) {
        const __m512i old = _mm512_maskz_loadu_epi32(mask[j], c + m * ldc + 16 * j);
        acc[0][m][j] = _mm512_add_epi32(acc[0][m][j], old);
      }
#pragma GCC unroll 4
      for (int s = 1; s < kSplit; ++s) acc[s][m][j] = _mm512_setzero_si512();
    }
  }

  const auto* wv = reinterpret_cast<const __m512i*>(wp);
  const std::size_t wvs = wstride / 64;
  int g = 0;
  for (; g + kSplit <= kg; g += kSplit) {
#pragma GCC unroll 4
    for (int s = 0; s < kSplit; ++s) {
      __m512i w[NR];
#pragma GCC unroll 4
      for (int j = 0; j < NR; ++j) w[j] = _mm512_loadu_si512(wv + j * wvs + g + s);
#pragma GCC unroll 16
      for (int m = 0; m < MR; ++m) {
        std::int32_t a4;
        std::memcpy(&a4, ap + m * lap + 4 * static_cast<std::size_t>(g + s), 4);
        const __m512i a = _mm512_set1_epi32(a4);
#pragma GCC unroll 4
        for (int j = 0; j < NR; ++j) acc[s][m][j] = dpbusd(acc[s][m][j], a, w[j]);
      }
    }
  }
  for (; g < kg; ++g) {
    __m512i w[NR];
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) w[j] = _mm512_loadu_si512(wv + j * wvs + g);
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) {
      std::int32_t a4;
      std::memcpy(&a4, ap + m * lap + 4 * static_cast<std::size_t>(g), 4);
      const __m512i a = _mm512_set1_epi32(a4);
#pragma GCC unroll 4
      for (int j = 0; j < NR; ++j) acc[0][m][j] = dpbusd(acc[0][m][j], a, w[j]);
    }
  }

#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m) {
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) {
      __m512i v = acc[0][m][j];
#pragma GCC unroll 4
      for (int s = 1; s < kSplit; ++s) v = _mm512_add_epi32(v, acc[s][m][j]);
      _mm512_mask_storeu_epi32(c + m * ldc + 16 * j, mask[j], v);
    }
  }
}

// kBlocks[NR][MR] = &vnni_block<MR, NR> for 1 <= MR <= kMaxMr[NR], nullptr elsewhere.
template <int NR, int... Is>
constexpr std::array<BlockFn, 17> block_row(std::integer_sequence<int, Is...>) {
  return {nullptr, &vnni_block<Is + 1, NR>...};
}

constexpr std::array<std::array<BlockFn, 17>, kMaxNr + 1> kBlocks = {
    std::array<BlockFn, 17>{},
    block_row<1>(std::make_integer_sequence<int, kMaxMr[1]>{}),
    block_row<2>(std::make_integer_sequence<int, kMaxMr[2]>{}),
    block_row<3>(std::make_integer_sequence<int, kMaxMr[3]>{}),
    block_row<4>(std::make_integer_sequence<int, kMaxMr[4]>{}),
};

// Copies rows x K activations into the panel as (a ^ 0x80), each row padded to lap bytes.
SERRANO_VNNI_TARGET void pack_panel(int rows, int K, const std::int8_t* A, std::size_t lda,
                                    std::uint8_t* panel, std::size_t lap) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int r = 0; r < rows; ++r) {
    const std::int8_t* a = A + r * lda;
    std::uint8_t* p = panel + r * lap;
    for (int k0 = 0; k0 < K; k0 += 64) {
      const int left = K - k0;
      const __mmask64 m = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
      const __m512i v = _mm512_maskz_loadu_epi8(m, a + k0);
      _mm512_storeu_si512(p + k0, _mm512_xor_si512(v, flip));
    }
  }
}

void matmul_i8_vnni(int M, const std::int8_t* A, int lda, const PackedWeights& W, std::int32_t* C,
                    int ldc, bool accumulate) {
  const int K = W.m_k;
  const int N = W.m_n;
  if (M <= 0 || N <= 0) return;
  const int kg = W.m_kp / 4;
  const int nv = W.m_np / 16;
  const auto sa = static_cast<std::size_t>(lda);
  const auto sc = static_cast<std::size_t>(ldc);
  const auto lap = static_cast<std::size_t>(std::max(64, round_up(K, 64)));
  const std::size_t wstride = static_cast<std::size_t>(kg) * 64;
  const auto tail_mask = static_cast<__mmask16>(N % 16 == 0 ? 0xFFFFu : (1u << (N % 16)) - 1u);

  thread_local std::vector<std::uint8_t> panel;
  if (panel.size() < kChunkRows * lap) panel.resize(kChunkRows * lap);

  for (int m0 = 0; m0 < M; m0 += kChunkRows) {
    const int rows = std::min(kChunkRows, M - m0);
    pack_panel(rows, K, A + m0 * sa, sa, panel.data(), lap);
    for (int jb = 0; jb < nv; jb += kMaxNr) {
      const int nr = std::min(kMaxNr, nv - jb);
      const __mmask16 last = jb + nr == nv ? tail_mask : static_cast<__mmask16>(0xFFFF);
      const std::int8_t* wp = W.m_data.data() + static_cast<std::size_t>(jb) * wstride;
      const std::int32_t* cs = W.m_colsum.data() + 16 * jb;
      for (int r = 0; r < rows; r += kMaxMr[nr]) {
        const int mr = std::min(kMaxMr[nr], rows - r);
        kBlocks[nr][mr](panel.data() + r * lap, lap, kg, wp, wstride, cs,
                        C + (m0 + r) * sc + 16 * static_cast<std::size_t>(jb), sc, last,
                        accumulate);
      }
    }
  }
}

bool cpu_has_vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}

}  // namespace

#else  // !SERRANO_KERNELS_X86

namespace {
bool cpu_has_vnni() { return false; }
void matmul_i8_vnni(int M, const std::int8_t* A, int lda, const PackedWeights& W, std::int32_t* C,
                    int ldc, bool accumulate) {
  matmul_i8_portable(M, A, lda, W, C, ldc, accumulate);
}
}  // namespace

#endif  // SERRANO_KERNELS_X86

namespace {
bool use_vnni() {
  static const bool has = cpu_has_vnni();
  return has;
}
}  // namespace

void matmul_i8(int M, const std::int8_t* A, int lda, const PackedWeights& W, std::int32_t* C,
               int ldc, bool accumulate) {
  if (use_vnni()) {
    matmul_i8_vnni(M, A, lda, W, C, ldc, accumulate);
  } else {
    matmul_i8_portable(M, A, lda, W, C, ldc, accumulate);
  }
}

const char* matmul_i8_impl_name() { return use_vnni() ? "avx512-vnni" : "portable"; }

}  // namespace serrano::kernels
