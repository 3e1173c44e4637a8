// SPDX-License-Identifier: Apache-2.0
#include "cli/compare_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "cli/workload_options.h"
#include "model/chip/chip_model.h"
#include "model/energy/tech_table.h"
#include "workloads/compare.h"
#include "workloads/gpu/gpu_spec.h"
#include "workloads/model_desc.h"

namespace serrano::cli {

namespace {

struct CompareCliOptions {
  std::string model = "bert-base";
  std::string phase = "prefill";
  int seq = 128;
  int kv = 0;
  int batch = 1;
  std::string layers = "1";
  std::string arch;
  std::vector<std::string> gpus;
  std::string tech;
  std::string precision = "int8";
  bool functional = false;
  std::uint64_t seed = 1;
  std::string json, csv, plots;
};

std::string default_arch() {
  const std::string local = "configs/serrano-base.yaml";
  if (std::filesystem::exists(local)) return local;
  return std::string(SERRANO_CONFIGS_DIR) + "/serrano-base.yaml";
}

// The Python that draws the plots: $SERRANO_PYTHON, else Debian's /usr/bin/python3 (which has
// python3-matplotlib), else python3 on the PATH.
std::string python() {
  if (const char* p = std::getenv("SERRANO_PYTHON"); p != nullptr && *p != '\0') return p;
  if (std::filesystem::exists("/usr/bin/python3")) return "/usr/bin/python3";
  return "python3";
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

double us(double s) { return s * 1e6; }
double uj(double j) { return j * 1e6; }

nlohmann::ordered_json to_json(const workloads::CompareResult& r, const std::string& precision) {
  nlohmann::ordered_json j;
  j["schema"] = "serrano.compare/1";
  j["model"] = r.model;
  j["phase"] = workloads::to_string(r.shape.phase);
  j["seq"] = r.shape.seq;
  j["kv"] = r.shape.kv;
  j["batch"] = r.shape.batch;
  j["layers"] = r.layers;
  j["gpu_precision"] = precision;
  j["chip"] = {{"arch", r.arch},
               {"tech", r.tech},
               {"clock_ghz", r.clock_ghz},
               {"peak_tops", r.chip_peak_tops},
               {"dram_gbs", r.chip_dram_gbs},
               {"seconds", r.chip_seconds},
               {"energy_j", r.chip_energy_j},
               {"layer_cycles", r.run.layer_cycles},
               {"stack_cycles", r.run.stack_cycles},
               {"utilization", r.run.utilization},
               {"tops", r.run.tops},
               {"tops_per_w", r.energy.tops_per_watt},
               {"area_mm2", r.energy.area.total_mm2},
               {"static_mw", r.energy.static_mw},
               {"functional", r.run.functional}};
  if (r.run.functional) j["chip"]["bit_exact"] = r.run.bit_exact;
  j["chip"]["energy_breakdown_pj"] = nlohmann::ordered_json::object();
  for (const auto& c : r.energy.components) j["chip"]["energy_breakdown_pj"][c.name] = c.pj;
  j["chip"]["energy_breakdown_pj"]["static"] = r.energy.static_pj;
  j["chip"]["sensitivity"] = nlohmann::ordered_json::array();
  for (const auto& s : r.energy.sensitivity) {
    j["chip"]["sensitivity"].push_back({{"name", s.name}, {"ratio", s.ratio}});
  }
  j["gpus"] = nlohmann::ordered_json::array();
  for (const auto& g : r.gpus) {
    j["gpus"].push_back({{"name", g.name},
                         {"source", "modelled"},
                         {"peak_tops", g.peak_tops},
                         {"bandwidth_gbs", g.bandwidth_gbs},
                         {"tdp_w", g.tdp_w},
                         {"seconds", g.seconds},
                         {"energy_j", g.energy_j},
                         {"fp16_seconds", g.fp16_seconds},
                         {"fp16_energy_j", g.fp16_energy_j}});
  }
  j["rows"] = nlohmann::ordered_json::array();
  for (const auto& row : r.rows) {
    nlohmann::ordered_json jr = {{"name", row.name},
                                 {"chip",
                                  {{"cycles", row.cycles},
                                   {"seconds", row.seconds},
                                   {"energy_j", row.energy_j},
                                   {"ops", row.ops_count},
                                   {"dram_bytes", row.dram_bytes},
                                   {"utilization", row.utilization},
                                   {"bound", row.bound}}}};
    jr["gpus"] = nlohmann::ordered_json::array();
    for (std::size_t g = 0; g < row.gpus.size(); ++g) {
      jr["gpus"].push_back({{"name", r.gpus[g].name},
                            {"seconds", row.gpus[g].seconds},
                            {"energy_j", row.gpus[g].energy_j},
                            {"ops", row.gpus[g].ops},
                            {"bytes", row.gpus[g].bytes},
                            {"bound", row.gpus[g].bound}});
    }
    j["rows"].push_back(jr);
  }
  return j;
}

int run_compare(const CompareCliOptions& o) {
  const arch::ArchConfig cfg = arch::load_arch_file(o.arch.empty() ? default_arch() : o.arch);
  const workloads::ModelDesc m = workloads::find_model(o.model);
  workloads::CompareOptions co;
  co.shape.phase = parse_phase("compare", o.phase);
  if (co.shape.phase == workloads::Phase::Prefill && o.kv != 0) {
    throw arch::ConfigError("compare", "kv", "is for --phase decode; prefill takes --seq");
  }
  co.shape.seq = o.seq;
  co.shape.kv = o.kv;
  co.shape.batch = o.batch;
  co.layers = parse_layers("compare", o.layers, m);
  co.functional = o.functional;
  co.seed = o.seed;
  co.gpu_precision = workloads::gpu::parse_precision(o.precision);
  const energy::TechTable tech = energy::find_tech(o.tech.empty() ? cfg.technology : o.tech);
  std::vector<workloads::gpu::GpuSpec> gpus;
  for (const auto& g : o.gpus.empty() ? std::vector<std::string>{"h100-sxm", "a100-sxm"} : o.gpus) {
    gpus.push_back(workloads::gpu::find_gpu(g));
  }
  model::ChipModel sim(cfg, o.functional ? model::ChipModel::Mode::Functional
                                         : model::ChipModel::Mode::TimingOnly);
  const workloads::CompareResult r = workloads::compare(m, sim, tech, gpus, co);

  // ---- terminal report ----
  const auto& s = co.shape;
  const std::string phase = s.phase == workloads::Phase::Prefill
                                ? fmt::format("prefill, seq {}, batch {}", s.seq, s.batch)
                                : fmt::format("decode, KV {}, batch {}", s.kv, s.batch);
  std::string gpu_names;
  for (const auto& g : r.gpus) gpu_names += (gpu_names.empty() ? "" : ", ") + g.name;
  std::printf("serrano compare: %s, %s, %d layer(s)\n", m.name.c_str(), phase.c_str(), r.layers);
  std::printf("  chip  %s: %dx%d array at %.2f GHz, %.1f TOPS peak, DRAM %.1f GB/s, %s (%s)\n",
              cfg.name.c_str(), cfg.array.rows, cfg.array.cols, cfg.clock_ghz, r.chip_peak_tops,
              r.chip_dram_gbs, tech.name.c_str(),
              o.functional ? (r.run.bit_exact ? "functional, bit-exact against the golden layer"
                                              : "functional, MISMATCH against the golden layer")
                           : "timing only");
  std::printf("  GPUs  %s: %s, modelled (docs/gpu-baselines.md; none measured in this run)\n",
              gpu_names.c_str(), o.precision.c_str());
  std::printf("\n  one layer, per operator (x = GPU / chip: above 1 the chip is faster or uses less "
              "energy)\n");
  std::printf("  %-28s %10s %10s %-17s", "operator", "chip us", "chip uJ", "chip bound");
  for (const auto& g : r.gpus) {
    std::printf(" | %10s %9s %7s %7s", (g.name + " us").c_str(), "uJ", "x time", "x energy");
  }
  std::printf("\n");
  for (const auto& row : r.rows) {
    std::printf("  %-28s %10.2f %10.2f %-17s", row.name.c_str(), us(row.seconds),
                uj(row.energy_j), row.bound.c_str());
    for (const auto& g : row.gpus) {
      if (g.seconds > 0) {
        std::printf(" | %10.2f %9.2f %7.2f %7.2f", us(g.seconds), uj(g.energy_j),
                    g.seconds / row.seconds, g.energy_j / row.energy_j);
      } else {
        std::printf(" | %10s %9s %7s %7s", "-", "-", "-", "-");
      }
    }
    std::printf("\n");
  }
  double chip_s1 = 0, chip_j1 = 0;
  for (const auto& row : r.rows) {
    chip_s1 += row.seconds;
    chip_j1 += row.energy_j;
  }
  std::printf("  %-28s %10.2f %10.2f %-17s", "layer", us(chip_s1), uj(chip_j1), "");
  for (const auto& g : r.gpus) {
    const double gs = g.seconds / r.layers, gj = g.energy_j / r.layers;
    std::printf(" | %10.2f %9.2f %7.2f %7.2f", us(gs), uj(gj), gs / chip_s1, gj / chip_j1);
  }
  std::printf("\n\n");
  const double ops = 2.0 * double(r.run.macs) * r.layers;
  std::printf("  %d layer(s), %.0f %s(s)    %12s %12s %10s %10s %14s\n", r.layers, r.items,
              r.item_name(), "latency", "energy", "TOPS", "TOPS/W",
              fmt::format("energy/{}", r.item_name()).c_str());
  std::printf("  %-30s %10.1f us %9.1f uJ %10.2f %10.2f %11.1f uJ\n", cfg.name.c_str(),
              us(r.chip_seconds), uj(r.chip_energy_j), ops / r.chip_seconds / 1e12,
              ops / r.chip_energy_j / 1e12, uj(r.chip_energy_j) / r.items);
  for (const auto& g : r.gpus) {
    std::printf("  %-30s %10.1f us %9.1f uJ %10.2f %10.2f %11.1f uJ   (fp16: %.1f us, %.1f uJ)\n",
                (g.name + " (" + o.precision + ")").c_str(), us(g.seconds), uj(g.energy_j),
                ops / g.seconds / 1e12, ops / g.energy_j / 1e12, uj(g.energy_j) / r.items,
                us(g.fp16_seconds), uj(g.fp16_energy_j));
  }
  std::printf("\n  chip energy of one layer:\n%s",
              energy::format_report(r.energy, 0.0, r.item_name()).c_str());

  // ---- files ----
  const nlohmann::ordered_json j = to_json(r, o.precision);
  std::string json_path = o.json;
  if (!o.plots.empty()) {
    std::filesystem::create_directories(o.plots);
    if (json_path.empty()) json_path = (std::filesystem::path(o.plots) / "compare.json").string();
  }
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    if (!out) throw std::runtime_error("--json: cannot write " + json_path);
    out << j.dump(2) << '\n';
  }
  if (!o.csv.empty()) {
    std::ofstream out(o.csv);
    if (!out) throw std::runtime_error("--csv: cannot write " + o.csv);
    out << "operator,system,seconds,energy_j,ops,bytes,bound\n";
    for (const auto& row : r.rows) {
      out << fmt::format("{},{},{:.9g},{:.9g},{:.9g},{:.9g},{}\n", row.name, cfg.name, row.seconds,
                         row.energy_j, row.ops_count, row.dram_bytes, row.bound);
      for (std::size_t g = 0; g < row.gpus.size(); ++g) {
        const auto& c = row.gpus[g];
        out << fmt::format("{},{},{:.9g},{:.9g},{:.9g},{:.9g},{}\n", row.name, r.gpus[g].name,
                           c.seconds, c.energy_j, c.ops, c.bytes, c.bound);
      }
    }
  }
  if (!o.plots.empty()) {
    const std::string cmd = python() + " " + quote(std::string(SERRANO_SCRIPTS_DIR) +
                                                  "/plot_compare.py") +
                            " " + quote(json_path) + " " + quote(o.plots);
    if (std::system(cmd.c_str()) != 0) {
      throw std::runtime_error(
          "--plots: the plot script failed (it needs python3-matplotlib; run scripts/serrano.sh "
          "setup)");
    }
    std::printf("\n  plots: %s/latency.png, energy.png, roofline.png\n", o.plots.c_str());
  }
  return o.functional && !r.run.bit_exact ? 1 : 0;
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<CompareCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "A transformer workload on a Serrano chip against GPU baselines: time and energy per "
      "operator and in total (the main job)");
  cmd->add_option("--model", opts->model, "Model: a built-in name or a model .yaml")
      ->capture_default_str();
  cmd->add_option("--phase", opts->phase, "prefill or decode")->capture_default_str();
  cmd->add_option("--seq", opts->seq, "Prefill: tokens per sequence")->capture_default_str();
  cmd->add_option("--kv", opts->kv, "Decode: cached tokens per sequence");
  cmd->add_option("--batch", opts->batch, "Sequences")->capture_default_str();
  cmd->add_option("--layers", opts->layers, "Layers: a number or all")->capture_default_str();
  cmd->add_option("--arch", opts->arch, "Chip config (default configs/serrano-base.yaml)");
  cmd->add_option("--gpu", opts->gpus,
                  "GPU to compare with, repeatable: a name in configs/gpus or a .yaml (default "
                  "h100-sxm and a100-sxm)");
  cmd->add_option("--tech", opts->tech,
                  "Technology table for energy and area: a name in configs/tech or a .yaml "
                  "(default: the config's technology)");
  cmd->add_option("--gpu-precision", opts->precision, "int8 or fp16")->capture_default_str();
  cmd->add_flag("--functional", opts->functional,
                "Run the chip with data and check it against the golden int8 layer (one layer)");
  cmd->add_option("--seed", opts->seed, "Seed of the synthetic weights and input")
      ->capture_default_str();
  cmd->add_option("--json", opts->json, "Write the report as JSON (schema serrano.compare/1)");
  cmd->add_option("--csv", opts->csv, "Write one line per operator and system as CSV");
  cmd->add_option("--plots", opts->plots,
                  "Write PNG charts here (latency and energy per operator, roofline)");
  cmd->callback([opts, &exit_code] { exit_code = run_compare(*opts); });
}

}  // namespace serrano::cli
