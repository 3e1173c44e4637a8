// SPDX-License-Identifier: Apache-2.0
// The verilated RTL of the matrix unit (rtl/serrano_gemm_core.sv) behind model::IArraySim.
//
// RTL parameters are fixed when Verilator compiles, so each array shape is its own build
// (testbench/CMakeLists.txt lists them). A variant names a build with a deliberately injected bug
// (used by the tests that prove the cross-check catches bugs; docs/verification.md).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/array_sim.h"

namespace serrano::testbench {

struct RtlBuild {
  std::string name;  // e.g. "16x16" or "4x4-bug-pe"
  int rows = 0, cols = 0;
  std::string variant;  // "" for the real design
};

// Every verilated build in this binary.
const std::vector<RtlBuild>& rtl_builds();

// The build for this shape (and variant); throws std::invalid_argument naming the shapes that
// exist when there is none.
std::unique_ptr<model::IArraySim> make_rtl_array_sim(int rows, int cols,
                                                     const std::string& variant = "");

}  // namespace serrano::testbench
