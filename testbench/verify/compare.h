// SPDX-License-Identifier: Apache-2.0
// Comparing two runs of one program (reference and implementation under test): the final DRAM
// image bit for bit and, when both keep time, every instruction's complete (retire) cycle and the
// total cycles. A difference becomes one Mismatch report; a reproducer directory holds what it
// takes to replay it (docs/verification.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/chip/chip_sim.h"
#include "testbench/verify/program_gen.h"

namespace serrano::verify {

// One side's run: its result, or the one-line error it threw (a ChipError, a deadlock).
struct RunOutcome {
  std::string impl;  // IChipSim::name()
  bool ok = false;
  std::string error;
  model::ChipRunResult result;
};
RunOutcome run_on(model::IChipSim& sim, const TestProgram& program);

struct InstructionDiff {
  std::size_t index = 0;
  std::string text;   // disassembly
  std::string queue;  // "load", "compute", "store"
  model::InstructionTiming expected, got;
};

struct ByteDiff {
  std::uint64_t address = 0;
  std::uint8_t expected = 0, got = 0;
  std::int64_t store = -1;  // the store that wrote it last in program order; -1: none
  std::string store_text;
  std::uint32_t row = 0;     // row of that store
  std::uint32_t column = 0;  // element within the row (an int32 of store.acc, else a byte)
  std::int64_t expected_element = 0, got_element = 0;  // the element's values
  std::uint64_t store_complete = 0;  // that store's complete cycle in the reference run
};

struct Mismatch {
  std::string config;          // chip config name
  std::string reference, dut;  // IChipSim names, e.g. "model" and "rtl-bug-dma-stride"
  std::uint64_t campaign_seed = 0;
  std::uint64_t program_index = 0;
  std::uint64_t program_seed = 0;
  std::string program_kind;
  std::size_t instructions = 0;
  std::string error;  // "<impl>: <message>" when a side threw
  bool timing_compared = false;
  std::optional<InstructionDiff> first_instruction;  // earliest differing complete cycle
  std::size_t differing_instructions = 0;
  std::uint64_t expected_total_cycles = 0, got_total_cycles = 0;
  std::optional<ByteDiff> first_byte;  // lowest differing address
  std::uint64_t differing_bytes = 0;
  std::string repro_dir;  // where the reproducer was written, if it was

  // The cycle window to dump a waveform of: around the first differing instruction, or from the
  // start to the store that wrote the first differing byte (its data was made before it).
  std::uint64_t wave_from() const;
  std::uint64_t wave_to() const;
};

// Compares the two runs; nothing when they agree. `compare_timing`: also the cycles (both sides
// must keep time, as the model and the RTL do; the interpreter does not).
std::optional<Mismatch> compare_runs(const TestProgram& program, const RunOutcome& expected,
                                     const RunOutcome& got, bool compare_timing);

std::string to_text(const Mismatch& m);  // several lines, the report.txt of a reproducer
nlohmann::ordered_json to_json(const Mismatch& m);

// Writes the reproducer of a mismatch into `dir` (created): program.sasm, program.sbin,
// dram.bin (the initial image), config.yaml (`config_yaml`, a copy of the config), seed,
// report.txt, report.json and README (the replay command). `replay_args` are the extra options
// of that command (e.g. "--impl rtl --variant bug-dma-stride"). Throws std::runtime_error.
void write_reproducer(const std::string& dir, const TestProgram& program, const Mismatch& m,
                      const std::string& config_yaml, const std::string& replay_args);

// Reads a reproducer's program.sbin and dram.bin (and seed, for the report). Throws
// std::runtime_error naming the file.
TestProgram read_reproducer(const std::string& dir, std::uint64_t* campaign_seed = nullptr,
                            std::uint64_t* program_index = nullptr);

}  // namespace serrano::verify
