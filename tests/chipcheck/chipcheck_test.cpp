// SPDX-License-Identifier: Apache-2.0
// The chip RTL against the chip model, program by program: the final DRAM image byte for byte and
// each instruction's dispatch, start and completion cycle (docs/chip-rtl.md). One model per test
// process (SystemC elaborates once), run many times.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

#include "arch/arch_config.h"
#include "isa/assembler.h"
#include "model/chip/chip_model.h"
#include "testbench/chip/rtl_chip_sim.h"
#include "workloads/gemm.h"
#include "workloads/gemm_program.h"

namespace serrano {
namespace {

arch::ArchConfig config(const std::string& name) {
  return arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + name + ".yaml");
}

std::vector<isa::Instruction> assemble(const std::string& text) {
  return isa::assemble(text, "test.sasm").code;
}

constexpr std::uint64_t kDramBytes = 1 << 16;
constexpr std::uint64_t kQpBase = 0xc000;  // valid requant parameter records from here

// Random bytes, with requant parameter records (bias, multiplier, shift in [-31, 31]) from
// kQpBase, so that any load.qp from there is valid.
std::vector<std::uint8_t> dram_image(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> d(kDramBytes);
  for (auto& b : d) b = std::uint8_t(rng());
  for (std::uint64_t a = kQpBase; a + 12 <= kDramBytes; a += 12) {
    const std::int32_t bias = std::int32_t(rng() % 2001) - 1000;
    const std::int32_t mult = std::int32_t((1u << 30) + std::uint32_t(rng() % (1u << 30)));
    const std::int32_t shift = std::int32_t(rng() % 12) - 10;
    std::memcpy(&d[a], &bias, 4);
    std::memcpy(&d[a + 4], &mult, 4);
    std::memcpy(&d[a + 8], &shift, 4);
  }
  return d;
}

// Runs a program on the model and on an RTL build; "" when both agree on everything compared.
class Pair {
 public:
  explicit Pair(const std::string& config_name, const std::string& variant = "")
      : m_cfg(config(config_name)),
        m_model(m_cfg, model::ChipModel::Mode::Functional),
        m_rtl(testbench::make_rtl_chip_sim(m_cfg, variant)) {}

  const arch::ArchConfig& cfg() const { return m_cfg; }
  model::ChipModel& model() { return m_model; }

  std::string compare(const std::vector<isa::Instruction>& prog,
                      const std::vector<std::uint8_t>& dram) {
    model::ChipRunResult m, r;
    std::string merr, rerr;
    try {
      m = m_model.run(prog, dram);
    } catch (const model::ChipError& e) {
      merr = e.what();
    }
    try {
      r = m_rtl->run(prog, dram);
    } catch (const model::ChipError& e) {
      rerr = e.what();
    }
    last_model = m;
    last_rtl = r;
    if (merr != rerr) return fmt::format("errors differ: model '{}', rtl '{}'", merr, rerr);
    if (!merr.empty()) return "";
    for (std::size_t i = 0; i < prog.size(); ++i) {
      const auto& a = m.timing[i];
      const auto& b = r.timing[i];
      if (a.complete != b.complete || a.start != b.start || a.dispatch != b.dispatch) {
        return fmt::format(
            "instruction {} ({}): model dispatch/start/complete {}/{}/{}, rtl {}/{}/{}", i,
            isa::to_text(prog[i]), a.dispatch, a.start, a.complete, b.dispatch, b.start,
            b.complete);
      }
    }
    if (m.dram.size() != r.dram.size()) return "DRAM sizes differ";
    for (std::size_t k = 0; k < m.dram.size(); ++k) {
      if (m.dram[k] != r.dram[k]) {
        return fmt::format("DRAM byte {:#x}: model {:#04x}, rtl {:#04x}", k, m.dram[k], r.dram[k]);
      }
    }
    if (std::getenv("SERRANO_CHIPCHECK_VERBOSE") != nullptr) {
      for (std::size_t i = 0; i < prog.size(); ++i) {
        fmt::print("{:4} {:50} {:6} {:6} {:6}\n", i, isa::to_text(prog[i]), m.timing[i].dispatch,
                   m.timing[i].start, m.timing[i].complete);
      }
      fmt::print("total {} cycles, bank conflicts load {} store {}\n", m.total_cycles,
                 m.load.bank_conflict, m.store.bank_conflict);
    }
    if (m.total_cycles != r.total_cycles) {
      return fmt::format("total cycles: model {}, rtl {}", m.total_cycles, r.total_cycles);
    }
    return "";
  }

  model::ChipRunResult last_model, last_rtl;

 private:
  arch::ArchConfig m_cfg;
  model::ChipModel m_model;
  std::unique_ptr<model::IChipSim> m_rtl;
};

// ---------------------------------------------------------------- builds

TEST(Builds, ListAndRefuse) {
  std::vector<std::string> names;
  for (const auto& b : testbench::rtl_chip_builds()) names.push_back(b.name);
  const std::vector<std::string> want = {
      "test-chip-4x4", "test-chip-8x8", "test-chip-4x4-bug-dma-stride",
      "test-chip-4x4-bug-token-drop", "test-chip-4x4-bug-requant-round"};
  EXPECT_EQ(names, want);
  try {
    testbench::make_rtl_chip_sim(config("serrano-edge"));
    FAIL() << "no build expected";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("test-chip-8x8"), std::string::npos) << e.what();
  }
  EXPECT_THROW(testbench::make_rtl_chip_sim(config("test-chip-8x8"), "bug-pe"),
               std::invalid_argument);
}

// The build's RTL parameters were read from the YAML by CMake; arch::load_arch_file must agree
// (the harness refuses a config that differs from its build).
TEST(Builds, ParametersMatchConfigs) {
  for (const auto& b : testbench::rtl_chip_builds()) {
    const arch::ArchConfig cfg = config(b.config);
    EXPECT_NO_THROW(testbench::make_rtl_chip_sim(cfg, b.variant)) << b.name;
    arch::ArchConfig other = cfg;
    other.scratchpad.banks *= 2;
    EXPECT_THROW(testbench::make_rtl_chip_sim(other, b.variant), std::invalid_argument);
  }
}

// ---------------------------------------------------------------- directed programs

const char* kSyncChain = R"(
        sync.load push_next
        sync.compute pop_prev push_next
        sync.store pop_prev push_prev
        sync.compute pop_next push_prev
        sync.load pop_next push_next
        sync.compute pop_prev
        sync.store
        sync.load
        halt
)";

TEST(Directed, SyncTokenChains4x4) {
  Pair p("test-chip-4x4");
  EXPECT_EQ(p.compare(assemble(kSyncChain), dram_image(1)), "");
}

TEST(Directed, SyncTokenChains8x8) {
  Pair p("test-chip-8x8");
  EXPECT_EQ(p.compare(assemble(kSyncChain), dram_image(1)), "");
}

// Each memory loaded (whole and partial rows, strided), stored back where it can be.
const char* kLoadStore4 = R"(
        load.sp  row=3 rows=9 bytes=4 dram=0x100 stride=4 push_next
        load.acc row=5 rows=6 bytes=16 dram=0x400 stride=16
        load.acc row=11 rows=3 bytes=8 dram=0x700 stride=40 push_next
        load.sp  row=20 rows=5 bytes=3 dram=0x900 stride=7 push_next
        sync.compute pop_prev push_next
        sync.compute pop_prev push_next
        sync.compute pop_prev push_next
        store.sp  row=3 rows=9 bytes=4 dram=0x8000 stride=4 pop_prev
        store.acc row=5 rows=9 bytes=16 dram=0x8100 stride=20 pop_prev
        store.sp  row=18 rows=9 bytes=4 dram=0x8400 stride=8 pop_prev
        store.acc row=0 rows=4 bytes=12 dram=0x8600 stride=12
        halt
)";

TEST(Directed, LoadStore) {
  Pair p("test-chip-4x4");
  EXPECT_EQ(p.compare(assemble(kLoadStore4), dram_image(2)), "");
}

// One tile through the matrix unit: preload, matmul (overwrite, then accumulate), requant.
const char* kMatrix4 = R"(
        load.sp  row=0 rows=8 bytes=4 dram=0x0 stride=4
        load.wb  row=0 rows=4 bytes=4 dram=0x200 stride=4
        load.wb  row=4 rows=3 bytes=4 dram=0x240 stride=4
        load.qp  row=2 rows=1 bytes=48 dram=0xc000 stride=48 push_next
        preload  wb=0 rows=4 pop_prev
        matmul   sp=0 rows=8 acc=0
        preload  wb=4 rows=3
        matmul   sp=0 rows=8 acc=0 accumulate
        matmul   sp=4 rows=4 acc=8
        requant  acc=0 rows=12 sp=16 qp=2 zp=3 min=-100 max=120 push_next
        store.sp  row=16 rows=12 bytes=4 dram=0x8000 stride=4 pop_prev
        halt
)";

TEST(Directed, MatrixUnit) {
  Pair p("test-chip-4x4");
  EXPECT_EQ(p.compare(assemble(kMatrix4), dram_image(3)), "");
}

// Every vector op, on overlapping row ranges too (rows act one after the other).
const char* kVector4 = R"(
        load.sp  row=0 rows=16 bytes=4 dram=0x0 stride=4
        load.acc row=0 rows=16 bytes=16 dram=0x100 stride=16 push_next
        vadd.acc dst=20 a=0 b=8 rows=8 pop_prev
        vmax.acc dst=30 a=1 b=9 rows=6
        vrelu.acc dst=40 a=0 rows=16
        vadd.acc dst=1 a=0 b=4 rows=6
        vadd.sp  dst=20 a=0 b=8 rows=8
        vmax.sp  dst=30 a=1 b=9 rows=6
        vrelu.sp dst=40 a=0 rows=16 imm=-5
        vadd.sp  dst=1 a=0 b=5 rows=7 push_next
        store.acc row=0 rows=56 bytes=16 dram=0x4000 stride=16 pop_prev
        store.sp  row=0 rows=56 bytes=4 dram=0x8000 stride=4
        halt
)";

TEST(Directed, VectorUnit) {
  Pair p("test-chip-4x4");
  EXPECT_EQ(p.compare(assemble(kVector4), dram_image(4)), "");
}

// DMA rows wait for bank ports the matrix and vector units hold: a store reads the scratchpad
// while a stream reads it, loads into the accumulators and the scratchpad land while the stream
// writes the accumulators, the requant writes the scratchpad and a vec op holds it.
const char* kBanks4 = R"(
        load.sp  row=0 rows=64 bytes=4 dram=0x0 stride=4
        load.wb  row=0 rows=4 bytes=4 dram=0x200 stride=4
        load.qp  row=0 rows=2 bytes=48 dram=0xc000 stride=48 push_next
        load.acc row=70 rows=50 bytes=16 dram=0x2000 stride=128
        load.sp  row=400 rows=200 bytes=4 dram=0x4000 stride=64 push_next
        preload  wb=0 rows=4 pop_prev push_next
        matmul   sp=0 rows=64 acc=0
        requant  acc=0 rows=64 sp=200 qp=1 zp=0 min=-128 max=127
        vadd.sp  dst=300 a=0 b=1 rows=20
        vrelu.sp dst=320 a=100 rows=30 imm=3
        sync.compute pop_prev push_next
        store.sp row=0 rows=64 bytes=4 dram=0x8000 stride=4 pop_prev
        store.sp row=200 rows=150 bytes=4 dram=0xa000 stride=4 pop_prev
        store.acc row=0 rows=120 bytes=16 dram=0x9000 stride=16
        store.sp row=400 rows=200 bytes=4 dram=0xb000 stride=4
        halt
)";

TEST(Directed, BankConflicts) {
  Pair p("test-chip-4x4");
  EXPECT_EQ(p.compare(assemble(kBanks4), dram_image(5)), "");
  EXPECT_GT(p.last_model.load.bank_conflict + p.last_model.store.bank_conflict, 0u);
}

// More than 8 loads in flight and more than 16 instructions in a queue.
TEST(Directed, QueueAndInFlightLimits) {
  Pair p("test-chip-4x4");
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += fmt::format("load.sp row={} rows=3 bytes=4 dram={} stride=64\n", 3 * i, 0x40 * i);
  }
  text += "load.sp row=200 rows=1 bytes=4 dram=0 stride=4 push_next\n";
  for (int i = 0; i < 30; ++i) text += "sync.compute\n";
  text += "sync.compute pop_prev push_next\n";
  for (int i = 0; i < 12; ++i) {
    text += fmt::format("store.sp row={} rows=10 bytes=4 dram={} stride=4{}\n", 10 * i,
                        0x8000 + 0x40 * i, i == 0 ? " pop_prev" : "");
  }
  text += "halt\n";
  EXPECT_EQ(p.compare(assemble(text), dram_image(6)), "");
}

TEST(Directed, DeadlockReportedAsTheModelDoes) {
  Pair p("test-chip-4x4");
  const auto prog = assemble(R"(
        load.sp row=0 rows=1 bytes=4 dram=0 stride=4
        sync.compute pop_prev
        halt
  )");
  EXPECT_EQ(p.compare(prog, dram_image(7)), "");
  try {
    testbench::make_rtl_chip_sim(p.cfg())->run(prog, dram_image(7));
    FAIL() << "deadlock expected";
  } catch (const model::ChipError& e) {
    EXPECT_NE(std::string(e.what()).find("deadlock: the compute queue waits at instruction 1"),
              std::string::npos)
        << e.what();
  }
}

TEST(Directed, RefusesWhatTheBuildCannotHold) {
  const auto cfg = config("test-chip-4x4");
  auto rtl = testbench::make_rtl_chip_sim(cfg);
  std::vector<isa::Instruction> prog(20000, assemble("sync.load\n")[0]);
  EXPECT_THROW(rtl->run(prog, {}), model::ChipError);
  EXPECT_THROW(
      rtl->run(assemble("load.sp row=1020 rows=8 bytes=4 dram=0 stride=4\n"), dram_image(8)),
      model::ChipError);
}

// ---------------------------------------------------------------- generated GEMMs

void check_gemms(const std::string& name, int cases, std::uint64_t seed) {
  Pair p(name);
  const workloads::ChipShape shape{p.cfg().array.rows, p.cfg().array.cols,
                                   p.model().rows(isa::Mem::Sp), p.model().rows(isa::Mem::Wb),
                                   p.model().rows(isa::Mem::Acc)};
  std::mt19937_64 rng(seed);
  for (int c = 0; c < cases; ++c) {
    const int m = 1 + int(rng() % 40), k = 1 + int(rng() % 24), n = 1 + int(rng() % 20);
    const auto problem = workloads::random_gemm_problem(m, k, n, rng());
    for (int slots = 1; slots <= 2; ++slots) {
      const auto g = workloads::gemm_program(m, k, n, shape, slots, problem.out);
      EXPECT_EQ(p.compare(g.code, workloads::gemm_dram_image(problem, g.layout)), "")
          << name << " " << m << "x" << k << "x" << n << " slots " << slots;
    }
  }
}

TEST(Gemm, Chip4x4) { check_gemms("test-chip-4x4", 12, 41); }
TEST(Gemm, Chip8x8) { check_gemms("test-chip-8x8", 12, 42); }

// ---------------------------------------------------------------- injected bugs

TEST(Bugs, DmaStride) {
  Pair p("test-chip-4x4", "bug-dma-stride");
  const std::string found = p.compare(assemble(kLoadStore4), dram_image(2));
  EXPECT_NE(found, "");
  fmt::print("bug-dma-stride: {}\n", found);
}

TEST(Bugs, TokenDrop) {
  Pair p("test-chip-4x4", "bug-token-drop");
  // Two loads complete in one cycle (the sync waits for the load before it), two pops follow.
  const auto prog = assemble(R"(
        load.sp row=0 rows=4 bytes=4 dram=0 stride=4 push_next
        sync.load push_next
        sync.compute pop_prev
        sync.compute pop_prev push_next
        store.sp row=0 rows=4 bytes=4 dram=0x8000 stride=4 pop_prev
        halt
  )");
  const std::string found = p.compare(prog, dram_image(9));
  EXPECT_NE(found, "");
  fmt::print("bug-token-drop: {}\n", found);
}

TEST(Bugs, RequantRound) {
  Pair p("test-chip-4x4", "bug-requant-round");
  const std::string found = p.compare(assemble(kMatrix4), dram_image(3));
  EXPECT_NE(found, "");
  fmt::print("bug-requant-round: {}\n", found);
}

}  // namespace
}  // namespace serrano
