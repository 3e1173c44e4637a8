// SPDX-License-Identifier: Apache-2.0
// The one description of a Serrano chip. Every other part (model, compiler, RTL parameters,
// reports) reads its parameters from an ArchConfig; nothing restates them.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace serrano::arch {

// A user-facing configuration error. what() is one line: "<source>: <field>: <message>".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& source, const std::string& field, const std::string& message);
  const std::string& field() const { return m_field; }

 private:
  std::string m_field;
};

enum class Dataflow { WeightStationary, OutputStationary };  // yaml: ws | os
enum class DramKind { HBM3, LPDDR5, DDR3, DDR4 };            // yaml: hbm3 | lpddr5 | ddr3 | ddr4

struct ArrayParams {
  int rows = 0;  // R: PE rows = the contraction (K) depth of one weight tile
  int cols = 0;  // C: PE columns = output channels (N) of one weight tile
  Dataflow dataflow = Dataflow::WeightStationary;
};

struct SramParams {
  std::uint64_t size_bytes = 0;  // yaml: size_kib (integer KiB)
  int banks = 0;                 // power of two
  int port_bytes = 0;            // bytes per port per cycle, power of two
};

struct DramParams {
  DramKind kind = DramKind::LPDDR5;
  int channels = 0;
  double bandwidth_gbps = 0.0;  // peak, GB/s (1e9 bytes/s), all channels together
  double latency_ns = 0.0;      // access latency, ns
  int burst_bytes = 0;          // power of two
};

struct VectorParams {
  int lanes = 0;  // power of two
};

struct ArchConfig {
  std::string name;
  std::string description;  // free text: why this design exists
  ArrayParams array;
  double clock_ghz = 0.0;
  SramParams scratchpad;     // int8 activations; one row = array.rows bytes
  SramParams weight_buffer;  // int8 weights; one row = array.cols bytes
  SramParams accumulator;    // int32 partial sums; one row = array.cols * 4 bytes
  DramParams dram;
  VectorParams vector;
  std::string technology;  // name of the energy/area table, e.g. "7nm"

  // Derived capacities in rows of the width the array reads or writes.
  std::uint64_t scratchpad_rows() const {
    return scratchpad.size_bytes / std::uint64_t(array.rows);
  }
  std::uint64_t weight_rows() const { return weight_buffer.size_bytes / std::uint64_t(array.cols); }
  std::uint64_t accumulator_rows() const {
    return accumulator.size_bytes / (4ull * std::uint64_t(array.cols));
  }
  double cycle_ns() const { return 1.0 / clock_ghz; }
};

// Parse YAML text. `source` names the input in error messages (a file path or "<string>").
// Throws ConfigError on malformed YAML, unknown keys, missing keys, bad values.
ArchConfig parse_arch_yaml(const std::string& text, const std::string& source = "<string>");

// Load and validate a YAML file. Throws ConfigError (unreadable file included).
ArchConfig load_arch_file(const std::string& path);

// Check every rule; throws ConfigError naming the first offending field.
void validate(const ArchConfig& cfg, const std::string& source = "<config>");

// Canonical YAML form (round-trips through parse_arch_yaml).
std::string to_yaml(const ArchConfig& cfg);

const char* to_string(Dataflow d);  // "ws" | "os"
const char* to_string(DramKind k);  // "hbm3" | "lpddr5" | "ddr3" | "ddr4"

}  // namespace serrano::arch
