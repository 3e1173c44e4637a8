// SPDX-License-Identifier: Apache-2.0
// The int8 matrix kernel (dispatched and portable paths) against a plain triple loop: random and
// edge shapes, strides, extreme values, accumulation and int32 wrap-around.
#include "model/kernels/int8_matmul.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace serrano::kernels {
namespace {

using MatmulFn = void (*)(int, const std::int8_t*, int, const PackedWeights&, std::int32_t*, int,
                          bool);

struct Impl {
  const char* name;
  MatmulFn fn;
};

const Impl kImpls[] = {{"matmul_i8", &matmul_i8}, {"matmul_i8_portable", &matmul_i8_portable}};

std::int32_t wrap(std::uint32_t v) {
  std::int32_t r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}

// The plain definition: C[m][n] (+)= sum_k A[m][k] * W[k][n], int32 with wrap-around.
void reference(int M, int K, int N, const std::int8_t* A, int lda, const std::int8_t* W, int ldw,
               std::int32_t* C, int ldc, bool accumulate) {
  for (int m = 0; m < M; ++m) {
    for (int n = 0; n < N; ++n) {
      std::int32_t& c = C[static_cast<std::size_t>(m) * ldc + n];
      std::uint32_t acc = accumulate ? static_cast<std::uint32_t>(c) : 0u;
      for (int k = 0; k < K; ++k) {
        const std::int32_t a = A[static_cast<std::size_t>(m) * lda + k];
        const std::int32_t w = W[static_cast<std::size_t>(k) * ldw + n];
        acc += static_cast<std::uint32_t>(a * w);
      }
      c = wrap(acc);
    }
  }
}

struct Case {
  int M, K, N;
  int lda, ldw, ldc;
  bool accumulate;
};

std::string describe(const Case& c) {
  std::ostringstream os;
  os << "M=" << c.M << " K=" << c.K << " N=" << c.N << " lda=" << c.lda << " ldw=" << c.ldw
     << " ldc=" << c.ldc << " accumulate=" << c.accumulate;
  return os.str();
}

// Random int8 with the extremes -128 and 127 over-represented.
std::int8_t random_i8(std::mt19937& rng) {
  const auto r = std::uniform_int_distribution<int>(0, 15)(rng);
  if (r == 0) return -128;
  if (r == 1) return 127;
  return static_cast<std::int8_t>(std::uniform_int_distribution<int>(-128, 127)(rng));
}

std::size_t extent(int rows, int ld, int cols) {
  return static_cast<std::size_t>(rows - 1) * static_cast<std::size_t>(ld) +
         static_cast<std::size_t>(cols);
}

::testing::AssertionResult same(const std::vector<std::int32_t>& got,
                                const std::vector<std::int32_t>& want, int ldc) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (got[i] != want[i]) {
      return ::testing::AssertionFailure()
             << "first mismatch at row " << i / static_cast<std::size_t>(ldc) << " col "
             << i % static_cast<std::size_t>(ldc) << ": got " << got[i] << ", want " << want[i];
    }
  }
  return ::testing::AssertionSuccess();
}

// Runs one case through both implementations. A, W and C (including the stride gaps, which must
// stay untouched) are filled by the given generators.
template <typename GenA, typename GenW>
void run_case(const Case& c, std::mt19937& rng, GenA gen_a, GenW gen_w) {
  SCOPED_TRACE(describe(c));
  // Exact extents: nothing past the last element may be read or written.
  std::vector<std::int8_t> A(extent(c.M, c.lda, c.K));
  std::vector<std::int8_t> W(extent(c.K, c.ldw, c.N));
  std::vector<std::int32_t> C0(extent(c.M, c.ldc, c.N));
  for (auto& a : A) a = gen_a(rng);
  for (auto& w : W) w = gen_w(rng);
  std::uniform_int_distribution<std::int32_t> any_i32(std::numeric_limits<std::int32_t>::min(),
                                                      std::numeric_limits<std::int32_t>::max());
  for (auto& v : C0) v = any_i32(rng);

  std::vector<std::int32_t> want = C0;
  reference(c.M, c.K, c.N, A.data(), c.lda, W.data(), c.ldw, want.data(), c.ldc, c.accumulate);

  PackedWeights pw;
  pw.pack(c.K, c.N, W.data(), c.ldw);
  ASSERT_EQ(pw.k(), c.K);
  ASSERT_EQ(pw.n(), c.N);
  for (const Impl& impl : kImpls) {
    SCOPED_TRACE(impl.name);
    std::vector<std::int32_t> got = C0;
    impl.fn(c.M, A.data(), c.lda, pw, got.data(), c.ldc, c.accumulate);
    ASSERT_TRUE(same(got, want, c.ldc));
  }
}

void run_case(const Case& c, std::mt19937& rng) { run_case(c, rng, random_i8, random_i8); }

TEST(Int8Matmul, EdgeShapes) {
  const int sizes[] = {1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 128, 256, 300};
  const int rows[] = {1, 2, 3, 5, 6, 7, 8, 12, 13, 16, 17, 47, 48, 49, 70};
  std::mt19937 rng(1234);
  int i = 0;
  for (int K : sizes) {
    for (int N : sizes) {
      for (int rep = 0; rep < 2; ++rep, ++i) {
        Case c{};
        c.M = rows[static_cast<std::size_t>(i) % std::size(rows)];
        c.K = K;
        c.N = N;
        const bool padded = (i / 3) % 2 == 1;
        c.lda = K + (padded ? std::uniform_int_distribution<int>(1, 70)(rng) : 0);
        c.ldw = N + (padded ? std::uniform_int_distribution<int>(1, 20)(rng) : 0);
        c.ldc = N + (padded ? std::uniform_int_distribution<int>(1, 20)(rng) : 0);
        c.accumulate = rep == 1;
        run_case(c, rng);
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(Int8Matmul, RandomShapes) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> dim(1, 300);
  std::uniform_int_distribution<int> rows(1, 70);
  std::uniform_int_distribution<int> pad(0, 33);
  for (int i = 0; i < 400; ++i) {
    Case c{};
    c.M = rows(rng);
    c.K = dim(rng);
    c.N = dim(rng);
    c.lda = c.K + (i % 2 == 0 ? 0 : pad(rng));
    c.ldw = c.N + (i % 3 == 0 ? 0 : pad(rng));
    c.ldc = c.N + (i % 5 < 2 ? 0 : pad(rng));
    c.accumulate = i % 4 >= 2;
    run_case(c, rng);
    if (HasFatalFailure()) return;
  }
}

TEST(Int8Matmul, ExtremeValues) {
  std::mt19937 rng(7);
  const std::int8_t extremes[][2] = {{-128, -128}, {-128, 127}, {127, -128}, {127, 127}};
  for (const auto& e : extremes) {
    const std::int8_t av = e[0];
    const std::int8_t wv = e[1];
    for (int K : {1, 4, 5, 64, 255, 256, 300}) {
      for (int N : {1, 16, 17, 33, 256}) {
        for (int M : {1, 7, 49}) {
          for (bool acc : {false, true}) {
            const Case c{M, K, N, K + 3, N, N + 1, acc};
            run_case(
                c, rng, [av](std::mt19937&) { return av; }, [wv](std::mt19937&) { return wv; });
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  }
}

// With all -128 inputs each product is 2^14; K = 65536 gives exactly 2^30 and K = 140000 exceeds
// 2^31, which must wrap around.
TEST(Int8Matmul, LongReductionAndWrapAround) {
  for (int K : {65536, 140000}) {
    const int M = 3;
    const int N = 17;
    const std::vector<std::int8_t> A(static_cast<std::size_t>(M) * K, -128);
    const std::vector<std::int8_t> W(static_cast<std::size_t>(K) * N, -128);
    PackedWeights pw;
    pw.pack(K, N, W.data(), N);
    const std::int32_t want = wrap(static_cast<std::uint32_t>(K) * 16384u);
    const std::int32_t want_acc =
        wrap(static_cast<std::uint32_t>(want) +
             static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max()));
    for (const Impl& impl : kImpls) {
      SCOPED_TRACE(std::string(impl.name) + " K=" + std::to_string(K));
      std::vector<std::int32_t> C(static_cast<std::size_t>(M) * N, 5);
      impl.fn(M, A.data(), K, pw, C.data(), N, false);
      for (std::int32_t v : C) ASSERT_EQ(v, want);
      std::fill(C.begin(), C.end(), std::numeric_limits<std::int32_t>::max());
      impl.fn(M, A.data(), K, pw, C.data(), N, true);
      for (std::int32_t v : C) ASSERT_EQ(v, want_acc);
    }
  }
  EXPECT_EQ(wrap(140000u * 16384u), -2001207296);  // the second case really wrapped
}

TEST(Int8Matmul, AccumulateAddsOntoExistingValues) {
  const int M = 5, K = 7, N = 19;
  std::vector<std::int8_t> A(static_cast<std::size_t>(M) * K);
  std::vector<std::int8_t> W(static_cast<std::size_t>(K) * N);
  for (std::size_t i = 0; i < A.size(); ++i) A[i] = static_cast<std::int8_t>(i % 11) - 5;
  for (std::size_t i = 0; i < W.size(); ++i) W[i] = static_cast<std::int8_t>(i % 13) - 6;
  std::vector<std::int32_t> sum(static_cast<std::size_t>(M) * N);
  reference(M, K, N, A.data(), K, W.data(), N, sum.data(), N, false);
  PackedWeights pw;
  pw.pack(K, N, W.data(), N);
  for (const Impl& impl : kImpls) {
    SCOPED_TRACE(impl.name);
    std::vector<std::int32_t> C(sum.size());
    for (std::size_t i = 0; i < C.size(); ++i) C[i] = static_cast<std::int32_t>(i * 1000) - 7;
    impl.fn(M, A.data(), K, pw, C.data(), N, true);
    impl.fn(M, A.data(), K, pw, C.data(), N, true);
    for (std::size_t i = 0; i < C.size(); ++i) {
      ASSERT_EQ(C[i], static_cast<std::int32_t>(i * 1000) - 7 + 2 * sum[i]) << "at " << i;
    }
    impl.fn(M, A.data(), K, pw, C.data(), N, false);
    EXPECT_EQ(C, sum);
  }
}

TEST(Int8Matmul, RepackAndEmptyStream) {
  std::mt19937 rng(99);
  std::vector<std::int8_t> W(300 * 300);
  for (auto& w : W) w = random_i8(rng);
  std::vector<std::int8_t> A(4 * 300);
  for (auto& a : A) a = random_i8(rng);
  PackedWeights pw;
  // Pack a large tile, then a smaller one into the same object.
  pw.pack(300, 300, W.data(), 300);
  pw.pack(9, 21, W.data(), 300);
  EXPECT_EQ(pw.k(), 9);
  EXPECT_EQ(pw.n(), 21);
  std::vector<std::int32_t> want(4 * 21);
  reference(4, 9, 21, A.data(), 300, W.data(), 300, want.data(), 21, false);
  for (const Impl& impl : kImpls) {
    SCOPED_TRACE(impl.name);
    std::vector<std::int32_t> C(4 * 21, 3);
    impl.fn(0, A.data(), 300, pw, C.data(), 21, false);  // M = 0 touches nothing
    EXPECT_EQ(C, std::vector<std::int32_t>(4 * 21, 3));
    impl.fn(4, A.data(), 300, pw, C.data(), 21, false);
    EXPECT_EQ(C, want);
  }
}

TEST(Int8Matmul, PackRejectsBadArguments) {
  const std::int8_t w[4] = {1, 2, 3, 4};
  PackedWeights pw;
  EXPECT_THROW(pw.pack(0, 2, w, 2), std::invalid_argument);
  EXPECT_THROW(pw.pack(2, 0, w, 2), std::invalid_argument);
  EXPECT_THROW(pw.pack(2, 2, w, 1), std::invalid_argument);
  EXPECT_THROW(pw.pack(2, 2, nullptr, 2), std::invalid_argument);
}

TEST(Int8Matmul, DispatchUsesVnniWhenAvailable) {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool vnni = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
  const bool vnni = false;
#endif
  if (!vnni) {
    EXPECT_STREQ(matmul_i8_impl_name(), "portable");
    GTEST_SKIP() << "CPU lacks AVX-512 VNNI; only the portable path can run here";
  }
  EXPECT_STREQ(matmul_i8_impl_name(), "avx512-vnni");
}

}  // namespace
}  // namespace serrano::kernels
