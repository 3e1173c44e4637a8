// SPDX-License-Identifier: Apache-2.0
// The command port of the verilated matrix unit (rtl/serrano_matrix_unit.sv, and
// serrano_gemm_core which has the same port): one place that puts an isa::ArrayCmd on it, for
// every harness that drives one.
#pragma once

#include <cstdint>

#include "isa/array_cmd.h"

namespace serrano::testbench {

// Sets the command fields (not cmd_valid_i) of a verilated top `V`.
template <class V>
void put_array_command(V& top, const isa::ArrayCmd& c) {
  top.cmd_op_i = static_cast<std::uint8_t>(c.op);
  top.cmd_rows_i = static_cast<std::uint16_t>(c.rows);
  top.cmd_src_i = c.src;
  top.cmd_dst_i = c.dst;
  top.cmd_qp_i = c.qp_row;
  top.cmd_accumulate_i = c.accumulate;
  top.cmd_zero_point_i = std::uint8_t(c.zero_point);
  top.cmd_act_min_i = std::uint8_t(c.act_min);
  top.cmd_act_max_i = std::uint8_t(c.act_max);
}

}  // namespace serrano::testbench
