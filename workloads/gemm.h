// SPDX-License-Identifier: Apache-2.0
// A quantized GEMM (an int8 linear layer) and its lowering to matrix-unit commands.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "golden/golden.h"
#include "isa/array_cmd.h"

namespace serrano::workloads {

// out[m][n] = requantize(sum_k (A[m][k] - a_zero_point) * W[k][n] + bias[n], channel n).
struct GemmProblem {
  int m = 0, k = 0, n = 0;
  std::vector<std::int8_t> a;  // M x K, row-major
  std::vector<std::int8_t> w;  // K x N, row-major
  std::int32_t a_zero_point = 0;
  std::vector<golden::RequantChannel> channels;  // N entries (bias, multiplier, shift)
  golden::RequantOutput out;
};

// A deterministic random problem: int8 values over the whole range (extremes included), weights
// in [-127, 127] as the symmetric quantizer makes them, random zero points, biases, multipliers
// (left shifts included) and clamp ranges. The same seed gives the same problem on any platform.
GemmProblem random_gemm_problem(int m, int k, int n, std::uint64_t seed);

// How a GEMM is cut into array tiles.
struct GemmTiling {
  int rows = 0, cols = 0;  // array R x C
  int k_tiles = 0;         // ceil(K / R)
  int n_blocks = 0;        // ceil(N / C)
  int m_block_rows = 0;    // rows per accumulator block (two blocks alternate)
  int m_blocks = 0;        // ceil(M / m_block_rows)
};

class PlanError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Tiles an M x K x N GEMM for the matrix unit and emits its commands. Loop order: output-column
// block (weights for it stay in the weight buffer), accumulator block of rows, K tile; each K tile
// is a preload (which overlaps the previous stream) and a stream that accumulates; each block
// ends with a requant. The two accumulator halves alternate so that requantizing one block
// overlaps streaming the next. Throws PlanError naming the memory that is too small.
GemmTiling plan_gemm_tiling(int m, int k, int n, const isa::ArrayLimits& limits);
std::vector<isa::ArrayCmd> gemm_commands(const GemmTiling& t, int m, int k, int n,
                                         const golden::RequantOutput& out);

// The full program: commands plus memory images (activations by K tile, weights by tile,
// per-channel parameters with the activation zero point folded into the bias).
isa::ArrayProgram build_gemm_program(const GemmProblem& p, const GemmTiling& t);

// The M x N result inside a run's output rows.
std::vector<std::int8_t> gemm_result(const GemmTiling& t, int m, int n,
                                     const std::vector<std::int8_t>& output_rows);

// The golden answer: golden::linear_i8 on the problem.
std::vector<std::int8_t> gemm_golden(const GemmProblem& p);

}  // namespace serrano::workloads
