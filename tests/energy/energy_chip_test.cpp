// SPDX-License-Identifier: Apache-2.0
// Does the energy model count what the whole-chip model counts (program_counts against the
// counters of a real run), and what do the worked examples of docs/energy.md cost? The examples
// print their report: run `energy_chip_test --gtest_filter='EnergyWorkedExample.*'`.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "arch/arch_config.h"
#include "golden/golden.h"
#include "isa/assembler.h"
#include "model/chip/chip_model.h"
#include "model/energy/energy_model.h"
#include "model/energy/tech_table.h"
#include "workloads/gemm_program.h"

namespace serrano::energy {
namespace {

const std::string kSource = SERRANO_SOURCE_DIR;

arch::ArchConfig preset(const std::string& name) {
  return arch::load_arch_file(kSource + "/configs/" + name + ".yaml");
}

workloads::ChipShape shape_of(const arch::ArchConfig& cfg, const model::ChipModel& chip) {
  return {cfg.array.rows, cfg.array.cols, chip.rows(isa::Mem::Sp), chip.rows(isa::Mem::Wb),
          chip.rows(isa::Mem::Acc)};
}

// The DRAM bytes a program's DMAs reach (a timing-only run checks its ranges against it).
std::uint64_t dram_extent(const std::vector<isa::Instruction>& code) {
  std::uint64_t size = 0;
  for (const auto& in : code) {
    if (in.opcode == isa::Opcode::Load || in.opcode == isa::Opcode::Store) {
      size = std::max(size, in.dram_addr + std::uint64_t(in.rows - 1) * in.dram_stride + in.bytes);
    }
  }
  return size;
}

void expect_same_counts(const arch::ArchConfig& cfg, const std::vector<isa::Instruction>& code,
                        const model::ChipRunResult& run, const std::string& what) {
  const ActionCounts p = program_counts(cfg, code);
  const ActionCounts r = run_counts(cfg, run);
  EXPECT_EQ(p.mac_slots, r.mac_slots) << what;
  EXPECT_EQ(p.preload_rows, r.preload_rows) << what;
  EXPECT_EQ(p.dram_read_bytes, r.dram_read_bytes) << what;
  EXPECT_EQ(p.dram_write_bytes, r.dram_write_bytes) << what;
  EXPECT_EQ(p.instructions, r.instructions) << what;
  for (int m = 0; m < 4; ++m) {
    EXPECT_EQ(p.sram_read_bytes[m], r.sram_read_bytes[m]) << what << " memory " << m;
    EXPECT_EQ(p.sram_write_bytes[m], r.sram_write_bytes[m]) << what << " memory " << m;
  }
}

TEST(EnergyOnChip, ProgramCountsMatchTheModel) {
  const arch::ArchConfig cfg = preset("serrano-edge");
  model::ChipModel chip(cfg, model::ChipModel::Mode::TimingOnly);
  for (const char* name : {"tile16", "gemm_serial", "gemm_double_buffered"}) {
    const std::string path = kSource + "/examples/" + name + ".sasm";
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    const isa::Program prog = isa::assemble(text.str(), path);
    const model::ChipRunResult run = chip.run(prog.code, {}, dram_extent(prog.code));
    expect_same_counts(cfg, prog.code, run, name);
  }
  const auto shape = shape_of(cfg, chip);
  for (const auto& [m, k, n] : {std::array<int, 3>{37, 50, 21}, {256, 256, 256}, {1, 16, 40}}) {
    for (int slots = 1; slots <= 2; ++slots) {
      const auto g = workloads::gemm_program(m, k, n, shape, slots, golden::RequantOutput{});
      const model::ChipRunResult run = chip.run(g.code, {}, g.layout.bytes);
      expect_same_counts(cfg, g.code, run,
                         std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n));
    }
  }
}

// The worked example of docs/energy.md: a 256 x 256 x 256 int8 GEMM (with requantization), the
// double-buffered program of workloads/gemm_program, on a preset, priced with its table.
EnergyReport worked_example(const std::string& preset_name) {
  const arch::ArchConfig cfg = preset(preset_name);
  model::ChipModel chip(cfg, model::ChipModel::Mode::TimingOnly);
  const int m = 256, k = 256, n = 256;
  const auto g = workloads::gemm_program(m, k, n, shape_of(cfg, chip), 2, golden::RequantOutput{});
  const model::ChipRunResult run = chip.run(g.code, {}, g.layout.bytes);
  ActionCounts counts = run_counts(cfg, run, g.code);
  counts.useful_macs = std::uint64_t(m) * k * n;
  const TechTable tech = find_tech(cfg.technology);
  const EnergyReport r = chip_energy(cfg, tech, counts);
  std::printf("%dx%dx%d GEMM on %s: %zu instructions, %llu cycles (%.3f us), %llu MAC slots\n", m,
              k, n, cfg.name.c_str(), g.code.size(),
              static_cast<unsigned long long>(run.total_cycles),
              double(run.total_cycles) / cfg.clock_ghz / 1000.0,
              static_cast<unsigned long long>(run.array_macs));
  std::printf("%s", format_report(r).c_str());
  // The same counts at the other tables, for the scaling line of docs/energy.md.
  for (const auto& other : builtin_techs()) {
    if (other == tech.name) continue;
    const EnergyReport o = chip_energy(cfg, find_tech(other), counts);
    std::printf("  at %s: %.1f pJ total (%.1f dynamic, %.1f static), %.4f TOPS/W\n", other.c_str(),
                o.total_pj, o.dynamic_pj, o.static_pj, o.tops_per_watt);
  }
  EXPECT_TRUE(r.missing.empty());
  EXPECT_TRUE(r.useful_macs_known);
  EXPECT_GT(r.total_pj, r.dynamic_pj);
  EXPECT_NEAR(r.tops_per_watt, 2.0 * double(counts.useful_macs) / r.total_pj, 1e-12);
  EXPECT_EQ(r.sensitivity.size(), tech.sensitivity.size());
  return r;
}

TEST(EnergyWorkedExample, Gemm256OnEdge) {
  const EnergyReport r = worked_example("serrano-edge");
  // LPDDR5 traffic dominates a GEMM this small on the edge chip.
  EXPECT_GT(r.pj("dram_read") + r.pj("dram_write"), 0.5 * r.total_pj);
}

TEST(EnergyWorkedExample, Gemm256OnBase) { worked_example("serrano-base"); }

}  // namespace
}  // namespace serrano::energy
