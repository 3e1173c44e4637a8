// SPDX-License-Identifier: Apache-2.0
// Runs a GEMM on the model (and optionally the RTL) and checks both against the golden library
// and against each other: data bit for bit, every command's issue cycle, and the total cycles.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/array_sim.h"
#include "workloads/gemm.h"

namespace serrano::workloads {

struct GemmCheck {
  model::ArrayRunResult model;
  std::optional<model::ArrayRunResult> rtl;
  bool model_matches_golden = false;
  std::optional<bool> rtl_matches_golden;
  std::size_t data_mismatches = 0;   // elements where golden, model and RTL do not all agree
  std::size_t cycle_mismatches = 0;  // commands whose issue cycle differs (+1 if totals differ)
  std::string first_mismatch;        // human-readable; empty when everything agrees

  bool ok() const { return data_mismatches == 0 && cycle_mismatches == 0; }
};

// `model` must be functional; `rtl` may be null.
GemmCheck check_gemm(const GemmProblem& p, const GemmTiling& t, model::IArraySim& model,
                     model::IArraySim* rtl);

}  // namespace serrano::workloads
