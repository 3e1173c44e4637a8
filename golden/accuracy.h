// SPDX-License-Identifier: Apache-2.0
// Accuracy of the integer operations against fp32 references (docs/numerics.md, "Accuracy").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace serrano::golden {

struct AccuracyRow {
  std::string op;            // e.g. "softmax"
  std::string distribution;  // e.g. "uniform int8", "gaussian with outliers"
  double max_abs_error = 0;  // in the output's real units
  double mean_error = 0;     // signed mean (bias), real units
  double sqnr_db = 0;        // 10 log10(sum ref^2 / sum (ref - out)^2)
  std::size_t samples = 0;   // output elements compared
};

// Each measures its ops on seeded inputs (deterministic) and returns one row per op and
// distribution.
std::vector<AccuracyRow> nonlinear_accuracy();  // golden/nonlinear.cpp
std::vector<AccuracyRow> norm_accuracy();       // golden/norms.cpp

}  // namespace serrano::golden
