// SPDX-License-Identifier: Apache-2.0
// Regenerates the accuracy tables of docs/numerics.md: every integer non-linear op against its
// fp64 reference, on seeded inputs (deterministic: the same table every run).
//   ./build/bench/numerics_accuracy
#include <cstdio>
#include <vector>

#include "golden/accuracy.h"

int main() {
  using serrano::golden::AccuracyRow;
  std::vector<AccuracyRow> rows = serrano::golden::nonlinear_accuracy();
  const std::vector<AccuracyRow> norms = serrano::golden::norm_accuracy();
  rows.insert(rows.end(), norms.begin(), norms.end());
  std::printf("| op | input distribution | samples | max abs error | mean error | SQNR (dB) |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const AccuracyRow& r : rows) {
    std::printf("| %s | %s | %zu | %.4g | %.3g | %.2f |\n", r.op.c_str(), r.distribution.c_str(),
                r.samples, r.max_abs_error, r.mean_error, r.sqnr_db);
  }
  return 0;
}
