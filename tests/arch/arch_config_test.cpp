// SPDX-License-Identifier: Apache-2.0
// Tests for the architecture config library: the presets load, configs round-trip through
// to_yaml, derived quantities, and every rule gives its exact one-line message.
#include "arch/arch_config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace serrano::arch {
namespace {

namespace fs = std::filesystem;

const fs::path kConfigDir = fs::path(SERRANO_SOURCE_DIR) / "configs";

// A valid config written the way a user would; the bad-input tests each change one thing.
const std::string kEdge = R"(name: serrano-edge
description: "edge"
array:
  rows: 16
  cols: 16
  dataflow: ws
clock_ghz: 1.0
scratchpad:    { size_kib: 256, banks: 4, port_bytes: 16 }
weight_buffer: { size_kib: 128, banks: 2, port_bytes: 16 }
accumulator:   { size_kib: 64,  banks: 2, port_bytes: 64 }
dram: { kind: lpddr5, channels: 2, bandwidth_gbps: 51.2, latency_ns: 120, burst_bytes: 64 }
vector: { lanes: 16 }
technology: 7nm
)";

// kEdge with the first occurrence of `from` replaced by `to` (the test fails if it is absent).
std::string edit(const std::string& from, const std::string& to) {
  std::string s = kEdge;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in kEdge";
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// The what() of the ConfigError that parsing `text` throws, or a marker if it throws none.
std::string error_of(const std::string& text, const std::string& source = "bad.yaml") {
  try {
    parse_arch_yaml(text, source);
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "message is not one line";
    return e.what();
  }
  return "(no error)";
}

std::string validate_error(const ArchConfig& cfg) {
  try {
    validate(cfg, "cfg");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_same(const ArchConfig& a, const ArchConfig& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.array.rows, b.array.rows);
  EXPECT_EQ(a.array.cols, b.array.cols);
  EXPECT_EQ(a.array.dataflow, b.array.dataflow);
  EXPECT_EQ(a.clock_ghz, b.clock_ghz);  // exact: to_yaml writes round-trip digits
  for (auto [x, y] :
       {std::pair{&a.scratchpad, &b.scratchpad}, std::pair{&a.weight_buffer, &b.weight_buffer},
        std::pair{&a.accumulator, &b.accumulator}}) {
    EXPECT_EQ(x->size_bytes, y->size_bytes);
    EXPECT_EQ(x->banks, y->banks);
    EXPECT_EQ(x->port_bytes, y->port_bytes);
  }
  EXPECT_EQ(a.dram.kind, b.dram.kind);
  EXPECT_EQ(a.dram.channels, b.dram.channels);
  EXPECT_EQ(a.dram.bandwidth_gbps, b.dram.bandwidth_gbps);
  EXPECT_EQ(a.dram.latency_ns, b.dram.latency_ns);
  EXPECT_EQ(a.dram.burst_bytes, b.dram.burst_bytes);
  EXPECT_EQ(a.vector.lanes, b.vector.lanes);
  EXPECT_EQ(a.technology, b.technology);
}

void expect_round_trip(const ArchConfig& cfg) {
  const std::string text = to_yaml(cfg);
  SCOPED_TRACE(text);
  const ArchConfig back = parse_arch_yaml(text, "<round-trip>");
  expect_same(cfg, back);
  EXPECT_EQ(to_yaml(back), text);
}

// ---------------------------------------------------------------------------------------------
// Presets

const std::vector<std::string> kPresets = {"serrano-edge",  "serrano-edge-ddr4", "serrano-base",
                                           "tpu-v1",        "test-4x4",          "test-8x8",
                                           "test-8x4",      "test-16x16",        "test-32x32",
                                           "test-chip-4x4", "test-chip-8x8", "test-chip-16x16",
                                           "test-chip-4x4-os"};

TEST(ArchPresets, DirectoryHoldsExactlyTheKnownPresets) {
  std::set<std::string> found;
  for (const auto& entry : fs::directory_iterator(kConfigDir)) {
    if (entry.path().extension() == ".yaml") found.insert(entry.path().stem().string());
  }
  EXPECT_EQ(found, std::set<std::string>(kPresets.begin(), kPresets.end()));
}

class ArchPreset : public ::testing::TestWithParam<std::string> {};

TEST_P(ArchPreset, LoadsValidatesAndRoundTrips) {
  const std::string path = (kConfigDir / (GetParam() + ".yaml")).string();
  const ArchConfig cfg = load_arch_file(path);
  EXPECT_EQ(cfg.name, GetParam());  // the file is named after the design
  EXPECT_FALSE(cfg.description.empty());
  EXPECT_NO_THROW(validate(cfg, path));
  expect_round_trip(cfg);
}

// gtest names allow only [A-Za-z0-9_].
std::string preset_case_name(const ::testing::TestParamInfo<std::string>& param) {
  std::string s = param.param;
  for (char& ch : s) {
    if (ch == '-') ch = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(Configs, ArchPreset, ::testing::ValuesIn(kPresets), preset_case_name);

TEST(ArchPresets, EdgeValuesAndDerivedRows) {
  const ArchConfig c = load_arch_file((kConfigDir / "serrano-edge.yaml").string());
  EXPECT_EQ(c.array.rows, 16);
  EXPECT_EQ(c.array.cols, 16);
  EXPECT_EQ(c.array.dataflow, Dataflow::WeightStationary);
  EXPECT_EQ(c.clock_ghz, 1.0);
  EXPECT_EQ(c.scratchpad.size_bytes, 256u * 1024u);
  EXPECT_EQ(c.scratchpad.banks, 4);
  EXPECT_EQ(c.weight_buffer.size_bytes, 128u * 1024u);
  EXPECT_EQ(c.accumulator.port_bytes, 64);
  EXPECT_EQ(c.dram.kind, DramKind::LPDDR5);
  EXPECT_EQ(c.dram.bandwidth_gbps, 51.2);
  EXPECT_EQ(c.dram.latency_ns, 120.0);
  EXPECT_EQ(c.technology, "7nm");
  EXPECT_EQ(c.scratchpad_rows(), 16384u);
  EXPECT_EQ(c.weight_rows(), 8192u);
  EXPECT_EQ(c.accumulator_rows(), 1024u);
  EXPECT_DOUBLE_EQ(c.cycle_ns(), 1.0);
}

TEST(ArchPresets, BaseValues) {
  const ArchConfig c = load_arch_file((kConfigDir / "serrano-base.yaml").string());
  EXPECT_EQ(c.array.rows, 128);
  EXPECT_EQ(c.scratchpad.size_bytes, 16u << 20);
  EXPECT_EQ(c.weight_buffer.size_bytes, 8u << 20);
  EXPECT_EQ(c.accumulator.size_bytes, 4u << 20);
  EXPECT_EQ(c.dram.kind, DramKind::HBM3);
  EXPECT_EQ(c.dram.channels, 8);
  EXPECT_EQ(c.dram.bandwidth_gbps, 819.2);
  EXPECT_EQ(c.vector.lanes, 128);
}

TEST(ArchPresets, TpuV1MatchesThePaper) {
  const ArchConfig c = load_arch_file((kConfigDir / "tpu-v1.yaml").string());
  EXPECT_EQ(c.array.rows, 256);
  EXPECT_EQ(c.array.cols, 256);
  EXPECT_EQ(c.clock_ghz, 0.7);
  EXPECT_EQ(c.scratchpad.size_bytes, 24u << 20);  // 24 MiB unified buffer
  EXPECT_EQ(c.accumulator_rows(), 4096u);         // 4096 x 256 x 32-bit accumulators
  EXPECT_EQ(c.weight_rows() / 256u, 4u);          // weight FIFO: 4 tiles of 256x256
  EXPECT_EQ(c.dram.kind, DramKind::DDR3);
  EXPECT_EQ(c.dram.bandwidth_gbps, 34.0);
  EXPECT_EQ(c.technology, "28nm");
}

TEST(ArchPresets, TestDesignsHold256AccumulatorRows) {
  for (const char* name : {"test-4x4", "test-8x8", "test-8x4", "test-16x16", "test-32x32"}) {
    SCOPED_TRACE(name);
    const ArchConfig c = load_arch_file((kConfigDir / (std::string(name) + ".yaml")).string());
    EXPECT_EQ(c.accumulator_rows(), 256u);
    EXPECT_EQ(c.vector.lanes, c.array.cols);
    EXPECT_EQ(c.scratchpad.size_bytes, 64u * 1024u);
  }
  const ArchConfig c = load_arch_file((kConfigDir / "test-8x4.yaml").string());
  EXPECT_EQ(c.array.rows, 8);
  EXPECT_EQ(c.array.cols, 4);
}

// ---------------------------------------------------------------------------------------------
// Parsing and writing

TEST(ArchParse, ValidTextGivesTheValues) {
  const ArchConfig c = parse_arch_yaml(kEdge);
  EXPECT_EQ(c.name, "serrano-edge");
  EXPECT_EQ(c.description, "edge");
  EXPECT_EQ(c.accumulator.size_bytes, 64u * 1024u);
  EXPECT_EQ(c.dram.burst_bytes, 64);
}

TEST(ArchParse, DescriptionIsOptionalAndOsDataflowReads) {
  const ArchConfig c = parse_arch_yaml(edit("description: \"edge\"\n", ""));
  EXPECT_TRUE(c.description.empty());
  const ArchConfig os = parse_arch_yaml(edit("dataflow: ws", "dataflow: os"));
  EXPECT_EQ(os.array.dataflow, Dataflow::OutputStationary);
  EXPECT_NE(to_yaml(os).find("  dataflow: os\n"), std::string::npos);
}

TEST(ArchParse, RealsAcceptIntegersAndExponents) {
  const ArchConfig c = parse_arch_yaml(edit("clock_ghz: 1.0", "clock_ghz: 2"));
  EXPECT_EQ(c.clock_ghz, 2.0);
  const ArchConfig e = parse_arch_yaml(edit("bandwidth_gbps: 51.2", "bandwidth_gbps: 5.12e1"));
  EXPECT_EQ(e.dram.bandwidth_gbps, 51.2);
}

TEST(ArchWrite, CanonicalFormOfEdge) {
  const std::string expected = R"(name: serrano-edge
description: "edge"
array:
  rows: 16
  cols: 16
  dataflow: ws
clock_ghz: 1.0
scratchpad: {size_kib: 256, banks: 4, port_bytes: 16}
weight_buffer: {size_kib: 128, banks: 2, port_bytes: 16}
accumulator: {size_kib: 64, banks: 2, port_bytes: 64}
dram: {kind: lpddr5, channels: 2, bandwidth_gbps: 51.2, latency_ns: 120.0, burst_bytes: 64}
vector: {lanes: 16}
technology: 7nm
)";
  EXPECT_EQ(to_yaml(parse_arch_yaml(kEdge)), expected);
}

TEST(ArchWrite, RoundTripsAwkwardValues) {
  ArchConfig c = parse_arch_yaml(kEdge);
  c.description = "quote \" backslash \\ newline\nt\tab: colon # hash \x01 end";
  c.name = "null";          // a YAML null word must come back as a string
  c.technology = "-";       // a bare dash is a YAML sequence marker
  c.clock_ghz = 0.1 + 0.2;  // needs 17 significant digits
  c.dram.latency_ns = 0.0;  // lower bound is closed
  c.dram.bandwidth_gbps = 1e-300;
  c.dram.kind = DramKind::DDR4;
  c.array.dataflow = Dataflow::OutputStationary;
  expect_round_trip(c);
  c.description.clear();
  EXPECT_EQ(to_yaml(c).find("description"), std::string::npos);
  expect_round_trip(c);
}

TEST(ArchWrite, EnumNames) {
  EXPECT_STREQ(to_string(Dataflow::WeightStationary), "ws");
  EXPECT_STREQ(to_string(Dataflow::OutputStationary), "os");
  EXPECT_STREQ(to_string(DramKind::HBM3), "hbm3");
  EXPECT_STREQ(to_string(DramKind::LPDDR5), "lpddr5");
  EXPECT_STREQ(to_string(DramKind::DDR3), "ddr3");
  EXPECT_STREQ(to_string(DramKind::DDR4), "ddr4");
}

// ---------------------------------------------------------------------------------------------
// Bad input: each case checks the exact one-line message.

TEST(ArchErrors, ZeroRows) {
  EXPECT_EQ(error_of(edit("rows: 16", "rows: 0")),
            "bad.yaml: array.rows: must be an integer in [1, 1024], got 0");
}

TEST(ArchErrors, TooManyRows) {
  EXPECT_EQ(error_of(edit("rows: 16", "rows: 2048")),
            "bad.yaml: array.rows: must be an integer in [1, 1024], got 2048");
}

TEST(ArchErrors, NegativeCols) {
  EXPECT_EQ(error_of(edit("cols: 16", "cols: -4")),
            "bad.yaml: array.cols: must be an integer in [1, 1024], got -4");
}

TEST(ArchErrors, RowsAsFloat) {
  EXPECT_EQ(error_of(edit("rows: 16", "rows: 16.5")),
            "bad.yaml: array.rows: must be an integer in [1, 1024], got 16.5");
}

TEST(ArchErrors, RowsAsQuotedString) {
  EXPECT_EQ(error_of(edit("rows: 16", "rows: \"16\"")),
            "bad.yaml: array.rows: must be an integer in [1, 1024], got \"16\"");
}

TEST(ArchErrors, RowsAsBoolAndNullAndMap) {
  EXPECT_EQ(error_of(edit("rows: 16", "rows: true")),
            "bad.yaml: array.rows: must be an integer in [1, 1024], got true");
  EXPECT_EQ(error_of(edit("rows: 16", "rows:")),
            "bad.yaml: array.rows: must be an integer in [1, 1024], got null");
  EXPECT_EQ(error_of(edit("rows: 16", "rows: {a: 1}")),
            "bad.yaml: array.rows: must be an integer in [1, 1024], got a map");
}

TEST(ArchErrors, IntegerTooLargeForAnyType) {
  EXPECT_EQ(
      error_of(edit("lanes: 16", "lanes: 99999999999999999999")),
      "bad.yaml: vector.lanes: must be a power of two in [1, 4096], got 99999999999999999999");
}

TEST(ArchErrors, NonPowerOfTwoBanks) {
  EXPECT_EQ(error_of(edit("banks: 4", "banks: 3")),
            "bad.yaml: scratchpad.banks: must be a power of two in [1, 1024], got 3");
}

TEST(ArchErrors, NonPowerOfTwoPortAndLanesAndBurst) {
  EXPECT_EQ(error_of(edit("port_bytes: 64", "port_bytes: 48")),
            "bad.yaml: accumulator.port_bytes: must be a power of two in [1, 4096], got 48");
  EXPECT_EQ(error_of(edit("lanes: 16", "lanes: 12")),
            "bad.yaml: vector.lanes: must be a power of two in [1, 4096], got 12");
  EXPECT_EQ(error_of(edit("burst_bytes: 64", "burst_bytes: 8192")),
            "bad.yaml: dram.burst_bytes: must be a power of two in [1, 4096], got 8192");
}

TEST(ArchErrors, SizeNotAMultipleOfTheBankStripe) {
  EXPECT_EQ(error_of(edit("{ size_kib: 256, banks: 4, port_bytes: 16 }",
                          "{ size_kib: 1025, banks: 4, port_bytes: 4096 }")),
            "bad.yaml: scratchpad.size_kib: must be a multiple of banks * port_bytes = 16384 "
            "bytes, got 1049600 bytes");
}

TEST(ArchErrors, AccumulatorSmallerThanOneTile) {
  std::string text = edit("rows: 16", "rows: 32");
  text.replace(text.find("cols: 16"), 8, "cols: 32");
  text.replace(text.find("size_kib: 64,"), 13, "size_kib: 2,");
  EXPECT_EQ(error_of(text),
            "bad.yaml: accumulator.size_kib: must be at least rows * cols * 4 = "
            "4096 bytes (one 32x32 int32 tile), got 2048 bytes");
}

TEST(ArchErrors, WeightBufferSmallerThanOneTile) {
  std::string text = edit("rows: 16", "rows: 512");
  text.replace(text.find("cols: 16"), 8, "cols: 512");
  text.replace(text.find("size_kib: 64,"), 13, "size_kib: 1024,");
  EXPECT_EQ(error_of(text),
            "bad.yaml: weight_buffer.size_kib: must be at least rows * cols = "
            "262144 bytes (one 512x512 int8 weight tile), got 131072 bytes");
}

TEST(ArchErrors, UnknownDataflow) {
  EXPECT_EQ(error_of(edit("dataflow: ws", "dataflow: xs")),
            "bad.yaml: array.dataflow: must be one of ws, os, got \"xs\"");
}

TEST(ArchErrors, UnknownTopLevelKey) {
  EXPECT_EQ(error_of(kEdge + "frequency_mhz: 1000\n"), "bad.yaml: frequency_mhz: unknown key");
}

TEST(ArchErrors, UnknownNestedKey) {
  EXPECT_EQ(error_of(edit("cols: 16", "colz: 16")), "bad.yaml: array.colz: unknown key");
}

TEST(ArchErrors, DuplicateKey) {
  EXPECT_EQ(error_of(edit("rows: 16", "rows: 16\n  rows: 8")),
            "bad.yaml: array.rows: duplicate key");
}

TEST(ArchErrors, MissingKeys) {
  EXPECT_EQ(error_of(edit("technology: 7nm\n", "")), "bad.yaml: technology: missing");
  EXPECT_EQ(error_of(edit(" latency_ns: 120,", "")), "bad.yaml: dram.latency_ns: missing");
  EXPECT_EQ(error_of(edit("vector: { lanes: 16 }\n", "")), "bad.yaml: vector: missing");
}

TEST(ArchErrors, MalformedYaml) {
  EXPECT_EQ(error_of(edit("  cols: 16", "    cols: 16")),
            "bad.yaml: (yaml): line 5, column 9: illegal map value");
  // yaml-cpp reports an unclosed flow sequence where it gives up: the end of the input.
  EXPECT_EQ(error_of("name: [a, b\n"),
            "bad.yaml: (yaml): line 2, column 1: end of sequence flow not found");
}

TEST(ArchErrors, TopLevelNotAMap) {
  EXPECT_EQ(error_of("- 1\n- 2\n"), "bad.yaml: (top): must be a map of keys, got a sequence");
  EXPECT_EQ(error_of(""), "bad.yaml: (top): must be a map of keys, got an empty document");
  EXPECT_EQ(error_of(kEdge + "---\n" + kEdge),
            "bad.yaml: (yaml): expected one YAML document, got 2");
}

// Found by fuzz/arch_yaml_fuzz (docs/reliability.md): yaml-cpp 0.7's LoadAll returned the same
// empty document forever on a stray ',' and ran out of memory instead of reporting an error.
TEST(ArchErrors, StrayCommaIsAnErrorNotAnEndlessLoop) {
  EXPECT_EQ(error_of(","),
            "bad.yaml: (yaml): line 1, column 1: unexpected \",\" where a value should start");
  EXPECT_EQ(error_of("---\n, 1\n"),
            "bad.yaml: (yaml): line 2, column 1: unexpected \",\" where a value should start");
  EXPECT_EQ(error_of("# a comment\n  ,\n"),
            "bad.yaml: (yaml): line 2, column 3: unexpected \",\" where a value should start");
}

TEST(ArchErrors, NestedBlockNotAMap) {
  EXPECT_EQ(error_of(edit("vector: { lanes: 16 }", "vector: 16")),
            "bad.yaml: vector: must be a map, got 16");
}

TEST(ArchErrors, UnknownDramKind) {
  EXPECT_EQ(error_of(edit("kind: lpddr5", "kind: gddr6")),
            "bad.yaml: dram.kind: must be one of hbm3, lpddr5, ddr3, ddr4, got \"gddr6\"");
}

TEST(ArchErrors, DramRanges) {
  EXPECT_EQ(error_of(edit("channels: 2", "channels: 65")),
            "bad.yaml: dram.channels: must be an integer in [1, 64], got 65");
  EXPECT_EQ(error_of(edit("bandwidth_gbps: 51.2", "bandwidth_gbps: 0")),
            "bad.yaml: dram.bandwidth_gbps: must be a number in (0, 100000], got 0");
  EXPECT_EQ(error_of(edit("latency_ns: 120", "latency_ns: -1.5")),
            "bad.yaml: dram.latency_ns: must be a number in [0, 100000], got -1.5");
  EXPECT_EQ(error_of(edit("latency_ns: 120", "latency_ns: .nan")),
            "bad.yaml: dram.latency_ns: must be a number in [0, 100000], got .nan");
}

TEST(ArchErrors, ClockOutOfRange) {
  EXPECT_EQ(error_of(edit("clock_ghz: 1.0", "clock_ghz: 0.0")),
            "bad.yaml: clock_ghz: must be a number in (0, 10], got 0");
  EXPECT_EQ(error_of(edit("clock_ghz: 1.0", "clock_ghz: 10.5")),
            "bad.yaml: clock_ghz: must be a number in (0, 10], got 10.5");
  EXPECT_EQ(error_of(edit("clock_ghz: 1.0", "clock_ghz: fast")),
            "bad.yaml: clock_ghz: must be a number in (0, 10], got fast");
}

TEST(ArchErrors, TerabyteScratchpadHitsTheResourceLimit) {
  EXPECT_EQ(error_of(edit("size_kib: 256", "size_kib: 1073741824")),
            "bad.yaml: scratchpad.size_kib: must be at most 1048576 KiB (1 GiB, the resource "
            "limit), got 1073741824");
  EXPECT_EQ(error_of(edit("size_kib: 256", "size_kib: 0")),
            "bad.yaml: scratchpad.size_kib: must be an integer in [1, 1048576], got 0");
}

TEST(ArchErrors, BadNameAndTechnology) {
  EXPECT_EQ(error_of(edit("name: serrano-edge", "name: Serrano Edge")),
            "bad.yaml: name: must be a non-empty string matching [a-z0-9._-]+, got \"Serrano "
            "Edge\"");
  EXPECT_EQ(error_of(edit("name: serrano-edge", "name: \"\"")),
            "bad.yaml: name: must be a non-empty string matching [a-z0-9._-]+, got \"\"");
  EXPECT_EQ(error_of(edit("technology: 7nm", "technology: 7 nm")),
            "bad.yaml: technology: must be a non-empty string matching [A-Za-z0-9._-]+, got "
            "\"7 nm\"");
}

TEST(ArchErrors, ValueWithNewlineStaysOnOneLine) {
  EXPECT_EQ(error_of(edit("name: serrano-edge", "name: \"a\\nb\"")),
            "bad.yaml: name: must be a non-empty string matching [a-z0-9._-]+, got \"a\\nb\"");
}

TEST(ArchErrors, UnreadableFile) {
  const std::string path =
      (fs::path(::testing::TempDir()) / "serrano-no-such-dir" / "x.yaml").string();
  try {
    load_arch_file(path);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": (file): cannot read file");
    EXPECT_EQ(e.field(), "(file)");
  }
  try {
    load_arch_file(::testing::TempDir());  // a directory is not a readable file
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "(file)");
  }
}

TEST(ArchErrors, FileErrorsNameThePath) {
  const fs::path path = fs::path(::testing::TempDir()) / "serrano-arch-bad.yaml";
  {
    std::ofstream out(path);
    out << edit("rows: 16", "rows: 0");
  }
  try {
    load_arch_file(path.string());
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() + ": array.rows: must be an integer in [1, 1024], got 0");
    EXPECT_EQ(e.field(), "array.rows");
  }
  fs::remove(path);
}

// ---------------------------------------------------------------------------------------------
// validate() on configs built in code

TEST(ArchValidate, DefaultConfigIsRejected) {
  EXPECT_EQ(validate_error(ArchConfig{}),
            "cfg: name: must be a non-empty string matching [a-z0-9._-]+, got \"\"");
}

TEST(ArchValidate, ChecksEveryNumericRule) {
  const ArchConfig good = parse_arch_yaml(kEdge);
  EXPECT_EQ(validate_error(good), "(no error)");

  ArchConfig c = good;
  c.weight_buffer.banks = 6;
  EXPECT_EQ(validate_error(c),
            "cfg: weight_buffer.banks: must be a power of two in [1, 1024], got 6");

  c = good;
  c.scratchpad.size_bytes = 1000;
  EXPECT_EQ(validate_error(c),
            "cfg: scratchpad.size_kib: must be a whole number of KiB, got 1000 bytes");

  c = good;
  c.scratchpad.size_bytes = std::uint64_t(1) << 62;  // far beyond the limit, must not wrap
  EXPECT_EQ(validate_error(c),
            "cfg: scratchpad.size_kib: must be at most 1048576 KiB (1 GiB, the "
            "resource limit), got 4503599627370496");

  c = good;
  c.accumulator.size_bytes = 0;
  EXPECT_EQ(validate_error(c),
            "cfg: accumulator.size_kib: must be an integer in [1, 1048576], got 0");

  c = good;
  c.clock_ghz = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(validate_error(c), "cfg: clock_ghz: must be a number in (0, 10], got nan");

  c = good;
  c.dram.channels = 0;
  EXPECT_EQ(validate_error(c), "cfg: dram.channels: must be an integer in [1, 64], got 0");

  c = good;
  c.dram.kind = static_cast<DramKind>(9);
  EXPECT_EQ(validate_error(c),
            "cfg: dram.kind: must be one of hbm3, lpddr5, ddr3, ddr4, got enum value 9");

  c = good;
  c.array.cols = 1025;
  EXPECT_EQ(validate_error(c), "cfg: array.cols: must be an integer in [1, 1024], got 1025");

  c = good;
  c.vector.lanes = 0;
  EXPECT_EQ(validate_error(c), "cfg: vector.lanes: must be a power of two in [1, 4096], got 0");

  c = good;
  c.technology = "";
  EXPECT_EQ(validate_error(c),
            "cfg: technology: must be a non-empty string matching [A-Za-z0-9._-]+, got \"\"");
}

TEST(ArchValidate, ErrorCarriesTheField) {
  ArchConfig c = parse_arch_yaml(kEdge);
  c.accumulator.port_bytes = 3;
  try {
    validate(c);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "accumulator.port_bytes");
    EXPECT_EQ(std::string(e.what()).rfind("<config>: accumulator.port_bytes: ", 0), 0u);
  }
}

}  // namespace
}  // namespace serrano::arch
