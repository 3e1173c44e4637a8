// SPDX-License-Identifier: Apache-2.0
// Cycle-driven harness for one verilated build of serrano_chip (rtl/serrano_chip.sv), behind
// model::IChipSim. Included only by the generated per-build sources
// (build/testbench/chip/rtl_chip_build_*.cpp), which instantiate it.
//
// The DRAM is model/dram's DramTiming, attached as the SystemC model's DramTarget attaches it:
// requests made in one cycle are served load first, then store; a load's data is read from the
// image when it is requested and row j may be written from start + L + ceil((j + 1) x D / rows)
// (D = done - L - start); a store's rows reach the image when its write is requested, and the
// store completes when the DRAM says the write is done. docs/chip-rtl.md describes the ports.
#pragma once

#include <fmt/format.h>
#include <verilated.h>
#include <verilated_fst_c.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "isa/instruction.h"
#include "model/dram/dram_timing.h"
#include "testbench/chip/rtl_chip_params.h"
#include "testbench/chip/rtl_chip_sim.h"

namespace serrano::testbench::chip {

// ---- bit access to verilated ports of any width
template <class P>
std::uint64_t get_bits(const P& port, unsigned lsb, unsigned width) {
  const std::uint64_t v = std::uint64_t(port) >> lsb;
  return width >= 64 ? v : v & ((std::uint64_t(1) << width) - 1);
}
template <std::size_t N>
std::uint64_t get_bits(const VlWide<N>& port, unsigned lsb, unsigned width) {
  std::uint64_t v = 0;
  for (unsigned b = 0; b < width; ++b) {
    const unsigned bit = lsb + b;
    v |= std::uint64_t((port[bit / 32] >> (bit % 32)) & 1u) << b;
  }
  return v;
}
template <class P>
void set_bit(P& port, unsigned bit, bool value) {
  using T = std::remove_reference_t<P>;
  if (value) {
    port = T(port | (T(1) << bit));
  } else {
    port = T(port & ~(T(1) << bit));
  }
}
template <std::size_t N>
void set_bytes(VlWide<N>& port, unsigned byte, const std::uint8_t* data, std::size_t n,
               std::size_t width) {
  for (std::size_t i = 0; i < width; ++i) {
    const std::size_t b = byte + i;
    const EData v = i < n ? data[i] : 0;
    port[b / 4] = (port[b / 4] & ~(EData(0xff) << (8 * (b % 4)))) | (v << (8 * (b % 4)));
  }
}
template <class P>
void set_bytes(P& port, unsigned byte, const std::uint8_t* data, std::size_t n, std::size_t width) {
  for (std::size_t i = 0; i < width; ++i) {
    const std::uint64_t v = i < n ? data[i] : 0;
    const unsigned sh = unsigned(8 * (byte + i));
    port = P((std::uint64_t(port) & ~(std::uint64_t(0xff) << sh)) | (v << sh));
  }
}
template <std::size_t N>
void get_bytes(const VlWide<N>& port, unsigned byte, std::uint8_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t b = byte + i;
    out[i] = std::uint8_t(port[b / 4] >> (8 * (b % 4)));
  }
}
template <class P>
void get_bytes(const P& port, unsigned byte, std::uint8_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    out[i] = std::uint8_t(std::uint64_t(port) >> (8 * (byte + i)));
}

template <class V>
class RtlChipSim final : public model::IChipSim {
 public:
  RtlChipSim(const arch::ArchConfig& cfg, RtlChipBuild build, ChipBuildParams params,
             RtlChipOptions options)
      : m_cfg(cfg), m_build(std::move(build)), m_p(params), m_opt(std::move(options)) {
    check_config(cfg, m_p, m_build.name);
  }

  std::string name() const override {
    return m_build.variant.empty() ? "rtl" : "rtl-" + m_build.variant;
  }
  const arch::ArchConfig& config() const override { return m_cfg; }

  model::ChipRunResult run(const std::vector<isa::Instruction>& program,
                           std::vector<std::uint8_t> dram, std::uint64_t dram_bytes) override {
    const std::uint64_t dram_size = std::max<std::uint64_t>(dram.size(), dram_bytes);
    check_program(program, m_p, dram_size);
    dram.resize(dram_size, 0);

    model::ChipRunResult result;
    result.timing.assign(program.size(), model::InstructionTiming{});
    std::size_t n = program.size();  // instructions that run: up to and including halt
    for (std::size_t i = 0; i < program.size(); ++i) {
      if (program[i].opcode == isa::Opcode::Halt) {
        n = i + 1;
        break;
      }
    }
    std::size_t expected = 0;  // instructions that complete (halt does not)
    for (std::size_t i = 0; i < n; ++i) {
      if (program[i].opcode == isa::Opcode::Halt) continue;
      result.timing[i].queue = isa::queue_of(program[i]);
      ++expected;
      auto& s = stats(result, result.timing[i].queue);
      ++s.instructions;
    }

    VerilatedContext ctx;
    ctx.randReset(0);
    const bool wave = !m_opt.wave_path.empty();
    if (wave) ctx.traceEverOn(true);
    V top(&ctx, "chip");
    std::unique_ptr<VerilatedFstC> fst;
    if (wave) {
      fst = std::make_unique<VerilatedFstC>();
      top.trace(fst.get(), 99);
      fst->open(m_opt.wave_path.c_str());
    }

    // Reset, fill the instruction memory (not counted), prefetch instruction 0.
    top.clk_i = 0;
    top.run_i = 0;
    top.imem_we_i = 0;
    top.rst_ni = 0;
    top.eval();
    tick(top);
    top.rst_ni = 1;
    top.eval();
    top.imem_we_i = 1;
    for (std::size_t i = 0; i < program.size(); ++i) {
      const auto words = isa::encode(program[i]);
      top.imem_waddr_i = static_cast<std::remove_reference_t<decltype(top.imem_waddr_i)>>(i);
      top.imem_wdata_i[0] = EData(words[0]);
      top.imem_wdata_i[1] = EData(words[0] >> 32);
      top.imem_wdata_i[2] = EData(words[1]);
      top.imem_wdata_i[3] = EData(words[1] >> 32);
      tick(top);
    }
    top.imem_we_i = 0;
    top.prog_len_i = static_cast<std::remove_reference_t<decltype(top.prog_len_i)>>(program.size());
    tick(top);
    top.run_i = 1;

    dram::DramTiming timing(m_cfg.dram, m_cfg.clock_ghz);
    const std::uint64_t latency = timing.latency_cycles();
    struct Load {
      std::uint64_t first = 0, data_time = 0;
      std::uint32_t rows = 0, bytes = 0;
      std::vector<std::uint8_t> data;
    };
    struct Store {
      std::uint64_t done = 0;
      std::vector<std::uint8_t> data;
    };
    Load loads[kDmaTags];
    Store stores[kDmaTags];
    std::deque<std::size_t> started[3];  // started, not yet complete, per queue
    const unsigned LL = unsigned(m_p.sp_banks + m_p.wb_banks + m_p.acc_banks + 1);
    const unsigned SL = unsigned(std::max(m_p.sp_banks, m_p.acc_banks));
    const unsigned qp_bytes = 12u * unsigned(m_p.cols), acc_bytes = 4u * unsigned(m_p.cols);
    const std::uint64_t limit = cycle_limit(program, m_cfg);
    std::size_t completed = 0;
    std::uint64_t end_of_dispatch = 0, last_complete = 0;
    std::vector<std::uint8_t> row(qp_bytes);

    for (std::uint64_t x = 0;; ++x) {
      // Inputs for cycle x: DRAM write completions and the rows the load DMA looks at.
      for (int tag = 0; tag < kDmaTags; ++tag) {
        set_bit(top.dram_wr_done_i, unsigned(tag), x >= stores[tag].done);
      }
      for (unsigned l = 0; l < LL; ++l) {
        bool arrived = false;
        std::size_t nb = 0;
        const std::uint8_t* src = nullptr;
        if (get_bits(top.dram_rd_lane_valid_o, l, 1)) {
          const Load& ld = loads[get_bits(top.dram_rd_lane_tag_o, 3 * l, 3)];
          const std::uint64_t j = get_bits(top.dram_rd_lane_row_o, 16 * l, 16);
          const std::uint64_t arrival = ld.first + ((j + 1) * ld.data_time + ld.rows - 1) /
                                                       std::max<std::uint32_t>(ld.rows, 1);
          arrived = x >= arrival;
          if (j < ld.rows) {
            src = ld.data.data() + j * ld.bytes;
            nb = ld.bytes;
          }
        }
        set_bit(top.dram_rd_lane_arrived_i, l, arrived);
        set_bytes(top.dram_rd_lane_data_i, l * qp_bytes, src,
                  src ? std::min<std::size_t>(nb, qp_bytes) : 0, qp_bytes);
      }
      top.clk_i = 0;
      top.eval();
      if (fst && x >= m_opt.wave_from && x <= m_opt.wave_to) fst->dump(2 * x + 1);
      if (top.overflow_o) {
        throw model::ChipError("rtl: the compute completion buffer overflowed");
      }

      // Events of cycle x.
      bool progress = false;
      if (top.ev_dispatch_o) {
        const std::size_t i = std::size_t(top.ev_dispatch_idx_o);
        result.timing[i].dispatch = x;
        end_of_dispatch = x + 1;
        progress = true;
      }
      for (unsigned q = 0; q < 3; ++q) {
        if (get_bits(top.ev_start_o, q, 1)) {
          const std::size_t i = std::size_t(get_bits(top.ev_start_idx_o, 24 * q, 24));
          result.timing[i].start = x;
          started[q].push_back(i);
          progress = true;
        }
      }
      for (unsigned q = 0; q < 3; ++q) {
        std::uint64_t k = get_bits(top.ev_retire_o, 16 * q, 16);
        for (; k > 0; --k) {
          if (started[q].empty())
            throw model::ChipError("rtl: a queue completed more than it started");
          const std::size_t i = started[q].front();
          started[q].pop_front();
          result.timing[i].complete = x;
          last_complete = std::max(last_complete, x);
          auto& s = stats(result, isa::Queue(q));
          const std::uint64_t from = std::max(result.timing[i].start, m_busy_end[q]);
          if (x > from) s.busy += x - from;
          m_busy_end[q] = std::max(m_busy_end[q], x);
          ++completed;
        }
      }

      // DRAM requests of cycle x: load first, then store.
      if (top.dram_rd_req_o) {
        const std::uint64_t addr = top.dram_rd_addr_o;
        const std::uint32_t rows = top.dram_rd_rows_o, bytes = top.dram_rd_bytes_o;
        const std::uint64_t stride = top.dram_rd_stride_o;
        Load& ld = loads[top.dram_rd_tag_o];
        const dram::Transfer t = timing.access(x, addr, rows, bytes, stride, false);
        ld.first = t.start + latency;
        ld.data_time = t.done > ld.first ? t.done - ld.first : 0;
        ld.rows = rows;
        ld.bytes = bytes;
        ld.data.assign(std::size_t(rows) * bytes, 0);
        for (std::uint32_t r = 0; r < rows; ++r) {
          const std::uint64_t a = addr + r * stride;
          if (a + bytes <= dram.size()) {
            std::memcpy(&ld.data[std::size_t(r) * bytes], &dram[a], bytes);
          }
        }
        result.dram_read_bytes += std::uint64_t(rows) * bytes;
        // The load starting now made this request. The model refuses a bad shift when a requant
        // uses it; the harness refuses it here, in rows that a requant of the program reads.
        const std::size_t i = std::size_t(get_bits(top.ev_start_idx_o, 0, 24));
        if (program[i].mem == isa::Mem::Qp) check_shifts(program, i, ld.data);
      }
      for (unsigned l = 0; l < SL; ++l) {
        if (!get_bits(top.dram_wr_beat_valid_o, l, 1)) continue;
        Store& st = stores[top.dram_wr_beat_tag_o];
        const std::size_t j = std::size_t(get_bits(top.dram_wr_beat_row_o, 16 * l, 16));
        if (st.data.size() < (j + 1) * acc_bytes) st.data.resize((j + 1) * acc_bytes, 0);
        get_bytes(top.dram_wr_beat_data_o, l * acc_bytes, &st.data[j * acc_bytes], acc_bytes);
      }
      if (top.dram_wr_req_o) {
        const std::uint64_t addr = top.dram_wr_addr_o;
        const std::uint32_t rows = top.dram_wr_rows_o, bytes = top.dram_wr_bytes_o;
        const std::uint64_t stride = top.dram_wr_stride_o;
        Store& st = stores[top.dram_wr_tag_o];
        const dram::Transfer t = timing.access(x, addr, rows, bytes, stride, true);
        st.done = t.done;
        st.data.resize(std::size_t(rows) * acc_bytes, 0);
        for (std::uint32_t r = 0; r < rows; ++r) {
          const std::uint64_t a = addr + r * stride;
          if (a + bytes <= dram.size()) {
            std::memcpy(&dram[a], &st.data[std::size_t(r) * acc_bytes], bytes);
          }
        }
        st.data.clear();
        result.dram_write_bytes += std::uint64_t(rows) * bytes;
      }

      if (completed == expected && top.dispatch_done_o) break;
      if (!progress && top.quiet_o) throw deadlock(program, top);
      if (x >= limit) {
        throw model::ChipError(fmt::format(
            "deadlock: no end after {} cycles (the RTL's limit for this program)", limit));
      }
      top.clk_i = 1;
      top.eval();
      if (fst && x >= m_opt.wave_from && x <= m_opt.wave_to) fst->dump(2 * x + 2);
    }
    if (fst) fst->close();
    top.final();

    if (n < program.size()) {
      throw model::ChipError("deadlock: instructions remain but no queue can make progress");
    }
    count_traffic(program, n, m_p, result);
    result.total_cycles = std::max(end_of_dispatch, last_complete);
    for (model::UnitStats* s : {&result.load, &result.compute, &result.store}) {
      s->idle = result.total_cycles - std::min(s->busy, result.total_cycles);
    }
    result.dram = std::move(dram);
    for (auto& b : m_busy_end) b = 0;
    return result;
  }

 private:
  static void tick(V& top) {
    top.clk_i = 1;
    top.eval();
    top.clk_i = 0;
    top.eval();
  }

  static model::UnitStats& stats(model::ChipRunResult& r, isa::Queue q) {
    return q == isa::Queue::Load ? r.load : q == isa::Queue::Compute ? r.compute : r.store;
  }

  // Parameter rows that some requant of the program reads: a shift outside [-31, 31] there is
  // refused (the model refuses it when the requant runs; other rows hold the vector ops'
  // parameter blocks, any bytes).
  static void check_shifts(const std::vector<isa::Instruction>& program, std::size_t i,
                           const std::vector<std::uint8_t>& data) {
    const isa::Instruction& in = program[i];
    for (std::uint32_t r = 0; r < in.rows; ++r) {
      const bool used = std::any_of(program.begin(), program.end(), [&](const isa::Instruction& x) {
        return x.opcode == isa::Opcode::Requant && x.qp_row == in.row + r;
      });
      if (!used) continue;
      for (std::uint32_t ch = 0; ch < in.bytes / 12; ++ch) {
        std::int32_t shift = 0;
        std::memcpy(&shift, &data[std::size_t(r) * in.bytes + 12 * ch + 8], 4);
        if (shift < -31 || shift > 31) {
          throw model::ChipError(
              fmt::format("{}: channel {} of parameter row {} has shift {}, outside [-31, 31]",
                          describe(program, i), ch, in.row + r, shift));
        }
      }
    }
  }

  model::ChipError deadlock(const std::vector<isa::Instruction>& program, const V& top) const {
    static const char* channels[] = {"load->compute", "compute->load", "compute->store",
                                     "store->compute"};
    for (unsigned q = 0; q < 3; ++q) {
      if (!get_bits(top.blocked_o, q, 1)) continue;
      const std::size_t i = std::size_t(get_bits(top.head_idx_o, 24 * q, 24));
      const unsigned ch = unsigned(get_bits(top.blocked_ch_o, 2 * q, 2));
      return model::ChipError(fmt::format(
          "deadlock: the {} queue waits at {} for a token on channel {} that no remaining "
          "instruction pushes",
          isa::to_string(isa::Queue(q)), describe(program, i), channels[ch]));
    }
    return model::ChipError("deadlock: instructions remain but no queue can make progress");
  }

  arch::ArchConfig m_cfg;
  RtlChipBuild m_build;
  ChipBuildParams m_p;
  RtlChipOptions m_opt;
  std::uint64_t m_busy_end[3] = {0, 0, 0};
};

}  // namespace serrano::testbench::chip
