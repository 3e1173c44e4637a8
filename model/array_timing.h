// SPDX-License-Identifier: Apache-2.0
// Cycle-exact issue rules of the matrix unit, in plain C++.
//
// This is the timing table of rtl/serrano_array_ctrl.sv written with absolute cycle numbers
// instead of down-counters: "resource free at cycle F" here is "counter reads zero from F" there.
// docs/array-timing.md derives every rule from the RTL datapath. The SystemC array unit calls
// this once per command, so a command costs a few comparisons no matter how many cycles it spans.
#pragma once

#include <cstdint>

#include "arch/arch_config.h"
#include "isa/array_cmd.h"

namespace serrano::model {

struct IssueInfo {
  std::uint64_t cycle = 0;  // cycle in which the command was accepted
  std::uint64_t done = 0;   // first cycle after its last effect (row written or emitted)
  int buffer = 0;           // weight buffer loaded (preload) or used (stream)
  std::uint32_t k = 0;      // stream: rows of that buffer's tile (lanes at or above k are zero)
};

class ArrayTiming {
 public:
  // `dataflow` selects the stream rules: weight-stationary (docs/array-timing.md section 2) or
  // output-stationary (section 5); preload and requant rules are the same for both.
  ArrayTiming(int rows, int cols, arch::Dataflow dataflow = arch::Dataflow::WeightStationary);

  // Back to the state after reset: every resource free at cycle 0, buffer 0 filled first.
  void reset();

  // The command is presented in cycle `present`; it issues in the first cycle >= present whose
  // interlocks are clear. Commands must be presented in order with non-decreasing `present`.
  IssueInfo issue(const isa::ArrayCmd& cmd, std::uint64_t present);

  // First cycle in which every issued command has finished (the RTL's idle_o).
  std::uint64_t idle_cycle() const { return m_drain; }

 private:
  int m_rows;
  int m_cols;
  arch::Dataflow m_dataflow;
  std::uint64_t m_preload_port_free = 0;  // weight-buffer read port
  std::uint64_t m_stream_port_free = 0;   // scratchpad read port
  std::uint64_t m_acc_read_free = 0;      // accumulator read port (requant)
  std::uint64_t m_acc_written = 0;        // every stream's accumulator writes done
  std::uint64_t m_drain = 0;
  std::uint64_t m_buf_loaded[2] = {0, 0};    // preload of buffer b complete
  std::uint64_t m_buf_released[2] = {0, 0};  // last stream using buffer b has left the array
  std::uint32_t m_buf_k[2] = {0, 0};
  int m_cur_buf = 1;  // buffer of the latest preload; the first preload fills buffer 0
  std::uint64_t m_rq_lo = 0, m_rq_rows = 0;  // accumulator rows of the latest requant
};

}  // namespace serrano::model
