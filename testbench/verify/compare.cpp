// SPDX-License-Identifier: Apache-2.0
#include "testbench/verify/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "isa/assembler.h"
#include "testbench/verify/interpreter.h"

namespace serrano::verify {

RunOutcome run_on(model::IChipSim& sim, const TestProgram& program) {
  RunOutcome o;
  o.impl = sim.name();
  try {
    o.result = sim.run(program.code, program.dram, program.dram.size());
    o.ok = true;
  } catch (const std::exception& e) {
    o.error = e.what();
  }
  return o;
}

std::uint64_t Mismatch::wave_from() const {
  if (!first_instruction) return 0;
  const std::uint64_t s = std::min(first_instruction->expected.start, first_instruction->got.start);
  return s > 100 ? s - 100 : 0;
}

std::uint64_t Mismatch::wave_to() const {
  if (!first_instruction) {
    if (first_byte && first_byte->store >= 0 && timing_compared) {
      return first_byte->store_complete + 100;
    }
    return std::numeric_limits<std::uint64_t>::max();
  }
  return std::max(first_instruction->expected.complete, first_instruction->got.complete) + 100;
}

namespace {

std::int64_t element(const std::vector<std::uint8_t>& d, std::uint64_t addr, bool int32) {
  if (!int32) return std::int8_t(d[addr]);
  std::uint32_t v = 0;
  for (int b = 3; b >= 0; --b) v = v << 8 | (addr + b < d.size() ? d[addr + b] : 0);
  return std::int32_t(v);
}

}  // namespace

std::optional<Mismatch> compare_runs(const TestProgram& program, const RunOutcome& expected,
                                     const RunOutcome& got, bool compare_timing) {
  Mismatch m;
  m.reference = expected.impl;
  m.dut = got.impl;
  m.program_seed = program.seed;
  m.program_kind = program.kind;
  m.instructions = program.code.size();
  m.timing_compared = compare_timing;
  bool differ = false;
  if (!expected.ok || !got.ok) {
    if (!expected.ok) m.error = expected.impl + ": " + expected.error;
    if (!got.ok) m.error += (m.error.empty() ? "" : "; ") + got.impl + ": " + got.error;
    return m;
  }
  const model::ChipRunResult& e = expected.result;
  const model::ChipRunResult& g = got.result;
  if (compare_timing) {
    m.expected_total_cycles = e.total_cycles;
    m.got_total_cycles = g.total_cycles;
    differ = e.total_cycles != g.total_cycles;
    if (e.timing.size() != g.timing.size()) {
      m.error = fmt::format("{} reports the timing of {} instructions, {} of {}", got.impl,
                            g.timing.size(), expected.impl, e.timing.size());
      return m;
    }
    std::uint64_t first_cycle = std::numeric_limits<std::uint64_t>::max();
    for (std::size_t i = 0; i < e.timing.size(); ++i) {
      if (program.code[i].opcode == isa::Opcode::Halt) continue;
      if (e.timing[i].complete == g.timing[i].complete) continue;
      ++m.differing_instructions;
      const std::uint64_t c = std::min(e.timing[i].complete, g.timing[i].complete);
      if (c < first_cycle) {
        first_cycle = c;
        m.first_instruction =
            InstructionDiff{i, isa::to_text(program.code[i]), isa::to_string(e.timing[i].queue),
                            e.timing[i], g.timing[i]};
      }
    }
    differ = differ || m.differing_instructions > 0;
  }
  if (e.dram.size() != g.dram.size()) {
    m.error = fmt::format("{} returns a DRAM image of {} bytes, {} of {}", got.impl, g.dram.size(),
                          expected.impl, e.dram.size());
    return m;
  }
  for (std::uint64_t a = 0; a < e.dram.size(); ++a) {
    if (e.dram[a] == g.dram[a]) continue;
    ++m.differing_bytes;
    if (m.first_byte) continue;
    ByteDiff b;
    b.address = a;
    b.expected = e.dram[a];
    b.got = g.dram[a];
    const ByteWriter w = dram_writers(program.code, e.dram.size())[a];
    b.store = w.instruction;
    b.row = w.row;
    bool int32 = false;
    if (w.instruction >= 0) {
      const isa::Instruction& st = program.code[std::size_t(w.instruction)];
      b.store_text = isa::to_text(st);
      int32 = st.mem == isa::Mem::Acc;
      b.column = int32 ? w.byte / 4 : w.byte;
      if (std::size_t(w.instruction) < e.timing.size()) {
        b.store_complete = e.timing[std::size_t(w.instruction)].complete;
      }
    }
    const std::uint64_t at = int32 ? a - (w.byte % 4) : a;
    b.expected_element = element(e.dram, at, int32);
    b.got_element = element(g.dram, at, int32);
    m.first_byte = b;
  }
  differ = differ || m.differing_bytes > 0;
  if (!differ) return std::nullopt;
  return m;
}

std::string to_text(const Mismatch& m) {
  std::string s = fmt::format(
      "mismatch: {}, {} vs {}, campaign seed {}, program {} ({}, seed {:#x}, {} instructions)\n",
      m.config, m.reference, m.dut, m.campaign_seed, m.program_index, m.program_kind,
      m.program_seed, m.instructions);
  if (!m.error.empty()) s += fmt::format("error: {}\n", m.error);
  if (m.first_instruction) {
    const InstructionDiff& d = *m.first_instruction;
    s += fmt::format(
        "first differing instruction: {} ({}), {} queue: complete cycle {} {}, {} {} "
        "(dispatch {}/{}, start {}/{})\n",
        d.index, d.text, d.queue, m.reference, d.expected.complete, m.dut, d.got.complete,
        d.expected.dispatch, d.got.dispatch, d.expected.start, d.got.start);
  }
  if (m.timing_compared && m.error.empty()) {
    s += fmt::format("differing instructions: {} of {}; total cycles {} {}, {} {}\n",
                     m.differing_instructions, m.instructions, m.reference, m.expected_total_cycles,
                     m.dut, m.got_total_cycles);
  }
  if (m.first_byte) {
    const ByteDiff& b = *m.first_byte;
    const std::string who = b.store >= 0
                                ? fmt::format("written by instruction {} ({}) row {} column {}",
                                              b.store, b.store_text, b.row, b.column)
                                : std::string("in no store's range (the initial image)");
    s += fmt::format(
        "first differing DRAM byte: {:#x}, {}: {} {:#04x} (element {}), {} {:#04x} (element {})\n",
        b.address, who, m.reference, b.expected, b.expected_element, m.dut, b.got, b.got_element);
  }
  if (m.error.empty()) s += fmt::format("differing DRAM bytes: {}\n", m.differing_bytes);
  if (!m.repro_dir.empty()) s += fmt::format("reproducer: {}\n", m.repro_dir);
  return s;
}

namespace {

nlohmann::ordered_json timing_json(const model::InstructionTiming& t) {
  return {{"dispatch", t.dispatch}, {"start", t.start}, {"complete", t.complete}};
}

}  // namespace

nlohmann::ordered_json to_json(const Mismatch& m) {
  nlohmann::ordered_json j;
  j["config"] = m.config;
  j["reference"] = m.reference;
  j["dut"] = m.dut;
  j["campaign_seed"] = m.campaign_seed;
  j["program_index"] = m.program_index;
  j["program_seed"] = m.program_seed;
  j["program_kind"] = m.program_kind;
  j["instructions"] = m.instructions;
  j["error"] = m.error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.error);
  if (m.first_instruction) {
    const InstructionDiff& d = *m.first_instruction;
    j["first_instruction"] = {{"index", d.index},
                              {"text", d.text},
                              {"queue", d.queue},
                              {"expected", timing_json(d.expected)},
                              {"got", timing_json(d.got)}};
  } else {
    j["first_instruction"] = nullptr;
  }
  j["differing_instructions"] = m.differing_instructions;
  j["total_cycles"] = m.timing_compared
                          ? nlohmann::ordered_json{{"expected", m.expected_total_cycles},
                                                   {"got", m.got_total_cycles}}
                          : nlohmann::ordered_json(nullptr);
  if (m.first_byte) {
    const ByteDiff& b = *m.first_byte;
    j["first_byte"] = {
        {"address", b.address},
        {"expected", b.expected},
        {"got", b.got},
        {"store", b.store >= 0 ? nlohmann::ordered_json(b.store) : nlohmann::ordered_json(nullptr)},
        {"store_text", b.store_text},
        {"row", b.row},
        {"column", b.column},
        {"expected_element", b.expected_element},
        {"got_element", b.got_element}};
  } else {
    j["first_byte"] = nullptr;
  }
  j["differing_bytes"] = m.differing_bytes;
  j["repro_dir"] = m.repro_dir;
  return j;
}

namespace {

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error(p.string() + ": cannot write file");
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error(p.string() + ": cannot read file");
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

}  // namespace

void write_reproducer(const std::string& dir, const TestProgram& program, const Mismatch& m,
                      const std::string& config_yaml, const std::string& replay_args) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create directory: " + ec.message());
  const fs::path d(dir);
  isa::Program p;
  p.code = program.code;
  write_file(d / "program.sasm",
             fmt::format("# serrano verify reproducer: {}, program {} ({}, seed {:#x})\n", m.config,
                         m.program_index, m.program_kind, m.program_seed) +
                 isa::disassemble(p));
  const auto bin = isa::write_binary(p);
  write_file(d / "program.sbin", std::string(bin.begin(), bin.end()));
  write_file(d / "dram.bin", std::string(program.dram.begin(), program.dram.end()));
  write_file(d / "config.yaml", config_yaml);
  write_file(d / "seed",
             fmt::format("campaign_seed {}\nprogram_index {}\nprogram_seed {}\nkind {}\n",
                         m.campaign_seed, m.program_index, m.program_seed, m.program_kind));
  write_file(d / "report.txt", to_text(m));
  write_file(d / "report.json", to_json(m).dump(2) + "\n");
  const std::string cmd = fmt::format("serrano verify --arch {0}/config.yaml --replay {0}{1}{2}",
                                      dir, replay_args.empty() ? "" : " ", replay_args);
  write_file(d / "README",
             "Reproducer of a serrano verify mismatch (docs/verification.md). Replay it with\n  " +
                 cmd +
                 "\nand add --wave FILE.fst for a waveform of the RTL around the mismatch.\n");
}

TestProgram read_reproducer(const std::string& dir, std::uint64_t* campaign_seed,
                            std::uint64_t* program_index) {
  namespace fs = std::filesystem;
  const fs::path d(dir);
  TestProgram t;
  const std::string bin = read_file(d / "program.sbin");
  t.code = isa::read_binary(std::vector<std::uint8_t>(bin.begin(), bin.end()),
                            (d / "program.sbin").string())
               .code;
  const std::string dram = read_file(d / "dram.bin");
  t.dram.assign(dram.begin(), dram.end());
  t.kind = "replay";
  std::ifstream seed(d / "seed");
  std::string key;
  while (seed >> key) {
    if (key == "program_seed") {
      seed >> t.seed;
    } else if (key == "campaign_seed" && campaign_seed != nullptr) {
      seed >> *campaign_seed;
    } else if (key == "program_index" && program_index != nullptr) {
      seed >> *program_index;
    } else if (key == "kind") {
      std::getline(seed, t.kind);
      if (!t.kind.empty() && t.kind[0] == ' ') t.kind.erase(0, 1);
    } else {
      std::string ignored;
      seed >> ignored;
    }
  }
  return t;
}

}  // namespace serrano::verify
