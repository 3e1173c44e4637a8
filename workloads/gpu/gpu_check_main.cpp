// SPDX-License-Identifier: Apache-2.0
// serrano_gpu_check: prints, as Markdown, the GPU model's error against every calibration point
// (`calibration`), the example layer estimates of docs/gpu-baselines.md (`examples`), one layer's
// estimate (`layer`), or the GPU files and their parameters (`list`). Everything it prints about
// time, power and energy is modelled, except the columns headed "measured".
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <exception>
#include <string>
#include <vector>

#include "workloads/gpu/calibration.h"
#include "workloads/gpu/gpu_model.h"
#include "workloads/gpu/gpu_spec.h"

namespace {

using namespace serrano::workloads;
using namespace serrano::workloads::gpu;

std::string pct(double e) { return fmt::format("{:+.1f} %", 100.0 * e); }

std::string shape_of(const CalibrationPoint& p) {
  return p.count > 1 ? fmt::format("{}x{}x{} x{}", p.m, p.k, p.n, p.count)
                     : fmt::format("{}x{}x{}", p.m, p.k, p.n);
}

void print_calibration(const std::string& source_dir, bool points, int worst) {
  const auto sets = default_calibration(source_dir);
  fmt::print(
      "| dataset | points | fitted to it | median abs error | worst abs error | "
      "median abs power error |\n|---|---|---|---|---|---|\n");
  for (const auto& s : sets) {
    const double pw = s.median_abs_power_error();
    fmt::print("| {} | {} | {} | {:.1f} % | {:.1f} % | {} |\n", s.name, s.points.size(),
               s.fitted ? "yes" : "no (checked only)", 100.0 * s.median_abs_error(),
               100.0 * s.worst_abs_error(), pw > 0.0 ? fmt::format("{:.1f} %", 100.0 * pw) : "-");
  }
  for (const auto& s : sets) {
    std::vector<const CalibrationPoint*> rows;
    for (const auto& p : s.points) rows.push_back(&p);
    if (!points) {
      std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
        return std::abs(a->error()) > std::abs(b->error());
      });
      if (int(rows.size()) > worst) rows.resize(std::size_t(worst));
    }
    fmt::print("\n### {} ({})\n\n", s.name, points ? "every point" : "worst points");
    fmt::print(
        "| point | M x K x N (x batch) | measured us | model us | error | bound | "
        "measured W | model W |\n|---|---|---|---|---|---|---|---|\n");
    for (const auto* p : rows) {
      fmt::print("| {} | {} | {:.2f} | {:.2f} | {} | {} | {} | {} |\n", p->label, shape_of(*p),
                 p->measured_us, p->model_us, pct(p->error()), to_string(p->bound),
                 p->measured_w > 0.0 ? fmt::format("{:.0f}", p->measured_w) : "-",
                 p->measured_w > 0.0 ? fmt::format("{:.0f}", p->model_w) : "-");
    }
  }
}

struct Case {
  const char* title;
  const char* model;
  LayerShape shape;
};

std::string op_shape(const OpEstimate& o) {
  if (o.kind != OpKind::MatMul) return fmt::format("{} x {}", o.rows, o.cols);
  return o.count > 1 ? fmt::format("{}x{}x{} x{}", o.m, o.k, o.n, o.count)
                     : fmt::format("{}x{}x{}", o.m, o.k, o.n);
}

void print_layer_table(const std::vector<LayerEstimate>& cols) {
  fmt::print("| operator | shape |");
  for (const auto& c : cols) fmt::print(" {} {} us (bound) |", c.gpu, to_string(c.precision));
  fmt::print("\n|---|---|");
  for (std::size_t i = 0; i < cols.size(); ++i) fmt::print("---|");
  fmt::print("\n");
  for (std::size_t i = 0; i < cols.front().ops.size(); ++i) {
    fmt::print("| {} | {} |", cols.front().ops[i].name, op_shape(cols.front().ops[i]));
    for (const auto& c : cols) {
      fmt::print(" {:.2f} ({}) |", c.ops[i].time_s * 1e6, to_string(c.ops[i].bound));
    }
    fmt::print("\n");
  }
  fmt::print("| **total** | |");
  for (const auto& c : cols) fmt::print(" **{:.1f}** |", c.time_s * 1e6);
  fmt::print("\n| energy, mJ | |");
  for (const auto& c : cols) fmt::print(" {:.3f} |", c.energy_j * 1e3);
  fmt::print("\n");
}

void print_summary_header() {
  fmt::print(
      "| case | GPU | precision | time us | matmul us | vector us | energy mJ | avg W | "
      "TOPS | compute-bound ops |\n|---|---|---|---|---|---|---|---|---|---|\n");
}

void print_summary_row(const std::string& title, const LayerEstimate& e) {
  int compute = 0;
  for (const auto& o : e.ops) compute += o.bound == Bound::Compute ? 1 : 0;
  fmt::print("| {} | {} | {} | {:.1f} | {:.1f} | {:.1f} | {:.3f} | {:.0f} | {:.1f} | {} of {} |\n",
             title, e.gpu, to_string(e.precision), e.time_s * 1e6, e.matmul_time_s * 1e6,
             e.vector_time_s * 1e6, e.energy_j * 1e3, e.avg_power_w(), e.achieved_tops(), compute,
             e.ops.size());
}

void print_examples(bool all_gpus) {
  const std::vector<Case> cases = {
      {"BERT-base prefill seq 128", "bert-base", {Phase::Prefill, 128, 0, 1}},
      {"Llama-3-8B decode kv 2048 batch 1", "llama3-8b", {Phase::Decode, 128, 2048, 1}},
      {"Llama-3-8B decode kv 2048 batch 16", "llama3-8b", {Phase::Decode, 128, 2048, 16}},
  };
  const std::vector<std::string> gpus =
      all_gpus ? builtin_gpus() : std::vector<std::string>{"h100-sxm", "a100-sxm"};
  fmt::print("One layer, operators one after another (no overlap, no fusion). Modelled.\n\n");
  print_summary_header();
  std::vector<std::vector<LayerEstimate>> per_case;
  for (const auto& c : cases) {
    const ModelDesc m = find_model(c.model);
    per_case.emplace_back();
    for (const auto& g : gpus) {
      const GpuSpec spec = find_gpu(g);
      for (Precision p : {Precision::Int8, Precision::Fp16}) {
        per_case.back().push_back(estimate_layer(spec, p, m, c.shape));
        print_summary_row(c.title, per_case.back().back());
      }
    }
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    fmt::print("\n### {}\n\n", cases[i].title);
    print_layer_table(per_case[i]);
  }
}

void print_list() {
  fmt::print(
      "| gpu | int8 TOPS | fp16 TFLOPS | GB/s | TDP W | idle W | SMs | int8 eff_max / "
      "half_mn / half_k / bw frac / launch us | fp16 (same) |\n"
      "|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& name : builtin_gpus()) {
    const GpuSpec g = find_gpu(name);
    auto pm = [](const PrecisionModel& m) {
      return fmt::format("{:.4g} / {:.4g} / {:.4g} / {:.4g} / {:.4g}", m.efficiency_max, m.half_mn,
                         m.half_k, m.bandwidth_fraction, m.launch_us);
    };
    fmt::print("| {} | {:g} | {:g} | {:g} | {:g} | {:g} | {:g}{} | {} | {} |\n", g.name,
               g.int8_tops.value, g.fp16_tflops.value, g.bandwidth_gbs.value, g.tdp_w.value,
               g.idle_w.value, g.sms.value, g.sms.unconfirmed ? " (unconfirmed)" : "", pm(g.int8),
               pm(g.fp16));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"serrano_gpu_check: the GPU baseline model against measured data, and examples"};
  app.require_subcommand(1);
  std::string source_dir = SERRANO_SOURCE_DIR;
  app.add_option("--source-dir", source_dir, "repository root (for the measured data)");

  bool points = false;
  int worst = 8;
  auto* cal = app.add_subcommand("calibration", "error against every calibration point");
  cal->add_flag("--points", points, "print every point, not only the worst");
  cal->add_option("--worst", worst, "how many worst points per dataset (default 8)");

  bool all_gpus = false;
  auto* ex = app.add_subcommand("examples", "the example estimates of docs/gpu-baselines.md");
  ex->add_flag("--all-gpus", all_gpus, "every GPU file, not only h100-sxm and a100-sxm");

  std::string gpu_name = "h100-sxm", model_name = "bert-base", phase = "prefill",
              precision = "int8";
  LayerShape shape;
  auto* layer = app.add_subcommand("layer", "one layer's estimate, operator by operator");
  layer->add_option("--gpu", gpu_name, "GPU name or .yaml path");
  layer->add_option("--model", model_name, "model name or .yaml path");
  layer->add_option("--phase", phase, "prefill | decode");
  layer->add_option("--seq", shape.seq, "prefill tokens per sequence");
  layer->add_option("--kv", shape.kv, "decode: cached tokens per sequence");
  layer->add_option("--batch", shape.batch, "sequences");
  layer->add_option("--precision", precision, "int8 | fp16");

  app.add_subcommand("list", "the GPU files and their parameters");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*cal) print_calibration(source_dir, points, worst);
    if (*ex) print_examples(all_gpus);
    if (*layer) {
      if (phase != "prefill" && phase != "decode") {
        throw serrano::arch::ConfigError("phase", phase, "must be prefill or decode");
      }
      shape.phase = phase == "prefill" ? Phase::Prefill : Phase::Decode;
      const LayerEstimate e = estimate_layer(find_gpu(gpu_name), parse_precision(precision),
                                             find_model(model_name), shape);
      print_summary_header();
      print_summary_row(model_name, e);
      fmt::print("\n");
      print_layer_table({e});
    }
    if (app.got_subcommand("list")) print_list();
  } catch (const std::exception& e) {
    fmt::print(stderr, "serrano_gpu_check: {}\n", e.what());
    return 1;
  }
  return 0;
}
