// SPDX-License-Identifier: Apache-2.0
#include "cli/layer_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "arch/arch_config.h"
#include "cli/workload_options.h"
#include "io/npy.h"
#include "model/chip/chip_model.h"
#include "workloads/layer_run.h"
#include "workloads/model_desc.h"

namespace serrano::cli {

namespace {

struct LayerOptions {
  std::string model = "bert-base";
  std::string phase = "prefill";
  int seq = 128;
  int kv = 0;
  int batch = 1;
  std::string layers = "1";
  std::string arch;
  bool timing_only = false;
  std::string dump_dir;
  std::string json;
  std::uint64_t seed = 1;
  std::string weights;
  bool smooth = false;
  double alpha = 0.5;
};

std::string thousands(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(std::size_t(i), ",");
  return s;
}

std::string bytes_text(std::uint64_t b) {
  if (b >= (1ull << 20)) return fmt::format("{:.1f} MiB", double(b) / double(1ull << 20));
  if (b >= (1ull << 10)) return fmt::format("{:.1f} KiB", double(b) / double(1ull << 10));
  return fmt::format("{} B", b);
}

int run_layer_command(const LayerOptions& o) {
  const arch::ArchConfig cfg = arch::load_arch_file(o.arch);
  const workloads::ModelDesc m = workloads::find_model(o.model);
  workloads::LayerRunOptions ro;
  ro.shape.phase = parse_phase("layer", o.phase);
  ro.shape.seq = o.seq;
  ro.shape.kv = o.kv;
  ro.shape.batch = o.batch;
  ro.layers = parse_layers("layer", o.layers, m);
  ro.timing_only = o.timing_only;
  ro.seed = o.seed;
  ro.weights = o.weights;
  ro.quant.smooth = o.smooth;
  ro.quant.alpha = o.alpha;
  model::ChipModel sim(cfg, o.timing_only ? model::ChipModel::Mode::TimingOnly
                                          : model::ChipModel::Mode::Functional);
  const workloads::LayerRunResult r = workloads::run_layer(m, sim, ro);

  // ---- terminal report ----
  const auto& s = ro.shape;
  const std::string phase =
      s.phase == workloads::Phase::Prefill
          ? fmt::format("prefill, seq {}, batch {}", s.seq, s.batch)
          : fmt::format("decode, KV {}, batch {}", s.kv, s.batch);
  std::printf("serrano layer: %s, %s, %d of %d layer(s), on %s (%dx%d, %.2f GHz), %s\n",
              m.name.c_str(), phase.c_str(), r.layers, m.layers, cfg.name.c_str(), r.rows, r.cols,
              r.clock_ghz, r.functional ? "functional" : "timing only");
  std::printf("\n  %-28s %-30s %13s %6s %6s %11s  %s\n", "kernel", "shape", "cycles", "share",
              "util", "DRAM", "bound");
  for (const auto& k : r.kernels) {
    std::printf("  %-28s %-30s %13s %5.1f%% %5.1f%% %11s  %s\n", k.kernel.name.c_str(),
                k.kernel.shape.c_str(), thousands(k.cycles).c_str(),
                100.0 * double(k.cycles) / double(r.layer_cycles), 100.0 * k.utilization,
                bytes_text(k.kernel.stats.dram_read_bytes + k.kernel.stats.dram_write_bytes).c_str(),
                workloads::bound_text(k).c_str());
  }
  std::printf("  %-28s %-30s %13s %5.1f%% %5.1f%% %11s\n", "layer total", "",
              thousands(r.layer_cycles).c_str(), 100.0, 100.0 * r.utilization,
              bytes_text(r.dram_read_bytes + r.dram_write_bytes).c_str());
  std::printf("\n  instructions  %s per layer\n", thousands(r.instructions).c_str());
  if (r.layers > 1) {
    std::printf("  stack         %d layers simulated: %s cycles (%.3f x the first layer's)\n",
                r.layers, thousands(r.stack_cycles).c_str(),
                double(r.stack_cycles) / double(r.layer_cycles));
  }
  std::printf("  latency       %.3f us at %.2f GHz\n", r.latency_us, r.clock_ghz);
  std::printf("  achieved      %.3f TOPS (int8, %s MACs per layer), array utilization %.1f%%\n",
              r.tops, thousands(r.macs).c_str(), 100.0 * r.utilization);
  if (s.phase == workloads::Phase::Decode) {
    std::printf("  decode        %.1f tokens/s (batch %d)\n", r.tokens_per_s, s.batch);
  }
  if (r.functional) {
    std::size_t bad = 0, elements = 0;
    for (const auto& t : r.tensors) {
      bad += t.mismatches;
      elements += t.elements;
    }
    std::printf("  golden        %s: %zu tensors, %s elements, %zu mismatches (seed %llu)\n",
                r.bit_exact ? "bit-exact" : "MISMATCH", r.tensors.size(),
                thousands(elements).c_str(), bad, static_cast<unsigned long long>(o.seed));
    for (const auto& t : r.tensors) {
      if (t.mismatches) {
        std::printf("                %s: %zu of %zu differ, first at element %zu\n",
                    t.name.c_str(), t.mismatches, t.elements, t.first);
      }
    }
    std::printf("  accuracy      int8 layer vs fp32: cosine %.4f, SQNR %.1f dB\n",
                r.accuracy.cosine, r.accuracy.sqnr_db);
  }

  if (!o.dump_dir.empty()) {
    std::filesystem::create_directories(o.dump_dir);
    const std::size_t T = workloads::layer_tokens(s);
    for (const auto& [name, data] : r.chip_tensors) {
      io::write_npy((std::filesystem::path(o.dump_dir) / (name + ".npy")).string(),
                    io::make_i8({T, data.size() / T}, data));
    }
  }

  // ---- JSON report (schema serrano.layer/1, docs/reports.md) ----
  if (!o.json.empty()) {
    nlohmann::ordered_json j;
    j["schema"] = "serrano.layer/1";
    j["model"] = m.name;
    j["phase"] = workloads::to_string(s.phase);
    j["seq"] = s.seq;
    j["kv"] = s.kv;
    j["batch"] = s.batch;
    j["layers"] = r.layers;
    j["arch"] = {{"name", cfg.name}, {"rows", r.rows}, {"cols", r.cols}, {"clock_ghz", r.clock_ghz}};
    j["mode"] = r.functional ? "functional" : "timing-only";
    j["kernels"] = nlohmann::ordered_json::array();
    for (const auto& k : r.kernels) {
      j["kernels"].push_back({{"name", k.kernel.name},
                              {"shape", k.kernel.shape},
                              {"cycles", k.cycles},
                              {"share", double(k.cycles) / double(r.layer_cycles)},
                              {"utilization", k.utilization},
                              {"macs", k.kernel.stats.macs},
                              {"dram_read_bytes", k.kernel.stats.dram_read_bytes},
                              {"dram_write_bytes", k.kernel.stats.dram_write_bytes},
                              {"stream_rows", k.kernel.stats.stream_rows},
                              {"preload_rows", k.kernel.stats.preload_rows},
                              {"vector_cycles", k.kernel.stats.vector_cycles},
                              {"instructions", k.kernel.stats.instructions},
                              {"bound", workloads::to_string(k.bound)},
                              {"bound_detail", workloads::bound_text(k)}});
    }
    j["total"] = {{"layer_cycles", r.layer_cycles},
                  {"stack_cycles", r.stack_cycles},
                  {"latency_us", r.latency_us},
                  {"macs_per_layer", r.macs},
                  {"tops", r.tops},
                  {"utilization", r.utilization},
                  {"dram_read_bytes", r.dram_read_bytes},
                  {"dram_write_bytes", r.dram_write_bytes},
                  {"instructions", r.instructions}};
    if (s.phase == workloads::Phase::Decode) j["total"]["tokens_per_s"] = r.tokens_per_s;
    if (r.functional) {
      j["golden"] = {{"bit_exact", r.bit_exact}, {"seed", o.seed}};
      j["golden"]["tensors"] = nlohmann::ordered_json::array();
      for (const auto& t : r.tensors) {
        j["golden"]["tensors"].push_back(
            {{"name", t.name}, {"elements", t.elements}, {"mismatches", t.mismatches}});
      }
      j["accuracy"] = {{"cosine", r.accuracy.cosine}, {"sqnr_db", r.accuracy.sqnr_db}};
    }
    std::ofstream out(o.json);
    if (!out) throw std::runtime_error("--json: cannot write " + o.json);
    out << j.dump(2) << '\n';
  }
  return r.functional && !r.bit_exact ? 1 : 0;
}

}  // namespace

void add_layer_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<LayerOptions>();
  CLI::App* cmd = app.add_subcommand(
      "layer",
      "Compile a quantized transformer layer for a chip config, run it on the model and report "
      "cycles per kernel (functional runs are checked bit for bit against the golden int8 layer)");
  cmd->add_option("--model", opts->model,
                  "Model: a built-in name (bert-base, llama3-8b, ...) or a model .yaml")
      ->capture_default_str();
  cmd->add_option("--phase", opts->phase, "prefill or decode")->capture_default_str();
  cmd->add_option("--seq", opts->seq, "Prefill: tokens per sequence")->capture_default_str();
  cmd->add_option("--kv", opts->kv, "Decode: cached tokens per sequence")->capture_default_str();
  cmd->add_option("--batch", opts->batch, "Sequences")->capture_default_str();
  cmd->add_option("--layers", opts->layers, "Layers in the stack: a number or all")
      ->capture_default_str();
  cmd->add_option("--arch", opts->arch, "Architecture config (YAML)")->required();
  cmd->add_flag("--timing-only", opts->timing_only, "Cycles only, no data and no golden check");
  cmd->add_option("--dump-dir", opts->dump_dir,
                  "Write the layer's int8 input, output and intermediate tensors as .npy here")
      ->excludes("--timing-only");
  cmd->add_option("--json", opts->json, "Write the report as JSON (schema serrano.layer/1)");
  cmd->add_option("--seed", opts->seed, "Seed of the synthetic weights and input")
      ->capture_default_str();
  cmd->add_option("--weights", opts->weights,
                  "Real weights: a folder of .npy files or a .safetensors file (docs/models.md)");
  cmd->add_flag("--smoothquant", opts->smooth, "SmoothQuant the matmuls after a pre-norm");
  cmd->add_option("--alpha", opts->alpha, "SmoothQuant migration strength")->capture_default_str();
  cmd->callback([opts, &exit_code] { exit_code = run_layer_command(*opts); });
}

}  // namespace serrano::cli
