// SPDX-License-Identifier: Apache-2.0
// RTL in the loop: the verilated matrix unit (rtl/serrano_matrix_unit.sv) standing in for the
// SystemC model's own ArrayUnit inside the whole-chip simulation (`serrano run --impl array=rtl`).
//
// The adapter is a TLM-2.0 target with the ArrayUnit's protocol. It clocks the RTL in lockstep
// with the chip's cycles: a command presented in cycle p is driven on the RTL's command port from
// cycle p until the RTL accepts it, and the RTL's memory ports are served cycle by cycle from the
// chip model's memories (synchronous reads, data one cycle after the address; accumulator writes
// and requantized rows land in the cycle the RTL makes them). The model's ArrayTiming runs beside
// it as a checker: a command the RTL accepts in another cycle than the timing rules say, or an
// RTL that goes idle in another cycle, stops the run with an error naming the command and both
// cycles. The data the RTL computes is what the rest of the chip reads: the final DRAM image of a
// run is the RTL's work.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/array_unit.h"

namespace serrano::testbench {

// Array shapes (rows, cols) with a verilated matrix unit in this binary.
const std::vector<std::pair<int, int>>& rtl_array_unit_shapes();

// The adapter for ctx's shape; throws std::invalid_argument naming the shapes that exist.
std::unique_ptr<model::IArrayUnit> make_rtl_array_unit(const model::ArrayUnitContext& ctx);

}  // namespace serrano::testbench
