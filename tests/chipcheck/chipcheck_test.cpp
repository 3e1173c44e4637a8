// SPDX-License-Identifier: Apache-2.0
// The chip RTL against the chip model, program by program: the final DRAM image byte for byte and
// each instruction's dispatch, start and completion cycle (docs/chip-rtl.md). One model per test
// process (SystemC elaborates once), run many times.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
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
    if (std::getenv("SERRANO_CHIPCHECK_VERBOSE") != nullptr) {
      for (std::size_t i = 0; i < prog.size(); ++i) {
        fmt::print("{:4} {:50} {:6} {:6} {:6}  rtl {:6} {:6} {:6}\n", i, isa::to_text(prog[i]),
                   m.timing[i].dispatch, m.timing[i].start, m.timing[i].complete,
                   r.timing[i].dispatch, r.timing[i].start, r.timing[i].complete);
      }
      fmt::print("total {} cycles, bank conflicts load {} store {}\n", m.total_cycles,
                 m.load.bank_conflict, m.store.bank_conflict);
    }
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
    for (std::size_t k = 0; k < 4; ++k) {
      if (m.sram_read_bytes[k] != r.sram_read_bytes[k] ||
          m.sram_write_bytes[k] != r.sram_write_bytes[k]) {
        return fmt::format("SRAM traffic of memory {} differs", k);
      }
    }
    if (m.array_stream_rows != r.array_stream_rows || m.array_macs != r.array_macs ||
        m.dram_read_bytes != r.dram_read_bytes || m.dram_write_bytes != r.dram_write_bytes ||
        m.load.instructions != r.load.instructions ||
        m.compute.instructions != r.compute.instructions ||
        m.store.instructions != r.store.instructions) {
      return "traffic or instruction counts differ";
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
      "test-chip-4x4", "test-chip-8x8", "test-chip-4x4-os", "test-chip-4x4-bug-dma-stride",
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
    // A dataflow the build was not made with is refused, naming the field.
    arch::ArchConfig flipped = cfg;
    flipped.array.dataflow = cfg.array.dataflow == arch::Dataflow::OutputStationary
                                 ? arch::Dataflow::WeightStationary
                                 : arch::Dataflow::OutputStationary;
    try {
      testbench::make_rtl_chip_sim(flipped, b.variant);
      ADD_FAILURE() << b.name << ": the other dataflow was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("array.dataflow"), std::string::npos) << e.what();
    }
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

// Each instruction kind on its own (after the loads it needs, behind a token), on both configs.
void each_kind_alone(const std::string& name) {
  Pair p(name);
  const std::uint32_t W = std::uint32_t(p.cfg().array.rows), C = std::uint32_t(p.cfg().array.cols);
  const std::string setup = fmt::format(
      "load.sp row=0 rows=16 bytes={W} dram=0 stride={W}\n"
      "load.wb row=0 rows={W} bytes={C} dram=0x400 stride={C}\n"
      "load.acc row=0 rows=16 bytes={A} dram=0x800 stride={A}\n"
      "load.qp row=0 rows=1 bytes={Q} dram=0xc000 stride={Q} push_next\n"
      "sync.compute pop_prev\n",
      fmt::arg("W", W), fmt::arg("C", C), fmt::arg("A", 4 * C), fmt::arg("Q", 12 * C));
  const std::vector<std::string> alone = {
      "sync.load\n",
      "sync.compute\n",
      "sync.store\n",
      fmt::format("load.sp row=5 rows=7 bytes={} dram=0x10 stride=33\n", W),
      fmt::format("load.wb row=3 rows=9 bytes={} dram=0x20 stride=0\n", C),
      fmt::format("load.acc row=1 rows=5 bytes={} dram=0x30 stride=64\n", 4 * C),
      fmt::format("load.qp row=7 rows=3 bytes={} dram=0xc00c stride={}\n", 12 * C, 12 * C),
      fmt::format("store.sp row=0 rows=9 bytes={} dram=0x9000 stride=9\n", W),
      fmt::format("store.acc row=2 rows=6 bytes={} dram=0x9000 stride={}\n", 4 * C, 4 * C + 4),
      fmt::format("preload wb=0 rows={}\n", W),
      "matmul sp=0 rows=16 acc=20\n",
      "matmul sp=2 rows=9 acc=3 accumulate\n",
      "requant acc=0 rows=16 sp=40 qp=0 zp=-3 min=-120 max=100\n",
      "vadd.acc dst=30 a=0 b=4 rows=8\n",
      "vmax.acc dst=30 a=0 b=4 rows=8\n",
      "vrelu.acc dst=30 a=0 rows=8\n",
      "vadd.sp dst=30 a=0 b=4 rows=8\n",
      "vmax.sp dst=30 a=0 b=4 rows=8\n",
      "vrelu.sp dst=30 a=0 rows=8 imm=7\n",
  };
  // After the kind under test, a barrier, then every memory that can be stored goes to DRAM.
  const std::string tail = fmt::format(
      "sync.load push_next\n"
      "sync.compute pop_prev push_next\n"
      "store.sp row=0 rows=64 bytes={} dram=0xa000 stride={} pop_prev\n"
      "store.acc row=0 rows=40 bytes={} dram=0xb000 stride={}\n"
      "halt\n",
      W, W, 4 * C, 4 * C);
  for (const auto& kind : alone) {
    EXPECT_EQ(p.compare(assemble(setup + kind + tail), dram_image(13)), "") << name << ": " << kind;
  }
}

TEST(Directed, EachKindAlone4x4) { each_kind_alone("test-chip-4x4"); }
TEST(Directed, EachKindAlone8x8) { each_kind_alone("test-chip-8x8"); }

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

// A matmul streams scratchpad rows a requant just wrote: it waits for them (chip-timing.md).
const char* kRequantThenMatmul4 = R"(
        load.sp  row=0 rows=16 bytes=4 dram=0x0 stride=4
        load.wb  row=0 rows=4 bytes=4 dram=0x200 stride=4
        load.acc row=0 rows=16 bytes=16 dram=0x400 stride=16
        load.qp  row=0 rows=1 bytes=48 dram=0xc000 stride=48 push_next
        preload  wb=0 rows=4 pop_prev
        requant  acc=0 rows=8 sp=100 qp=0 zp=1 min=-128 max=127
        matmul   sp=103 rows=8 acc=40
        requant  acc=8 rows=8 sp=200 qp=0 zp=0 min=-128 max=127
        matmul   sp=0 rows=8 acc=60
        requant  acc=40 rows=8 sp=300 qp=0 zp=0 min=-128 max=127 push_next
        store.sp  row=100 rows=8 bytes=4 dram=0x8000 stride=4 pop_prev
        store.acc row=40 rows=28 bytes=16 dram=0x8100 stride=16
        store.sp  row=200 rows=108 bytes=4 dram=0x9000 stride=4
        halt
)";

TEST(Directed, RequantThenMatmul) {
  Pair p("test-chip-4x4");
  EXPECT_EQ(p.compare(assemble(kRequantThenMatmul4), dram_image(12)), "");
  const auto& t = p.last_model.timing;
  EXPECT_EQ(t[6].start, t[5].start + 8 + 5);  // waits for the requant's last row
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

// In-order completion (docs/chip-timing.md): a load-queue sync completes with the load before
// it, and its push comes after that load's push on the channel.
TEST(Directed, LoadSyncCompletesInOrder) {
  Pair p("test-chip-4x4");
  const auto prog = assemble(R"(
        load.sp row=0 rows=20 bytes=4 dram=0 stride=64 push_next
        sync.load push_next
        sync.compute pop_prev
        sync.compute pop_prev
        halt
  )");
  EXPECT_EQ(p.compare(prog, dram_image(10)), "");
  const auto& t = p.last_model.timing;
  EXPECT_EQ(t[1].complete, t[0].complete);
  EXPECT_EQ(t[2].start, t[0].complete);
}

// Programs that end without halt, with instructions after halt, or are empty.
TEST(Directed, ProgramEnds) {
  Pair p("test-chip-4x4");
  EXPECT_EQ(p.compare(assemble("load.sp row=0 rows=2 bytes=4 dram=0 stride=4 push_next\n"
                               "sync.compute pop_prev\n"),
                      dram_image(11)),
            "");
  EXPECT_EQ(p.compare(assemble("sync.load\nhalt\nsync.store\n"), dram_image(11)), "");
  EXPECT_EQ(p.compare({}, dram_image(11)), "");
  EXPECT_EQ(p.compare(assemble("halt\n"), dram_image(11)), "");
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

// ---------------------------------------------------------------- random programs

// Random programs without data races, so that the DRAM image is defined: phase A loads inputs
// (sp, wb, acc, qp) and ends with a barrier; phase B mixes every instruction kind, reading only
// inputs and writing only fresh rows (loads, matmuls, requants, vec ops) or fresh DRAM (stores),
// with random syncs and random token pushes and pops (a pop only where an earlier instruction
// pushed on that channel, so no deadlock); after a second barrier, phase C stores every written
// row. The serrano verify campaign goes further; this is the RTL's own regression.
class RandomProgram {
 public:
  RandomProgram(const arch::ArchConfig& cfg, std::uint64_t seed)
      : m_rng(seed), m_R(std::uint32_t(cfg.array.rows)), m_C(std::uint32_t(cfg.array.cols)) {}

  std::vector<isa::Instruction> make() {
    for (int i = 0; i < 6; ++i) load_input();
    barrier();
    const int n = 20 + int(m_rng() % 60);
    for (int i = 0; i < n; ++i) phase_b();
    barrier();
    for (const auto& w : m_written) store(w.mem, w.row, w.rows);
    emit(isa::Instruction{});  // halt
    return m_prog;
  }

 private:
  struct Range {
    isa::Mem mem;
    std::uint32_t row, rows;
  };
  // Input rows (phase A) and fresh rows (phase B) of each memory: [0, in) and [in, end).
  static constexpr std::uint32_t kIn[4] = {256, 128, 48, 64};
  static constexpr std::uint32_t kEnd[4] = {1024, 256, 128, 256};

  std::uint32_t pick(std::uint32_t lo, std::uint32_t hi) {  // [lo, hi]
    return lo + std::uint32_t(m_rng() % (hi - lo + 1));
  }
  std::uint32_t width(isa::Mem m) const {
    return m == isa::Mem::Sp    ? m_R
           : m == isa::Mem::Wb  ? m_C
           : m == isa::Mem::Acc ? 4 * m_C
                                : 12 * m_C;
  }
  bool fresh(isa::Mem m, std::uint32_t rows, std::uint32_t& row) {
    std::uint32_t& next = m_next[std::size_t(m)];
    if (next == 0) next = kIn[std::size_t(m)];
    if (next + rows > kEnd[std::size_t(m)]) return false;
    row = next;
    next += rows;
    return true;
  }

  // A first row for `rows` rows: mostly inputs, sometimes rows an earlier compute instruction
  // wrote (ordered within the compute queue: no race).
  std::uint32_t from_compute(const std::vector<Range>& written, std::uint32_t rows,
                             std::uint32_t inputs) {
    if (!written.empty() && m_rng() % 3 == 0) {
      const Range& r = written[m_rng() % written.size()];
      if (r.rows >= rows) return r.row + pick(0, r.rows - rows);
    }
    return pick(0, inputs - rows);
  }

  // Random token flags for the instruction's queue; pops only where pushes wait.
  void flags(isa::Instruction& in) {
    const isa::Queue q = isa::queue_of(in);
    const int pp = q == isa::Queue::Compute ? 0 : q == isa::Queue::Store ? 2 : -1;
    const int pn = q == isa::Queue::Load ? 1 : q == isa::Queue::Compute ? 3 : -1;
    const int up = q == isa::Queue::Compute ? 1 : q == isa::Queue::Store ? 3 : -1;
    const int un = q == isa::Queue::Load ? 0 : q == isa::Queue::Compute ? 2 : -1;
    if (pp >= 0 && m_surplus[pp] > 0 && m_rng() % 3 == 0) in.deps.pop_prev = true;
    if (pn >= 0 && m_surplus[pn] > 0 && m_rng() % 3 == 0) in.deps.pop_next = true;
    if (up >= 0 && m_rng() % 4 == 0) in.deps.push_prev = true;
    if (un >= 0 && m_rng() % 4 == 0) in.deps.push_next = true;
  }
  void emit(isa::Instruction in) {
    const isa::Queue q = isa::queue_of(in);
    const int pp = q == isa::Queue::Compute ? 0 : q == isa::Queue::Store ? 2 : -1;
    const int pn = q == isa::Queue::Load ? 1 : q == isa::Queue::Compute ? 3 : -1;
    const int up = q == isa::Queue::Compute ? 1 : q == isa::Queue::Store ? 3 : -1;
    const int un = q == isa::Queue::Load ? 0 : q == isa::Queue::Compute ? 2 : -1;
    if (in.opcode != isa::Opcode::Halt) {
      if (in.deps.pop_prev) --m_surplus[pp];
      if (in.deps.pop_next) --m_surplus[pn];
      if (in.deps.push_prev) ++m_surplus[up];
      if (in.deps.push_next) ++m_surplus[un];
    }
    m_prog.push_back(in);
  }
  isa::Instruction sync(isa::Queue q) {
    isa::Instruction in;
    in.opcode = isa::Opcode::Sync;
    in.sync_queue = q;
    return in;
  }
  // Consume every outstanding token, then let every queue wait for every other to finish.
  void barrier() {
    const isa::Queue consumer[4] = {isa::Queue::Compute, isa::Queue::Load, isa::Queue::Store,
                                    isa::Queue::Compute};
    for (int ch = 0; ch < 4; ++ch) {
      while (m_surplus[ch] > 0) {
        isa::Instruction in = sync(consumer[ch]);
        (ch == 0 || ch == 2 ? in.deps.pop_prev : in.deps.pop_next) = true;
        emit(in);
      }
    }
    isa::Instruction a = sync(isa::Queue::Load), b = sync(isa::Queue::Compute),
                     c = sync(isa::Queue::Store), d = sync(isa::Queue::Compute),
                     e = sync(isa::Queue::Load);
    a.deps.push_next = true;
    b.deps.pop_prev = b.deps.push_next = true;
    c.deps.pop_prev = c.deps.push_prev = true;
    d.deps.pop_next = d.deps.push_prev = true;
    e.deps.pop_next = true;
    for (const auto& in : {a, b, c, d, e}) emit(in);
  }
  isa::Instruction load_to(isa::Mem m, std::uint32_t row, std::uint32_t rows) {
    isa::Instruction in;
    in.opcode = isa::Opcode::Load;
    in.mem = m;
    in.row = row;
    in.rows = rows;
    const std::uint32_t unit = m == isa::Mem::Acc ? 4 : m == isa::Mem::Qp ? 12 : 1;
    in.bytes = unit * pick(1, width(m) / unit);
    if (m == isa::Mem::Qp) {
      in.dram_stride = 12 * pick(in.bytes / 12, in.bytes / 12 + 3);
      in.dram_addr = kQpBase + 12 * pick(0, 40);
    } else {
      const std::uint32_t r = std::uint32_t(m_rng() % 8);
      in.dram_stride = r == 0 ? 0 : r == 1 ? in.bytes / 2 : in.bytes + pick(0, 70);
      const std::uint32_t need = (rows - 1) * in.dram_stride + in.bytes;
      in.dram_addr = pick(0, 0x8000 - need);
    }
    return in;
  }
  void load_input() {
    const auto m = isa::Mem(m_rng() % 4);
    const std::uint32_t rows = pick(1, kIn[std::size_t(m)]);
    const std::uint32_t row = pick(0, kIn[std::size_t(m)] - rows);
    isa::Instruction in = load_to(m, row, rows);
    flags(in);
    emit(in);
  }
  void store(isa::Mem m, std::uint32_t row, std::uint32_t rows) {
    isa::Instruction in;
    in.opcode = isa::Opcode::Store;
    in.mem = m;
    in.row = row;
    in.rows = rows;
    const std::uint32_t unit = m == isa::Mem::Acc ? 4 : 1;
    in.bytes = unit * pick(1, width(m) / unit);
    in.dram_stride = in.bytes + (m_rng() % 2 == 0 ? 0 : pick(1, 8));
    const std::uint64_t need = std::uint64_t(rows - 1) * in.dram_stride + in.bytes;
    if (m_dram_out + need > kQpBase) return;  // out of output DRAM
    in.dram_addr = m_dram_out;
    m_dram_out += need;
    emit(in);
  }
  void phase_b() {
    isa::Instruction in;
    std::uint32_t row = 0;
    switch (m_rng() % 9) {
      case 0:
      case 1: {  // load into fresh rows (stored in phase C)
        const auto m = isa::Mem(m_rng() % 3 == 0 ? 2 : m_rng() % 2 == 0 ? 0 : 1);
        const std::uint32_t rows = pick(1, 24);
        if (!fresh(m, rows, row)) return;
        in = load_to(m, row, rows);
        if (m != isa::Mem::Wb) m_written.push_back({m, row, rows});
        break;
      }
      case 2: {  // store of input rows
        const auto m = m_rng() % 2 == 0 ? isa::Mem::Sp : isa::Mem::Acc;
        const std::uint32_t rows = pick(1, 30);
        const std::uint32_t first =
            pick(0, kIn[std::size_t(m)] - std::min(rows, kIn[std::size_t(m)]));
        const std::size_t before = m_prog.size();
        store(m, first, std::min(rows, kIn[std::size_t(m)]));
        if (m_prog.size() == before) return;
        in = m_prog.back();
        m_prog.pop_back();
        break;
      }
      case 3:
        in.opcode = isa::Opcode::Preload;
        in.wb_row = pick(0, kIn[1] - m_R);
        in.rows = pick(1, m_R);
        break;
      case 4:
      case 5: {
        const std::uint32_t rows = pick(1, 32);
        if (!fresh(isa::Mem::Acc, rows, row)) return;
        in.opcode = isa::Opcode::Matmul;
        in.sp_row = from_compute(m_cp_sp, rows, kIn[0]);
        in.rows = rows;
        in.acc_row = row;
        in.accumulate = m_rng() % 2 == 0;
        m_written.push_back({isa::Mem::Acc, row, rows});
        m_cp_acc.push_back({isa::Mem::Acc, row, rows});
        break;
      }
      case 6: {
        const std::uint32_t rows = pick(1, 32);
        if (!fresh(isa::Mem::Sp, rows, row)) return;
        in.opcode = isa::Opcode::Requant;
        in.acc_row = from_compute(m_cp_acc, rows, kIn[2]);
        in.rows = rows;
        in.sp_row = row;
        in.qp_row = pick(0, kIn[3] - 1);
        in.zero_point = std::int8_t(pick(0, 20)) - 10;
        in.act_min = std::int8_t(-128 + int(pick(0, 100)));
        in.act_max = std::int8_t(int(pick(0, 127)));
        m_written.push_back({isa::Mem::Sp, row, rows});
        m_cp_sp.push_back({isa::Mem::Sp, row, rows});
        break;
      }
      case 7: {
        const auto op = isa::VecOp(m_rng() % 6);
        const bool acc =
            op == isa::VecOp::AddAcc || op == isa::VecOp::MaxAcc || op == isa::VecOp::ReluAcc;
        const auto m = acc ? isa::Mem::Acc : isa::Mem::Sp;
        const std::uint32_t rows = pick(1, 16);
        if (!fresh(m, rows, row)) return;
        in.opcode = isa::Opcode::Vec;
        in.vec_op = op;
        in.rows = rows;
        in.dst = row;
        in.src_a = from_compute(acc ? m_cp_acc : m_cp_sp, rows, kIn[std::size_t(m)]);
        if (op != isa::VecOp::ReluAcc && op != isa::VecOp::ReluSp) {
          in.src_b = pick(0, kIn[std::size_t(m)] - rows);
        }
        if (op == isa::VecOp::ReluSp) in.imm = std::int8_t(int(pick(0, 40)) - 20);
        m_written.push_back({m, row, rows});
        (acc ? m_cp_acc : m_cp_sp).push_back({m, row, rows});
        break;
      }
      default: in = sync(isa::Queue(m_rng() % 3)); break;
    }
    flags(in);
    emit(in);
  }

  std::mt19937_64 m_rng;
  std::uint32_t m_R, m_C;
  std::vector<isa::Instruction> m_prog;
  std::uint32_t m_next[4] = {0, 0, 0, 0};
  int m_surplus[4] = {0, 0, 0, 0};  // pushed, not yet popped, per channel
  std::vector<Range> m_written;
  std::vector<Range> m_cp_sp, m_cp_acc;  // rows written by compute instructions
  std::uint64_t m_dram_out = 0x8000;
};

void check_random(const std::string& name, int programs, std::uint64_t seed) {
  Pair p(name);
  if (const char* n = std::getenv("SERRANO_CHIPCHECK_PROGRAMS")) programs = std::atoi(n);
  int failures = 0;
  std::uint64_t cycles = 0;
  for (int k = 0; k < programs && failures < 3; ++k) {
    const auto prog = RandomProgram(p.cfg(), seed + std::uint64_t(k)).make();
    const std::string found = p.compare(prog, dram_image(seed + std::uint64_t(k)));
    cycles += p.last_model.total_cycles;
    if (!found.empty()) ++failures;
    EXPECT_EQ(found, "") << name << " program " << k << " (seed " << seed + std::uint64_t(k) << ")";
  }
  fmt::print("{}: {} random programs, {} model cycles in all\n", name, programs, cycles);
}

TEST(Random, Chip4x4) { check_random("test-chip-4x4", 100, 1000); }
TEST(Random, Chip8x8) { check_random("test-chip-8x8", 100, 2000); }

// ---------------------------------------------------------------- waveforms and speed

TEST(Waveform, DumpsAWindowOfCycles) {
  const auto cfg = config("test-chip-4x4");
  const std::string path = ::testing::TempDir() + "chipcheck_wave.fst";
  std::remove(path.c_str());
  testbench::RtlChipOptions opt;
  opt.wave_path = path;
  opt.wave_from = 100;
  opt.wave_to = 200;
  auto rtl = testbench::make_rtl_chip_sim(cfg, "", opt);
  const auto r = rtl->run(assemble(kMatrix4), dram_image(3));
  EXPECT_GT(r.total_cycles, 200u);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr) << path;
  std::fseek(f, 0, SEEK_END);
  EXPECT_GT(std::ftell(f), 1000);
  std::fclose(f);
}

// Figures for docs/chip-rtl.md (run by hand: --gtest_also_run_disabled_tests
// --gtest_filter=*Speed*): cycles of a generated GEMM on the model and the RTL, and how fast each
// simulates it, with and without a waveform.
void speed(const std::string& name, int m, int k, int n) {
  Pair p(name);
  const workloads::ChipShape shape{p.cfg().array.rows, p.cfg().array.cols,
                                   p.model().rows(isa::Mem::Sp), p.model().rows(isa::Mem::Wb),
                                   p.model().rows(isa::Mem::Acc)};
  const auto problem = workloads::random_gemm_problem(m, k, n, 7);
  const auto g = workloads::gemm_program(m, k, n, shape, 2, problem.out);
  const auto image = workloads::gemm_dram_image(problem, g.layout);
  ASSERT_EQ(p.compare(g.code, image), "");
  const auto time = [&](model::IChipSim& sim) {
    const auto t0 = std::chrono::steady_clock::now();
    sim.run(g.code, image);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  auto rtl = testbench::make_rtl_chip_sim(p.cfg());
  testbench::RtlChipOptions opt;
  opt.wave_path = ::testing::TempDir() + "chipcheck_speed.fst";
  auto waved = testbench::make_rtl_chip_sim(p.cfg(), "", opt);
  const double tm = time(p.model()), tr = time(*rtl), tw = time(*waved);
  const double cycles = double(p.last_model.total_cycles);
  fmt::print(
      "{} gemm {}x{}x{} ({} instructions): model {} cycles, rtl {} cycles; model {:.0f} cycles/s, "
      "rtl {:.0f} cycles/s, rtl with FST {:.0f} cycles/s\n",
      name, m, k, n, g.code.size(), p.last_model.total_cycles, p.last_rtl.total_cycles, cycles / tm,
      cycles / tr, cycles / tw);
}

TEST(Speed, DISABLED_Chip4x4) { speed("test-chip-4x4", 64, 64, 64); }
TEST(Speed, DISABLED_Chip8x8) { speed("test-chip-8x8", 128, 128, 128); }

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
