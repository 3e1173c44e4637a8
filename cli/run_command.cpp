// SPDX-License-Identifier: Apache-2.0
#include "cli/run_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "io/npy.h"
#include "isa/assembler.h"
#include "model/chip/chip_model.h"
#include "testbench/loop/rtl_array_unit.h"

namespace serrano::cli {

namespace {

struct RunOptions {
  std::string program;
  std::string arch;
  std::vector<std::string> loads;  // ADDR=FILE.npy
  std::vector<std::string> dumps;  // ADDR:SHAPE:DTYPE=FILE.npy
  bool timing_only = false;
  std::string trace;
  std::string json;
  std::vector<std::string> impls;  // UNIT=IMPL, e.g. array=rtl
};

// --impl UNIT=IMPL: which implementation runs a unit inside the chip model. Only the matrix unit
// has another one so far: array=rtl puts the verilated matrix unit in the loop
// (testbench/loop/rtl_array_unit.h); array=model is the default.
model::ArrayUnitFactory array_factory(const std::vector<std::string>& impls) {
  model::ArrayUnitFactory factory;
  for (const auto& s : impls) {
    const auto eq = s.find('=');
    const std::string unit = s.substr(0, eq),
                      impl = eq == std::string::npos ? "" : s.substr(eq + 1);
    if (unit != "array") {
      throw std::invalid_argument(fmt::format(
          "--impl: unknown unit '{}' in '{}'; units with a choice: array (model or rtl)", unit, s));
    }
    if (impl == "rtl") {
      factory = testbench::make_rtl_array_unit;
    } else if (impl == "model") {
      factory = nullptr;
    } else {
      throw std::invalid_argument(
          fmt::format("--impl: array must be model or rtl, got '{}'", impl));
    }
  }
  return factory;
}

// Largest DRAM a run may allocate (resource limit).
constexpr std::uint64_t kMaxDramBytes = std::uint64_t(1) << 32;

std::uint64_t parse_number(const std::string& text, const std::string& what) {
  try {
    std::size_t used = 0;
    const unsigned long long v = std::stoull(text, &used, 0);
    if (used != text.size()) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    throw std::invalid_argument(fmt::format("{}: '{}' is not a number", what, text));
  }
}

isa::Program load_program(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot read file");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                                  std::istreambuf_iterator<char>());
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), "SRNOISA1", 8) == 0) {
    return isa::read_binary(bytes, path);
  }
  return isa::assemble(std::string(bytes.begin(), bytes.end()), path);
}

struct Load {
  std::uint64_t addr;
  io::NpyArray array;
};
struct Dump {
  std::uint64_t addr;
  std::vector<std::size_t> shape;
  io::DType dtype;
  std::string path;
  std::uint64_t bytes() const {
    std::uint64_t n = dtype == io::DType::I8 ? 1 : 4;
    for (std::size_t d : shape) n *= d;
    return n;
  }
};

Load parse_load(const std::string& spec) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos) {
    throw std::invalid_argument("--load " + spec + ": expected ADDR=FILE.npy");
  }
  return Load{parse_number(spec.substr(0, eq), "--load " + spec),
              io::read_npy(spec.substr(eq + 1))};
}

Dump parse_dump(const std::string& spec) {
  const auto eq = spec.find('=');
  const auto c1 = spec.find(':');
  const auto c2 = c1 == std::string::npos ? c1 : spec.find(':', c1 + 1);
  if (eq == std::string::npos || c2 == std::string::npos || c2 > eq) {
    throw std::invalid_argument("--dump " + spec +
                                ": expected ADDR:SHAPE:DTYPE=FILE.npy, "
                                "e.g. 0x3000:16x16:int8=out.npy");
  }
  Dump d;
  d.addr = parse_number(spec.substr(0, c1), "--dump " + spec);
  const std::string shape = spec.substr(c1 + 1, c2 - c1 - 1);
  std::size_t pos = 0;
  while (pos <= shape.size()) {
    const auto x = shape.find('x', pos);
    const std::string dim = shape.substr(pos, x == std::string::npos ? std::string::npos : x - pos);
    d.shape.push_back(std::size_t(parse_number(dim, "--dump " + spec + ": shape")));
    if (x == std::string::npos) break;
    pos = x + 1;
  }
  const std::string dtype = spec.substr(c2 + 1, eq - c2 - 1);
  if (dtype == "int8") {
    d.dtype = io::DType::I8;
  } else if (dtype == "int32") {
    d.dtype = io::DType::I32;
  } else {
    throw std::invalid_argument("--dump " + spec + ": dtype must be int8 or int32, got '" + dtype +
                                "'");
  }
  d.path = spec.substr(eq + 1);
  if (d.bytes() > kMaxDramBytes) throw std::invalid_argument("--dump " + spec + ": too large");
  return d;
}

// Chrome / Perfetto trace-event JSON: one track (thread) per unit, one slice per instruction.
nlohmann::ordered_json trace_json(const isa::Program& prog, const model::ChipRunResult& r,
                                  const arch::ArchConfig& cfg) {
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  const char* tracks[] = {"load DMA", "compute (matrix + vector)", "store DMA"};
  events.push_back({{"ph", "M"},
                    {"pid", 1},
                    {"name", "process_name"},
                    {"args", {{"name", "serrano chip: " + cfg.name}}}});
  for (int t = 0; t < 3; ++t) {
    events.push_back({{"ph", "M"},
                      {"pid", 1},
                      {"tid", t + 1},
                      {"name", "thread_name"},
                      {"args", {{"name", tracks[t]}}}});
  }
  const double us_per_cycle = cfg.cycle_ns() / 1000.0;
  for (std::size_t i = 0; i < prog.code.size(); ++i) {
    if (prog.code[i].opcode == isa::Opcode::Halt) continue;
    const auto& t = r.timing[i];
    const auto label = prog.labels.find(i);
    events.push_back({{"ph", "X"},
                      {"pid", 1},
                      {"tid", int(t.queue) + 1},
                      {"name", isa::mnemonic(prog.code[i])},
                      {"ts", double(t.start) * us_per_cycle},
                      {"dur", double(t.complete - t.start) * us_per_cycle},
                      {"args",
                       {{"index", i},
                        {"text", isa::to_text(prog.code[i])},
                        {"label", label == prog.labels.end() ? "" : label->second},
                        {"dispatch_cycle", t.dispatch},
                        {"start_cycle", t.start},
                        {"complete_cycle", t.complete}}}});
  }
  return {{"displayTimeUnit", "ns"}, {"traceEvents", events}};
}

nlohmann::ordered_json unit_json(const model::UnitStats& s) {
  return {{"instructions", s.instructions},          {"busy_cycles", s.busy},
          {"token_stall_cycles", s.token_stall},     {"memory_stall_cycles", s.memory_stall},
          {"bank_conflict_cycles", s.bank_conflict}, {"idle_cycles", s.idle}};
}

int run_program(const RunOptions& o) {
  const arch::ArchConfig cfg = arch::load_arch_file(o.arch);
  const auto mode =
      o.timing_only ? model::ChipModel::Mode::TimingOnly : model::ChipModel::Mode::Functional;
  model::ChipModel chip(cfg, mode, array_factory(o.impls));
  const isa::Program prog = load_program(o.program);

  std::vector<Load> loads;
  for (const auto& s : o.loads) loads.push_back(parse_load(s));
  std::vector<Dump> dumps;
  for (const auto& s : o.dumps) dumps.push_back(parse_dump(s));

  // DRAM: large enough for every DMA of the program and every --load and --dump.
  std::uint64_t size = 0;
  for (const auto& in : prog.code) {
    if (in.opcode == isa::Opcode::Load || in.opcode == isa::Opcode::Store) {
      size = std::max(size, in.dram_addr + std::uint64_t(in.rows - 1) * in.dram_stride + in.bytes);
    }
  }
  for (const auto& l : loads) size = std::max<std::uint64_t>(size, l.addr + l.array.data.size());
  for (const auto& d : dumps) size = std::max(size, d.addr + d.bytes());
  if (size > kMaxDramBytes) {
    throw std::invalid_argument(
        fmt::format("the program and tensors need {} bytes of DRAM, more "
                    "than the {} bytes a run may allocate",
                    size, kMaxDramBytes));
  }
  std::vector<std::uint8_t> dram(o.timing_only ? 0 : size, 0);  // timing only: no data
  for (const auto& l : loads) {
    std::copy(l.array.data.begin(), l.array.data.end(), dram.begin() + std::ptrdiff_t(l.addr));
  }

  const model::ChipRunResult r = chip.run(prog.code, std::move(dram), size);
  const double latency_us = double(r.total_cycles) * cfg.cycle_ns() / 1000.0;
  const double pe_cycles = double(cfg.array.rows) * cfg.array.cols * double(r.total_cycles);
  const double array_util = pe_cycles > 0 ? double(r.array_macs) / pe_cycles : 0.0;

  std::printf("serrano run %s on %s: %zu instructions, %s\n", o.program.c_str(), cfg.name.c_str(),
              prog.code.size(), chip.name().c_str());
  std::printf("  total        %llu cycles (%.3f us at %.2f GHz)\n",
              static_cast<unsigned long long>(r.total_cycles), latency_us, cfg.clock_ghz);
  std::printf("  %-8s %12s %12s %14s %14s %14s %12s\n", "unit", "instructions", "busy",
              "token stall", "memory stall", "bank conflict", "idle");
  const std::pair<const char*, const model::UnitStats*> units[] = {
      {"load", &r.load}, {"compute", &r.compute}, {"store", &r.store}};
  for (const auto& [name, s] : units) {
    std::printf("  %-8s %12llu %12llu %14llu %14llu %14llu %12llu\n", name,
                static_cast<unsigned long long>(s->instructions),
                static_cast<unsigned long long>(s->busy),
                static_cast<unsigned long long>(s->token_stall),
                static_cast<unsigned long long>(s->memory_stall),
                static_cast<unsigned long long>(s->bank_conflict),
                static_cast<unsigned long long>(s->idle));
  }
  std::printf("  dram         %llu bytes read, %llu bytes written\n",
              static_cast<unsigned long long>(r.dram_read_bytes),
              static_cast<unsigned long long>(r.dram_write_bytes));
  std::printf(
      "  sram bytes   scratchpad %llu read / %llu written, weight buffer %llu / %llu, "
      "accumulators %llu / %llu, parameters %llu / %llu\n",
      static_cast<unsigned long long>(r.sram_read_bytes[0]),
      static_cast<unsigned long long>(r.sram_write_bytes[0]),
      static_cast<unsigned long long>(r.sram_read_bytes[1]),
      static_cast<unsigned long long>(r.sram_write_bytes[1]),
      static_cast<unsigned long long>(r.sram_read_bytes[2]),
      static_cast<unsigned long long>(r.sram_write_bytes[2]),
      static_cast<unsigned long long>(r.sram_read_bytes[3]),
      static_cast<unsigned long long>(r.sram_write_bytes[3]));
  std::printf("  array        %llu rows streamed, MAC utilization %.4f\n",
              static_cast<unsigned long long>(r.array_stream_rows), array_util);

  if (!o.timing_only) {
    for (const auto& d : dumps) {
      io::NpyArray a;
      a.dtype = d.dtype;
      a.shape = d.shape;
      a.data.assign(r.dram.begin() + std::ptrdiff_t(d.addr),
                    r.dram.begin() + std::ptrdiff_t(d.addr + d.bytes()));
      io::write_npy(d.path, a);
    }
  }
  if (!o.trace.empty()) {
    std::ofstream out(o.trace);
    if (!out) throw std::runtime_error("--trace: cannot write " + o.trace);
    out << trace_json(prog, r, cfg).dump() << '\n';
  }
  if (!o.json.empty()) {
    nlohmann::ordered_json j;
    j["schema"] = "serrano.run/1";
    j["total_cycles"] = r.total_cycles;
    j["latency_us"] = latency_us;
    j["arch"] = cfg.name;
    j["mode"] = o.timing_only ? "timing-only" : "functional";
    j["implementation"] = chip.name();
    j["instructions"] = prog.code.size();
    j["units"] = {{"load", unit_json(r.load)},
                  {"compute", unit_json(r.compute)},
                  {"store", unit_json(r.store)}};
    j["array"] = {
        {"stream_rows", r.array_stream_rows}, {"macs", r.array_macs}, {"utilization", array_util}};
    const char* mems[] = {"scratchpad", "weight_buffer", "accumulator", "parameters"};
    nlohmann::ordered_json bytes;
    bytes["dram_read"] = r.dram_read_bytes;
    bytes["dram_write"] = r.dram_write_bytes;
    for (int m = 0; m < 4; ++m) {
      bytes[std::string(mems[m]) + "_read"] = r.sram_read_bytes[m];
      bytes[std::string(mems[m]) + "_write"] = r.sram_write_bytes[m];
    }
    j["bytes"] = bytes;
    std::ofstream out(o.json);
    if (!out) throw std::runtime_error("--json: cannot write " + o.json);
    out << j.dump(2) << '\n';
  }
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* cmd =
      app.add_subcommand("run", "Run an ISA program (.sasm or .sbin) on the whole-chip model");
  cmd->add_option("program", opts->program, "Program: assembly (.sasm) or binary (.sbin)")
      ->required();
  cmd->add_option("--arch", opts->arch, "Architecture config (YAML)")->required();
  cmd->add_option("--load", opts->loads, "ADDR=FILE.npy: place a tensor in DRAM before the run");
  cmd->add_option("--dump", opts->dumps,
                  "ADDR:SHAPE:DTYPE=FILE.npy: save DRAM bytes as a tensor after the run "
                  "(SHAPE like 16x16, DTYPE int8 or int32)");
  auto* timing = cmd->add_flag("--timing-only", opts->timing_only, "Timing without data");
  cmd->get_option("--dump")->excludes(timing);
  cmd->add_option("--trace", opts->trace, "Write a Chrome/Perfetto trace (JSON) of the run");
  cmd->add_option("--json", opts->json, "Write the report as JSON (schema serrano.run/1)");
  cmd->add_option("--impl", opts->impls,
                  "UNIT=IMPL: array=rtl runs the verilated matrix unit inside the model (RTL in "
                  "the loop); array=model (default) the model's own");
  cmd->callback([opts, &exit_code] { exit_code = run_program(*opts); });
}

}  // namespace serrano::cli
