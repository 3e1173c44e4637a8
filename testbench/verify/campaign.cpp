// SPDX-License-Identifier: Apache-2.0
#include "testbench/verify/campaign.h"

namespace serrano::verify {

std::optional<Mismatch> check_program(const arch::ArchConfig& cfg, model::IChipSim& reference,
                                      model::IChipSim& dut, const TestProgram& program,
                                      bool compare_timing, std::uint64_t campaign_seed,
                                      std::uint64_t index, RunOutcome* reference_run) {
  RunOutcome expected = run_on(reference, program);
  const RunOutcome got = run_on(dut, program);
  std::optional<Mismatch> m = compare_runs(program, expected, got, compare_timing);
  if (m) {
    m->config = cfg.name;
    m->campaign_seed = campaign_seed;
    m->program_index = index;
  }
  if (reference_run != nullptr) *reference_run = std::move(expected);
  return m;
}

CampaignResult run_campaign(const arch::ArchConfig& cfg, model::IChipSim& reference,
                            model::IChipSim& dut, const CampaignOptions& o) {
  CampaignResult r;
  const ChipGeometry g = geometry(cfg);
  if (!o.gen.load_queue_syncs) {
    r.coverage.exclude("op.sync.load",
                       "random programs have no load-queue syncs (GenOptions::load_queue_syncs)");
    r.coverage.exclude("channel.compute->load.depth>=4",
                       "no extra compute->load tokens without load-queue syncs to drain them");
  }
  if (o.gen.store_queue_limit != 0 && o.gen.store_queue_limit <= 16) {
    r.coverage.exclude("run.queue_full.store",
                       "random programs keep at most 16 store-queue instructions "
                       "(GenOptions::store_queue_limit)");
  }
  for (std::uint64_t k = 0; k < o.programs; ++k) {
    const std::uint64_t index = o.first + k;
    const TestProgram p = campaign_program(cfg, o.seed, index, o.gen);
    const bool gemm = p.kind != "random";
    ++r.programs;
    ++(gemm ? r.gemm_programs : r.random_programs);
    r.instructions += p.code.size();
    RunOutcome ref;
    std::optional<Mismatch> m =
        check_program(cfg, reference, dut, p, o.compare_timing, o.seed, index, &ref);
    if (ref.ok) {
      r.cycles += ref.result.total_cycles;
      r.coverage.add(g, p.code, p.dram.size(), gemm, ref.result);
    }
    if (m) {
      ++r.mismatches;
      if (o.on_mismatch) o.on_mismatch(p, *m);
      if (r.reports.size() < o.keep_reports) r.reports.push_back(*m);
      if (o.stop_after != 0 && r.mismatches >= o.stop_after) break;
    }
  }
  return r;
}

}  // namespace serrano::verify
