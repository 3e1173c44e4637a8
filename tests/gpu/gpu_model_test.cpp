// SPDX-License-Identifier: Apache-2.0
// The GPU baseline model (docs/gpu-baselines.md): is it within 15 % median error of every
// calibration dataset; does its power stay between idle and TDP; are decode weight GEMMs
// memory-bound and large prefill GEMMs compute-bound; are bad names and files refused with one
// exact line; is a layer the sum of its operators; is it deterministic?
#include "workloads/gpu/gpu_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "workloads/gpu/calibration.h"
#include "workloads/gpu/gpu_spec.h"
#include "workloads/layer_ops.h"
#include "workloads/model_desc.h"

namespace serrano::workloads::gpu {
namespace {

const std::string kSource = SERRANO_SOURCE_DIR;
constexpr double kMaxMedianError = 0.15;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string error_of_name(const std::string& name) {
  try {
    find_gpu(name);
  } catch (const arch::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string error_of_yaml(const std::string& text) {
  try {
    parse_gpu_yaml(text, "g.yaml");
  } catch (const arch::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// The H100 SXM file with `from` replaced by `to` (which must occur).
std::string edited(const std::string& from, const std::string& to) {
  std::string t = read_text(kSource + "/configs/gpus/h100-sxm.yaml");
  const auto at = t.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) t.replace(at, from.size(), to);
  return t;
}

// The model against one measured result file, read here with nlohmann-json independently of
// workloads/gpu/calibration.cpp.
void expect_json_within(const std::string& file) {
  const GpuSpec spec = find_gpu("h100-sxm");
  const auto doc =
      nlohmann::json::parse(read_text(kSource + "/workloads/baselines/measured/" + file));
  for (Precision p : {Precision::Int8, Precision::Fp16}) {
    std::vector<double> errors;
    for (const auto& r : doc.at("results")) {
      if (r.at("status") != "ok" || r.at("precision") != to_string(p)) continue;
      const GemmEstimate e =
          estimate_gemm(spec, p, r.at("batch").get<std::uint64_t>(), r.at("M").get<std::uint64_t>(),
                        r.at("K").get<std::uint64_t>(), r.at("N").get<std::uint64_t>());
      errors.push_back(std::abs(e.time_s * 1e6 / r.at("time_us").at("median").get<double>() - 1));
    }
    EXPECT_EQ(errors.size(), 82u) << file << " " << to_string(p);
    EXPECT_LT(median(errors), kMaxMedianError) << file << " " << to_string(p);
  }
}

TEST(Calibration, H100MeasuredRunWithin15PercentMedian) {
  expect_json_within("h100-sxm-2026-11-23.json");
}

TEST(Calibration, H100RepeatRunWithin15PercentMedian) {
  expect_json_within("h100-sxm-2026-11-23-repeat.json");
}

TEST(Calibration, EveryDatasetWithin15PercentMedian) {
  const auto sets = default_calibration(kSource);
  ASSERT_EQ(sets.size(), 5u);
  std::size_t points = 0;
  for (const auto& s : sets) {
    EXPECT_FALSE(s.points.empty()) << s.name;
    EXPECT_LT(s.median_abs_error(), kMaxMedianError) << s.name;
    points += s.points.size();
  }
  EXPECT_EQ(points, 4u * 82u + 20u);
  EXPECT_EQ(sets.back().name, "a100-sxm fp16 (LLMCompass)");
  EXPECT_EQ(sets.back().points.size(), 20u);
}

TEST(Gpus, EveryShippedFileLoadsAndCitesItsSources) {
  const auto names = builtin_gpus();
  EXPECT_EQ(names, (std::vector<std::string>{"a100-sxm", "b200", "h100-pcie", "h100-sxm", "l4"}));
  for (const auto& n : names) {
    const GpuSpec g = find_gpu(n);
    EXPECT_EQ(g.name, n);
    for (const Figure* f : {&g.int8_tops, &g.fp16_tflops, &g.bandwidth_gbs, &g.memory_gb, &g.tdp_w,
                            &g.sms, &g.clock_mhz, &g.l2_mb, &g.idle_w, &g.tile}) {
      EXPECT_FALSE(f->source.empty()) << n;
    }
    EXPECT_FALSE(g.int8.source.empty()) << n;
    EXPECT_FALSE(g.fp16.source.empty()) << n;
    // Only the measured GPUs carry fitted curves; the others say they are assumed.
    const bool measured = n == "h100-sxm" || n == "a100-sxm";
    EXPECT_EQ(g.fp16.source.rfind("fitted", 0) == 0, measured) << n;
    if (n != "h100-sxm") {
      EXPECT_EQ(g.int8.source.rfind("assumed", 0), 0u) << n;
      EXPECT_EQ(g.idle_w.source.rfind("assumed", 0), 0u) << n;
    }
  }
  EXPECT_TRUE(find_gpu("b200").sms.unconfirmed);
  EXPECT_TRUE(find_gpu("l4").sms.unconfirmed);
  EXPECT_FALSE(find_gpu("h100-sxm").sms.unconfirmed);
  EXPECT_EQ(find_gpu(kSource + "/configs/gpus/l4.yaml").name, "l4");
}

TEST(Gpus, UnknownNameGivesTheExactLine) {
  EXPECT_EQ(error_of_name("h200"),
            "gpu: h200: unknown GPU; known: a100-sxm, b200, h100-pcie, h100-sxm, l4 (or give a "
            "path to a .yaml file)");
  EXPECT_EQ(error_of_name(""),
            "gpu: (name): unknown GPU; known: a100-sxm, b200, h100-pcie, h100-sxm, l4 (or give a "
            "path to a .yaml file)");
  EXPECT_EQ(error_of_name("/nonexistent/x.yaml"),
            "/nonexistent/x.yaml: (file): cannot read the file");
  try {
    parse_precision("int4");
    ADD_FAILURE() << "int4 accepted";
  } catch (const arch::ConfigError& e) {
    EXPECT_STREQ(e.what(), "precision: int4: must be int8 or fp16");
  }
}

TEST(Gpus, BadFilesAreRefusedWithOneLine) {
  EXPECT_EQ(error_of_yaml(edited("  l2_mb:", "  l3_mb:")), "g.yaml: datasheet.l3_mb: unknown key");
  EXPECT_EQ(error_of_yaml(edited("    efficiency_max: 0.7371", "    efficiency_max: 1.5")),
            "g.yaml: model.int8.efficiency_max: must be a number in (0, 1], got 1.5");
  EXPECT_EQ(error_of_yaml(edited("    value: 123.9", "    value: 900.0")),
            "g.yaml: power.idle_w.value: must be below datasheet.tdp_w (700.0), got 900.0");
  EXPECT_EQ(error_of_yaml(edited("    value: 132.0", "    value: 132.5")),
            "g.yaml: datasheet.sms.value: must be a whole number, got 132.5");
  const std::string no_source =
      edited("    value: 50.0\n    source: \"NVIDIA H100 datasheet, 50 MB (figures.md 4)\"\n",
             "    value: 50.0\n");
  EXPECT_EQ(error_of_yaml(no_source), "g.yaml: datasheet.l2_mb.source: missing");
}

TEST(Power, NeverAboveTdpNorBelowIdle) {
  const std::vector<std::uint64_t> sizes = {1, 7, 64, 128, 1000, 4096, 16384, 65536};
  for (const auto& n : builtin_gpus()) {
    const GpuSpec g = find_gpu(n);
    for (Precision p : {Precision::Int8, Precision::Fp16}) {
      for (auto m : sizes) {
        for (auto k : sizes) {
          for (auto c : {std::uint64_t(1), std::uint64_t(512)}) {
            const GemmEstimate e = estimate_gemm(g, p, c, m, k, 4096);
            EXPECT_LE(e.power_w, g.tdp_w.value) << n << " " << m << " " << k;
            EXPECT_GE(e.power_w, g.idle_w.value) << n << " " << m << " " << k;
            EXPECT_NEAR(e.energy_j, e.power_w * e.time_s, 1e-12 * e.energy_j);
          }
        }
        const VectorEstimate v = estimate_vector(g, p, double(m) * 4096.0, double(m) * 4096.0);
        EXPECT_LE(v.power_w, g.tdp_w.value);
        EXPECT_GE(v.power_w, g.idle_w.value);
      }
    }
    EXPECT_EQ(power_w(g, 5.0), g.tdp_w.value);
    EXPECT_EQ(power_w(g, -1.0), g.idle_w.value);
  }
}

TEST(Bounds, DecodeWeightGemmsAreMemoryBoundAndLargePrefillComputeBound) {
  for (const auto& n : builtin_gpus()) {
    const GpuSpec g = find_gpu(n);
    for (Precision p : {Precision::Int8, Precision::Fp16}) {
      for (const char* model : {"gpt2-small", "llama2-7b", "llama3-8b"}) {
        const ModelDesc m = find_model(model);
        const LayerEstimate d =
            estimate_layer(g, p, m, LayerShape{Phase::Decode, 1, 2048 % m.max_context, 1});
        const auto ops = layer_ops(m, LayerShape{Phase::Decode, 1, 2048 % m.max_context, 1});
        for (std::size_t i = 0; i < ops.size(); ++i) {
          if (ops[i].kind != OpKind::MatMul) {
            EXPECT_EQ(d.ops[i].bound, Bound::Memory);
          } else if (ops[i].weight_operand) {
            EXPECT_EQ(d.ops[i].bound, Bound::Memory) << n << " " << model << " " << ops[i].name;
          }
        }
      }
      const ModelDesc llama = find_model("llama3-8b");
      const LayerEstimate pre = estimate_layer(g, p, llama, LayerShape{Phase::Prefill, 2048, 0, 1});
      const auto ops = layer_ops(llama, LayerShape{Phase::Prefill, 2048, 0, 1});
      for (std::size_t i = 0; i < ops.size(); ++i) {
        if (ops[i].weight_operand) {
          EXPECT_EQ(pre.ops[i].bound, Bound::Compute) << n << " " << ops[i].name;
        }
      }
      EXPECT_EQ(estimate_gemm(g, p, 1, 8192, 8192, 8192).bound, Bound::Compute) << n;
      EXPECT_EQ(estimate_gemm(g, p, 1, 1, 8192, 8192).bound, Bound::Memory) << n;
    }
  }
}

TEST(Layers, TotalsAreTheSumOfOperators) {
  const std::vector<std::pair<std::string, LayerShape>> cases = {
      {"bert-base", {Phase::Prefill, 128, 0, 1}}, {"bert-large", {Phase::Prefill, 512, 0, 4}},
      {"llama3-8b", {Phase::Decode, 1, 2048, 1}}, {"llama3-8b", {Phase::Decode, 1, 2048, 16}},
      {"llama2-7b", {Phase::Prefill, 512, 0, 1}}, {"gpt2-small", {Phase::Decode, 1, 0, 3}},
  };
  for (const auto& n : builtin_gpus()) {
    const GpuSpec g = find_gpu(n);
    for (Precision p : {Precision::Int8, Precision::Fp16}) {
      for (const auto& [model, shape] : cases) {
        const ModelDesc m = find_model(model);
        const LayerEstimate e = estimate_layer(g, p, m, shape);
        const auto ops = layer_ops(m, shape);
        ASSERT_EQ(e.ops.size(), ops.size());
        double t = 0, en = 0, tm = 0, tv = 0, flops = 0;
        for (std::size_t i = 0; i < ops.size(); ++i) {
          EXPECT_EQ(e.ops[i].name, ops[i].name);
          EXPECT_GT(e.ops[i].time_s, 0.0);
          t += e.ops[i].time_s;
          en += e.ops[i].energy_j;
          (ops[i].kind == OpKind::MatMul ? tm : tv) += e.ops[i].time_s;
          flops += e.ops[i].ops;
        }
        EXPECT_DOUBLE_EQ(e.time_s, t) << n << " " << model;
        EXPECT_DOUBLE_EQ(e.energy_j, en) << n << " " << model;
        EXPECT_DOUBLE_EQ(e.matmul_time_s, tm);
        EXPECT_DOUBLE_EQ(e.vector_time_s, tv);
        EXPECT_DOUBLE_EQ(e.ops_total, 2.0 * double(layer_macs(ops).total()));
        EXPECT_DOUBLE_EQ(flops, e.ops_total);
      }
    }
  }
}

TEST(Layers, GqaReadsEachKvHeadOnce) {
  const GpuSpec g = find_gpu("h100-sxm");
  const ModelDesc m = find_model("llama3-8b");  // 32 query heads, 8 KV heads
  const LayerEstimate e =
      estimate_layer(g, Precision::Fp16, m, LayerShape{Phase::Decode, 1, 2047, 1});
  for (const auto& o : e.ops) {
    if (o.name != "attn.scores") continue;
    // A (q) and C per query head, K (128 x 2048 fp16) once per KV head.
    EXPECT_DOUBLE_EQ(o.bytes, 32.0 * (128 * 2 + 2048 * 2) + 8.0 * 128 * 2048 * 2);
  }
}

TEST(Model, PinnedFormulaForOneGemm) {
  const GpuSpec g = find_gpu("h100-sxm");
  // 4096^3 fp16: 32 x 32 = 1024 tiles over 132 SMs = 8 waves (1024 / 1056).
  const GemmEstimate e = estimate_gemm(g, Precision::Fp16, 1, 4096, 4096, 4096);
  const double eff = 0.7805 * (1024.0 / 1056.0) * (4096.0 / (4096.0 + 65.02)) *
                     (4096.0 / (4096.0 + 65.02)) * (4096.0 / (4096.0 + 0.5));
  EXPECT_DOUBLE_EQ(e.efficiency, eff);
  EXPECT_DOUBLE_EQ(e.compute_s, 2.0 * 4096.0 * 4096.0 * 4096.0 / (989.4e12 * eff));
  EXPECT_DOUBLE_EQ(e.memory_s, 3.0 * 4096.0 * 4096.0 * 2.0 / (3350e9 * 0.8629));
  EXPECT_DOUBLE_EQ(e.time_s, 2.809e-6 + e.compute_s);
  EXPECT_EQ(e.bound, Bound::Compute);
  EXPECT_THROW(estimate_gemm(g, Precision::Int8, 1, 0, 1, 1), std::invalid_argument);
}

TEST(Model, IsDeterministic) {
  const GpuSpec a = find_gpu("h100-sxm"), b = find_gpu("h100-sxm");
  const ModelDesc m = find_model("llama3-8b");
  for (Precision p : {Precision::Int8, Precision::Fp16}) {
    const LayerEstimate x = estimate_layer(a, p, m, LayerShape{Phase::Decode, 1, 2048, 16});
    const LayerEstimate y = estimate_layer(b, p, m, LayerShape{Phase::Decode, 1, 2048, 16});
    ASSERT_EQ(x.ops.size(), y.ops.size());
    for (std::size_t i = 0; i < x.ops.size(); ++i) {
      EXPECT_EQ(x.ops[i].time_s, y.ops[i].time_s);
      EXPECT_EQ(x.ops[i].energy_j, y.ops[i].energy_j);
    }
    EXPECT_EQ(x.time_s, y.time_s);
    EXPECT_EQ(x.energy_j, y.energy_j);
  }
  const auto c1 = default_calibration(kSource), c2 = default_calibration(kSource);
  for (std::size_t i = 0; i < c1.size(); ++i) {
    EXPECT_EQ(c1[i].median_abs_error(), c2[i].median_abs_error());
  }
}

}  // namespace
}  // namespace serrano::workloads::gpu
