// SPDX-License-Identifier: Apache-2.0
// The RTL-in-the-loop adapter for one verilated build of serrano_matrix_unit (see
// rtl_array_unit.h). Included only by the generated per-build sources.
#pragma once

#include <fmt/format.h>
#include <tlm_utils/simple_target_socket.h>
#include <verilated.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <systemc>
#include <tlm>
#include <type_traits>
#include <vector>

#include "model/array_timing.h"
#include "model/array_unit.h"
#include "model/chip/chip_sim.h"
#include "testbench/array_cmd_port.h"
#include "testbench/loop/rtl_array_unit.h"

namespace serrano::testbench::loop {

// Bit fields of a Verilator port of any width (CData .. QData, or VlWide for wider ports).
template <class P>
void put_bits(P& port, std::size_t lsb, unsigned width, std::uint64_t value) {
  for (unsigned b = 0; b < width; ++b) {
    const auto bit = static_cast<P>(P(1) << (lsb + b));
    port = static_cast<P>(((value >> b) & 1) ? (port | bit) : (port & ~bit));
  }
}
template <std::size_t N>
void put_bits(VlWide<N>& port, std::size_t lsb, unsigned width, std::uint64_t value) {
  for (unsigned b = 0; b < width; ++b) {
    const std::size_t i = lsb + b;
    const EData bit = EData(1) << (i % 32);
    port[i / 32] = ((value >> b) & 1) ? (port[i / 32] | bit) : (port[i / 32] & ~bit);
  }
}
template <class P>
std::uint64_t get_bits(const P& port, std::size_t lsb, unsigned width) {
  const std::uint64_t mask = width >= 64 ? ~std::uint64_t(0) : (std::uint64_t(1) << width) - 1;
  return (std::uint64_t(port) >> lsb) & mask;
}
template <std::size_t N>
std::uint64_t get_bits(const VlWide<N>& port, std::size_t lsb, unsigned width) {
  std::uint64_t v = 0;
  for (unsigned b = 0; b < width; ++b) {
    const std::size_t i = lsb + b;
    v |= std::uint64_t((port[i / 32] >> (i % 32)) & 1) << b;
  }
  return v;
}

template <class V>
class RtlArrayUnit final : public sc_core::sc_module, public model::IArrayUnit {
 public:
  tlm_utils::simple_target_socket<RtlArrayUnit> socket;

  SC_HAS_PROCESS(RtlArrayUnit);
  RtlArrayUnit(const model::ArrayUnitContext& ctx, std::string build)
      : sc_core::sc_module(sc_core::sc_module_name(ctx.name.c_str())),
        socket("socket"),
        m_ctx(ctx),
        m_build(std::move(build)),
        m_timing(ctx.rows, ctx.cols) {
    socket.register_b_transport(this, &RtlArrayUnit::b_transport);
    SC_THREAD(clock_thread);
    m_vctx.randReset(0);
  }

  tlm::tlm_target_socket<>& target() override { return socket; }
  std::uint64_t idle_cycle() const override { return m_timing.idle_cycle(); }
  std::string impl_name() const override { return "rtl " + m_build; }
  std::exception_ptr error() const override { return m_error; }

  void reset() override {
    m_top.reset();  // one verilated instance at a time in this context
    m_top = std::make_unique<V>(&m_vctx, "matrix_unit");
    V& top = *m_top;
    top.clk_i = 0;
    top.rst_ni = 0;
    top.cmd_valid_i = 0;
    top.eval();
    for (int i = 0; i < 2; ++i) tick();
    top.rst_ni = 1;
    top.eval();
    m_cycle = 0;
    m_timing.reset();
    m_error = nullptr;
    m_idle_checked = true;
    m_commands = 0;
    const std::size_t R = std::size_t(m_ctx.rows), C = std::size_t(m_ctx.cols);
    m_read.wb.assign(C, 0);
    m_read.sp.assign(R, 0);
    m_read.acc.assign(C, 0);
    m_read.qp.assign(C, isa::QParam{});
  }

 private:
  // The read data registers of the memories: a synchronous SRAM latches the addressed row at the
  // clock edge when its read enable is high and holds it otherwise (rtl/serrano_sram.sv).
  struct Reads {
    std::vector<std::int8_t> wb, sp;
    std::vector<std::int32_t> acc;
    std::vector<isa::QParam> qp;
  };

  void tick() {
    m_top->clk_i = 1;
    m_top->eval();
    m_top->clk_i = 0;
    m_top->eval();
  }

  // Drives the memories' read data registers onto the RTL's ports.
  void drive_read_data() {
    V& top = *m_top;
    const std::size_t R = std::size_t(m_ctx.rows), C = std::size_t(m_ctx.cols);
    for (std::size_t c = 0; c < C; ++c) {
      put_bits(top.wb_rdata_i, 8 * c, 8, std::uint8_t(m_read.wb[c]));
      put_bits(top.acc_rdata_i, 32 * c, 32, std::uint32_t(m_read.acc[c]));
      put_bits(top.qp_bias_i, 32 * c, 32, std::uint32_t(m_read.qp[c].bias));
      put_bits(top.qp_mult_i, 32 * c, 32, std::uint32_t(m_read.qp[c].multiplier));
      put_bits(top.qp_shift_i, 6 * c, 6, std::uint8_t(m_read.qp[c].shift) & 0x3f);
    }
    for (std::size_t r = 0; r < R; ++r)
      put_bits(top.sp_rdata_i, 8 * r, 8, std::uint8_t(m_read.sp[r]));
  }

  // Latches the rows the RTL reads in the cycle just evaluated (before this cycle's writes land:
  // a read and a write of one row in one cycle return the old data). Rows outside a memory, and
  // every row in timing-only mode (no data), read as zero.
  void latch_reads() {
    V& top = *m_top;
    const std::size_t R = std::size_t(m_ctx.rows), C = std::size_t(m_ctx.cols);
    const model::ArrayMemories& mem = *m_ctx.memories;
    const std::size_t W = mem.sp_row_bytes != 0 ? mem.sp_row_bytes : R;
    auto row_of = [](auto& dst, const auto& src, std::size_t first, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) {
        dst[i] = first + i < src.size() ? src[first + i]
                                        : typename std::decay_t<decltype(dst)>::value_type{};
      }
    };
    if (top.wb_re_o) row_of(m_read.wb, mem.weights, std::size_t(top.wb_raddr_o) * C, C);
    if (top.sp_re_o) row_of(m_read.sp, mem.scratchpad, std::size_t(top.sp_raddr_o) * W, R);
    if (top.acc_re_o) row_of(m_read.acc, mem.accumulator, std::size_t(top.acc_raddr_o) * C, C);
    if (top.qp_re_o) row_of(m_read.qp, mem.qparams, std::size_t(top.qp_raddr_o) * C, C);
  }

  // Evaluates cycle m_cycle with the command port as given; returns whether a valid command was
  // accepted in it. Memory reads are latched before this cycle's writes land (synchronous SRAMs
  // return the old data), as in the chip's memories.
  bool step(bool valid) {
    V& top = *m_top;
    drive_read_data();
    top.cmd_valid_i = valid;
    top.eval();
    const bool accepted = valid && top.cmd_ready_o;
    const std::size_t C = std::size_t(m_ctx.cols);
    model::ArrayMemories& mem = *m_ctx.memories;
    const std::size_t W = mem.sp_row_bytes != 0 ? mem.sp_row_bytes : std::size_t(m_ctx.rows);
    latch_reads();
    if (top.acc_we_o) {
      const std::size_t row = top.acc_waddr_o;
      for (std::size_t c = 0; c < C && (row + 1) * C <= mem.accumulator.size(); ++c) {
        const auto v = std::int32_t(std::uint32_t(get_bits(top.acc_wdata_o, 32 * c, 32)));
        std::int32_t& a = mem.accumulator[row * C + c];
        a = top.acc_accumulate_o ? std::int32_t(std::uint32_t(a) + std::uint32_t(v)) : v;
      }
    }
    if (top.out_valid_o) {
      const std::size_t row = top.out_addr_o;
      std::vector<std::int8_t>& dst = mem.requant_into_scratchpad ? mem.scratchpad : mem.output;
      const std::size_t width = mem.requant_into_scratchpad ? W : C;
      for (std::size_t c = 0; c < C && row * width + c < dst.size(); ++c) {
        dst[row * width + c] = std::int8_t(std::uint8_t(get_bits(top.out_data_o, 8 * c, 8)));
      }
    }
    if (!m_idle_checked && !valid && top.idle_o) {
      m_idle_checked = true;
      if (m_cycle != m_timing.idle_cycle()) {
        throw model::ChipError(fmt::format(
            "rtl-in-the-loop ({}): the RTL matrix unit went idle in cycle {}, the timing rules "
            "say {} (after {} commands)",
            impl_name(), m_cycle, m_timing.idle_cycle(), m_commands));
      }
    }
    tick();
    ++m_cycle;
    return accepted;
  }

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    if (trans.get_command() != tlm::TLM_WRITE_COMMAND ||
        trans.get_data_length() != sizeof(model::ArrayTransaction)) {
      trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    auto* txn = reinterpret_cast<model::ArrayTransaction*>(trans.get_data_ptr());
    const std::uint64_t present = txn->present_cycle;
    if (present < m_cycle) {
      throw model::ChipError(fmt::format(
          "rtl-in-the-loop ({}): a command presented in cycle {}, but the RTL is already at "
          "cycle {}",
          impl_name(), present, m_cycle));
    }
    while (m_cycle < present) step(false);
    put_array_command(*m_top, txn->cmd);
    const std::uint64_t bound =
        present +
        4 * (std::uint64_t(txn->cmd.rows) + std::uint64_t(m_ctx.rows) + std::uint64_t(m_ctx.cols)) +
        1024;
    std::uint64_t issued = 0;
    for (;;) {
      const std::uint64_t c = m_cycle;
      if (step(true)) {
        issued = c;
        break;
      }
      if (m_cycle > bound) {
        throw model::ChipError(fmt::format(
            "rtl-in-the-loop ({}): the RTL matrix unit did not accept command {} in {} cycles",
            impl_name(), m_commands, m_cycle - present));
      }
    }
    const model::IssueInfo info = m_timing.issue(txn->cmd, present);
    if (info.cycle != issued) {
      throw model::ChipError(fmt::format(
          "rtl-in-the-loop ({}): command {} ({}) presented in cycle {} was accepted by the RTL in "
          "cycle {}, the timing rules say {}",
          impl_name(), m_commands, isa::to_string(txn->cmd.op), present, issued, info.cycle));
    }
    txn->issued = info;
    ++m_commands;
    m_idle_checked = false;
    delay += sc_core::sc_time(double(issued + 1 - present), sc_core::SC_NS);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    m_kick.notify(sc_core::SC_ZERO_TIME);
  }

  // Clocks the RTL forward with the chip's time while it has work, so its writes land in their
  // cycles. Cycle c is evaluated half a cycle into it (time origin + c + 0.5): after any command
  // presented in cycle c (the chip presents at whole cycles), and before any reader of cycle c + 1.
  // Sleeps once the unit has gone idle (checked against the timing rules).
  void clock_thread() {
    for (;;) {
      sc_core::wait(m_kick);
      try {
        while (m_top && !m_idle_checked) {
          const sc_core::sc_time at =
              m_ctx.origin() + sc_core::sc_time(double(m_cycle) + 0.5, sc_core::SC_NS);
          if (at > sc_core::sc_time_stamp()) {
            sc_core::wait(at - sc_core::sc_time_stamp());
            continue;
          }
          if (m_cycle > m_timing.idle_cycle() + 64) {
            throw model::ChipError(fmt::format(
                "rtl-in-the-loop ({}): the RTL matrix unit is still busy in cycle {}; the timing "
                "rules have it idle from cycle {}",
                impl_name(), m_cycle, m_timing.idle_cycle()));
          }
          step(false);
        }
      } catch (...) {
        m_error = std::current_exception();
        sc_core::sc_stop();
      }
    }
  }

  model::ArrayUnitContext m_ctx;
  std::string m_build;
  model::ArrayTiming m_timing;
  VerilatedContext m_vctx;
  std::unique_ptr<V> m_top;
  std::uint64_t m_cycle = 0;
  std::uint64_t m_commands = 0;
  bool m_idle_checked = true;
  Reads m_read;
  std::exception_ptr m_error;
  sc_core::sc_event m_kick;
};

}  // namespace serrano::testbench::loop
