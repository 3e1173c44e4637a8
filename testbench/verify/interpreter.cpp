// SPDX-License-Identifier: Apache-2.0
#include "testbench/verify/interpreter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "golden/golden.h"
#include "golden/vector_ops.h"
#include "model/chip/chip_units.h"

namespace serrano::verify {

namespace {

std::string describe(const std::vector<isa::Instruction>& p, std::size_t i) {
  return fmt::format("instruction {} ({})", i, isa::to_text(p[i]));
}

struct Machine {
  const ChipGeometry& g;
  std::vector<std::int8_t> sp, wb;
  std::vector<std::int32_t> acc;
  std::vector<golden::RequantChannel> qp;
  std::vector<std::uint8_t> qp_bytes;  // parameter rows as loaded (12C bytes a row)
  std::vector<std::int8_t> tile;  // the latest preload: K x C
  std::uint32_t k = 0;            // its rows (0: none yet; a matmul then adds zeros)

  explicit Machine(const ChipGeometry& geo)
      : g(geo),
        sp(g.rows[0] * g.W, 0),
        wb(g.rows[1] * g.C, 0),
        acc(g.rows[2] * g.C, 0),
        qp(g.rows[3] * g.C),
        qp_bytes(g.rows[3] * 12 * g.C, 0) {}

  // Bytes of on-chip row r of memory m as laid out in DRAM (little-endian int32, 12-byte records).
  void write_row(isa::Mem m, std::uint64_t r, const std::uint8_t* src, std::uint32_t bytes) {
    switch (m) {
      case isa::Mem::Sp: std::memcpy(&sp[r * g.W], src, bytes); break;
      case isa::Mem::Wb: std::memcpy(&wb[r * g.C], src, bytes); break;
      case isa::Mem::Acc:
        for (std::uint32_t e = 0; e < bytes / 4; ++e) {
          acc[r * g.C + e] = std::int32_t(
              std::uint32_t(src[4 * e]) | std::uint32_t(src[4 * e + 1]) << 8 |
              std::uint32_t(src[4 * e + 2]) << 16 | std::uint32_t(src[4 * e + 3]) << 24);
        }
        break;
      case isa::Mem::Qp:
        // The bytes as loaded (vector parameter blocks) and the requant records; a shift outside
        // [-31, 31] is an error when a requant uses it.
        std::memcpy(&qp_bytes[r * 12 * g.C], src, bytes);
        for (std::uint32_t ch = 0; ch < bytes / 12; ++ch) {
          std::int32_t v[3];
          for (int f = 0; f < 3; ++f) {
            const std::uint8_t* b = src + 12 * ch + 4 * f;
            v[f] = std::int32_t(std::uint32_t(b[0]) | std::uint32_t(b[1]) << 8 |
                                std::uint32_t(b[2]) << 16 | std::uint32_t(b[3]) << 24);
          }
          qp[r * g.C + ch] = golden::RequantChannel{v[0], v[1], v[2]};
        }
        break;
    }
  }

  void read_row(isa::Mem m, std::uint64_t r, std::uint8_t* dst, std::uint32_t bytes) const {
    if (m == isa::Mem::Sp) {
      std::memcpy(dst, &sp[r * g.W], bytes);
      return;
    }
    for (std::uint32_t b = 0; b < bytes; ++b) {  // accumulators, little-endian
      const auto v = std::uint32_t(acc[r * g.C + b / 4]);
      dst[b] = std::uint8_t(v >> (8 * (b % 4)));
    }
  }

  void matmul(const isa::Instruction& in) {
    for (std::uint32_t m = 0; m < in.rows; ++m) {
      const std::int8_t* a = &sp[(in.sp_row + m) * std::uint64_t(g.W)];
      std::int32_t* out = &acc[(in.acc_row + m) * std::uint64_t(g.C)];
      for (std::uint32_t n = 0; n < g.C; ++n) {
        std::uint32_t sum = 0;  // int32 arithmetic wraps
        for (std::uint32_t kk = 0; kk < k; ++kk) {
          sum += std::uint32_t(std::int32_t(a[kk]) * std::int32_t(tile[kk * g.C + n]));
        }
        out[n] = std::int32_t(in.accumulate ? std::uint32_t(out[n]) + sum : sum);
      }
    }
  }

  void requant(const isa::Instruction& in, const std::vector<isa::Instruction>& p, std::size_t i) {
    for (std::uint32_t n = 0; n < g.C; ++n) {
      const int shift = qp[in.qp_row * std::uint64_t(g.C) + n].shift;
      if (shift < -31 || shift > 31) {
        throw model::ChipError(
            fmt::format("{}: channel {} of parameter row {} has shift {}, outside [-31, 31]",
                        describe(p, i), n, in.qp_row, shift));
      }
    }
    const golden::RequantOutput o{in.zero_point, in.act_min, in.act_max};
    for (std::uint32_t m = 0; m < in.rows; ++m) {
      for (std::uint32_t n = 0; n < g.C; ++n) {
        sp[(in.sp_row + m) * std::uint64_t(g.W) + n] =
            golden::requantize(acc[(in.acc_row + m) * std::uint64_t(g.C) + n],
                               qp[in.qp_row * std::uint64_t(g.C) + n], o);
      }
    }
  }

  // golden::execute_vector_op on these memories.
  void vec(const isa::Instruction& in, const std::vector<isa::Instruction>& p, std::size_t i) {
    golden::VectorMemories vm;
    vm.sp = sp.data();
    vm.sp_rows = g.rows[0];
    vm.sp_width = g.W;
    vm.acc = acc.data();
    vm.acc_rows = g.rows[2];
    vm.cols = g.C;
    vm.qp = qp_bytes.data();
    vm.qp_rows = g.rows[3];
    const golden::VectorOpArgs args = model::chip::vector_args(in);
    const std::string why = golden::check_vector_op(args, vm);
    if (!why.empty()) throw model::ChipError(describe(p, i) + ": " + why);
    try {
      golden::execute_vector_op(args, vm);
    } catch (const golden::VectorParamError& e) {
      throw model::ChipError(describe(p, i) + ": " + e.what());
    }
  }
};

void check_rows(const std::vector<isa::Instruction>& p, std::size_t i, const char* what,
                std::uint64_t first, std::uint64_t n, std::uint64_t cap) {
  if (first + n > cap) {
    throw model::ChipError(fmt::format("{}: {} rows [{}, {}) exceed its {} rows", describe(p, i),
                                       what, first, first + n, cap));
  }
}

}  // namespace

Interpreter::Interpreter(const arch::ArchConfig& cfg) : m_cfg(cfg), m_g(geometry(cfg)) {}

model::ChipRunResult Interpreter::run(const std::vector<isa::Instruction>& p,
                                      std::vector<std::uint8_t> dram, std::uint64_t dram_bytes) {
  dram.resize(std::max<std::uint64_t>(dram.size(), dram_bytes), 0);
  Machine mc(m_g);
  model::ChipRunResult result;
  result.timing.resize(p.size());
  std::vector<std::uint8_t> row;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const isa::Instruction& in = p[i];
    isa::validate(in);
    if (in.opcode == isa::Opcode::Halt) break;
    result.timing[i].queue = isa::queue_of(in);
    switch (in.opcode) {
      case isa::Opcode::Load:
      case isa::Opcode::Store: {
        const auto m = std::size_t(in.mem);
        check_rows(p, i, isa::to_string(in.mem), in.row, in.rows, m_g.rows[m]);
        if (in.bytes > m_g.row_bytes[m] || in.bytes % m_g.unit_bytes[m] != 0) {
          throw model::ChipError(fmt::format("{}: bytes={} do not fit the {} row", describe(p, i),
                                             in.bytes, isa::to_string(in.mem)));
        }
        const std::uint64_t end =
            in.dram_addr + std::uint64_t(in.rows - 1) * in.dram_stride + in.bytes;
        if (end > dram.size()) {
          throw model::ChipError(
              fmt::format("{}: DRAM bytes [{:#x}, {:#x}) outside the {} bytes "
                          "of DRAM",
                          describe(p, i), in.dram_addr, end, dram.size()));
        }
        row.resize(in.bytes);
        for (std::uint32_t r = 0; r < in.rows; ++r) {
          std::uint8_t* d = &dram[in.dram_addr + std::uint64_t(r) * in.dram_stride];
          if (in.opcode == isa::Opcode::Load) {
            mc.write_row(in.mem, in.row + r, d, in.bytes);
          } else {
            mc.read_row(in.mem, in.row + r, row.data(), in.bytes);
            std::memcpy(d, row.data(), in.bytes);
          }
        }
        break;
      }
      case isa::Opcode::Preload:
        if (in.rows > m_g.R) {
          throw model::ChipError(
              fmt::format("{}: a weight tile has at most {} rows", describe(p, i), m_g.R));
        }
        check_rows(p, i, "weight buffer", in.wb_row, in.rows, m_g.rows[1]);
        mc.k = in.rows;
        mc.tile.assign(mc.wb.begin() + std::ptrdiff_t(in.wb_row * m_g.C),
                       mc.wb.begin() + std::ptrdiff_t((in.wb_row + in.rows) * m_g.C));
        break;
      case isa::Opcode::Matmul:
        check_rows(p, i, "scratchpad", in.sp_row, in.rows, m_g.rows[0]);
        check_rows(p, i, "accumulator", in.acc_row, in.rows, m_g.rows[2]);
        mc.matmul(in);
        break;
      case isa::Opcode::Requant:
        check_rows(p, i, "accumulator", in.acc_row, in.rows, m_g.rows[2]);
        check_rows(p, i, "scratchpad", in.sp_row, in.rows, m_g.rows[0]);
        if (in.act_min > in.act_max) {
          throw model::ChipError(describe(p, i) + ": min must not exceed max");
        }
        mc.requant(in, p, i);
        break;
      case isa::Opcode::Vec: {
        if (unsigned(in.vec_op) < unsigned(isa::VecOp::Softmax)) {
          const bool on_acc = isa::vec_writes_acc(in.vec_op);
          const std::uint64_t cap = m_g.rows[on_acc ? 2 : 0];
          const char* what = on_acc ? "accumulator" : "scratchpad";
          check_rows(p, i, what, in.dst, in.rows, cap);
          check_rows(p, i, what, in.src_a, in.rows, cap);
          check_rows(p, i, what, in.src_b, in.rows, cap);
        }
        mc.vec(in, p, i);
        break;
      }
      case isa::Opcode::Sync:
      case isa::Opcode::Halt: break;
    }
  }
  result.dram = std::move(dram);
  return result;
}

std::vector<ByteWriter> dram_writers(const std::vector<isa::Instruction>& program,
                                     std::uint64_t dram_bytes) {
  std::vector<ByteWriter> w(dram_bytes);
  for (std::size_t i = 0; i < program.size(); ++i) {
    const isa::Instruction& in = program[i];
    if (in.opcode == isa::Opcode::Halt) break;
    if (in.opcode != isa::Opcode::Store) continue;
    for (std::uint32_t r = 0; r < in.rows; ++r) {
      for (std::uint32_t b = 0; b < in.bytes; ++b) {
        const std::uint64_t a = in.dram_addr + std::uint64_t(r) * in.dram_stride + b;
        if (a < dram_bytes) w[a] = ByteWriter{std::int64_t(i), r, b};
      }
    }
  }
  return w;
}

}  // namespace serrano::verify
