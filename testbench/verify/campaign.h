// SPDX-License-Identifier: Apache-2.0
// A program campaign: N programs from a seed, each run on a reference implementation (the
// SystemC model) and an implementation under test (the chip RTL, or the in-order interpreter for
// data only), compared, with coverage counted from the reference runs.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "arch/arch_config.h"
#include "model/chip/chip_sim.h"
#include "testbench/verify/compare.h"
#include "testbench/verify/coverage.h"
#include "testbench/verify/program_gen.h"

namespace serrano::verify {

struct CampaignOptions {
  std::uint64_t seed = 1;
  std::uint64_t first = 0;     // index of the first program (campaigns can be split in shards)
  std::uint64_t programs = 0;  // how many
  GenOptions gen;
  bool compare_timing = true;     // false when the implementation under test keeps no time
  std::size_t keep_reports = 10;  // reports kept in the result (every mismatch is counted)
  std::uint64_t stop_after = 0;   // stop after this many mismatches (0: run every program)
  // Called for each mismatch (in program order), e.g. to write the first one's reproducer.
  std::function<void(const TestProgram&, Mismatch&)> on_mismatch;
};

struct CampaignResult {
  std::uint64_t programs = 0, random_programs = 0, gemm_programs = 0;
  std::uint64_t instructions = 0;  // including the halts
  std::uint64_t cycles = 0;        // total cycles of the reference runs
  std::uint64_t mismatches = 0;    // programs with any difference
  std::vector<Mismatch> reports;   // the first keep_reports of them
  Coverage coverage;
};

CampaignResult run_campaign(const arch::ArchConfig& cfg, model::IChipSim& reference,
                            model::IChipSim& dut, const CampaignOptions& options);

// One program on both sides; the report, if they differ, carries the config and program index.
std::optional<Mismatch> check_program(const arch::ArchConfig& cfg, model::IChipSim& reference,
                                      model::IChipSim& dut, const TestProgram& program,
                                      bool compare_timing, std::uint64_t campaign_seed,
                                      std::uint64_t index, RunOutcome* reference_run = nullptr);

}  // namespace serrano::verify
