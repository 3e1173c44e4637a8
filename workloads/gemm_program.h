// SPDX-License-Identifier: Apache-2.0
// Lowers one int8 GEMM (a linear layer with requantization) to an ISA v1 program for the whole
// chip: DMA of activation and weight tiles, preload / matmul per K tile, requant, store. With two
// buffer slots the load queue fetches the next tile while the array works on the current one,
// and the store of one block overlaps the next; with one slot everything is serial.
#pragma once

#include <cstdint>
#include <vector>

#include "golden/golden.h"
#include "isa/instruction.h"
#include "workloads/gemm.h"

namespace serrano::workloads {

// What the generator needs to know about the chip (model::ChipModel::rows / row_bytes give it).
struct ChipShape {
  int rows = 0, cols = 0;              // R, C
  std::uint64_t scratchpad_rows = 0;   // rows of max(R, C) bytes
  std::uint64_t weight_rows = 0;       // rows of C bytes
  std::uint64_t accumulator_rows = 0;  // rows of C int32
};

// DRAM layout: A (M x K int8, row-major), W (K x N int8, row-major), P (N x {int32 bias, int32
// multiplier, int32 shift}), OUT (M x N int8, row-major).
struct GemmDramLayout {
  std::uint64_t a = 0, w = 0, p = 0, out = 0, bytes = 0;
};

struct GemmProgram {
  std::vector<isa::Instruction> code;
  GemmDramLayout layout;
  int slots = 0;             // buffer slots (1: serial, 2: double-buffered)
  int m_block_rows = 0;      // rows per accumulator block
  std::uint64_t tiles = 0;   // K tiles over all blocks
  std::uint64_t blocks = 0;  // (column block, row block) pairs
};

// Throws PlanError when even one tile does not fit (naming the memory).
GemmProgram gemm_program(int m, int k, int n, const ChipShape& chip, int slots,
                         const golden::RequantOutput& out);

// A DRAM image holding the problem's operands (zero point folded into the biases) as laid out.
std::vector<std::uint8_t> gemm_dram_image(const GemmProblem& p, const GemmDramLayout& layout);

// The M x N result from a DRAM image after the run.
std::vector<std::int8_t> gemm_dram_result(const std::vector<std::uint8_t>& dram,
                                          const GemmDramLayout& layout, int m, int n);

}  // namespace serrano::workloads
