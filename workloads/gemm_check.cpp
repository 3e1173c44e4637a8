// SPDX-License-Identifier: Apache-2.0
#include "workloads/gemm_check.h"

#include <fmt/format.h>

namespace serrano::workloads {

GemmCheck check_gemm(const GemmProblem& p, const GemmTiling& t, model::IArraySim& model,
                     model::IArraySim* rtl) {
  const isa::ArrayProgram prog = build_gemm_program(p, t);
  const std::vector<std::int8_t> golden = gemm_golden(p);
  GemmCheck check;
  check.model = model.run(prog);
  const std::vector<std::int8_t> from_model = gemm_result(t, p.m, p.n, check.model.output);
  std::vector<std::int8_t> from_rtl;
  if (rtl != nullptr) {
    check.rtl = rtl->run(prog);
    from_rtl = gemm_result(t, p.m, p.n, check.rtl->output);
  }

  std::size_t model_bad = 0, rtl_bad = 0;
  for (std::size_t i = 0; i < golden.size(); ++i) {
    const bool model_ok = from_model[i] == golden[i];
    const bool rtl_ok = rtl == nullptr || from_rtl[i] == golden[i];
    model_bad += model_ok ? 0 : 1;
    rtl_bad += rtl_ok ? 0 : 1;
    if (model_ok && rtl_ok) continue;
    if (check.data_mismatches++ == 0) {
      const std::size_t row = i / std::size_t(p.n), col = i % std::size_t(p.n);
      check.first_mismatch =
          fmt::format("first differing element: row {}, column {}: golden {}, model {}{}", row, col,
                      golden[i], from_model[i], rtl ? fmt::format(", rtl {}", from_rtl[i]) : "");
    }
  }
  check.model_matches_golden = model_bad == 0;
  if (rtl != nullptr) {
    check.rtl_matches_golden = rtl_bad == 0;
    // Also the padding columns of the output rows: RTL and model must agree everywhere.
    if (check.data_mismatches == 0 && check.rtl->output != check.model.output) {
      ++check.data_mismatches;
      check.first_mismatch = "output rows differ between model and RTL outside the M x N result";
    }
    const auto& mc = check.model.issue_cycles;
    const auto& rc = check.rtl->issue_cycles;
    std::string first_cycle;
    for (std::size_t i = 0; i < mc.size() && i < rc.size(); ++i) {
      if (mc[i] == rc[i]) continue;
      if (check.cycle_mismatches++ == 0) {
        first_cycle = fmt::format(
            "first differing command: #{} ({}) issued in cycle {} by the "
            "model, {} by the RTL",
            i, isa::to_string(prog.cmds[i]), mc[i], rc[i]);
      }
    }
    if (check.model.total_cycles != check.rtl->total_cycles) ++check.cycle_mismatches;
    if (check.cycle_mismatches > 0) {
      const std::string totals = fmt::format("total cycles: model {}, rtl {}",
                                             check.model.total_cycles, check.rtl->total_cycles);
      const std::string what = first_cycle.empty() ? totals : first_cycle + "; " + totals;
      check.first_mismatch =
          check.first_mismatch.empty() ? what : check.first_mismatch + "; " + what;
    }
  }
  if (!check.ok()) {
    check.first_mismatch = fmt::format(
        "gemm {}x{}x{} on {}x{}: {} (data mismatches {}, cycle "
        "mismatches {})",
        p.m, p.k, p.n, t.rows, t.cols, check.first_mismatch, check.data_mismatches,
        check.cycle_mismatches);
  }
  return check;
}

}  // namespace serrano::workloads
