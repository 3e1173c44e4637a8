// SPDX-License-Identifier: Apache-2.0
// The whole-chip model: ISA programs with real data against the golden library, each timing rule
// of docs/chip-timing.md against its equation, and the errors a bad program gets.
#include "model/chip/chip_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "arch/arch_config.h"
#include "golden/golden.h"
#include "isa/assembler.h"
#include "model/dram/dram_timing.h"

namespace serrano::model {
namespace {

arch::ArchConfig config(const std::string& name) {
  return arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + name + ".yaml");
}

std::vector<isa::Instruction> assemble(const std::string& text) {
  return isa::assemble(text, "test.sasm").code;
}

// The example of docs/isa.md (examples/tile16.sasm): one 16x16x16 tile on a 16x16 array.
const char* kTile16 = R"(
.equ A 0x0000
.equ W 0x1000
.equ P 0x2000
.equ OUT 0x3000
        load.sp  row=0 rows=16 bytes=16 dram=A stride=16
        load.wb  row=0 rows=16 bytes=16 dram=W stride=16
        load.qp  row=0 rows=1 bytes=192 dram=P stride=192 push_next
tile:   preload  wb=0 rows=16 pop_prev
        matmul   sp=0 rows=16 acc=0
        requant  acc=0 rows=16 sp=16 qp=0 zp=3 min=-128 max=127 push_next
        store.sp row=16 rows=16 bytes=16 dram=OUT stride=16 pop_prev
        halt
)";

struct Tile16Data {
  std::vector<std::uint8_t> dram = std::vector<std::uint8_t>(0x4000, 0);
  std::vector<std::int8_t> a, w;
  std::vector<golden::RequantChannel> channels;
};

Tile16Data tile16_data() {
  Tile16Data d;
  std::uint32_t x = 12345;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  d.a.resize(256);
  d.w.resize(256);
  for (auto& v : d.a) v = std::int8_t(next() >> 24);
  for (auto& v : d.w) v = std::int8_t(int(next() >> 25) - 64);
  std::memcpy(&d.dram[0x0000], d.a.data(), 256);
  std::memcpy(&d.dram[0x1000], d.w.data(), 256);
  for (int c = 0; c < 16; ++c) {
    const auto q = golden::quantize_multiplier(0.004 + 0.0005 * c);
    golden::RequantChannel ch{std::int32_t(next() % 2001) - 1000, q.multiplier, q.shift};
    d.channels.push_back(ch);
    const std::int32_t rec[3] = {ch.bias, ch.multiplier, ch.shift};
    std::memcpy(&d.dram[0x2000 + 12 * c], rec, 12);
  }
  return d;
}

TEST(ChipModel, Tile16MatchesGoldenInBothModes) {
  const arch::ArchConfig cfg = config("serrano-edge");
  ChipModel functional(cfg, ChipModel::Mode::Functional);
  ChipModel timing(cfg, ChipModel::Mode::TimingOnly);
  const auto prog = assemble(kTile16);
  const Tile16Data d = tile16_data();
  const ChipRunResult f = functional.run(prog, d.dram);
  const ChipRunResult t = timing.run(prog, std::vector<std::uint8_t>(d.dram.size()));

  const auto expected = golden::linear_i8(16, 16, 16, d.a.data(), 0, d.w.data(), d.channels,
                                          golden::RequantOutput{3, -128, 127});
  ASSERT_EQ(f.dram.size(), d.dram.size());
  EXPECT_EQ(0, std::memcmp(&f.dram[0x3000], expected.data(), 256));
  EXPECT_EQ(f.total_cycles, t.total_cycles);
  for (std::size_t i = 0; i < prog.size(); ++i) {
    EXPECT_EQ(f.timing[i].start, t.timing[i].start) << i;
    EXPECT_EQ(f.timing[i].complete, t.timing[i].complete) << i;
  }
  EXPECT_TRUE(t.dram.empty());
  EXPECT_EQ(f.dram_read_bytes, 256u + 256u + 192u);
  EXPECT_EQ(f.dram_write_bytes, 256u);
  EXPECT_EQ(f.array_stream_rows, 16u);
  // Scratchpad: 256 bytes loaded, 16 rows x 16 read by the matmul, 16 x 16 written by the requant,
  // 256 read by the store. Accumulators: 16 rows x 64 bytes written, then read by the requant.
  EXPECT_EQ(f.sram_write_bytes[std::size_t(isa::Mem::Sp)], 256u + 256u);
  EXPECT_EQ(f.sram_read_bytes[std::size_t(isa::Mem::Sp)], 256u + 256u);
  EXPECT_EQ(f.sram_write_bytes[std::size_t(isa::Mem::Acc)], 1024u);
  EXPECT_EQ(f.sram_read_bytes[std::size_t(isa::Mem::Acc)], 1024u);
  EXPECT_EQ(f.sram_read_bytes[std::size_t(isa::Mem::Wb)], 256u);
  EXPECT_EQ(f.sram_read_bytes[std::size_t(isa::Mem::Qp)], 192u);
}

TEST(ChipModel, TokenStallStartsComputeWhenTheLoadCompletes) {
  ChipModel chip(config("serrano-edge"), ChipModel::Mode::TimingOnly);
  const auto prog = assemble(kTile16);
  const ChipRunResult r = chip.run(prog, std::vector<std::uint8_t>(0x4000));
  // The preload pops the token pushed by load.qp: it starts exactly when that load completes.
  EXPECT_EQ(r.timing[3].start, r.timing[2].complete);
  // The store pops the requant's token.
  EXPECT_EQ(r.timing[6].start, r.timing[5].complete);
  EXPECT_GT(r.compute.token_stall, 0u);
  EXPECT_EQ(r.total_cycles, r.timing[6].complete);
}

TEST(ChipModel, DmaBoundProgramTakesBytesOverBandwidthPlusLatency) {
  // 64 loads of 64 rows x 16 bytes, back to back: 64 KiB through LPDDR5 at 51.2 GB/s.
  const arch::ArchConfig cfg = config("serrano-edge");
  ChipModel chip(cfg, ChipModel::Mode::TimingOnly);
  std::string text;
  for (int i = 0; i < 64; ++i) {
    text += "load.sp row=" + std::to_string(64 * i) +
            " rows=64 bytes=16 dram=" + std::to_string(1024 * i) + " stride=16\n";
  }
  text += "halt\n";
  const ChipRunResult r = chip.run(assemble(text), std::vector<std::uint8_t>(1 << 16));
  const double bytes = 65536.0;
  const double ideal = bytes / (cfg.dram.bandwidth_gbps / cfg.clock_ghz) +
                       std::ceil(cfg.dram.latency_ns * cfg.clock_ghz);
  EXPECT_NEAR(double(r.total_cycles), ideal, 0.02 * ideal)
      << "cycles " << r.total_cycles << ", bytes/bandwidth + latency = " << ideal;
  EXPECT_EQ(r.dram_read_bytes, 65536u);
}

TEST(ChipModel, QueueDepthLimitsDispatch) {
  // The compute queue is busy for about 1000 cycles (a vector op over 1000 rows) before it gives
  // the load queue its token, so the first load waits and 15 more fill the load queue behind it:
  // the 17th load cannot be dispatched before the first one leaves the queue.
  ChipModel chip(config("serrano-edge"), ChipModel::Mode::TimingOnly);
  std::string text = "vrelu.acc dst=0 a=0 rows=1000\nsync.compute push_prev\n";
  for (int i = 0; i < 20; ++i) {
    text += std::string("load.sp row=0 rows=1 bytes=16 dram=0 stride=16") +
            (i == 0 ? " pop_next\n" : "\n");
  }
  text += "halt\n";
  const auto prog = assemble(text);
  const ChipRunResult r = chip.run(prog, std::vector<std::uint8_t>(64));
  // Load j is instruction j + 2, dispatched one per cycle until its queue holds 16.
  EXPECT_EQ(r.timing[17].dispatch, 17u);               // load 15: the queue's 16th entry
  EXPECT_EQ(r.timing[2].start, r.timing[1].complete);  // load 0 waits for the token
  EXPECT_GT(r.timing[2].start, 1000u);
  EXPECT_EQ(r.timing[18].dispatch, r.timing[2].start + 1);  // load 16 waits for space
  EXPECT_EQ(r.timing[1].complete, r.timing[0].complete);    // sync: in-order completion
}

TEST(ChipModel, DeadlockNamesTheInstructionAndQueue) {
  ChipModel chip(config("serrano-edge"), ChipModel::Mode::TimingOnly);
  const auto prog = assemble(
      "load.sp row=0 rows=1 bytes=16 dram=0 stride=16\n"
      "matmul sp=0 rows=1 acc=0 pop_prev\n"
      "halt\n");
  try {
    chip.run(prog, std::vector<std::uint8_t>(64));
    FAIL() << "expected a deadlock";
  } catch (const ChipError& e) {
    EXPECT_EQ(std::string(e.what()),
              "deadlock: the compute queue waits at instruction 1 (matmul sp=0 rows=1 acc=0 "
              "pop_prev) for a token on channel load->compute that no remaining instruction "
              "pushes");
  }
}

TEST(ChipModel, RefusesDmaOutsideDram) {
  ChipModel chip(config("serrano-edge"), ChipModel::Mode::Functional);
  const auto prog = assemble("load.sp row=0 rows=4 bytes=16 dram=0x100 stride=64\nhalt\n");
  try {
    chip.run(prog, std::vector<std::uint8_t>(0x100));
    FAIL() << "expected an error";
  } catch (const ChipError& e) {
    EXPECT_EQ(std::string(e.what()),
              "instruction 0 (load.sp row=0 rows=4 bytes=16 dram=0x100 stride=64): DRAM bytes "
              "[0x100, 0x1d0) outside the 256 bytes of DRAM");
  }
}

TEST(ChipModel, RefusesOversizedRowsAndTiles) {
  ChipModel chip(config("serrano-edge"), ChipModel::Mode::Functional);
  EXPECT_THROW(chip.run(assemble("load.sp row=0 rows=1 bytes=17 dram=0 stride=17\nhalt\n"),
                        std::vector<std::uint8_t>(64)),
               ChipError);
  EXPECT_THROW(chip.run(assemble("preload wb=0 rows=17\nhalt\n"), {}), ChipError);
  EXPECT_THROW(chip.run(assemble("matmul sp=16380 rows=8 acc=0\nhalt\n"), {}), ChipError);
}

}  // namespace
}  // namespace serrano::model

namespace serrano::model {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Data for the examples/gemm_*.sasm programs: A 32x64, W 64x16, 16 requant channels.
struct ExampleGemm {
  std::vector<std::uint8_t> dram = std::vector<std::uint8_t>(0x3200, 0);
  std::vector<std::int8_t> a = std::vector<std::int8_t>(32 * 64);
  std::vector<std::int8_t> w = std::vector<std::int8_t>(64 * 16);
  std::vector<golden::RequantChannel> channels;
  std::vector<std::int8_t> expected;
};

ExampleGemm example_gemm() {
  ExampleGemm g;
  std::uint32_t x = 777;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  for (auto& v : g.a) v = std::int8_t(next() >> 24);
  for (auto& v : g.w) v = std::int8_t(int(next() >> 25) - 64);
  std::memcpy(&g.dram[0x0000], g.a.data(), g.a.size());
  std::memcpy(&g.dram[0x1000], g.w.data(), g.w.size());
  for (int c = 0; c < 16; ++c) {
    const auto q = golden::quantize_multiplier(0.001 + 0.0002 * c);
    golden::RequantChannel ch{std::int32_t(next() % 4001) - 2000, q.multiplier, q.shift};
    g.channels.push_back(ch);
    const std::int32_t rec[3] = {ch.bias, ch.multiplier, ch.shift};
    std::memcpy(&g.dram[0x2000 + 12 * c], rec, 12);
  }
  g.expected = golden::linear_i8(32, 64, 16, g.a.data(), 0, g.w.data(), g.channels,
                                 golden::RequantOutput{0, -128, 127});
  return g;
}

TEST(ChipExamples, SerialAndDoubleBufferedGemmMatchGoldenAndOverlapPays) {
  const arch::ArchConfig cfg = config("serrano-edge");
  ChipModel functional(cfg, ChipModel::Mode::Functional);
  ChipModel timing(cfg, ChipModel::Mode::TimingOnly);
  const ExampleGemm g = example_gemm();
  std::uint64_t cycles[2] = {0, 0};
  const char* names[2] = {"gemm_serial.sasm", "gemm_double_buffered.sasm"};
  for (int v = 0; v < 2; ++v) {
    const std::string path = std::string(SERRANO_SOURCE_DIR) + "/examples/" + names[v];
    const auto prog = isa::assemble(read_text(path), path).code;
    const ChipRunResult f = functional.run(prog, g.dram);
    const ChipRunResult t = timing.run(prog, {}, g.dram.size());
    EXPECT_EQ(0, std::memcmp(&f.dram[0x3000], g.expected.data(), g.expected.size())) << names[v];
    EXPECT_EQ(f.total_cycles, t.total_cycles) << names[v];
    cycles[v] = f.total_cycles;
  }
  EXPECT_LT(cycles[1], cycles[0]) << "double buffering should be faster";
  std::printf("serial %llu cycles, double-buffered %llu cycles (%.2fx)\n",
              static_cast<unsigned long long>(cycles[0]),
              static_cast<unsigned long long>(cycles[1]), double(cycles[0]) / double(cycles[1]));
}

}  // namespace
}  // namespace serrano::model

#include "workloads/gemm_program.h"

namespace serrano::model {
namespace {

workloads::ChipShape shape_of(const arch::ArchConfig& cfg, const ChipModel& chip) {
  return {cfg.array.rows, cfg.array.cols, chip.rows(isa::Mem::Sp), chip.rows(isa::Mem::Wb),
          chip.rows(isa::Mem::Acc)};
}

// Generated GEMM programs (workloads/gemm_program), serial and double-buffered, on random shapes:
// golden-exact results, identical cycles in both modes, double buffering never slower.
void check_generated_gemms(const std::string& config_name, int cases, std::uint64_t seed) {
  const arch::ArchConfig cfg = config(config_name);
  ChipModel functional(cfg, ChipModel::Mode::Functional);
  ChipModel timing(cfg, ChipModel::Mode::TimingOnly);
  const auto shape = shape_of(cfg, functional);
  std::uint64_t state = seed;
  auto next = [&](int lo, int hi) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + int((state >> 33) % std::uint64_t(hi - lo + 1));
  };
  for (int i = 0; i < cases; ++i) {
    const int m = next(1, 300), k = next(1, 4 * cfg.array.rows), n = next(1, 3 * cfg.array.cols);
    const auto problem = workloads::random_gemm_problem(m, k, n, seed + std::uint64_t(i));
    const auto expected = workloads::gemm_golden(problem);
    std::uint64_t cycles[2] = {0, 0};
    for (int slots = 1; slots <= 2; ++slots) {
      const auto g = workloads::gemm_program(m, k, n, shape, slots, problem.out);
      const ChipRunResult f = functional.run(g.code, workloads::gemm_dram_image(problem, g.layout));
      const ChipRunResult t = timing.run(g.code, {}, g.layout.bytes);
      ASSERT_EQ(workloads::gemm_dram_result(f.dram, g.layout, m, n), expected)
          << config_name << " " << m << "x" << k << "x" << n << " slots " << slots;
      ASSERT_EQ(f.total_cycles, t.total_cycles) << m << "x" << k << "x" << n;
      cycles[slots - 1] = f.total_cycles;
    }
    EXPECT_LE(cycles[1], cycles[0]) << m << "x" << k << "x" << n;
  }
}

TEST(ChipGeneratedGemm, Edge16x16) { check_generated_gemms("serrano-edge", 40, 1); }
TEST(ChipGeneratedGemm, NonSquare8x4) { check_generated_gemms("test-8x4", 40, 2); }

}  // namespace
}  // namespace serrano::model

namespace serrano::model {
namespace {

// docs/chip-timing.md, "SRAM banks": a store reads scratchpad rows while a matmul streams rows
// of the same memory. The matmul reads row m in cycle t+1+m from bank m mod B and always wins;
// the store reads its rows in order, at most one per bank per cycle, each in the first cycle its
// bank is free, then writes the DRAM. The rule, written out here as a plain loop, must give the
// model's cycles exactly.
TEST(ChipModel, BankConflictsDelayTheDma) {
  const arch::ArchConfig cfg = config("serrano-edge");  // scratchpad: 4 banks
  ChipModel chip(cfg, ChipModel::Mode::TimingOnly);
  const auto prog = assemble(
      "load.wb row=0 rows=16 bytes=16 dram=0 stride=16 push_next\n"
      "preload wb=0 rows=16 pop_prev\n"
      "sync.compute push_next\n"
      "matmul sp=0 rows=1000 acc=0\n"
      "store.sp row=2001 rows=64 bytes=16 dram=0x1000 stride=16 pop_prev\n"
      "halt\n");
  const ChipRunResult r = chip.run(prog, {}, 0x2000);
  const std::uint64_t t = r.timing[3].start, s = r.timing[4].start;
  ASSERT_LT(s + 1, t + 1000) << "the store must overlap the matmul for this test";

  const std::uint64_t B = 4;
  std::vector<std::uint64_t> bank_next(B, s + 1);
  std::uint64_t x = s + 1, end = s + 1, conflicts = 0;
  for (std::uint64_t j = 0; j < 64; ++j) {
    const std::uint64_t bank = (2001 + j) % B;
    std::uint64_t c = std::max(x, bank_next[bank]);
    const std::uint64_t earliest = c;
    while (c >= t + 1 && c <= t + 1000 && (c - t - 1) % B == bank) ++c;
    conflicts += c - earliest;
    bank_next[bank] = c + 1;
    x = c;
    end = std::max(end, c + 1);
  }
  dram::DramTiming dram(cfg.dram, cfg.clock_ghz);
  const dram::Transfer w = dram.access(end, 0x1000, 64, 16, 16, true);
  EXPECT_EQ(r.timing[4].complete, w.done);
  EXPECT_EQ(r.store.bank_conflict, conflicts);
  EXPECT_GT(conflicts, 0u);
}

}  // namespace
}  // namespace serrano::model

namespace serrano::model {
namespace {

// docs/array-timing.md inside the chip: the second preload fills the idle weight buffer while the
// first matmul streams (it issues right after it), and the second matmul follows the first
// without a gap when M >= K + 1.
TEST(ChipModel, PreloadOverlapsTheStreamInsideTheChip) {
  ChipModel chip(config("serrano-edge"), ChipModel::Mode::TimingOnly);
  const auto prog = assemble(
      "preload wb=0 rows=16\n"
      "matmul sp=0 rows=100 acc=0\n"
      "preload wb=16 rows=16\n"
      "matmul sp=100 rows=100 acc=0 accumulate\n"
      "halt\n");
  const ChipRunResult r = chip.run(prog, {}, 0);
  EXPECT_EQ(r.timing[1].start, r.timing[0].start + 16);   // stream waits for its tile: t_p + K
  EXPECT_EQ(r.timing[2].start, r.timing[1].start + 1);    // preload overlaps the stream
  EXPECT_EQ(r.timing[3].start, r.timing[1].start + 100);  // back-to-back streams
  // The last accumulator row is written at t + M + R + C: completion t + M + R + C + 1.
  EXPECT_EQ(r.timing[3].complete, r.timing[3].start + 100 + 16 + 16 + 1);
}

TEST(ChipModel, RefusesUnalignedAccumulatorAndParameterDma) {
  ChipModel chip(config("serrano-edge"), ChipModel::Mode::TimingOnly);
  try {
    chip.run(assemble("load.acc row=0 rows=1 bytes=6 dram=0 stride=6\nhalt\n"), {}, 64);
    FAIL() << "expected an error";
  } catch (const ChipError& e) {
    EXPECT_EQ(std::string(e.what()),
              "instruction 0 (load.acc row=0 rows=1 bytes=6 dram=0x0 stride=6): bytes=6 is not a "
              "whole number of 4-byte acc entries");
  }
}

TEST(ChipModel, RefusesPortsNarrowerThanARow) {
  arch::ArchConfig cfg = config("test-32x32");
  cfg.scratchpad.port_bytes = 16;
  try {
    ChipModel chip(cfg, ChipModel::Mode::TimingOnly);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "test-32x32: scratchpad.port_bytes: 16 is narrower than one 32-byte row (max(rows, "
              "cols) int8); the matrix unit moves a row per cycle");
  }
}

}  // namespace
}  // namespace serrano::model
