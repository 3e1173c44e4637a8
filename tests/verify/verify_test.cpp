// SPDX-License-Identifier: Apache-2.0
// The program campaign of `serrano verify`: are the generated programs valid and ordered, does
// the in-order interpreter agree with the SystemC model, do the comparison and its reports name
// what differs, and does a campaign cover every bin?
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "arch/arch_config.h"
#include "isa/assembler.h"
#include "model/chip/chip_model.h"
#include "testbench/verify/campaign.h"
#include "testbench/verify/hazards.h"
#include "testbench/verify/interpreter.h"
#include "testbench/verify/rng.h"

namespace serrano::verify {
namespace {

arch::ArchConfig config(const std::string& name) {
  return arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + name + ".yaml");
}

std::string temp_dir(const std::string& tag) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return (std::filesystem::temp_directory_path() / ("serrano_verify_" + std::string(info->name()) +
                                                    "_" + tag + "_" + std::to_string(::getpid())))
      .string();
}

// ---------------------------------------------------------------- random numbers

TEST(VerifyRng, SameNumbersOnEveryPlatform) {
  // splitmix64 from seed 1, and the range function on top of it: fixed values, so a seed names
  // the same campaign everywhere.
  Rng r(1);
  EXPECT_EQ(r.next(), 0x910a2dec89025cc1ull);
  EXPECT_EQ(r.next(), 0xbeeb8da1658eec67ull);
  Rng s(7);
  std::vector<std::int64_t> v;
  for (int i = 0; i < 6; ++i) v.push_back(s.range(-3, 3));
  Rng t(7);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.range(-3, 3), v[std::size_t(i)]);
  for (std::int64_t x : v) {
    EXPECT_GE(x, -3);
    EXPECT_LE(x, 3);
  }
  EXPECT_NE(program_seed(1, 0), program_seed(1, 1));
  EXPECT_NE(program_seed(1, 0), program_seed(2, 0));
}

// ---------------------------------------------------------------- generator

TEST(VerifyGen, SameSeedSameProgram) {
  const auto cfg = config("test-chip-4x4");
  for (std::uint64_t i = 0; i < 20; ++i) {
    const TestProgram a = campaign_program(cfg, 5, i), b = campaign_program(cfg, 5, i);
    EXPECT_EQ(a.code, b.code);
    EXPECT_EQ(a.dram, b.dram);
    EXPECT_EQ(a.kind, b.kind);
  }
  EXPECT_NE(campaign_program(cfg, 5, 0).code, campaign_program(cfg, 6, 0).code);
}

// Every program assembles back from its disassembly and its .sbin, ends with halt, and orders
// every cross-queue hazard with tokens that earlier instructions push.
TEST(VerifyGen, ProgramsRoundTripAndAreOrdered) {
  for (const char* name : {"test-chip-4x4", "test-chip-8x8"}) {
    const auto cfg = config(name);
    for (std::uint64_t i = 0; i < 300; ++i) {
      const TestProgram p = campaign_program(cfg, 11, i);
      ASSERT_FALSE(p.code.empty());
      EXPECT_EQ(p.code.back().opcode, isa::Opcode::Halt);
      isa::Program prog;
      prog.code = p.code;
      EXPECT_EQ(isa::assemble(isa::disassemble(prog), "gen.sasm").code, p.code) << name << " " << i;
      EXPECT_EQ(isa::read_binary(isa::write_binary(prog), "gen.sbin").code, p.code);
      const auto problems = check_program_order(p.code);
      EXPECT_TRUE(problems.empty())
          << name << " program " << i << " (" << p.kind << "): " << problems.front();
    }
  }
}

TEST(VerifyGen, HonoursLengthKnobs) {
  const auto cfg = config("test-chip-8x8");
  GenOptions o;
  o.min_instructions = 30;
  o.max_instructions = 40;
  o.w_burst = 0;
  for (std::uint64_t s = 0; s < 50; ++s) {
    const TestProgram p = random_program(cfg, s, o);
    EXPECT_GE(p.code.size(), 31u);
    EXPECT_LE(p.code.size(), 40u + 1 + 8);  // a last instruction may bring a few syncs with it
  }
}

TEST(VerifyHazards, CatchesAnUnorderedProgram) {
  // The store reads scratchpad rows the load writes, with no token in between; the second pop
  // takes a token nobody pushed.
  const auto code = isa::assemble(R"(
        load.sp row=0 rows=4 bytes=4 dram=0x0 stride=4
        store.sp row=2 rows=1 bytes=4 dram=0x100 stride=4
        matmul sp=0 rows=1 acc=0 pop_prev
        halt
)",
                                  "t.sasm")
                        .code;
  const auto problems = check_program_order(code);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0],
            "instruction 2 (matmul sp=0 rows=1 acc=0 pop_prev) pops a token on load->compute that "
            "no earlier instruction pushed");
  EXPECT_EQ(problems[1],
            "instruction 1 (store.sp row=2 rows=1 bytes=4 dram=0x100 stride=4) conflicts with "
            "instruction 0 (load.sp row=0 rows=4 bytes=4 dram=0x0 stride=4) but no token orders "
            "them");
  // Ordered through the compute queue: no problem.
  const auto ok = isa::assemble(R"(
        load.sp row=0 rows=4 bytes=4 dram=0x0 stride=4 push_next
        sync.compute pop_prev push_next
        store.sp row=2 rows=1 bytes=4 dram=0x100 stride=4 pop_prev
        halt
)",
                                "t.sasm")
                      .code;
  EXPECT_TRUE(check_program_order(ok).empty());
}

TEST(VerifyHazards, StrippedTokensLeaveHazardsUnordered) {
  const auto cfg = config("test-chip-4x4");
  int unordered = 0;
  for (std::uint64_t s = 0; s < 20; ++s) {
    TestProgram p = random_program(cfg, s);
    for (auto& in : p.code) in.deps = isa::Deps{};
    unordered += check_program_order(p.code).empty() ? 0 : 1;
  }
  EXPECT_GE(unordered, 18);  // the generator's programs do rely on their tokens
}

// ---------------------------------------------------------------- model runs

// Longer programs with many extra tokens and bursts: the model runs every one without an error
// or a deadlock.
TEST(VerifyGen, ModelRunsLongProgramsWithoutDeadlock) {
  const auto cfg = config("test-chip-8x8");
  model::ChipModel chip(cfg, model::ChipModel::Mode::TimingOnly);
  GenOptions o;
  o.min_instructions = 150;
  o.max_instructions = 300;
  o.token_percent = 45;
  o.w_burst = 6;
  for (std::uint64_t s = 0; s < 40; ++s) {
    const TestProgram p = random_program(cfg, 1000 + s, o);
    EXPECT_NO_THROW(chip.run(p.code, {}, p.dram.size())) << "seed " << 1000 + s;
  }
}

// ---------------------------------------------------------------- interpreter vs model

// 200 programs (random and GEMM) per config: the in-order interpreter and the SystemC model leave
// the same DRAM image, and the campaign hits every coverage bin.
void interp_campaign(const char* name) {
  const auto cfg = config(name);
  model::ChipModel chip(cfg, model::ChipModel::Mode::Functional);
  Interpreter interp(cfg);
  CampaignOptions o;
  o.seed = 1;
  o.programs = 200;
  o.compare_timing = false;
  const CampaignResult r = run_campaign(cfg, chip, interp, o);
  EXPECT_EQ(r.programs, 200u);
  EXPECT_EQ(r.gemm_programs, 25u);
  EXPECT_EQ(r.mismatches, 0u) << (r.reports.empty() ? "" : to_text(r.reports.front()));
  const auto holes = r.coverage.holes();
  std::string list;
  for (const auto& h : holes) list += h + " ";
  EXPECT_TRUE(holes.empty()) << list;
}

TEST(VerifyInterp, MatchesModel4x4AndCoversEveryBin) { interp_campaign("test-chip-4x4"); }
TEST(VerifyInterp, MatchesModel8x8AndCoversEveryBin) { interp_campaign("test-chip-8x8"); }

// The interpreter's arithmetic on a hand-checked program: matmul with a 2-row tile, requant
// through a unit multiplier, vector ops, stores of both memories.
TEST(VerifyInterp, HandCheckedProgram) {
  const auto cfg = config("test-chip-4x4");
  std::vector<std::uint8_t> dram(1024, 0);
  const std::int8_t a[4] = {1, 2, 3, 4};
  const std::int8_t w[8] = {1, 0, -1, 2, 3, 1, 0, -2};  // 2 x 4
  std::memcpy(&dram[0], a, 4);
  std::memcpy(&dram[16], w, 8);
  for (int c = 0; c < 4; ++c) {  // bias c, multiplier 2^30 (x 0.5), shift 1 -> x 1
    const std::int32_t rec[3] = {c, 1 << 30, 1};
    std::memcpy(&dram[64 + 12 * c], rec, 12);
  }
  const auto code = isa::assemble(R"(
        load.sp row=0 rows=1 bytes=4 dram=0x0 stride=4
        load.wb row=0 rows=2 bytes=4 dram=0x10 stride=4
        load.qp row=0 rows=1 bytes=48 dram=0x40 stride=48 push_next
        preload wb=0 rows=2 pop_prev
        matmul sp=0 rows=1 acc=0
        matmul sp=0 rows=1 acc=0 accumulate
        vadd.acc dst=1 a=0 b=0 rows=1
        requant acc=0 rows=1 sp=1 qp=0 zp=-1 min=-128 max=127
        vrelu.sp dst=2 a=1 rows=1 imm=0 push_next
        store.acc row=0 rows=2 bytes=16 dram=0x100 stride=16 pop_prev
        store.sp row=1 rows=2 bytes=4 dram=0x200 stride=4
        halt
)",
                                  "t.sasm")
                        .code;
  Interpreter interp(cfg);
  const auto r = interp.run(code, dram);
  // One matmul: [1*1 + 2*3, 1*0 + 2*1, 1*-1 + 2*0, 1*2 + 2*-2] = [7, 2, -1, -2]; twice: doubled.
  const std::int32_t acc0[4] = {14, 4, -2, -4}, acc1[4] = {28, 8, -4, -8};
  std::int32_t got[8];
  std::memcpy(got, &r.dram[0x100], 32);
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ(got[c], acc0[c]);
    EXPECT_EQ(got[4 + c], acc1[c]);
  }
  // requant: acc + bias - 1, then relu at 0.
  const std::int8_t rq[4] = {14 + 0 - 1, 4 + 1 - 1, -2 + 2 - 1, -4 + 3 - 1};
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ(std::int8_t(r.dram[0x200 + std::size_t(c)]), rq[c]);
    EXPECT_EQ(std::int8_t(r.dram[0x204 + std::size_t(c)]), std::max<std::int8_t>(rq[c], 0));
  }
  // The SystemC model agrees.
  model::ChipModel chip(cfg, model::ChipModel::Mode::Functional);
  EXPECT_EQ(chip.run(code, dram).dram, r.dram);
}

// ---------------------------------------------------------------- comparison and reports

struct Planted {
  arch::ArchConfig cfg = config("test-chip-4x4");
  TestProgram program;
  RunOutcome expected;
};

// A random program in which some DRAM byte ends up written by row 1 or later of a store.acc, run
// on the model; `addr` is the first such byte.
Planted planted(std::uint64_t* addr = nullptr) {
  Planted p;
  model::ChipModel chip(p.cfg, model::ChipModel::Mode::Functional);
  for (std::uint64_t s = 0;; ++s) {
    p.program = random_program(p.cfg, s);
    const auto writers = dram_writers(p.program.code, p.program.dram.size());
    bool found = false;
    for (std::uint64_t a = 0; a < writers.size() && !found; ++a) {
      const ByteWriter& w = writers[a];
      if (w.instruction < 0 || w.row == 0) continue;
      if (p.program.code[std::size_t(w.instruction)].mem != isa::Mem::Acc) continue;
      if (addr != nullptr) *addr = a;
      found = true;
    }
    if (found) break;
  }
  p.expected = run_on(chip, p.program);
  return p;
}

TEST(VerifyCompare, NamesThePlantedByteAndItsStore) {
  std::uint64_t addr = 0;
  const Planted p = planted(&addr);
  ASSERT_TRUE(p.expected.ok) << p.expected.error;
  const auto writers = dram_writers(p.program.code, p.program.dram.size());
  const auto st = std::size_t(writers[addr].instruction);
  const isa::Instruction& in = p.program.code[st];
  RunOutcome got = p.expected;
  got.impl = "rtl";
  got.result.dram[addr] ^= 0x40;
  const auto m = compare_runs(p.program, p.expected, got, true);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(m->first_byte.has_value());
  EXPECT_EQ(m->first_byte->address, addr);
  EXPECT_EQ(m->first_byte->store, std::int64_t(st));
  EXPECT_EQ(m->first_byte->row, writers[addr].row);
  EXPECT_EQ(m->first_byte->column, writers[addr].byte / 4);
  EXPECT_EQ(m->first_byte->got, std::uint8_t(p.expected.result.dram[addr] ^ 0x40));
  EXPECT_NE(m->first_byte->got_element, m->first_byte->expected_element);
  EXPECT_EQ(m->differing_bytes, 1u);
  EXPECT_EQ(m->differing_instructions, 0u);
  EXPECT_FALSE(m->first_instruction.has_value());
  const std::string text = to_text(*m);
  EXPECT_NE(text.find("written by instruction " + std::to_string(st) + " (" + isa::to_text(in) +
                      ") row " + std::to_string(writers[addr].row)),
            std::string::npos)
      << text;
  EXPECT_EQ(to_json(*m)["first_byte"]["store"], st);
}

TEST(VerifyCompare, NamesTheEarliestDifferingCycle) {
  const Planted p = planted();
  RunOutcome got = p.expected;
  got.impl = "rtl";
  // Two instructions retire late; the one that retires first in time is named.
  const std::size_t n = p.program.code.size() - 1;  // halt excluded
  std::size_t early = 0, late = n - 1;
  if (p.expected.result.timing[early].complete > p.expected.result.timing[late].complete) {
    std::swap(early, late);
  }
  got.result.timing[early].complete += 3;
  got.result.timing[late].complete += 1;
  got.result.total_cycles += 1;
  const auto m = compare_runs(p.program, p.expected, got, true);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(m->first_instruction.has_value());
  EXPECT_EQ(m->first_instruction->index, early);
  EXPECT_EQ(m->first_instruction->text, isa::to_text(p.program.code[early]));
  EXPECT_EQ(m->first_instruction->got.complete, p.expected.result.timing[early].complete + 3);
  EXPECT_EQ(m->differing_instructions, 2u);
  EXPECT_EQ(m->got_total_cycles, m->expected_total_cycles + 1);
  EXPECT_EQ(m->differing_bytes, 0u);
  // Data-only comparison ignores the cycles.
  EXPECT_FALSE(compare_runs(p.program, p.expected, got, false).has_value());
}

TEST(VerifyCompare, AnErrorIsAMismatch) {
  const Planted p = planted();
  RunOutcome got;
  got.impl = "rtl";
  got.error = "deadlock: the compute queue waits at instruction 3";
  const auto m = compare_runs(p.program, p.expected, got, true);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->error, "rtl: deadlock: the compute queue waits at instruction 3");
}

TEST(VerifyCompare, ReproducerReplaysTheProgram) {
  const Planted p = planted();
  RunOutcome got = p.expected;
  got.impl = "rtl";
  got.result.timing[0].complete += 1;
  auto m = compare_runs(p.program, p.expected, got, true);
  ASSERT_TRUE(m.has_value());
  m->config = "test-chip-4x4";
  const std::string dir = temp_dir("repro");
  m->repro_dir = dir;
  write_reproducer(dir, p.program, *m, "name: x\n", "--impl rtl --variant bug-x");
  for (const char* f : {"program.sasm", "program.sbin", "dram.bin", "config.yaml", "seed",
                        "report.txt", "report.json", "README"}) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir) / f)) << f;
  }
  std::ifstream sasm(std::filesystem::path(dir) / "program.sasm");
  std::stringstream text;
  text << sasm.rdbuf();
  EXPECT_EQ(isa::assemble(text.str(), "program.sasm").code, p.program.code);
  const TestProgram back = read_reproducer(dir);
  EXPECT_EQ(back.code, p.program.code);
  EXPECT_EQ(back.dram, p.program.dram);
  EXPECT_EQ(back.seed, p.program.seed);
  EXPECT_EQ(back.kind, "random");
  std::ifstream readme(std::filesystem::path(dir) / "README");
  std::stringstream r;
  r << readme.rdbuf();
  EXPECT_NE(r.str().find("serrano verify --arch " + dir + "/config.yaml --replay " + dir +
                         " --impl rtl --variant bug-x"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace serrano::verify
