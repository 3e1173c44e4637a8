// SPDX-License-Identifier: Apache-2.0
#include "workloads/gemm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace serrano::workloads {

namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

// Maps raw 64-bit engine output to ranges with plain arithmetic, so that results do not depend on
// the standard library's distribution algorithms.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_engine(seed) {}
  std::int64_t uniform(std::int64_t lo, std::int64_t hi) {  // inclusive
    return lo + std::int64_t(m_engine() % std::uint64_t(hi - lo + 1));
  }
  double unit() { return double(m_engine() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 m_engine;  // fully specified by the C++ standard
};

}  // namespace

GemmProblem random_gemm_problem(int m, int k, int n, std::uint64_t seed) {
  if (m < 1 || k < 1 || n < 1) {
    throw PlanError(fmt::format("gemm: M, K, N must be at least 1, got {}x{}x{}", m, k, n));
  }
  Rng rng(seed);
  GemmProblem p;
  p.m = m;
  p.k = k;
  p.n = n;
  // One in four problems uses only the extremes, to exercise -128 * -127 and friends.
  const bool extremes = rng.uniform(0, 3) == 0;
  auto act = [&]() -> std::int8_t {
    return std::int8_t(extremes ? (rng.uniform(0, 1) ? 127 : -128) : rng.uniform(-128, 127));
  };
  auto wgt = [&]() -> std::int8_t {
    return std::int8_t(extremes ? (rng.uniform(0, 1) ? 127 : -127) : rng.uniform(-127, 127));
  };
  p.a.resize(std::size_t(m) * std::size_t(k));
  for (auto& v : p.a) v = act();
  p.w.resize(std::size_t(k) * std::size_t(n));
  for (auto& v : p.w) v = wgt();
  p.a_zero_point = std::int32_t(rng.uniform(-128, 127));
  p.channels.resize(std::size_t(n));
  // Typical |accumulator|: sqrt(K) times the spread of one int8 x int8 product (about 74 x 73 for
  // uniform values). Most channels map that to about +-48 so outputs cover the int8 range and an
  // accumulator error of one product shows in the result; some channels use tiny multipliers or
  // multipliers >= 1 (left shifts) to exercise the edges of the requantizer.
  const double acc_spread = std::sqrt(double(k)) * 74.0 * 73.0;
  for (auto& ch : p.channels) {
    double real = 0.0;
    switch (rng.uniform(0, 7)) {
      case 0: real = std::exp2(-30.0 + 30.0 * rng.unit()); break;
      case 1: real = 1.0 + 3.0 * rng.unit(); break;
      default: real = 48.0 / acc_spread * std::exp2(-2.0 + 4.0 * rng.unit()); break;
    }
    const golden::QuantizedMultiplier q = golden::quantize_multiplier(real);
    ch.multiplier = q.multiplier;
    ch.shift = q.shift;
    // Biases of the accumulator's size; one in sixteen near the int32 limits to exercise
    // wrap-around.
    ch.bias = rng.uniform(0, 15) == 0
                  ? std::int32_t(rng.uniform(-(std::int64_t(1) << 31), (std::int64_t(1) << 31) - 1))
                  : std::int32_t(
                        rng.uniform(-std::int64_t(2 * acc_spread), std::int64_t(2 * acc_spread)));
  }
  p.out.zero_point = std::int32_t(rng.uniform(-128, 127));
  switch (rng.uniform(0, 2)) {
    case 0:
      p.out.act_min = -128;
      p.out.act_max = 127;
      break;
    case 1:
      p.out.act_min = p.out.zero_point;
      p.out.act_max = 127;
      break;  // fused ReLU
    default: {
      const auto a = std::int32_t(rng.uniform(-128, 127)), b = std::int32_t(rng.uniform(-128, 127));
      p.out.act_min = std::min(a, b);
      p.out.act_max = std::max(a, b);
    }
  }
  return p;
}

GemmTiling plan_gemm_tiling(int m, int k, int n, const isa::ArrayLimits& lim) {
  if (m < 1 || k < 1 || n < 1) {
    throw PlanError(fmt::format("gemm: M, K, N must be at least 1, got {}x{}x{}", m, k, n));
  }
  GemmTiling t;
  t.rows = lim.rows;
  t.cols = lim.cols;
  t.k_tiles = int(ceil_div(std::uint64_t(k), std::uint64_t(lim.rows)));
  t.n_blocks = int(ceil_div(std::uint64_t(n), std::uint64_t(lim.cols)));
  // Two accumulator blocks alternate; each holds at most one command's worth of rows.
  const std::uint64_t acc_half = lim.accumulator_rows >= 2 ? lim.accumulator_rows / 2 : 1;
  t.m_block_rows = int(std::min<std::uint64_t>({std::uint64_t(m), acc_half, isa::kMaxCmdRows}));
  t.m_blocks = int(ceil_div(std::uint64_t(m), std::uint64_t(t.m_block_rows)));

  const std::uint64_t sp_rows = std::uint64_t(t.k_tiles) * std::uint64_t(m);
  if (sp_rows > lim.scratchpad_rows) {
    throw PlanError(fmt::format(
        "gemm {}x{}x{}: activations need {} scratchpad rows of {} bytes ({} K tiles x M), the "
        "scratchpad has {}; operands must fit on chip until DMA tiling exists",
        m, k, n, sp_rows, lim.rows, t.k_tiles, lim.scratchpad_rows));
  }
  const std::uint64_t wb_rows =
      std::uint64_t(t.n_blocks) * std::uint64_t(t.k_tiles) * std::uint64_t(lim.rows);
  if (wb_rows > lim.weight_rows) {
    throw PlanError(fmt::format(
        "gemm {}x{}x{}: weights need {} weight-buffer rows of {} bytes, the weight buffer has {}",
        m, k, n, wb_rows, lim.cols, lim.weight_rows));
  }
  if (std::uint64_t(t.n_blocks) > lim.qparam_rows) {
    throw PlanError(fmt::format(
        "gemm {}x{}x{}: {} output-column blocks need as many parameter rows, the parameter "
        "memory has {}",
        m, k, n, t.n_blocks, lim.qparam_rows));
  }
  return t;
}

std::vector<isa::ArrayCmd> gemm_commands(const GemmTiling& t, int m, int k, int n,
                                         const golden::RequantOutput& out) {
  (void)n;
  std::vector<isa::ArrayCmd> cmds;
  cmds.reserve(std::size_t(t.n_blocks) * std::size_t(t.m_blocks) *
               (2 * std::size_t(t.k_tiles) + 1));
  int block = 0;
  for (int nb = 0; nb < t.n_blocks; ++nb) {
    for (int mb = 0; mb < t.m_blocks; ++mb, ++block) {
      const int m0 = mb * t.m_block_rows;
      const auto rows = std::uint32_t(std::min(t.m_block_rows, m - m0));
      const auto acc = std::uint32_t((block % 2) * t.m_block_rows);
      for (int kt = 0; kt < t.k_tiles; ++kt) {
        const auto k_rows = std::uint32_t(std::min(t.rows, k - kt * t.rows));
        const auto wb_row = std::uint32_t((nb * t.k_tiles + kt) * t.rows);
        cmds.push_back(isa::ArrayCmd::preload(wb_row, k_rows));
        const auto sp_row = std::uint32_t(kt * m + m0);
        cmds.push_back(isa::ArrayCmd::stream(sp_row, rows, acc, kt > 0));
      }
      cmds.push_back(isa::ArrayCmd::requant(acc, rows, std::uint32_t(nb * m + m0),
                                            std::uint32_t(nb), std::int8_t(out.zero_point),
                                            std::int8_t(out.act_min), std::int8_t(out.act_max)));
    }
  }
  return cmds;
}

isa::ArrayProgram build_gemm_program(const GemmProblem& p, const GemmTiling& t) {
  const std::size_t R = std::size_t(t.rows), C = std::size_t(t.cols);
  const std::size_t M = std::size_t(p.m), K = std::size_t(p.k), N = std::size_t(p.n);
  isa::ArrayProgram prog;
  prog.cmds = gemm_commands(t, p.m, p.k, p.n, p.out);

  // Scratchpad: K tile kt occupies rows [kt*M, kt*M + M); lanes past K are zero.
  prog.scratchpad.assign(std::size_t(t.k_tiles) * M * R, 0);
  for (std::size_t kt = 0; kt < std::size_t(t.k_tiles); ++kt) {
    for (std::size_t i = 0; i < M; ++i) {
      for (std::size_t r = 0; r < R && kt * R + r < K; ++r) {
        prog.scratchpad[(kt * M + i) * R + r] = p.a[i * K + kt * R + r];
      }
    }
  }
  // Weight buffer: tile (nb, kt) occupies R rows from (nb*k_tiles + kt)*R; columns past N are 0.
  prog.weights.assign(std::size_t(t.n_blocks) * std::size_t(t.k_tiles) * R * C, 0);
  for (std::size_t nb = 0; nb < std::size_t(t.n_blocks); ++nb) {
    for (std::size_t kt = 0; kt < std::size_t(t.k_tiles); ++kt) {
      const std::size_t base = (nb * std::size_t(t.k_tiles) + kt) * R;
      for (std::size_t r = 0; r < R && kt * R + r < K; ++r) {
        for (std::size_t c = 0; c < C && nb * C + c < N; ++c) {
          prog.weights[(base + r) * C + c] = p.w[(kt * R + r) * N + nb * C + c];
        }
      }
    }
  }
  // Parameters: row nb holds channels nb*C .. nb*C + C - 1, the zero point folded into the bias.
  const std::vector<std::int32_t> colsum = golden::weight_column_sums(p.k, p.n, p.w.data());
  prog.qparams.assign(std::size_t(t.n_blocks) * C, isa::QParam{});
  for (std::size_t j = 0; j < N; ++j) {
    const auto& ch = p.channels[j];
    const std::uint32_t folded =
        std::uint32_t(ch.bias) - std::uint32_t(p.a_zero_point) * std::uint32_t(colsum[j]);
    prog.qparams[j] = isa::QParam{std::int32_t(folded), ch.multiplier, std::int8_t(ch.shift)};
  }
  prog.output_rows = std::uint64_t(t.n_blocks) * M;
  return prog;
}

std::vector<std::int8_t> gemm_result(const GemmTiling& t, int m, int n,
                                     const std::vector<std::int8_t>& output_rows) {
  const std::size_t C = std::size_t(t.cols), M = std::size_t(m), N = std::size_t(n);
  if (output_rows.size() < std::size_t(t.n_blocks) * M * C) {
    throw PlanError("gemm: run produced fewer output rows than the plan writes");
  }
  std::vector<std::int8_t> out(M * N);
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t j = 0; j < N; ++j) {
      out[i * N + j] = output_rows[((j / C) * M + i) * C + j % C];
    }
  }
  return out;
}

std::vector<std::int8_t> gemm_golden(const GemmProblem& p) {
  return golden::linear_i8(p.m, p.k, p.n, p.a.data(), p.a_zero_point, p.w.data(), p.channels,
                           p.out);
}

}  // namespace serrano::workloads
