// SPDX-License-Identifier: Apache-2.0
// Do the technology tables load, cite a source for every entry and follow their stated scaling;
// are bad tables refused with one exact line; is the energy of a hand-counted run what the
// equations of docs/energy.md give; are the preset areas right?
#include "model/energy/tech_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "arch/arch_config.h"
#include "model/energy/energy_model.h"

namespace serrano::energy {
namespace {

const std::string kSource = SERRANO_SOURCE_DIR;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string table_45nm() { return read_text(kSource + "/configs/tech/45nm.yaml"); }

// The 45 nm table with `from` replaced by `to` (which must occur).
std::string edited(const std::string& from, const std::string& to) {
  std::string t = table_45nm();
  const auto at = t.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) t.replace(at, from.size(), to);
  return t;
}

std::string error_of(const std::string& text) {
  try {
    parse_tech_yaml(text, "t.yaml");
  } catch (const arch::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

arch::ArchConfig preset(const std::string& name) {
  return arch::load_arch_file(kSource + "/configs/" + name + ".yaml");
}

TEST(TechTables, BuiltinTablesLoadByName) {
  const auto names = builtin_techs();
  EXPECT_EQ(names, (std::vector<std::string>{"16nm", "45nm", "7nm"}));
  for (const auto& n : names) {
    const TechTable t = find_tech(n);
    EXPECT_EQ(t.name, n);
    EXPECT_FALSE(t.convention.empty());
  }
  EXPECT_EQ(find_tech("7nm").node_nm, 7);
  EXPECT_EQ(find_tech(kSource + "/configs/tech/16nm.yaml").node_nm, 16);
  EXPECT_FALSE(find_tech("45nm").scaled);
  EXPECT_TRUE(find_tech("7nm").scaled);
}

TEST(TechTables, PresetsNameATableThatExists) {
  for (const char* p : {"serrano-edge", "serrano-base", "serrano-edge-ddr4"}) {
    EXPECT_NO_THROW(find_tech(preset(p).technology)) << p;
  }
  // tpu-v1 names 28nm, which has no table yet (Stillmaker-Baas has no 28 nm point).
  EXPECT_EQ(preset("tpu-v1").technology, "28nm");
}

TEST(TechTables, EveryEntryHasASource) {
  for (const auto& n : builtin_techs()) {
    const TechTable t = find_tech(n);
    const auto sources = t.sources();
    // 8 energies, 2 SRAM curves, 4 DRAM kinds, static, 5 areas; 2 factors when scaled; 3 a
    // sensitivity.
    const std::size_t expected = 20 + (t.scaled ? 2 : 0) + 3 * t.sensitivity.size();
    EXPECT_EQ(sources.size(), expected) << n;
    for (const auto& [key, source] : sources) {
      EXPECT_GT(source.size(), 10u) << n << ": " << key << " has no real source";
    }
  }
}

TEST(TechTables, SevenNmCarriesTheTpuv4iSensitivity) {
  const TechTable t = find_tech("7nm");
  ASSERT_EQ(t.sensitivity.size(), 2u);
  EXPECT_EQ(t.sensitivity[0].name, "tpuv4i");
  EXPECT_EQ(t.sensitivity[1].name, "stillmaker-nominal");
  // TPUv4i int8 mult 0.07 + int32 add 0.03 over this table's MAC.
  EXPECT_NEAR(t.sensitivity[0].logic_factor.value, 0.10 / t.mac_int8_pj.value, 1e-3);
  EXPECT_DOUBLE_EQ(t.sensitivity[0].sram.pj_per_byte(1024 * 1024), 14.0 / 8);
}

// Every logic and SRAM energy of a scaled table is the 45 nm value times the stated energy
// factor (to the 4 significant digits the tables carry), every area the 45 nm area times the
// area factor, and DRAM energies are not scaled.
void expect_scaled(const std::string& name) {
  const TechTable base = find_tech("45nm");
  const TechTable t = find_tech(name);
  ASSERT_TRUE(t.scaled);
  EXPECT_EQ(t.scaling_base, "45nm");
  const double f = t.energy_factor.value, a = t.area_factor.value;
  auto near = [](double v, double base_v, double factor, const char* what) {
    EXPECT_NEAR(v / (base_v * factor), 1.0, 6e-4) << what;
  };
  near(t.mac_int8_pj.value, base.mac_int8_pj.value, f, "mac");
  near(t.pe_register_pj_per_bit.value, base.pe_register_pj_per_bit.value, f, "register");
  near(t.acc_add_pj.value, base.acc_add_pj.value, f, "acc add");
  near(t.requant_pj.value, base.requant_pj.value, f, "requant");
  near(t.vector_int32_op_pj.value, base.vector_int32_op_pj.value, f, "vector int32");
  near(t.vector_int8_op_pj.value, base.vector_int8_op_pj.value, f, "vector int8");
  near(t.dma_pj_per_byte.value, base.dma_pj_per_byte.value, f, "dma");
  near(t.instruction_pj.value, base.instruction_pj.value, f, "instruction");
  ASSERT_EQ(t.sram_read.points.size(), base.sram_read.points.size());
  for (std::size_t i = 0; i < t.sram_read.points.size(); ++i) {
    EXPECT_EQ(t.sram_read.points[i].kib, base.sram_read.points[i].kib);
    near(t.sram_read.points[i].pj, base.sram_read.points[i].pj, f, "sram read");
    near(t.sram_write.points[i].pj, base.sram_write.points[i].pj, f, "sram write");
  }
  for (int k = 0; k < 4; ++k) EXPECT_EQ(t.dram_pj_per_bit[k].value, base.dram_pj_per_bit[k].value);
  near(t.sram_mm2_per_mib.value, base.sram_mm2_per_mib.value, a, "sram area");
  near(t.pe_mm2.value, base.pe_mm2.value, a, "pe area");
  near(t.vector_lane_mm2.value, base.vector_lane_mm2.value, a, "vector lane area");
  near(t.requant_lane_mm2.value, base.requant_lane_mm2.value, a, "requant lane area");
  near(t.controller_mm2.value, base.controller_mm2.value, a, "controller area");
}

TEST(TechScaling, SevenNmIsStillmakerIsoVoltage) {
  // E7(0.8 V) / E45(0.8 V) with the Stillmaker-Baas coefficients of figures.md 1b.
  auto e = [](double a, double b, double c, double v) { return a * v * v + b * v + c; };
  const double f = e(0.1776, -0.09097, 0.02447, 0.8) / e(1.103, -0.362, 0.2767, 0.8);
  EXPECT_NEAR(find_tech("7nm").energy_factor.value, f, 5e-6);
  expect_scaled("7nm");
}

TEST(TechScaling, SixteenNmIsStillmakerIsoVoltage) {
  auto e = [](double a, double b, double c, double v) { return a * v * v + b * v + c; };
  const double f = e(0.2958, -0.1241, 0.03024, 0.8) / e(1.103, -0.362, 0.2767, 0.8);
  EXPECT_NEAR(find_tech("16nm").energy_factor.value, f, 5e-5);
  expect_scaled("16nm");
}

TEST(TechScaling, ARunCostsTheFactorLessAt7nmExceptDram) {
  const arch::ArchConfig cfg = preset("serrano-edge");
  ActionCounts n;
  n.mac_slots = 4096;
  n.preload_rows = 16;
  n.requant_elements = 256;
  n.sram_read_bytes[0] = 1000;
  n.sram_write_bytes[2] = 2000;
  n.dram_read_bytes = 512;
  n.instructions = 9;
  const EnergyReport e45 = chip_energy(cfg, find_tech("45nm"), n);
  const EnergyReport e7 = chip_energy(cfg, find_tech("7nm"), n);
  const double f = find_tech("7nm").energy_factor.value;
  ASSERT_EQ(e45.components.size(), e7.components.size());
  for (std::size_t i = 0; i < e7.components.size(); ++i) {
    const auto& c7 = e7.components[i];
    const auto& c45 = e45.components[i];
    if (c45.pj == 0.0) continue;
    if (c7.name == "dram_read" || c7.name == "dram_write") {
      EXPECT_EQ(c7.pj, c45.pj) << c7.name;
    } else {
      EXPECT_NEAR(c7.pj / c45.pj, f, f * 6e-4) << c7.name;
    }
  }
}

TEST(SramCurve, InterpolatesInLogSizeClampsBelowExtrapolatesAbove) {
  const TechTable t = find_tech("45nm");
  const SramCurve& c = t.sram_read;
  EXPECT_DOUBLE_EQ(c.pj_per_byte(8 * 1024), 1.25);
  EXPECT_DOUBLE_EQ(c.pj_per_byte(32 * 1024), 2.5);
  EXPECT_DOUBLE_EQ(c.pj_per_byte(1024 * 1024), 12.5);
  EXPECT_DOUBLE_EQ(c.pj_per_byte(16 * 1024), 1.875);             // halfway in log2 from 8 to 32
  EXPECT_DOUBLE_EQ(c.pj_per_byte(256 * 1024), 2.5 + 3 * 2);      // 2 pJ per doubling above 32 KiB
  EXPECT_DOUBLE_EQ(c.pj_per_byte(1024), 1.25);                   // clamped below 8 KiB
  EXPECT_DOUBLE_EQ(c.pj_per_byte(4096.0 * 1024), 12.5 + 2 * 2);  // extrapolated above 1 MiB
}

TEST(TechErrors, UnknownKey) {
  EXPECT_EQ(error_of(edited("  mac_int8_pj:",
                            "  mac_int4_pj: {value: 1, source: x}\n"
                            "  mac_int8_pj:")),
            "t.yaml: energy.mac_int4_pj: unknown key");
  EXPECT_EQ(error_of(edited("node_nm: 45", "node_nm: 45\ncolour: blue")),
            "t.yaml: colour: unknown key");
}

// Found by fuzz/arch_yaml_fuzz (docs/reliability.md); the tables are read the same way: yaml-cpp
// 0.7's LoadAll looped forever on a stray ',' instead of reporting an error.
TEST(TechErrors, StrayCommaIsAnErrorNotAnEndlessLoop) {
  EXPECT_EQ(error_of(","),
            "t.yaml: (yaml): line 1, column 1: unexpected \",\" where a value should start");
  EXPECT_EQ(error_of("---\n,\n"),
            "t.yaml: (yaml): line 2, column 1: unexpected \",\" where a value should start");
}

TEST(TechErrors, NegativeEnergy) {
  EXPECT_EQ(error_of(edited("value: 0.3", "value: -0.3")),
            "t.yaml: energy.mac_int8_pj.value: must be a number in [0, 1000000], got -0.3");
  EXPECT_EQ(error_of(edited("{kib: 32, pj: 2.5}", "{kib: 32, pj: -2.5}")),
            "t.yaml: energy.sram_read_pj_per_byte.points[1].pj: must be a number in "
            "[0, 1000000], got -2.5");
  EXPECT_EQ(error_of(edited("value: 0.3", "value: \"0.3\"")),
            "t.yaml: energy.mac_int8_pj.value: must be a number in [0, 1000000], got \"0.3\"");
}

TEST(TechErrors, MissingOrEmptySource) {
  const std::string src =
      "    source: \"derived: Horowitz 45 nm 8-bit int mult 0.2 pJ + 32-bit int add 0.1 pJ "
      "(figures.md 1a); Accelergy simple_weight_stationary 45 nm intmac gives 0.315 pJ "
      "(figures.md 1c)\"\n";
  EXPECT_EQ(error_of(edited(src, "")), "t.yaml: energy.mac_int8_pj.source: missing");
  EXPECT_EQ(error_of(edited(src, "    source: \"  \"\n")),
            "t.yaml: energy.mac_int8_pj.source: must be a non-empty string naming where the "
            "value comes from");
}

TEST(TechErrors, MissingEntryAndBadPoints) {
  EXPECT_EQ(error_of(edited("  requant_pj:", "  requant_pjx:")),
            "t.yaml: energy.requant_pjx: unknown key");
  EXPECT_EQ(error_of(edited("      - {kib: 1024, pj: 12.5}\n  sram_write",
                            "      - {kib: 16, pj: 12.5}\n  sram_write")),
            "t.yaml: energy.sram_read_pj_per_byte.points[2].kib: must be greater than the "
            "previous point's kib (32), got 16");
  EXPECT_EQ(error_of(edited("    ddr4:\n", "    gddr6:\n")),
            "t.yaml: energy.dram_pj_per_bit.gddr6: unknown key");
  EXPECT_EQ(error_of("name: x\n"), "t.yaml: node_nm: missing");
  EXPECT_EQ(error_of("a: [1,\n"),
            "t.yaml: (yaml): line 2, column 1: end of sequence flow not found");
}

TEST(TechErrors, UnknownTechNameListsTheKnownOnes) {
  try {
    find_tech("28nm");
    FAIL() << "no error";
  } catch (const arch::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "tech: 28nm: unknown technology table; known: 16nm, 45nm, 7nm (or give a path to a "
              ".yaml table)");
  }
  try {
    find_tech("/nonexistent/x.yaml");
    FAIL() << "no error";
  } catch (const arch::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/x.yaml: (file): cannot read file");
  }
}

// A small config whose banks sit on the table's size points: scratchpad 4 MiB in 4 banks (1 MiB,
// 12.5 pJ/B at 45 nm), weight buffer 32 KiB in 1 bank (2.5), accumulator 16 KiB in 2 banks (8 KiB,
// 1.25).
arch::ArchConfig tiny_config() {
  arch::ArchConfig c;
  c.name = "tiny";
  c.array = {4, 4, arch::Dataflow::WeightStationary};
  c.clock_ghz = 0.5;
  c.scratchpad = {4096 * 1024, 4, 16};
  c.weight_buffer = {32 * 1024, 1, 16};
  c.accumulator = {16 * 1024, 2, 16};
  c.dram = {arch::DramKind::LPDDR5, 1, 10.0, 100.0, 64};
  c.vector = {4};
  c.technology = "45nm";
  arch::validate(c);
  return c;
}

TEST(EnergyModel, HandCountedRunAt45nm) {
  const arch::ArchConfig cfg = tiny_config();
  model::ChipRunResult run;
  run.total_cycles = 1000;
  run.array_macs = 640;
  run.array_stream_rows = 40;
  run.sram_read_bytes[0] = 160;   // scratchpad
  run.sram_read_bytes[1] = 64;    // weight buffer: 64 / C = 16 preload rows
  run.sram_write_bytes[2] = 640;  // accumulator
  run.dram_read_bytes = 224;
  run.dram_write_bytes = 64;
  run.timing.resize(7);  // seven instructions
  const EnergyReport r = chip_energy(cfg, find_tech("45nm"), run);

  EXPECT_DOUBLE_EQ(r.pj("mac"), 640 * 0.3);
  EXPECT_DOUBLE_EQ(r.pj("pe_registers"), (640 * 41 + 16 * 4 * 4 * 8) * 0.009);
  EXPECT_DOUBLE_EQ(r.pj("scratchpad_read"), 160 * 12.5);
  EXPECT_DOUBLE_EQ(r.pj("weight_buffer_read"), 64 * 2.5);
  EXPECT_DOUBLE_EQ(r.pj("accumulator_write"), 640 * 1.25);
  EXPECT_DOUBLE_EQ(r.pj("dma"), (224 + 64) * 0.144);
  EXPECT_DOUBLE_EQ(r.pj("dram_read"), 224 * 8 * 8.0);
  EXPECT_DOUBLE_EQ(r.pj("dram_write"), 64 * 8 * 8.0);
  EXPECT_DOUBLE_EQ(r.pj("instruction"), 7 * 20.0);
  EXPECT_DOUBLE_EQ(r.pj("requant"), 0.0);
  // 192 + 254.592 + 2000 + 160 + 800 + 41.472 + 14336 + 4096 + 140
  EXPECT_DOUBLE_EQ(r.dynamic_pj, 22020.064);

  // Area: 16 PEs, 4 MiB + 32 KiB + 16 KiB + 12 KiB (parameters: 256 x 12 x 4 B) of SRAM, 4 vector
  // and 4 requant lanes, the controller.
  const double area =
      16 * 0.0006766 + (4096 + 32 + 16 + 12) / 1024.0 * 7.678 + 4 * 0.0004906 + 4 * 0.004058 + 0.1;
  EXPECT_DOUBLE_EQ(r.area.total_mm2, area);
  // 10 mW/mm^2 x area for 1000 cycles at 0.5 GHz = 2 us: 20000 pJ per mm^2.
  EXPECT_DOUBLE_EQ(r.seconds, 2e-6);
  EXPECT_DOUBLE_EQ(r.static_pj, 20000 * area);
  EXPECT_DOUBLE_EQ(r.total_pj, 22020.064 + 20000 * area);
  EXPECT_FALSE(r.useful_macs_known);
  EXPECT_DOUBLE_EQ(r.tops_per_watt, 2 * 640 / r.total_pj);
  EXPECT_EQ(r.missing, (std::vector<std::string>{"accumulate_elements", "requant_elements",
                                                 "vector_int32_elements", "vector_int8_elements"}));
}

TEST(EnergyModel, ProgramCountsFollowTheChipAccounting) {
  const arch::ArchConfig cfg = tiny_config();
  std::vector<isa::Instruction> p(6);
  p[0].opcode = isa::Opcode::Load;
  p[0].mem = isa::Mem::Sp;
  p[0].rows = 8;
  p[0].bytes = 4;
  p[1].opcode = isa::Opcode::Preload;
  p[1].rows = 3;
  p[2].opcode = isa::Opcode::Matmul;
  p[2].rows = 8;
  p[2].accumulate = true;
  p[3].opcode = isa::Opcode::Requant;
  p[3].rows = 8;
  p[4].opcode = isa::Opcode::Vec;
  p[4].vec_op = isa::VecOp::AddSp;
  p[4].rows = 2;
  p[5].opcode = isa::Opcode::Halt;
  const ActionCounts c = program_counts(cfg, p);
  EXPECT_EQ(c.instructions, 6u);
  EXPECT_EQ(c.dram_read_bytes, 32u);
  EXPECT_EQ(c.preload_rows, 3u);
  EXPECT_EQ(c.mac_slots, 8u * 3 * 4);  // K of the last preload
  EXPECT_EQ(c.accumulate_elements, 32u);
  EXPECT_EQ(c.requant_elements, 32u);
  EXPECT_EQ(c.vector_int8_elements, 8u);
  EXPECT_EQ(c.sram_read_bytes[0], 8u * 4 + 2 * 2 * 4);       // matmul, two vector operands
  EXPECT_EQ(c.sram_write_bytes[0], 8u * 4 + 8 * 4 + 2 * 4);  // load, requant, vector
  EXPECT_EQ(c.sram_read_bytes[1], 3u * 4);                   // preload
  EXPECT_EQ(c.sram_read_bytes[2], 8u * 16 * 2);              // accumulate, requant
  EXPECT_EQ(c.sram_write_bytes[2], 8u * 16);                 // matmul
  EXPECT_EQ(c.sram_read_bytes[3], 12u * 4);                  // one parameter row
  EXPECT_EQ(c.missing, std::vector<std::string>{"cycles"});

  // The energy of the slices adds up to the energy of the whole (per-operator energy).
  const TechTable t = find_tech("7nm");
  // Split after the preload: the second slice starts with the K = 3 tile in the array.
  const ActionCounts a = program_counts(cfg, {p.begin(), p.begin() + 2});
  const ActionCounts b = program_counts(cfg, {p.begin() + 2, p.end()}, 3);
  EXPECT_EQ(b.mac_slots, c.mac_slots);
  ActionCounts sum = a;
  sum += b;
  EXPECT_NEAR(chip_energy(cfg, t, a).dynamic_pj + chip_energy(cfg, t, b).dynamic_pj,
              chip_energy(cfg, t, c).dynamic_pj, 1e-9);
  EXPECT_EQ(sum.instructions, c.instructions);
}

TEST(EnergyModel, SensitivityRepricesLogicAndSram) {
  const arch::ArchConfig cfg = preset("serrano-edge");
  const TechTable t = find_tech("7nm");
  ActionCounts n;
  n.mac_slots = 1000;
  n.sram_read_bytes[0] = 100;
  n.dram_read_bytes = 10;
  n.cycles = 100;
  const EnergyReport r = chip_energy(cfg, t, n);
  ASSERT_EQ(r.sensitivity.size(), 2u);
  const auto& alt = t.sensitivity[0];
  const double logic = r.pj("mac") + r.pj("pe_registers") + r.pj("dma");
  const double sram = 100 * alt.sram.pj_per_byte(bank_bytes(cfg, isa::Mem::Sp));
  EXPECT_NEAR(r.sensitivity[0].total_pj,
              logic * alt.logic_factor.value + sram + r.pj("dram_read") + r.static_pj, 1e-9);
  EXPECT_NEAR(r.sensitivity[0].ratio, r.sensitivity[0].total_pj / r.total_pj, 1e-12);
}

TEST(Area, Presets) {
  const TechTable t = find_tech("7nm");
  // serrano-edge: 256 PEs, 256 + 128 + 64 KiB of SRAM + 48 KiB of parameters (256 x 12 x 16 B),
  // 16 vector lanes, 16 requant lanes, the controller.
  const AreaReport edge = chip_area(preset("serrano-edge"), t);
  EXPECT_DOUBLE_EQ(edge.mm2("array"), 256 * 3.992e-5);
  EXPECT_DOUBLE_EQ(edge.mm2("scratchpad"), 0.25 * 0.453);
  EXPECT_DOUBLE_EQ(edge.mm2("parameters"), 49152 / 1048576.0 * 0.453);
  EXPECT_NEAR(edge.total_mm2, 0.239834995, 1e-9);
  // serrano-base: 16384 PEs, 16 + 8 + 4 MiB + 384 KiB of parameters, 128 + 128 lanes.
  const AreaReport base = chip_area(preset("serrano-base"), t);
  EXPECT_DOUBLE_EQ(base.mm2("array"), 16384 * 3.992e-5);
  EXPECT_DOUBLE_EQ(base.mm2("scratchpad"), 16 * 0.453);
  EXPECT_NEAR(base.total_mm2, 13.54817308, 1e-8);
  EXPECT_GT(base.mm2("scratchpad") + base.mm2("weight_buffer") + base.mm2("accumulator"),
            0.9 * base.total_mm2);  // SRAM dominates
}

// The PE area entry against the project's own synthesis (docs/energy.md, "Area"), measured with
//   scripts/area.sh --top pe --top array --rows 8 --cols 8 --out /tmp/area
// (Yosys 0.23, abc mapped to the OSU 0.18 um library): serrano_pe 57 flip-flops, 1,896
// NAND2-equivalents (liberty area / NAND2X1 area); an 8x8 serrano_systolic_array 97,698
// NAND2-equivalents, 1,526 per PE. At 45 nm a NAND2 is about 0.798 um^2 (Nangate 45 nm NAND2_X1,
// unconfirmed). The table's PE is built from the same 57 flip-flops plus Horowitz's datapath
// areas; the synthesized gate count, mapped without full-adder cells and with large async-reset
// flip-flops, is an upper bound: it must lie between 1x and 3x the table's entry.
TEST(Area, PeEntryAgreesWithTheSynthesizedArray) {
  const TechTable t = find_tech("45nm");
  EXPECT_NE(t.pe_mm2.source.find("57 flip-flops"), std::string::npos);  // = Yosys's 57
  const double nand2_um2_45nm = 0.798;
  const double pe_synth_mm2 = 1896 * nand2_um2_45nm * 1e-6;
  const double array_synth_mm2_per_pe = 97698.0 / 64 * nand2_um2_45nm * 1e-6;
  for (const double synth : {pe_synth_mm2, array_synth_mm2_per_pe}) {
    EXPECT_GE(synth / t.pe_mm2.value, 1.0);
    EXPECT_LE(synth / t.pe_mm2.value, 3.0);
  }
  EXPECT_NEAR(pe_synth_mm2 / t.pe_mm2.value, 2.236, 0.001);  // the figure docs/energy.md quotes
}

TEST(Report, FormatsEveryPart) {
  const arch::ArchConfig cfg = preset("serrano-edge");
  ActionCounts n;
  n.mac_slots = 1000;
  n.useful_macs = 900;
  n.cycles = 100;
  n.missing = {"requant_elements"};
  const std::string s = format_report(chip_energy(cfg, find_tech("7nm"), n), 2, "token");
  for (const char* part : {"area (7nm)", "mac", "static", "total", "TOPS/W", "per token",
                           "with the tpuv4i convention", "not counted"}) {
    EXPECT_NE(s.find(part), std::string::npos) << part << "\n" << s;
  }
}

}  // namespace
}  // namespace serrano::energy
