// SPDX-License-Identifier: Apache-2.0
#include "workloads/gemm_program.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace serrano::workloads {

namespace {

std::uint64_t align(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

isa::Instruction dma(isa::Opcode op, isa::Mem mem, std::uint64_t row, std::uint64_t rows,
                     std::uint64_t bytes, std::uint64_t dram, std::uint64_t stride) {
  isa::Instruction in;
  in.opcode = op;
  in.mem = mem;
  in.row = std::uint32_t(row);
  in.rows = std::uint32_t(rows);
  in.bytes = std::uint32_t(bytes);
  in.dram_addr = dram;
  in.dram_stride = std::uint32_t(stride);
  return in;
}

}  // namespace

GemmProgram gemm_program(int m, int k, int n, const ChipShape& chip, int slots,
                         const golden::RequantOutput& out) {
  if (m < 1 || k < 1 || n < 1) {
    throw PlanError(fmt::format("gemm: M, K, N must be at least 1, got {}x{}x{}", m, k, n));
  }
  if (slots != 1 && slots != 2) throw PlanError("gemm: buffer slots must be 1 or 2");
  const std::uint64_t R = std::uint64_t(chip.rows), C = std::uint64_t(chip.cols);
  const std::uint64_t M = std::uint64_t(m), K = std::uint64_t(k), N = std::uint64_t(n);
  const std::uint64_t S = std::uint64_t(slots);
  const std::uint64_t k_tiles = (K + R - 1) / R, n_blocks = (N + C - 1) / C;
  if (n_blocks > isa::kQParamDepth) {
    throw PlanError(
        fmt::format("gemm: {} column blocks need as many parameter rows, the chip "
                    "has {}",
                    n_blocks, isa::kQParamDepth));
  }
  if (K > isa::kMaxDramStride || N > isa::kMaxDramStride) {
    throw PlanError("gemm: K and N must fit the 24-bit DMA stride");
  }
  // Rows per block: the scratchpad holds S activation slots and S output slots of mb rows; the
  // accumulators hold two halves; a command moves at most 65535 rows.
  std::uint64_t mb = std::min<std::uint64_t>({M, chip.scratchpad_rows / (2 * S),
                                              std::max<std::uint64_t>(1, chip.accumulator_rows / 2),
                                              isa::kMaxRowCount});
  if (mb == 0 || chip.weight_rows < S * R || chip.accumulator_rows == 0) {
    throw PlanError(
        fmt::format("gemm: one {}-slot tile does not fit: scratchpad {} rows, weight "
                    "buffer {} rows (needs {}), accumulator {} rows",
                    S, chip.scratchpad_rows, chip.weight_rows, S * R, chip.accumulator_rows));
  }
  const std::uint64_t m_blocks = (M + mb - 1) / mb;
  const std::uint64_t acc_half = chip.accumulator_rows >= 2 * mb ? mb : 0;

  GemmProgram g;
  g.slots = slots;
  g.m_block_rows = int(mb);
  g.blocks = n_blocks * m_blocks;
  g.tiles = g.blocks * k_tiles;
  g.layout.a = 0;
  g.layout.w = align(M * K, 4096);
  g.layout.p = align(g.layout.w + K * N, 4096);
  g.layout.out = align(g.layout.p + 12 * N, 4096);
  g.layout.bytes = align(g.layout.out + M * N, 4096);

  // Scratchpad: activation slots at [s*mb, (s+1)*mb), output slots after them.
  const std::uint64_t out_base = S * mb;
  auto& code = g.code;
  std::uint64_t tile = 0, block = 0;
  for (std::uint64_t nb = 0; nb < n_blocks; ++nb) {
    const std::uint64_t cols = std::min(C, N - nb * C);
    code.push_back(dma(isa::Opcode::Load, isa::Mem::Qp, nb, 1, 12 * cols, g.layout.p + 12 * nb * C,
                       12 * cols));
    for (std::uint64_t b = 0; b < m_blocks; ++b, ++block) {
      const std::uint64_t m0 = b * mb, rows = std::min(mb, M - m0);
      const std::uint64_t acc = (block % 2) * acc_half;
      for (std::uint64_t kt = 0; kt < k_tiles; ++kt, ++tile) {
        const std::uint64_t depth = std::min(R, K - kt * R), slot = tile % S;
        // Load queue: wait until the array has finished with this slot's previous tile.
        isa::Instruction la = dma(isa::Opcode::Load, isa::Mem::Sp, slot * mb, rows, depth,
                                  g.layout.a + m0 * K + kt * R, K);
        la.deps.pop_next = tile >= S;
        code.push_back(la);
        isa::Instruction lw = dma(isa::Opcode::Load, isa::Mem::Wb, slot * R, depth, cols,
                                  g.layout.w + kt * R * N + nb * C, N);
        lw.deps.push_next = true;
        code.push_back(lw);
        // Compute queue: preload when the tile has arrived, matmul, then free the slot.
        isa::Instruction pre;
        pre.opcode = isa::Opcode::Preload;
        pre.wb_row = std::uint32_t(slot * R);
        pre.rows = std::uint32_t(depth);
        pre.deps.pop_prev = true;
        code.push_back(pre);
        isa::Instruction mm;
        mm.opcode = isa::Opcode::Matmul;
        mm.sp_row = std::uint32_t(slot * mb);
        mm.rows = std::uint32_t(rows);
        mm.acc_row = std::uint32_t(acc);
        mm.accumulate = kt > 0;
        mm.deps.push_prev = tile + S < g.tiles;
        code.push_back(mm);
      }
      // Requant into an output slot once the store of that slot's previous block is done.
      const std::uint64_t oslot = block % S;
      isa::Instruction rq;
      rq.opcode = isa::Opcode::Requant;
      rq.acc_row = std::uint32_t(acc);
      rq.rows = std::uint32_t(rows);
      rq.sp_row = std::uint32_t(out_base + oslot * mb);
      rq.qp_row = std::uint32_t(nb);
      rq.zero_point = std::int8_t(out.zero_point);
      rq.act_min = std::int8_t(out.act_min);
      rq.act_max = std::int8_t(out.act_max);
      rq.deps.pop_next = block >= S;
      rq.deps.push_next = true;
      code.push_back(rq);
      isa::Instruction st = dma(isa::Opcode::Store, isa::Mem::Sp, out_base + oslot * mb, rows, cols,
                                g.layout.out + m0 * N + nb * C, N);
      st.deps.pop_prev = true;
      st.deps.push_prev = block + S < g.blocks;
      code.push_back(st);
    }
  }
  isa::Instruction halt;
  halt.opcode = isa::Opcode::Halt;
  code.push_back(halt);
  return g;
}

std::vector<std::uint8_t> gemm_dram_image(const GemmProblem& p, const GemmDramLayout& layout) {
  std::vector<std::uint8_t> dram(layout.bytes, 0);
  std::memcpy(&dram[layout.a], p.a.data(), p.a.size());
  std::memcpy(&dram[layout.w], p.w.data(), p.w.size());
  const std::vector<std::int32_t> colsum = golden::weight_column_sums(p.k, p.n, p.w.data());
  for (std::size_t j = 0; j < std::size_t(p.n); ++j) {
    const auto& ch = p.channels[j];
    const std::int32_t rec[3] = {
        std::int32_t(std::uint32_t(ch.bias) -
                     std::uint32_t(p.a_zero_point) * std::uint32_t(colsum[j])),
        ch.multiplier, ch.shift};
    std::memcpy(&dram[layout.p + 12 * j], rec, 12);
  }
  return dram;
}

std::vector<std::int8_t> gemm_dram_result(const std::vector<std::uint8_t>& dram,
                                          const GemmDramLayout& layout, int m, int n) {
  const std::size_t bytes = std::size_t(m) * std::size_t(n);
  if (dram.size() < layout.out + bytes)
    throw PlanError("gemm: DRAM image too small for the result");
  std::vector<std::int8_t> out(bytes);
  std::memcpy(out.data(), &dram[layout.out], bytes);
  return out;
}

}  // namespace serrano::workloads
