// SPDX-License-Identifier: Apache-2.0
// Reading, checking and writing ArchConfig (schema and rules: docs/config.md).
//
// Parsing reads the YAML tree key by key in schema order. Each value is checked the moment it is
// read, with the same check functions that validate() uses on a finished struct, so a file and a
// programmatically built config are held to one set of rules and give one set of messages. The
// rules that relate several blocks (an array tile must fit the buffers) run at the end, in
// validate().
#include "arch/arch_config.h"

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <set>
#include <string_view>
#include <system_error>

#include "arch/yaml_reader.h"

namespace serrano::arch {

namespace {

using namespace yaml;  // NOLINT: the shared reader and its checks

// ---------------------------------------------------------------------------------------------
// Limits. Every number a user can write has a closed range, so that nothing downstream (sizes in
// bytes, cycle counts) can overflow or allocate without bound.

constexpr std::int64_t kMaxSramKib = 1048576;  // 1 GiB per SRAM: resource limit

constexpr IntRule kArrayDim{1, 1024, false};
constexpr IntRule kBanks{1, 1024, true};
constexpr IntRule kPortBytes{1, 4096, true};
constexpr IntRule kChannels{1, 64, false};
constexpr IntRule kBurstBytes{1, 4096, true};
constexpr IntRule kLanes{1, 4096, true};

constexpr RealRule kClockGhz{0.0, 10.0, true};
constexpr RealRule kBandwidthGbps{0.0, 100000.0, true};
constexpr RealRule kLatencyNs{0.0, 100000.0, false};

constexpr const char* kNameChars = "[a-z0-9._-]+";
constexpr const char* kTechnologyChars = "[A-Za-z0-9._-]+";

// ---------------------------------------------------------------------------------------------
// Checks shared by the parser and validate(). `got` is the value as it should appear in the
// message.

// Sizes arrive as a signed count from YAML and as unsigned bytes from a struct; both end here.
void check_size_kib(const std::string& source, const std::string& field, std::int64_t kib) {
  if (kib < 1) {
    fail(source, field, fmt::format("must be an integer in [1, {}], got {}", kMaxSramKib, kib));
  }
}

void check_size_kib(const std::string& source, const std::string& field, std::uint64_t kib) {
  if (kib < 1) check_size_kib(source, field, std::int64_t(0));
  if (kib > std::uint64_t(kMaxSramKib)) {
    fail(source, field,
         fmt::format("must be at most {} KiB (1 GiB, the resource limit), got {}", kMaxSramKib,
                     kib));
  }
}

void check_word(const std::string& source, const std::string& field, const std::string& v,
                bool allow_upper) {
  if (!in_charset(v, allow_upper)) {
    fail(source, field,
         fmt::format("must be a non-empty string matching {}, got {}",
                     allow_upper ? kTechnologyChars : kNameChars, in_quotes(v)));
  }
}

void check_array(const std::string& source, const ArrayParams& a) {
  check_int(source, "array.rows", a.rows, kArrayDim);
  check_int(source, "array.cols", a.cols, kArrayDim);
  if (a.dataflow != Dataflow::WeightStationary && a.dataflow != Dataflow::OutputStationary) {
    fail(source, "array.dataflow",
         fmt::format("must be one of ws, os, got enum value {}", static_cast<int>(a.dataflow)));
  }
}

void check_sram(const std::string& source, const std::string& prefix, const SramParams& s) {
  const std::string size_field = prefix + ".size_kib";
  if (s.size_bytes % 1024 != 0) {
    fail(source, size_field,
         fmt::format("must be a whole number of KiB, got {} bytes", s.size_bytes));
  }
  check_size_kib(source, size_field, s.size_bytes / 1024);
  check_int(source, prefix + ".banks", s.banks, kBanks);
  check_int(source, prefix + ".port_bytes", s.port_bytes, kPortBytes);
  const std::uint64_t stripe = std::uint64_t(s.banks) * std::uint64_t(s.port_bytes);
  if (s.size_bytes % stripe != 0) {
    fail(source, size_field,
         fmt::format("must be a multiple of banks * port_bytes = {} bytes, got {} bytes", stripe,
                     s.size_bytes));
  }
}

void check_dram(const std::string& source, const DramParams& d) {
  switch (d.kind) {
    case DramKind::HBM3:
    case DramKind::LPDDR5:
    case DramKind::DDR3:
    case DramKind::DDR4: break;
    default:
      fail(source, "dram.kind",
           fmt::format("must be one of hbm3, lpddr5, ddr3, ddr4, got enum value {}",
                       static_cast<int>(d.kind)));
  }
  check_int(source, "dram.channels", d.channels, kChannels);
  check_real(source, "dram.bandwidth_gbps", d.bandwidth_gbps, kBandwidthGbps);
  check_real(source, "dram.latency_ns", d.latency_ns, kLatencyNs);
  check_int(source, "dram.burst_bytes", d.burst_bytes, kBurstBytes);
}

// The buffers must hold at least what one array step reads or writes.
void check_capacity(const std::string& source, const ArchConfig& c) {
  const std::uint64_t rows = std::uint64_t(c.array.rows);
  const std::uint64_t cols = std::uint64_t(c.array.cols);
  if (c.scratchpad.size_bytes < rows) {
    fail(source, "scratchpad.size_kib",
         fmt::format("must be at least rows = {} bytes (one int8 activation row), got {} bytes",
                     rows, c.scratchpad.size_bytes));
  }
  if (c.weight_buffer.size_bytes < rows * cols) {
    fail(source, "weight_buffer.size_kib",
         fmt::format("must be at least rows * cols = {} bytes (one {}x{} int8 weight tile), got {} "
                     "bytes",
                     rows * cols, rows, cols, c.weight_buffer.size_bytes));
  }
  if (c.accumulator.size_bytes < rows * cols * 4) {
    fail(source, "accumulator.size_kib",
         fmt::format("must be at least rows * cols * 4 = {} bytes (one {}x{} int32 tile), got {} "
                     "bytes",
                     rows * cols * 4, rows, cols, c.accumulator.size_bytes));
  }
}

std::int64_t read_size_kib(const Reader& r, const YAML::Node& node, const std::string& field) {
  const std::int64_t v =
      r.raw_integer(node, field, fmt::format("must be an integer in [1, {}]", kMaxSramKib));
  check_size_kib(r.source(), field, v);
  check_size_kib(r.source(), field, std::uint64_t(v));
  return v;
}

SramParams read_sram(const Reader& r, const YAML::Node& top, const std::string& name) {
  const YAML::Node n = r.child(top, "", name.c_str());
  r.expect_map(n, name, {"size_kib", "banks", "port_bytes"});
  SramParams s;
  s.size_bytes =
      std::uint64_t(read_size_kib(r, r.child(n, name, "size_kib"), name + ".size_kib")) * 1024;
  s.banks = int(r.integer(r.child(n, name, "banks"), name + ".banks", kBanks));
  s.port_bytes = int(r.integer(r.child(n, name, "port_bytes"), name + ".port_bytes", kPortBytes));
  check_sram(r.source(), name, s);
  return s;
}

ArchConfig read_config(const Reader& r, const YAML::Node& top) {
  r.expect_map(top, "",
               {"name", "description", "array", "clock_ghz", "scratchpad", "weight_buffer",
                "accumulator", "dram", "vector", "technology"});
  ArchConfig c;

  const std::string name_expected =
      fmt::format("must be a non-empty string matching {}", kNameChars);
  c.name = r.text(r.child(top, "", "name"), "name", name_expected);
  check_word(r.source(), "name", c.name, false);

  const YAML::Node description = top["description"];
  if (description.IsDefined() && !description.IsNull()) {
    c.description = r.text(description, "description", "must be a string");
  }

  const YAML::Node array = r.child(top, "", "array");
  r.expect_map(array, "array", {"rows", "cols", "dataflow"});
  c.array.rows = int(r.integer(r.child(array, "array", "rows"), "array.rows", kArrayDim));
  c.array.cols = int(r.integer(r.child(array, "array", "cols"), "array.cols", kArrayDim));
  const char* dataflow_expected = "must be one of ws, os";
  const std::string dataflow =
      r.text(r.child(array, "array", "dataflow"), "array.dataflow", dataflow_expected);
  if (dataflow == "ws") {
    c.array.dataflow = Dataflow::WeightStationary;
  } else if (dataflow == "os") {
    c.array.dataflow = Dataflow::OutputStationary;
  } else {
    fail(r.source(), "array.dataflow",
         fmt::format("{}, got {}", dataflow_expected, in_quotes(dataflow)));
  }

  c.clock_ghz = r.real(r.child(top, "", "clock_ghz"), "clock_ghz", kClockGhz);

  c.scratchpad = read_sram(r, top, "scratchpad");
  c.weight_buffer = read_sram(r, top, "weight_buffer");
  c.accumulator = read_sram(r, top, "accumulator");

  const YAML::Node dram = r.child(top, "", "dram");
  r.expect_map(dram, "dram", {"kind", "channels", "bandwidth_gbps", "latency_ns", "burst_bytes"});
  const char* kind_expected = "must be one of hbm3, lpddr5, ddr3, ddr4";
  const std::string kind = r.text(r.child(dram, "dram", "kind"), "dram.kind", kind_expected);
  if (kind == "hbm3") {
    c.dram.kind = DramKind::HBM3;
  } else if (kind == "lpddr5") {
    c.dram.kind = DramKind::LPDDR5;
  } else if (kind == "ddr3") {
    c.dram.kind = DramKind::DDR3;
  } else if (kind == "ddr4") {
    c.dram.kind = DramKind::DDR4;
  } else {
    fail(r.source(), "dram.kind", fmt::format("{}, got {}", kind_expected, in_quotes(kind)));
  }
  c.dram.channels = int(r.integer(r.child(dram, "dram", "channels"), "dram.channels", kChannels));
  c.dram.bandwidth_gbps =
      r.real(r.child(dram, "dram", "bandwidth_gbps"), "dram.bandwidth_gbps", kBandwidthGbps);
  c.dram.latency_ns = r.real(r.child(dram, "dram", "latency_ns"), "dram.latency_ns", kLatencyNs);
  c.dram.burst_bytes =
      int(r.integer(r.child(dram, "dram", "burst_bytes"), "dram.burst_bytes", kBurstBytes));

  const YAML::Node vector = r.child(top, "", "vector");
  r.expect_map(vector, "vector", {"lanes"});
  c.vector.lanes = int(r.integer(r.child(vector, "vector", "lanes"), "vector.lanes", kLanes));

  const std::string tech_expected =
      fmt::format("must be a non-empty string matching {}", kTechnologyChars);
  c.technology = r.text(r.child(top, "", "technology"), "technology", tech_expected);
  check_word(r.source(), "technology", c.technology, true);
  return c;
}

}  // namespace

ConfigError::ConfigError(const std::string& source, const std::string& field,
                         const std::string& message)
    : std::runtime_error(yaml::one_line(source) + ": " + yaml::one_line(field) + ": " +
                         yaml::one_line(message)),
      m_field(field) {}

const char* to_string(Dataflow d) {
  switch (d) {
    case Dataflow::WeightStationary: return "ws";
    case Dataflow::OutputStationary: return "os";
  }
  return "?";
}

const char* to_string(DramKind k) {
  switch (k) {
    case DramKind::HBM3: return "hbm3";
    case DramKind::LPDDR5: return "lpddr5";
    case DramKind::DDR3: return "ddr3";
    case DramKind::DDR4: return "ddr4";
  }
  return "?";
}

void validate(const ArchConfig& cfg, const std::string& source) {
  // Same order as the schema, so the first error found is the first one in the file.
  check_word(source, "name", cfg.name, false);
  check_array(source, cfg.array);
  check_real(source, "clock_ghz", cfg.clock_ghz, kClockGhz);
  check_sram(source, "scratchpad", cfg.scratchpad);
  check_sram(source, "weight_buffer", cfg.weight_buffer);
  check_sram(source, "accumulator", cfg.accumulator);
  check_dram(source, cfg.dram);
  check_int(source, "vector.lanes", cfg.vector.lanes, kLanes);
  check_word(source, "technology", cfg.technology, true);
  check_capacity(source, cfg);
}

ArchConfig parse_arch_yaml(const std::string& text, const std::string& source) {
  const Reader reader(source);
  ArchConfig cfg;
  try {
    const std::vector<YAML::Node> docs = load_all(text);
    if (docs.empty()) fail(source, "(top)", "must be a map of keys, got an empty document");
    if (docs.size() > 1) {
      fail(source, "(yaml)", fmt::format("expected one YAML document, got {}", docs.size()));
    }
    cfg = read_config(reader, docs.front());
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) fail(source, "(yaml)", e.msg);
    fail(source, "(yaml)",
         fmt::format("line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  validate(cfg, source);
  return cfg;
}

ArchConfig load_arch_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "(file)", "cannot read file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "(file)", "cannot read file");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) fail(path, "(file)", "cannot read file");
  return parse_arch_yaml(text, path);
}

std::string to_yaml(const ArchConfig& cfg) {
  auto sram = [](const SramParams& s) {
    return fmt::format("{{size_kib: {}, banks: {}, port_bytes: {}}}", s.size_bytes / 1024, s.banks,
                       s.port_bytes);
  };
  std::string out;
  out += fmt::format("name: {}\n", yaml_word(cfg.name));
  if (!cfg.description.empty()) {
    out += fmt::format("description: {}\n", yaml_quote(cfg.description));
  }
  out += "array:\n";
  out += fmt::format("  rows: {}\n", cfg.array.rows);
  out += fmt::format("  cols: {}\n", cfg.array.cols);
  out += fmt::format("  dataflow: {}\n", to_string(cfg.array.dataflow));
  out += fmt::format("clock_ghz: {}\n", format_real(cfg.clock_ghz));
  out += fmt::format("scratchpad: {}\n", sram(cfg.scratchpad));
  out += fmt::format("weight_buffer: {}\n", sram(cfg.weight_buffer));
  out += fmt::format("accumulator: {}\n", sram(cfg.accumulator));
  out += fmt::format(
      "dram: {{kind: {}, channels: {}, bandwidth_gbps: {}, latency_ns: {}, burst_bytes: {}}}\n",
      to_string(cfg.dram.kind), cfg.dram.channels, format_real(cfg.dram.bandwidth_gbps),
      format_real(cfg.dram.latency_ns), cfg.dram.burst_bytes);
  out += fmt::format("vector: {{lanes: {}}}\n", cfg.vector.lanes);
  out += fmt::format("technology: {}\n", yaml_word(cfg.technology));
  return out;
}

}  // namespace serrano::arch
