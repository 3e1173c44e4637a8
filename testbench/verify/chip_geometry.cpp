// SPDX-License-Identifier: Apache-2.0
#include "testbench/verify/chip_geometry.h"

#include <algorithm>

namespace serrano::verify {

ChipGeometry geometry(const arch::ArchConfig& cfg) {
  ChipGeometry g;
  g.R = std::uint32_t(cfg.array.rows);
  g.C = std::uint32_t(cfg.array.cols);
  g.W = std::max(g.R, g.C);
  g.row_bytes[0] = g.W;
  g.row_bytes[1] = g.C;
  g.row_bytes[2] = 4 * g.C;
  g.row_bytes[3] = 12 * g.C;
  g.rows[0] = cfg.scratchpad.size_bytes / g.W;
  g.rows[1] = cfg.weight_buffer.size_bytes / g.C;
  g.rows[2] = cfg.accumulator.size_bytes / (4ull * g.C);
  g.rows[3] = 256;  // isa::kQParamDepth
  g.banks[0] = std::uint32_t(cfg.scratchpad.banks);
  g.banks[1] = std::uint32_t(cfg.weight_buffer.banks);
  g.banks[2] = std::uint32_t(cfg.accumulator.banks);
  g.banks[3] = 1;
  g.lanes = std::uint32_t(cfg.vector.lanes);
  return g;
}

Accesses accesses_of(const isa::Instruction& in) {
  Accesses a;
  auto rows = [](Space s, std::uint64_t first, std::uint64_t n) {
    return Range{s, first, first + n};
  };
  const Space mem = Space(in.mem);
  switch (in.opcode) {
    case isa::Opcode::Load:
    case isa::Opcode::Store: {
      const Range dram{Space::Dram, in.dram_addr,
                       in.dram_addr + std::uint64_t(in.rows - 1) * in.dram_stride + in.bytes};
      const Range chip = rows(mem, in.row, in.rows);
      if (in.opcode == isa::Opcode::Load) {
        a.reads.push_back(dram);
        a.writes.push_back(chip);
      } else {
        a.reads.push_back(chip);
        a.writes.push_back(dram);
      }
      break;
    }
    case isa::Opcode::Preload: a.reads.push_back(rows(Space::Wb, in.wb_row, in.rows)); break;
    case isa::Opcode::Matmul:
      a.reads.push_back(rows(Space::Sp, in.sp_row, in.rows));
      if (in.accumulate) a.reads.push_back(rows(Space::Acc, in.acc_row, in.rows));
      a.writes.push_back(rows(Space::Acc, in.acc_row, in.rows));
      break;
    case isa::Opcode::Requant:
      a.reads.push_back(rows(Space::Acc, in.acc_row, in.rows));
      a.reads.push_back(rows(Space::Qp, in.qp_row, 1));
      a.writes.push_back(rows(Space::Sp, in.sp_row, in.rows));
      break;
    case isa::Opcode::Vec: {
      const isa::VecOp op = in.vec_op;
      const std::uint64_t len = isa::vec_is_row_op(op) ? in.len : 1;
      const std::uint64_t n = std::uint64_t(in.rows) * len;
      a.reads.push_back(rows(isa::vec_a_on_acc(op) ? Space::Acc : Space::Sp, in.src_a, n));
      if (isa::vec_has_b(op)) {
        a.reads.push_back(rows(isa::vec_b_on_acc(op) ? Space::Acc : Space::Sp, in.src_b, n));
      }
      a.writes.push_back(rows(isa::vec_writes_acc(op) ? Space::Acc : Space::Sp, in.dst, n));
      if (op == isa::VecOp::LayerNorm || op == isa::VecOp::RmsNorm) {
        a.reads.push_back(Range{Space::Qp, in.qp_row, isa::kMaxQpRow + 1});
      } else if (isa::vec_param_bytes(op, 0, 1) > 0) {
        // Q = ceil(B / 12C) <= ceil(B / 12) rows: C >= 1 (conservative)
        a.reads.push_back(rows(Space::Qp, in.qp_row, (isa::vec_param_bytes(op, 0, 1) + 11) / 12));
      }
      break;
    }
    case isa::Opcode::Sync:
    case isa::Opcode::Halt: break;
  }
  return a;
}

bool overlap(const Range& a, const Range& b) {
  return a.space == b.space && a.lo < b.hi && b.lo < a.hi;
}

bool conflict(const Accesses& x, const Accesses& y) {
  for (const Range& w : x.writes) {
    for (const Range& r : y.reads) {
      if (overlap(w, r)) return true;
    }
    for (const Range& v : y.writes) {
      if (overlap(w, v)) return true;
    }
  }
  for (const Range& w : y.writes) {
    for (const Range& r : x.reads) {
      if (overlap(w, r)) return true;
    }
  }
  return false;
}

}  // namespace serrano::verify
