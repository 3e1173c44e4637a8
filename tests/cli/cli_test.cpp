// SPDX-License-Identifier: Apache-2.0
// Runs the real `serrano` binary and checks its exit status, its output and its reports.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "golden/golden.h"
#include "io/npy.h"
#include "tests/common/serrano_cli.h"

namespace {

using serrano::testing::slurp;
using CmdRun = serrano::testing::CliRun;

// Runs serrano with `args` (a shell-quoted string) from the source directory.
CmdRun serrano(const std::string& args) {
  return serrano::testing::run_serrano(args, SERRANO_SOURCE_DIR);
}

void expect_error(const std::string& args, const std::string& message) {
  serrano::testing::expect_cli_error(serrano(args), args, message);
}

TEST(CliErrors, MissingConfigFile) {
  expect_error("gemm --arch configs/nope.yaml --m 1 --k 1 --n 1",
               "configs/nope.yaml: (file): cannot read file");
}

TEST(CliErrors, ZeroSizedGemm) {
  expect_error("gemm --arch configs/serrano-edge.yaml --m 0 --k 1 --n 1",
               "--m: Value 0 not in range 1 to 16777216");
}

TEST(CliErrors, NonNumericSize) {
  expect_error("gemm --arch configs/serrano-edge.yaml --m 8 --k x --n 1",
               "--k: Value x not in range 1 to 16777216");
}

TEST(CliErrors, MissingRequiredOption) {
  expect_error("gemm --arch configs/serrano-edge.yaml --m 4 --k 4", "--n is required");
}

TEST(CliErrors, UnknownOption) {
  expect_error("gemm --arch configs/serrano-edge.yaml --m 4 --k 4 --n 4 --bogus",
               "The following argument was not expected: --bogus");
}

TEST(CliErrors, NoSubcommand) { expect_error("", "A subcommand is required"); }

TEST(CliErrors, ShapeWithoutRtlBuild) {
  expect_error("gemm --arch configs/serrano-base.yaml --m 64 --k 64 --n 64 --rtl",
               "no verilated RTL build for a 128x128 array; this binary has: 4x4, 8x8, 8x4, "
               "16x16, 32x32 (add the shape to SERRANO_RTL_SHAPES and rebuild)");
}

TEST(CliErrors, GemmThatDoesNotFit) {
  expect_error("gemm --arch configs/serrano-edge.yaml --m 100000 --k 4096 --n 16",
               "gemm 100000x4096x16: activations need 25600000 scratchpad rows of 16 bytes (256 "
               "K tiles x M), the scratchpad has 16384; operands must fit on chip until DMA "
               "tiling exists");
}

TEST(CliErrors, RtlAndTimingOnlyConflict) {
  expect_error("gemm --arch configs/serrano-edge.yaml --m 4 --k 4 --n 4 --rtl --timing-only",
               "--rtl excludes --timing-only");
}

TEST(CliErrors, BadConfigValue) {
  const std::string path = "/tmp/serrano_cli_test_zero_rows.yaml";
  std::string text = slurp(std::string(SERRANO_SOURCE_DIR) + "/configs/serrano-edge.yaml");
  const auto at = text.find("rows: 16");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 8, "rows: 0");
  std::ofstream(path) << text;
  expect_error("gemm --arch " + path + " --m 4 --k 4 --n 4",
               path + ": array.rows: must be an integer in [1, 1024], got 0");
  std::remove(path.c_str());
}

// The acceptance run: the edge preset, 256^3, RTL and model agree on cycles, golden passes.
TEST(CliGemm, EdgePresetRtlAndModelAgree) {
  const std::string json = "/tmp/serrano_cli_test_edge.json";
  const CmdRun r = serrano(
      "gemm --arch configs/serrano-edge.yaml --m 256 --k 256 --n 256 --rtl "
      "--json " +
      json);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("identical to the model"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(slurp(json));
  EXPECT_EQ(j["schema"], "serrano.gemm/1");
  EXPECT_EQ(j["model"]["cycles"], j["rtl"]["cycles"]);
  EXPECT_GT(j["model"]["cycles"].get<std::uint64_t>(), 65536u);  // >= M*K*N / (R*C)
  EXPECT_EQ(j["golden_match"], true);
  EXPECT_EQ(j["cycle_mismatches"], 0);
  EXPECT_GT(j["utilization"].get<double>(), 0.5);
  EXPECT_LE(j["utilization"].get<double>(), 1.0);
  std::remove(json.c_str());
}

// Same inputs and seed: byte-identical reports.
TEST(CliGemm, ReportsAreDeterministic) {
  const std::string a = "/tmp/serrano_cli_test_det_a.json", b = "/tmp/serrano_cli_test_det_b.json";
  const std::string args = "gemm --arch configs/serrano-edge.yaml --m 40 --k 70 --n 33 --seed 9";
  ASSERT_EQ(serrano(args + " --json " + a).status, 0);
  ASSERT_EQ(serrano(args + " --json " + b).status, 0);
  EXPECT_EQ(slurp(a), slurp(b));
  EXPECT_FALSE(slurp(a).empty());
  std::remove(a.c_str());
  std::remove(b.c_str());
}

// Timing-only mode reports the same cycles as the functional run, without a golden verdict.
TEST(CliGemm, TimingOnlyGivesTheSameCycles) {
  const std::string f = "/tmp/serrano_cli_test_f.json", t = "/tmp/serrano_cli_test_t.json";
  const std::string args = "gemm --arch configs/serrano-base.yaml --m 300 --k 512 --n 200";
  ASSERT_EQ(serrano(args + " --json " + f).status, 0);
  ASSERT_EQ(serrano(args + " --timing-only --json " + t).status, 0);
  const auto jf = nlohmann::json::parse(slurp(f)), jt = nlohmann::json::parse(slurp(t));
  EXPECT_EQ(jf["model"]["cycles"], jt["model"]["cycles"]);
  EXPECT_EQ(jt["model"]["mode"], "timing-only");
  EXPECT_TRUE(jt["golden_match"].is_null());
  std::remove(f.c_str());
  std::remove(t.c_str());
}

// serrano run: tensors in as .npy, the double-buffered example GEMM, the result out as .npy and
// equal to the golden library; the JSON report and the Perfetto trace have the documented shape.
TEST(CliRun, DoubleBufferedGemmWithNpyFiles) {
  std::vector<std::int8_t> a(32 * 64), w(64 * 16);
  std::uint32_t x = 99;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  for (auto& v : a) v = std::int8_t(next() >> 24);
  for (auto& v : w) v = std::int8_t(int(next() >> 25) - 64);
  std::vector<serrano::golden::RequantChannel> channels;
  std::vector<std::int32_t> params;
  for (int c = 0; c < 16; ++c) {
    const auto q = serrano::golden::quantize_multiplier(0.002 + 0.0001 * c);
    channels.push_back({std::int32_t(next() % 3001) - 1500, q.multiplier, q.shift});
    params.insert(params.end(), {channels.back().bias, q.multiplier, q.shift});
  }
  const std::string dir = "/tmp/serrano_cli_run_";
  serrano::io::write_npy(dir + "a.npy", serrano::io::make_i8({32, 64}, a));
  serrano::io::write_npy(dir + "w.npy", serrano::io::make_i8({64, 16}, w));
  serrano::io::write_npy(dir + "p.npy", serrano::io::make_i32({16, 3}, params));
  const CmdRun r = serrano(
      "run examples/gemm_double_buffered.sasm --arch configs/serrano-edge.yaml"
      " --load 0x0=" +
      dir + "a.npy --load 0x1000=" + dir +
      "w.npy"
      " --load 0x2000=" +
      dir + "p.npy --dump 0x3000:32x16:int8=" + dir + "out.npy --json " + dir +
      "report.json --trace " + dir + "trace.json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto out = serrano::io::read_npy(dir + "out.npy");
  ASSERT_EQ(out.shape, (std::vector<std::size_t>{32, 16}));
  const auto expected = serrano::golden::linear_i8(32, 64, 16, a.data(), 0, w.data(), channels,
                                                   serrano::golden::RequantOutput{0, -128, 127});
  EXPECT_EQ(std::vector<std::uint8_t>(expected.begin(), expected.end()), out.data);

  const auto report = nlohmann::json::parse(slurp(dir + "report.json"));
  EXPECT_EQ(report["schema"], "serrano.run/1");
  EXPECT_EQ(report["total_cycles"], 725);  // docs/examples.md
  EXPECT_EQ(report["units"]["load"]["instructions"], 9);

  const auto trace = nlohmann::json::parse(slurp(dir + "trace.json"));
  int slices = 0, tracks = 0;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") ++tracks;
    if (e["ph"] == "X") {
      ++slices;
      EXPECT_GE(e["tid"].get<int>(), 1);
      EXPECT_LE(e["tid"].get<int>(), 3);
      EXPECT_GE(e["dur"].get<double>(), 0.0);
    }
  }
  EXPECT_EQ(tracks, 3);   // one track per unit
  EXPECT_EQ(slices, 19);  // one slice per instruction (halt excluded)
}

TEST(CliRunErrors, MalformedDump) {
  expect_error("run examples/tile16.sasm --arch configs/serrano-edge.yaml --dump 0x3000=out.npy",
               "--dump 0x3000=out.npy: expected ADDR:SHAPE:DTYPE=FILE.npy, e.g. "
               "0x3000:16x16:int8=out.npy");
}

TEST(CliRunErrors, Deadlock) {
  const std::string path = "/tmp/serrano_cli_test_deadlock.sasm";
  std::ofstream(path) << "matmul sp=0 rows=1 acc=0 pop_prev\nhalt\n";
  expect_error("run " + path + " --arch configs/serrano-edge.yaml",
               "deadlock: the compute queue waits at instruction 0 (matmul sp=0 rows=1 acc=0 "
               "pop_prev) for a token on channel load->compute that no remaining instruction "
               "pushes");
  std::remove(path.c_str());
}

// RTL in the loop from the command line: same cycles and same result tensor as the pure model.
TEST(CliRun, RtlArrayInTheLoopAgreesWithTheModel) {
  const std::string pure = "/tmp/serrano_cli_test_loop_pure.json",
                    loop = "/tmp/serrano_cli_test_loop_rtl.json";
  const CmdRun a = serrano(
      "run examples/gemm_double_buffered.sasm --arch configs/serrano-edge.yaml"
      " --json " +
      pure);
  const CmdRun b = serrano(
      "run examples/gemm_double_buffered.sasm --arch configs/serrano-edge.yaml"
      " --impl array=rtl --json " +
      loop);
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_NE(b.out.find("model+rtl 16x16 array"), std::string::npos) << b.out;
  const auto ja = nlohmann::json::parse(slurp(pure)), jb = nlohmann::json::parse(slurp(loop));
  EXPECT_EQ(ja["total_cycles"], 725);
  EXPECT_EQ(jb["total_cycles"], 725);
  EXPECT_EQ(ja["implementation"], "model");
  EXPECT_EQ(jb["implementation"], "model+rtl 16x16 array");
  EXPECT_EQ(ja["units"], jb["units"]);
  EXPECT_EQ(ja["bytes"], jb["bytes"]);
}

TEST(CliRunErrors, ImplChoices) {
  expect_error("run examples/tile16.sasm --arch configs/serrano-edge.yaml --impl vector=rtl",
               "--impl: unknown unit 'vector' in 'vector=rtl'; units with a choice: array (model "
               "or rtl)");
  expect_error("run examples/tile16.sasm --arch configs/serrano-edge.yaml --impl array=gpu",
               "--impl: array must be model or rtl, got 'gpu'");
  expect_error("run examples/tile16.sasm --arch configs/test-8x4.yaml --impl array=rtl",
               "--impl array=rtl: no verilated matrix unit for a 8x4 array; this binary has 4x4, "
               "8x8, 16x16 (add the shape to SERRANO_LOOP_SHAPES and rebuild)");
}

}  // namespace

// ---- serrano layer ----

namespace {
namespace layer_cli {

// A small GPT-2-structured model (LayerNorm pre, GELU tanh, causal), written for the test.
std::string tiny_model() {
  const std::string path = serrano::testing::temp_path("tiny-gpt.yaml");
  std::ofstream(path) << "name: tiny-gpt\nsource: test\nlayers: 2\nhidden: 64\nheads: 2\n"
                         "kv_heads: 2\nhead_dim: 32\nffn: {size: 256, type: gelu_tanh}\n"
                         "norm: {type: layernorm, placement: pre, eps: 1.0e-5}\n"
                         "position: {type: learned}\nattention: {causal: true}\nvocab: 100\n"
                         "max_context: 128\n";
  return path;
}

}  // namespace layer_cli

TEST(CliLayer, FunctionalRunReportsKernelsAndDumpsTensors) {
  const std::string model = layer_cli::tiny_model();
  const std::string json = serrano::testing::temp_path("layer.json");
  const std::string dir = serrano::testing::temp_path("dump");
  const std::string args = "layer --model " + model +
                           " --seq 20 --arch configs/test-chip-16x16.yaml --json " + json +
                           " --dump-dir " + dir;
  const CmdRun r = serrano(args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("attn.scores+softmax+context"), std::string::npos);
  EXPECT_NE(r.out.find("golden        bit-exact"), std::string::npos);
  const auto j = nlohmann::json::parse(slurp(json));
  EXPECT_EQ(j["schema"], "serrano.layer/1");
  EXPECT_EQ(j["mode"], "functional");
  EXPECT_EQ(j["golden"]["bit_exact"], true);
  EXPECT_GE(j["kernels"].size(), 10u);
  std::uint64_t sum = 0;
  for (const auto& k : j["kernels"]) sum += k["cycles"].get<std::uint64_t>();
  EXPECT_EQ(sum, j["total"]["layer_cycles"].get<std::uint64_t>());
  const serrano::io::NpyArray y = serrano::io::read_npy(dir + "/y.npy");
  EXPECT_EQ(y.shape, (std::vector<std::size_t>{20, 64}));
  const serrano::io::NpyArray x = serrano::io::read_npy(dir + "/x.npy");
  EXPECT_EQ(x.shape, (std::vector<std::size_t>{20, 64}));
  // Same inputs and seed: byte-identical report.
  const std::string first = slurp(json);
  ASSERT_EQ(serrano(args).status, 0);
  EXPECT_EQ(slurp(json), first);
}

TEST(CliLayer, BadInputGivesOneLine) {
  expect_error("layer --model bert-tiny --arch configs/serrano-edge.yaml",
               "model: bert-tiny: unknown model; known: bert-base, bert-large, gpt2-small, "
               "llama2-7b, llama3-8b (or give a path to a .yaml description)");
  expect_error("layer --model bert-base --phase sideways --arch configs/serrano-edge.yaml",
               "layer: phase: must be prefill or decode, got sideways");
  expect_error("layer --model bert-base --seq 600 --arch configs/serrano-edge.yaml",
               "layer: seq: must be in [1, 512] (bert-base max_context), got 600");
  expect_error("layer --model bert-base --layers 3x --arch configs/serrano-edge.yaml",
               "layer: layers: must be a number or all, got 3x");
  expect_error("layer --model bert-base --phase decode --kv 10 --arch configs/serrano-edge.yaml "
               "--timing-only",
               "layer: phase: decode needs a causal model; bert-base has bidirectional attention "
               "(an encoder runs prefill only)");
  expect_error("layer --model llama2-7b --arch configs/serrano-edge.yaml --timing-only",
               "layer: norm.attn of llama2-7b (prefill seq 128 batch 1) needs 257 parameter rows, "
               "serrano-edge has 256");
  expect_error("layer --model bert-base --arch configs/serrano-edge.yaml --timing-only "
               "--dump-dir /tmp/x",
               "--timing-only excludes --dump-dir");
}

}  // namespace
