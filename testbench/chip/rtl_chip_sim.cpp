// SPDX-License-Identifier: Apache-2.0
// What every chip build shares: the program checks (the model's, with the same messages, and
// the RTL build's own limits), the config check and the cycle limit.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "golden/vector_ops.h"
#include "isa/instruction.h"
#include "model/chip/chip_sim.h"
#include "model/chip/chip_units.h"
#include "testbench/chip/rtl_chip_params.h"

namespace serrano::testbench::chip {

std::string describe(const std::vector<isa::Instruction>& program, std::size_t i) {
  return fmt::format("instruction {} ({})", i, isa::to_text(program[i]));
}

namespace {

void check_rows(const std::vector<isa::Instruction>& p, std::size_t i, const char* what,
                std::uint64_t first, std::uint64_t count, std::uint64_t capacity) {
  if (first + count > capacity) {
    throw model::ChipError(fmt::format("{}: {} rows [{}, {}) exceed its {} rows", describe(p, i),
                                       what, first, first + count, capacity));
  }
}

}  // namespace

void check_program(const std::vector<isa::Instruction>& program, const ChipBuildParams& p,
                   std::uint64_t dram_size) {
  if (program.size() > p.imem_depth) {
    throw model::ChipError(
        fmt::format("program of {} instructions does not fit the RTL build's instruction memory "
                    "of {} instructions",
                    program.size(), p.imem_depth));
  }
  if (dram_size > kMaxDramBytes) {
    throw model::ChipError(
        fmt::format("DRAM of {} bytes is larger than the RTL harness holds ({} bytes)", dram_size,
                    kMaxDramBytes));
  }
  const auto R = std::uint64_t(p.rows), C = std::uint64_t(p.cols), W = std::max(R, C);
  const auto capacity = [&](isa::Mem m) -> std::uint64_t {
    switch (m) {
      case isa::Mem::Sp: return p.sp_depth;
      case isa::Mem::Wb: return p.wb_depth;
      case isa::Mem::Acc: return p.acc_depth;
      case isa::Mem::Qp: return kQParamRows;
    }
    return 0;
  };
  const auto width = [&](isa::Mem m) -> std::uint64_t {
    switch (m) {
      case isa::Mem::Sp: return W;
      case isa::Mem::Wb: return C;
      case isa::Mem::Acc: return 4 * C;
      case isa::Mem::Qp: return 12 * C;
    }
    return 0;
  };
  for (std::size_t i = 0; i < program.size(); ++i) {
    const isa::Instruction& in = program[i];
    isa::validate(in);
    switch (in.opcode) {
      case isa::Opcode::Load:
      case isa::Opcode::Store: {
        const char* mem_name = isa::to_string(in.mem);
        check_rows(program, i, mem_name, in.row, in.rows, capacity(in.mem));
        if (in.bytes > width(in.mem)) {
          throw model::ChipError(fmt::format("{}: bytes={} exceed the {} row of {} bytes",
                                             describe(program, i), in.bytes, mem_name,
                                             width(in.mem)));
        }
        const std::uint32_t unit = in.mem == isa::Mem::Acc ? 4 : in.mem == isa::Mem::Qp ? 12 : 1;
        if (in.bytes % unit != 0) {
          throw model::ChipError(
              fmt::format("{}: bytes={} is not a whole number of {}-byte {} entries",
                          describe(program, i), in.bytes, unit, mem_name));
        }
        const std::uint64_t end =
            in.dram_addr + std::uint64_t(in.rows - 1) * in.dram_stride + in.bytes;
        if (end > dram_size) {
          throw model::ChipError(
              fmt::format("{}: DRAM bytes [{:#x}, {:#x}) outside the {} bytes of DRAM",
                          describe(program, i), in.dram_addr, end, dram_size));
        }
        break;
      }
      case isa::Opcode::Preload:
        if (in.rows > R) {
          throw model::ChipError(fmt::format(
              "{}: a weight tile has at most {} rows (the array's rows)", describe(program, i), R));
        }
        check_rows(program, i, "weight buffer", in.wb_row, in.rows, capacity(isa::Mem::Wb));
        break;
      case isa::Opcode::Matmul:
        check_rows(program, i, "scratchpad", in.sp_row, in.rows, capacity(isa::Mem::Sp));
        check_rows(program, i, "accumulator", in.acc_row, in.rows, capacity(isa::Mem::Acc));
        break;
      case isa::Opcode::Requant:
        check_rows(program, i, "accumulator", in.acc_row, in.rows, capacity(isa::Mem::Acc));
        check_rows(program, i, "scratchpad", in.sp_row, in.rows, capacity(isa::Mem::Sp));
        if (in.act_min > in.act_max) {
          throw model::ChipError(describe(program, i) + ": min must not exceed max");
        }
        break;
      case isa::Opcode::Vec: {
        if (unsigned(in.vec_op) >= unsigned(isa::VecOp::Softmax)) {
          golden::VectorMemories vm;  // sizes only, as the model checks
          vm.sp_rows = capacity(isa::Mem::Sp);
          vm.sp_width = std::uint64_t(std::max(p.rows, p.cols));
          vm.acc_rows = capacity(isa::Mem::Acc);
          vm.cols = std::uint64_t(p.cols);
          vm.qp_rows = kQParamRows;
          const std::string why = golden::check_vector_op(model::chip::vector_args(in), vm);
          if (!why.empty()) throw model::ChipError(describe(program, i) + ": " + why);
          break;
        }
        const bool acc = isa::vec_writes_acc(in.vec_op);
        const char* name = acc ? "accumulator" : "scratchpad";
        const std::uint64_t cap = capacity(acc ? isa::Mem::Acc : isa::Mem::Sp);
        check_rows(program, i, name, in.dst, in.rows, cap);
        check_rows(program, i, name, in.src_a, in.rows, cap);
        check_rows(program, i, name, in.src_b, in.rows, cap);
        break;
      }
      case isa::Opcode::Sync:
      case isa::Opcode::Halt: break;
    }
  }
}

void check_config(const arch::ArchConfig& cfg, const ChipBuildParams& p, const std::string& build) {
  const auto W = std::uint64_t(std::max(cfg.array.rows, cfg.array.cols));
  const auto C = std::uint64_t(cfg.array.cols);
  const std::uint64_t sp = cfg.scratchpad.size_bytes / W, wb = cfg.weight_buffer.size_bytes / C,
                      acc = cfg.accumulator.size_bytes / (4 * C);
  const auto differ = [&](const char* field, std::uint64_t want, std::uint64_t have) {
    if (want != have) {
      throw std::invalid_argument(fmt::format(
          "{}: {} is {}, but the verilated chip build {} has {} (rebuild after changing "
          "configs/{}.yaml)",
          cfg.name, field, want, build, have, cfg.name));
    }
  };
  differ("array.rows", std::uint64_t(cfg.array.rows), std::uint64_t(p.rows));
  differ("array.cols", std::uint64_t(cfg.array.cols), std::uint64_t(p.cols));
  differ("scratchpad rows", sp, p.sp_depth);
  differ("weight_buffer rows", wb, p.wb_depth);
  differ("accumulator rows", acc, p.acc_depth);
  differ("scratchpad.banks", std::uint64_t(cfg.scratchpad.banks), std::uint64_t(p.sp_banks));
  differ("weight_buffer.banks", std::uint64_t(cfg.weight_buffer.banks), std::uint64_t(p.wb_banks));
  differ("accumulator.banks", std::uint64_t(cfg.accumulator.banks), std::uint64_t(p.acc_banks));
  differ("vector.lanes", std::uint64_t(cfg.vector.lanes), std::uint64_t(p.lanes));
  const int dataflow = cfg.array.dataflow == arch::Dataflow::OutputStationary ? 1 : 0;
  if (dataflow != p.dataflow) {
    throw std::invalid_argument(fmt::format(
        "{}: array.dataflow is {}, but the verilated chip build {} is {} (rebuild after changing "
        "configs/{}.yaml)",
        cfg.name, arch::to_string(cfg.array.dataflow), build, p.dataflow == 1 ? "os" : "ws",
        cfg.name));
  }
}

void count_traffic(const std::vector<isa::Instruction>& program, std::size_t n,
                   const ChipBuildParams& p, model::ChipRunResult& result) {
  const auto R = std::uint64_t(p.rows), C = std::uint64_t(p.cols), W = std::max(R, C);
  auto* rd = result.sram_read_bytes;
  auto* wr = result.sram_write_bytes;
  constexpr auto sp = std::size_t(isa::Mem::Sp), wb = std::size_t(isa::Mem::Wb),
                 acc = std::size_t(isa::Mem::Acc), qp = std::size_t(isa::Mem::Qp);
  std::uint64_t buf_k[2] = {0, 0};
  int cur = 1;  // the first preload fills buffer 0 (docs/array-timing.md)
  for (std::size_t i = 0; i < n; ++i) {
    const isa::Instruction& in = program[i];
    const std::uint64_t rows = in.rows, bytes = rows * in.bytes;
    switch (in.opcode) {
      case isa::Opcode::Load: wr[std::size_t(in.mem)] += bytes; break;
      case isa::Opcode::Store: rd[std::size_t(in.mem)] += bytes; break;
      case isa::Opcode::Preload:
        cur = 1 - cur;
        buf_k[cur] = rows;
        rd[wb] += rows * C;
        break;
      case isa::Opcode::Matmul:
        result.array_stream_rows += rows;
        result.array_macs += rows * buf_k[cur] * C;
        rd[sp] += rows * R;
        wr[acc] += rows * 4 * C;
        if (in.accumulate) rd[acc] += rows * 4 * C;
        break;
      case isa::Opcode::Requant:
        rd[acc] += rows * 4 * C;
        rd[qp] += 12 * C;
        wr[sp] += rows * C;
        break;
      case isa::Opcode::Vec: isa::add_vec_sram_bytes(in, W, C, rd, wr); break;
      case isa::Opcode::Sync:
      case isa::Opcode::Halt: break;
    }
  }
}

std::uint64_t cycle_limit(const std::vector<isa::Instruction>& program,
                          const arch::ArchConfig& cfg) {
  // Every instruction alone, one after the other, with generous DRAM and bank waits, twice over.
  const double burst_cycles =
      double(cfg.dram.burst_bytes) * cfg.dram.channels * cfg.clock_ghz / cfg.dram.bandwidth_gbps;
  const auto burst = std::uint64_t(std::ceil(burst_cycles)) + 1;
  const auto latency = std::uint64_t(std::ceil(cfg.dram.latency_ns * cfg.clock_ghz)) + 1;
  const auto rc = std::uint64_t(cfg.array.rows + cfg.array.cols);
  std::uint64_t sum = 0;
  for (const auto& in : program) {
    const std::uint64_t rows = in.rows + 1;
    const std::uint64_t bursts = rows * (in.bytes / std::uint64_t(cfg.dram.burst_bytes) + 2);
    sum += latency + bursts * burst + rows * (rc + 16) + 64;
    if (in.opcode == isa::Opcode::Vec) {
      const auto W = std::uint64_t(std::max(cfg.array.rows, cfg.array.cols));
      sum += isa::vec_cycles(in, W, std::uint64_t(cfg.array.cols), std::uint64_t(cfg.vector.lanes));
    }
  }
  return 2 * sum + 10000;
}

}  // namespace serrano::testbench::chip
