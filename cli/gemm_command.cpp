// SPDX-License-Identifier: Apache-2.0
#include "cli/gemm_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "arch/arch_config.h"
#include "model/array_model.h"
#include "testbench/rtl_array_sim.h"
#include "workloads/gemm.h"
#include "workloads/gemm_check.h"

namespace serrano::cli {

namespace {

struct GemmOptions {
  std::string arch;
  int m = 0, k = 0, n = 0;
  std::uint64_t seed = 1;
  bool rtl = false;
  bool timing_only = false;
  std::string json;
};

std::string thousands(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(std::size_t(i), ",");
  return s;
}

int run_gemm(const GemmOptions& o) {
  const arch::ArchConfig cfg = arch::load_arch_file(o.arch);
  const auto mode =
      o.timing_only ? model::ArrayModel::Mode::TimingOnly : model::ArrayModel::Mode::Functional;
  // Every simulator is made before the first run (one SystemC elaboration per process).
  model::ArrayModel sim(cfg, mode);
  std::unique_ptr<model::IArraySim> rtl;
  if (o.rtl) {
    rtl = testbench::make_rtl_array_sim(
        cfg.array.rows, cfg.array.cols,
        cfg.array.dataflow == arch::Dataflow::OutputStationary ? "os" : "");
  }

  const workloads::GemmTiling tiling = workloads::plan_gemm_tiling(o.m, o.k, o.n, sim.limits());
  const std::uint64_t macs = std::uint64_t(o.m) * std::uint64_t(o.k) * std::uint64_t(o.n);
  const std::uint64_t pes = std::uint64_t(cfg.array.rows) * std::uint64_t(cfg.array.cols);

  std::optional<workloads::GemmCheck> check;
  model::ArrayRunResult model_run;
  std::size_t commands = 0;
  if (o.timing_only) {
    isa::ArrayProgram prog;
    prog.cmds = workloads::gemm_commands(tiling, o.m, o.k, o.n, golden::RequantOutput{});
    prog.output_rows = std::uint64_t(tiling.n_blocks) * std::uint64_t(o.m);
    commands = prog.cmds.size();
    model_run = sim.run(prog);
  } else {
    const workloads::GemmProblem problem = workloads::random_gemm_problem(o.m, o.k, o.n, o.seed);
    check = workloads::check_gemm(problem, tiling, sim, rtl.get());
    model_run = check->model;
    commands = model_run.issue_cycles.size();
  }
  const double utilization = double(macs) / (double(pes) * double(model_run.total_cycles));
  const double latency_us = double(model_run.total_cycles) * cfg.cycle_ns() / 1000.0;

  // ---- terminal report ----
  std::printf("serrano gemm %dx%dx%d (M x K x N) on %s: %dx%d %s array, %.2f GHz\n", o.m, o.k, o.n,
              cfg.name.c_str(), cfg.array.rows, cfg.array.cols, arch::to_string(cfg.array.dataflow),
              cfg.clock_ghz);
  std::printf(
      "  tiling       %d K tile(s) x %d column block(s) x %d row block(s) of <= %d rows, "
      "%zu commands\n",
      tiling.k_tiles, tiling.n_blocks, tiling.m_blocks, tiling.m_block_rows, commands);
  std::printf("  model        %s cycles (%.3f us)%s\n", thousands(model_run.total_cycles).c_str(),
              latency_us, o.timing_only ? ", timing only" : "");
  if (check && check->rtl) {
    const bool same = check->rtl->total_cycles == model_run.total_cycles;
    std::printf("  rtl          %s cycles (%s)\n", thousands(check->rtl->total_cycles).c_str(),
                same ? "identical to the model" : "DIFFERENT from the model");
  }
  std::printf("  utilization  %.4f = %s useful MACs / (%s PEs x %s cycles)\n", utilization,
              thousands(macs).c_str(), thousands(pes).c_str(),
              thousands(model_run.total_cycles).c_str());
  if (check) {
    std::printf("  golden       model %s", check->model_matches_golden ? "match" : "MISMATCH");
    if (check->rtl_matches_golden) {
      std::printf(", rtl %s", *check->rtl_matches_golden ? "match" : "MISMATCH");
    }
    std::printf(" (%s elements, seed %llu)\n",
                thousands(std::uint64_t(o.m) * std::uint64_t(o.n)).c_str(),
                static_cast<unsigned long long>(o.seed));
    if (!check->ok()) std::printf("  mismatch     %s\n", check->first_mismatch.c_str());
  }

  // ---- JSON report (schema: docs/reports.md) ----
  if (!o.json.empty()) {
    nlohmann::ordered_json j;
    j["schema"] = "serrano.gemm/1";
    j["arch"] = {{"name", cfg.name},
                 {"rows", cfg.array.rows},
                 {"cols", cfg.array.cols},
                 {"dataflow", arch::to_string(cfg.array.dataflow)},
                 {"clock_ghz", cfg.clock_ghz}};
    j["gemm"] = {{"m", o.m}, {"k", o.k}, {"n", o.n}, {"seed", o.seed}};
    j["tiling"] = {{"k_tiles", tiling.k_tiles},
                   {"n_blocks", tiling.n_blocks},
                   {"m_blocks", tiling.m_blocks},
                   {"m_block_rows", tiling.m_block_rows},
                   {"commands", commands}};
    j["model"] = {{"mode", o.timing_only ? "timing-only" : "functional"},
                  {"cycles", model_run.total_cycles},
                  {"latency_us", latency_us}};
    if (check && check->rtl) {
      j["rtl"] = {{"build", fmt::format("{}x{}", cfg.array.rows, cfg.array.cols)},
                  {"cycles", check->rtl->total_cycles}};
    }
    j["useful_macs"] = macs;
    j["utilization"] = utilization;
    if (check) {
      j["golden_match"] = check->model_matches_golden && check->rtl_matches_golden.value_or(true);
      j["data_mismatches"] = check->data_mismatches;
      j["cycle_mismatches"] = check->cycle_mismatches;
      if (!check->ok()) j["first_mismatch"] = check->first_mismatch;
    } else {
      j["golden_match"] = nullptr;  // timing only: no data to check
    }
    std::ofstream out(o.json);
    if (!out) throw std::runtime_error("--json: cannot write " + o.json);
    out << j.dump(2) << '\n';
  }
  if (check && (!check->ok() || !check->model_matches_golden)) return 1;
  return 0;
}

}  // namespace

void add_gemm_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<GemmOptions>();
  CLI::App* cmd = app.add_subcommand(
      "gemm",
      "Run an int8 GEMM (a linear layer with requantization) on a chip config and check "
      "it against the golden library");
  cmd->add_option("--arch", opts->arch,
                  "Architecture config (YAML), e.g. configs/serrano-edge.yaml")
      ->required();
  cmd->add_option("--m", opts->m, "Rows of activations (tokens)")
      ->required()
      ->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--k", opts->k, "Contraction depth (input channels)")
      ->required()
      ->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--n", opts->n, "Output channels")->required()->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--seed", opts->seed, "Seed of the random operands and requant parameters");
  cmd->add_flag("--rtl", opts->rtl, "Also run the verilated RTL and compare data and cycles");
  auto* timing = cmd->add_flag("--timing-only", opts->timing_only,
                               "Model timing without data (no golden check)");
  timing->excludes(cmd->get_option("--rtl"));
  cmd->add_option("--json", opts->json, "Write the report as JSON to this file");
  cmd->callback([opts, &exit_code] { exit_code = run_gemm(*opts); });
}

}  // namespace serrano::cli
