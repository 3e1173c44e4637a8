// SPDX-License-Identifier: Apache-2.0
#include "cli/verify_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "arch/arch_config.h"
#include "model/chip/chip_model.h"
#include "testbench/verify/campaign.h"
#include "testbench/verify/interpreter.h"
#include "testbench/verify/rtl_bridge.h"

namespace serrano::cli {

namespace {

struct VerifyOptions {
  std::string arch;
  std::uint64_t programs = 0;
  std::uint64_t seed = 1;
  std::string impl = "rtl";
  std::string variant;
  std::string wave;
  std::string repro_dir = "serrano-verify-repro";
  std::string json;
  std::uint32_t max_instructions = 0;
  std::string replay;
};

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot read file");
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void check_options(const VerifyOptions& o, const arch::ArchConfig& cfg) {
  if (o.replay.empty() && o.programs == 0) {
    throw std::invalid_argument("--programs must be at least 1 (or give --replay DIR)");
  }
  if (!o.replay.empty() && o.programs != 0) {
    throw std::invalid_argument("--programs and --replay exclude each other");
  }
  if (o.impl != "rtl" && o.impl != "interp") {
    throw std::invalid_argument("--impl must be rtl or interp, got '" + o.impl + "'");
  }
  if (o.impl == "interp" && !o.variant.empty()) {
    throw std::invalid_argument("--variant needs --impl rtl");
  }
  if (o.impl == "interp" && !o.wave.empty()) throw std::invalid_argument("--wave needs --impl rtl");
  if (o.max_instructions != 0 && o.max_instructions < 8) {
    throw std::invalid_argument("--max-instructions must be at least 8");
  }
  if (o.impl != "rtl") return;
  if (!verify::rtl_chip_available()) {
    throw std::invalid_argument(
        "this serrano was built without the chip RTL (testbench/chip); use --impl interp");
  }
  std::string configs, variants;
  bool config_found = false, variant_found = false;
  for (const auto& b : verify::rtl_chip_build_list()) {
    if (configs.find(b.config) == std::string::npos) {
      configs += (configs.empty() ? "" : ", ") + b.config;
    }
    if (b.config != cfg.name) continue;
    config_found = true;
    if (b.variant == o.variant) variant_found = true;
    if (!b.variant.empty()) variants += (variants.empty() ? "" : ", ") + b.variant;
  }
  if (!config_found) {
    throw std::invalid_argument(fmt::format("no chip RTL build for config '{}' (built: {})",
                                            cfg.name, configs.empty() ? "none" : configs));
  }
  if (!variant_found) {
    throw std::invalid_argument(
        fmt::format("no chip RTL variant '{}' for config '{}' (variants: {})", o.variant, cfg.name,
                    variants.empty() ? "none" : variants));
  }
}

std::string replay_args(const VerifyOptions& o) {
  std::string a = "--impl " + o.impl;
  if (!o.variant.empty()) a += " --variant " + o.variant;
  return a;
}

// Re-runs the failing program on the RTL with a waveform around the first difference.
void dump_wave(const VerifyOptions& o, const arch::ArchConfig& cfg,
               const verify::TestProgram& program, const verify::Mismatch& m) {
  auto sim = verify::make_rtl_chip(cfg, o.variant, o.wave, m.wave_from(), m.wave_to());
  verify::run_on(*sim, program);  // an error (a deadlock) still leaves the waveform
  const bool to_end = m.wave_to() == std::numeric_limits<std::uint64_t>::max();
  std::printf("waveform: %s (cycles %llu .. %s)\n", o.wave.c_str(),
              static_cast<unsigned long long>(m.wave_from()),
              to_end ? "end" : std::to_string(m.wave_to()).c_str());
}

int run_verify(const VerifyOptions& o) {
  const arch::ArchConfig cfg = arch::load_arch_file(o.arch);
  check_options(o, cfg);
  const std::string config_yaml = read_text(o.arch);
  // SystemC elaborates once: every implementation is built before the first run.
  model::ChipModel model(cfg, model::ChipModel::Mode::Functional);
  std::unique_ptr<model::IChipSim> dut;
  if (o.impl == "rtl") {
    dut = verify::make_rtl_chip(cfg, o.variant);
  } else {
    dut = std::make_unique<verify::Interpreter>(cfg);
  }
  const bool timing = o.impl == "rtl";
  const auto t0 = std::chrono::steady_clock::now();

  verify::CampaignResult r;
  std::optional<verify::TestProgram> first_failing;
  if (!o.replay.empty()) {
    std::uint64_t seed = 0, index = 0;
    const verify::TestProgram p = verify::read_reproducer(o.replay, &seed, &index);
    verify::RunOutcome ref;
    auto m = verify::check_program(cfg, model, *dut, p, timing, seed, index, &ref);
    r.programs = 1;
    ++(p.kind == "random" ? r.random_programs : r.gemm_programs);
    r.instructions = p.code.size();
    if (ref.ok) r.cycles = ref.result.total_cycles;
    if (m) {
      r.mismatches = 1;
      r.reports.push_back(*m);
      first_failing = p;
    }
  } else {
    verify::CampaignOptions co;
    co.seed = o.seed;
    co.programs = o.programs;
    co.compare_timing = timing;
    if (o.max_instructions != 0) {
      co.gen.max_instructions = o.max_instructions;
      co.gen.min_instructions = std::min(co.gen.min_instructions, o.max_instructions);
    }
    co.on_mismatch = [&](const verify::TestProgram& p, verify::Mismatch& m) {
      if (first_failing) return;
      first_failing = p;
      m.repro_dir = o.repro_dir;
      verify::write_reproducer(o.repro_dir, p, m, config_yaml, replay_args(o));
    };
    r = verify::run_campaign(cfg, model, *dut, co);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  for (const auto& m : r.reports) std::fputs((verify::to_text(m) + "\n").c_str(), stdout);
  if (r.mismatches > r.reports.size()) {
    std::printf("(%llu more mismatches not shown)\n\n",
                static_cast<unsigned long long>(r.mismatches - r.reports.size()));
  }
  const std::string dut_name = dut->name();
  std::printf("serrano verify: %s, model vs %s, %s\n", cfg.name.c_str(), dut_name.c_str(),
              o.replay.empty() ? fmt::format("seed {}", o.seed).c_str()
                               : ("replay of " + o.replay).c_str());
  std::printf("  programs       %llu (%llu random, %llu gemm)\n",
              static_cast<unsigned long long>(r.programs),
              static_cast<unsigned long long>(r.random_programs),
              static_cast<unsigned long long>(r.gemm_programs));
  std::printf("  instructions   %llu\n", static_cast<unsigned long long>(r.instructions));
  std::printf("  cycles         %llu (model)\n", static_cast<unsigned long long>(r.cycles));
  std::printf("  compared       final DRAM image%s\n",
              timing ? ", complete cycle of every instruction, total cycles" : " (data only)");
  std::printf("  mismatches     %llu\n", static_cast<unsigned long long>(r.mismatches));
  std::printf("  wall time      %.2f s\n", wall);
  if (o.replay.empty()) std::printf("  coverage\n%s", r.coverage.table().c_str());
  if (first_failing && !o.wave.empty()) dump_wave(o, cfg, *first_failing, r.reports.front());

  if (!o.json.empty()) {
    nlohmann::ordered_json j;
    j["schema"] = "serrano.verify/1";
    j["arch"] = cfg.name;
    j["reference"] = "model";
    j["dut"] = dut_name;
    j["variant"] = o.variant;
    j["compared"] = {{"dram", true}, {"cycles", timing}};
    j["seed"] = o.replay.empty() ? nlohmann::ordered_json(o.seed) : nlohmann::ordered_json(nullptr);
    j["replay"] =
        o.replay.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.replay);
    j["programs"] = r.programs;
    j["random_programs"] = r.random_programs;
    j["gemm_programs"] = r.gemm_programs;
    j["instructions"] = r.instructions;
    j["cycles"] = r.cycles;
    j["mismatches"] = r.mismatches;
    nlohmann::ordered_json reports = nlohmann::ordered_json::array();
    for (const auto& m : r.reports) reports.push_back(verify::to_json(m));
    j["reports"] = reports;
    j["coverage"] = o.replay.empty() ? r.coverage.json() : nlohmann::ordered_json(nullptr);
    j["host"] = {{"wall_seconds", wall},
                 {"programs_per_second", wall > 0 ? double(r.programs) / wall : 0.0}};
    std::ofstream out(o.json);
    if (!out) throw std::runtime_error("--json: cannot write " + o.json);
    out << j.dump(2) << '\n';
  }
  return r.mismatches == 0 ? 0 : 1;
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Cross-check the chip RTL against the model on random and GEMM ISA programs");
  cmd->add_option("--arch", o->arch, "Architecture config (YAML)")->required();
  cmd->add_option("--programs", o->programs, "Number of programs to generate and compare");
  cmd->add_option("--seed", o->seed, "Campaign seed (default 1): the same seed, the same programs");
  cmd->add_option("--impl", o->impl,
                  "Implementation checked against the model: rtl (data and cycles, default) or "
                  "interp (the in-order interpreter, data only)");
  cmd->add_option("--variant", o->variant, "RTL build variant, e.g. bug-dma-stride");
  cmd->add_option("--wave", o->wave,
                  "Re-run the first failing program on the RTL and write an FST waveform around "
                  "the mismatch");
  cmd->add_option("--repro-dir", o->repro_dir,
                  "Where to write the reproducer of the first mismatch (default "
                  "serrano-verify-repro)");
  cmd->add_option("--json", o->json, "Write the report as JSON (schema serrano.verify/1)");
  cmd->add_option("--max-instructions", o->max_instructions,
                  "Longest random program (instructions before the halt; default 96)");
  cmd->add_option("--replay", o->replay, "Run the program of a reproducer directory again");
  cmd->callback([o, &exit_code] { exit_code = run_verify(*o); });
}

}  // namespace serrano::cli
