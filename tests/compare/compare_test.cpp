// SPDX-License-Identifier: Apache-2.0
// `serrano compare`: the rows cover every operator once and add up; the GPU figures are the GPU
// model's; the chip wins and loses where docs/compare.md says; the CLI's report, CSV and PNG
// plots; and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "arch/arch_config.h"
#include "model/chip/chip_model.h"
#include "model/energy/tech_table.h"
#include "tests/common/serrano_cli.h"
#include "workloads/compare.h"
#include "workloads/model_desc.h"

namespace serrano::workloads {
namespace {

arch::ArchConfig config(const std::string& name) {
  return arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + name + ".yaml");
}

std::vector<gpu::GpuSpec> gpus() { return {gpu::find_gpu("h100-sxm"), gpu::find_gpu("a100-sxm")}; }

CompareOptions prefill128() {
  CompareOptions o;
  o.shape.phase = Phase::Prefill;
  o.shape.seq = 128;
  return o;
}

TEST(Compare, RowsCoverEveryOperatorOnceAndAddUp) {
  const ModelDesc m = find_model("bert-base");
  const arch::ArchConfig cfg = config("serrano-base");
  model::ChipModel sim(cfg, model::ChipModel::Mode::TimingOnly);
  const CompareResult r = compare(m, sim, energy::find_tech("7nm"), gpus(), prefill128());
  std::multiset<std::size_t> covered;
  double seconds = 0, energy = 0;
  std::vector<double> gpu_seconds(2, 0.0);
  for (const auto& row : r.rows) {
    covered.insert(row.ops.begin(), row.ops.end());
    seconds += row.seconds;
    energy += row.energy_j;
    for (std::size_t g = 0; g < 2; ++g) gpu_seconds[g] += row.gpus[g].seconds;
  }
  const std::size_t n_ops = layer_ops(m, prefill128().shape).size();
  ASSERT_EQ(covered.size(), n_ops);
  for (std::size_t i = 0; i < n_ops; ++i) EXPECT_EQ(covered.count(i), 1u) << i;
  EXPECT_NEAR(seconds, r.chip_seconds, 1e-12);
  // Per-kernel energies (each with its static share) add up to the layer's, within rounding.
  EXPECT_NEAR(energy, r.chip_energy_j, 1e-3 * r.chip_energy_j);
  for (std::size_t g = 0; g < 2; ++g) {
    const gpu::LayerEstimate e =
        gpu::estimate_layer(gpus()[g], gpu::Precision::Int8, m, prefill128().shape);
    EXPECT_NEAR(gpu_seconds[g], e.time_s, 1e-12);
    EXPECT_DOUBLE_EQ(r.gpus[g].seconds, e.time_s);
    EXPECT_DOUBLE_EQ(r.gpus[g].energy_j, e.energy_j);
  }
  EXPECT_TRUE(r.energy.missing.empty());
  EXPECT_GT(r.energy.tops_per_watt, 0.0);
}

TEST(Compare, TheChipWinsOnEnergyAndLosesOnBatch1DecodeLatency) {
  // docs/compare.md: per BERT-base layer the chip uses far less energy than an H100 but is
  // slower (a quarter of the peak); at batch-1 decode the H100's HBM3 streams the weights about
  // 4x faster than the chip's 128 B/cycle preload path.
  const ModelDesc bert = find_model("bert-base"), llama = find_model("llama3-8b");
  model::ChipModel sim(config("serrano-base"), model::ChipModel::Mode::TimingOnly);
  const energy::TechTable tech = energy::find_tech("7nm");
  const CompareResult p = compare(bert, sim, tech, gpus(), prefill128());
  EXPECT_GT(p.gpus[0].energy_j / p.chip_energy_j, 5.0);
  EXPECT_LT(p.gpus[0].seconds / p.chip_seconds, 1.0);
  CompareOptions d;
  d.shape.phase = Phase::Decode;
  d.shape.kv = 2048;
  d.shape.batch = 1;
  const CompareResult r = compare(llama, sim, tech, gpus(), d);
  EXPECT_LT(r.gpus[0].seconds / r.chip_seconds, 0.5);
  EXPECT_GT(r.chip_energy_j, 0.0);
  EXPECT_EQ(r.items, 1.0);
}

TEST(Compare, TechnologyChangesEnergyNotTime) {
  const ModelDesc m = find_model("bert-base");
  model::ChipModel sim(config("serrano-base"), model::ChipModel::Mode::TimingOnly);
  const CompareResult a = compare(m, sim, energy::find_tech("7nm"), gpus(), prefill128());
  const CompareResult b = compare(m, sim, energy::find_tech("45nm"), gpus(), prefill128());
  EXPECT_EQ(a.chip_seconds, b.chip_seconds);
  EXPECT_GT(b.chip_energy_j, a.chip_energy_j);
  EXPECT_THROW(compare(m, sim, energy::find_tech("7nm"), {}, prefill128()),
               std::invalid_argument);
}

// ---- The CLI ----

using testing::run_serrano;

TEST(CompareCli, DefaultsPrintTheTableAndWriteJsonCsvAndPlots) {
  const std::string dir = testing::temp_path("plots");
  const std::string csv = testing::temp_path("compare.csv");
  const auto r = run_serrano("compare --csv " + csv + " --plots " + dir, SERRANO_SOURCE_DIR);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* s : {"serrano compare: bert-base, prefill, seq 128, batch 1", "h100-sxm",
                        "a100-sxm", "ffn.up+act", "attn.scores+softmax+context", "TOPS/W",
                        "modelled", "sensitivity"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
  const auto j = nlohmann::json::parse(testing::slurp(dir + "/compare.json"));
  EXPECT_EQ(j["schema"], "serrano.compare/1");
  EXPECT_EQ(j["gpus"].size(), 2u);
  EXPECT_EQ(j["gpus"][0]["source"], "modelled");
  EXPECT_GE(j["rows"].size(), 9u);
  const std::string c = testing::slurp(csv);
  EXPECT_EQ(c.rfind("operator,system,seconds,energy_j,ops,bytes,bound\n", 0), 0u);
  EXPECT_EQ(std::count(c.begin(), c.end(), '\n'), 1 + 3 * long(j["rows"].size()));
  // Every chart is a PNG of 800 x 500 pixels (the IHDR chunk) with more than a blank canvas.
  for (const char* png : {"latency.png", "energy.png", "roofline.png"}) {
    const std::string bytes = testing::slurp(dir + "/" + png);
    ASSERT_GT(bytes.size(), 10000u) << png;
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
    EXPECT_EQ(bytes.substr(12, 4), "IHDR") << png;
    auto be32 = [&](std::size_t at) {
      return (std::uint32_t(std::uint8_t(bytes[at])) << 24) |
             (std::uint32_t(std::uint8_t(bytes[at + 1])) << 16) |
             (std::uint32_t(std::uint8_t(bytes[at + 2])) << 8) | std::uint8_t(bytes[at + 3]);
    };
    EXPECT_EQ(be32(16), 800u) << png;
    EXPECT_EQ(be32(20), 500u) << png;
  }
  // Same inputs: byte-identical JSON.
  const std::string first = testing::slurp(dir + "/compare.json");
  ASSERT_EQ(run_serrano("compare --json " + dir + "/again.json", SERRANO_SOURCE_DIR).status, 0);
  EXPECT_EQ(testing::slurp(dir + "/again.json"), first);
}

TEST(CompareCli, BadInputGivesOneLine) {
  auto expect = [](const std::string& args, const std::string& message) {
    testing::expect_cli_error(run_serrano(args, SERRANO_SOURCE_DIR), args, message);
  };
  expect("compare --gpu h200-nvl",
         "gpu: h200-nvl: unknown GPU; known: a100-sxm, b200, h100-pcie, h100-sxm, l4 (or give a "
         "path to a .yaml file)");
  expect("compare --tech 3nm",
         "tech: 3nm: unknown technology table; known: 16nm, 45nm, 7nm (or give a path to a .yaml "
         "table)");
  expect("compare --kv 100", "compare: kv: is for --phase decode; prefill takes --seq");
  expect("compare --phase decode --kv 10",
         "layer: phase: decode needs a causal model; bert-base has bidirectional attention (an "
         "encoder runs prefill only)");
  expect("compare --gpu-precision int4", "precision: int4: must be int8 or fp16");
  expect("compare --model llama3-8b --phase decode --kv 100 --layers 40",
         "layer: layers: must be in [1, 32] (llama3-8b has 32 layers), got 40");
}

}  // namespace
}  // namespace serrano::workloads
