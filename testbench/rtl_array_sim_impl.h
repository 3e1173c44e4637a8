// SPDX-License-Identifier: Apache-2.0
// Cycle-driven harness for one verilated build of serrano_gemm_core. Included only by the
// generated per-build sources (build/testbench/rtl_build_*.cpp), which instantiate it.
#pragma once

#include <fmt/format.h>
#include <verilated.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "testbench/array_cmd_port.h"
#include "testbench/rtl_array_sim.h"

namespace serrano::testbench {

// Pack bytes into a Verilator port of any width (CData..QData or VlWide).
template <class Port>
void pack_bytes(Port& port, const std::int8_t* bytes, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t(std::uint8_t(bytes[i])) << (8 * i);
  port = static_cast<Port>(v);
}
template <std::size_t Words>
void pack_bytes(VlWide<Words>& port, const std::int8_t* bytes, std::size_t n) {
  for (std::size_t w = 0; w < Words; ++w) port[w] = 0;
  for (std::size_t i = 0; i < n; ++i) port[i / 4] |= EData(std::uint8_t(bytes[i])) << (8 * (i % 4));
}
template <class Port>
void unpack_bytes(const Port& port, std::int8_t* bytes, std::size_t n) {
  const auto v = std::uint64_t(port);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = std::int8_t(std::uint8_t(v >> (8 * i)));
}
template <std::size_t Words>
void unpack_bytes(const VlWide<Words>& port, std::int8_t* bytes, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    bytes[i] = std::int8_t(std::uint8_t(port[i / 4] >> (8 * (i % 4))));
}

template <class V>
class RtlArraySim final : public model::IArraySim {
 public:
  RtlArraySim(RtlBuild build, isa::ArrayLimits limits)
      : m_build(std::move(build)), m_limits(limits) {}

  std::string name() const override { return "rtl " + m_build.name; }
  const isa::ArrayLimits& limits() const override { return m_limits; }

  model::ArrayRunResult run(const isa::ArrayProgram& program) override {
    isa::validate_program(program, m_limits);
    // A fresh model per run: every memory starts at zero, as in the SystemC model.
    VerilatedContext ctx;
    ctx.randReset(0);
    V top(&ctx, "core");
    const std::size_t R = std::size_t(m_build.rows), C = std::size_t(m_build.cols);

    top.clk_i = 0;
    top.cmd_valid_i = 0;
    top.sp_we_i = 0;
    top.wb_we_i = 0;
    top.qp_we_i = 0;
    top.rst_ni = 0;
    top.eval();
    tick(top);
    tick(top);
    top.rst_ni = 1;
    top.eval();

    // Fill the memories through their write ports (not counted in the run's cycles).
    top.sp_we_i = 1;
    for (std::size_t r = 0; r < program.scratchpad.size() / R; ++r) {
      top.sp_waddr_i = static_cast<std::remove_reference_t<decltype(top.sp_waddr_i)>>(r);
      pack_bytes(top.sp_wdata_i, &program.scratchpad[r * R], R);
      tick(top);
    }
    top.sp_we_i = 0;
    top.wb_we_i = 1;
    for (std::size_t r = 0; r < program.weights.size() / C; ++r) {
      top.wb_waddr_i = static_cast<std::remove_reference_t<decltype(top.wb_waddr_i)>>(r);
      pack_bytes(top.wb_wdata_i, &program.weights[r * C], C);
      tick(top);
    }
    top.wb_we_i = 0;
    top.qp_we_i = 1;
    for (std::size_t i = 0; i < program.qparams.size(); ++i) {
      top.qp_waddr_i = static_cast<std::remove_reference_t<decltype(top.qp_waddr_i)>>(i / C);
      top.qp_wlane_i = static_cast<std::remove_reference_t<decltype(top.qp_wlane_i)>>(i % C);
      top.qp_wbias_i = std::uint32_t(program.qparams[i].bias);
      top.qp_wmult_i = std::uint32_t(program.qparams[i].multiplier);
      top.qp_wshift_i = std::uint8_t(program.qparams[i].shift) & 0x3f;
      tick(top);
    }
    top.qp_we_i = 0;
    top.eval();

    model::ArrayRunResult result;
    result.output.assign(program.output_rows * C, 0);
    result.issue_cycles.resize(program.cmds.size());
    std::uint64_t bound = 64;
    for (const auto& c : program.cmds) bound += 2 * (std::uint64_t(c.rows) + R + C + 8);

    std::size_t next = 0;
    std::uint64_t cycle = 0;
    for (;; ++cycle) {
      if (next < program.cmds.size()) {
        drive(top, program.cmds[next]);
      } else {
        top.cmd_valid_i = 0;
      }
      top.eval();
      if (top.out_valid_o) capture(top, result, C);
      if (next >= program.cmds.size() && top.idle_o) break;
      if (next < program.cmds.size() && top.cmd_ready_o) {
        result.issue_cycles[next] = cycle;
        const auto& c = program.cmds[next];
        switch (c.op) {
          case isa::ArrayOp::Preload: result.preload_rows += c.rows; break;
          case isa::ArrayOp::Stream: result.stream_rows += c.rows; break;
          case isa::ArrayOp::Requant: result.requant_rows += c.rows; break;
        }
        ++next;
      }
      if (cycle > bound) {
        throw std::runtime_error(fmt::format(
            "{}: no progress after {} cycles (command {} of {} not accepted or unit never idle)",
            name(), cycle, next, program.cmds.size()));
      }
      tick(top);
    }
    result.total_cycles = cycle;
    top.final();
    return result;
  }

 private:
  static void tick(V& top) {
    top.clk_i = 1;
    top.eval();
    top.clk_i = 0;
    top.eval();
  }

  static void drive(V& top, const isa::ArrayCmd& c) {
    top.cmd_valid_i = 1;
    put_array_command(top, c);
  }

  void capture(V& top, model::ArrayRunResult& result, std::size_t C) const {
    const std::uint64_t row = top.out_addr_o;
    if ((row + 1) * C > result.output.size()) {
      throw std::runtime_error(fmt::format("{}: result row {} outside the program's {} rows",
                                           name(), row, result.output.size() / C));
    }
    unpack_bytes(top.out_data_o, &result.output[row * C], C);
  }

  RtlBuild m_build;
  isa::ArrayLimits m_limits;
};

}  // namespace serrano::testbench
