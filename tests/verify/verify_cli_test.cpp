// SPDX-License-Identifier: Apache-2.0
// `serrano verify` as users run it: one-line errors with exit status 2, a green interpreter
// campaign with exit status 0, byte-identical JSON for the same seed, and replaying a reproducer.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "arch/arch_config.h"
#include "testbench/verify/campaign.h"
#include "testbench/verify/rtl_bridge.h"
#include "tests/common/serrano_cli.h"

namespace serrano::verify {
namespace {

using serrano::testing::expect_cli_error;
using serrano::testing::run_serrano;
using serrano::testing::slurp;
using serrano::testing::temp_path;

const std::string kSrc = SERRANO_SOURCE_DIR;
const std::string kArch = "--arch configs/test-chip-4x4.yaml";

void expect_error(const std::string& args, const std::string& message) {
  expect_cli_error(run_serrano("verify " + args, kSrc), args, message);
}

TEST(VerifyCli, BadInputIsOneLineAndStatus2) {
  expect_error(kArch, "--programs must be at least 1 (or give --replay DIR)");
  expect_error(kArch + " --programs 0", "--programs must be at least 1 (or give --replay DIR)");
  expect_error(kArch + " --programs 3 --impl gpu", "--impl must be rtl or interp, got 'gpu'");
  expect_error(kArch + " --programs 3 --impl interp --variant bug-dma-stride",
               "--variant needs --impl rtl");
  expect_error(kArch + " --programs 3 --impl interp --wave w.fst", "--wave needs --impl rtl");
  expect_error(kArch + " --programs 3 --impl interp --max-instructions 4",
               "--max-instructions must be at least 8");
  expect_error(kArch + " --programs 3 --replay somewhere",
               "--programs and --replay exclude each other");
  expect_error(kArch + " --impl interp --replay /nonexistent-dir",
               "/nonexistent-dir/program.sbin: cannot read file");
}

TEST(VerifyCli, RtlBuildErrorsNameWhatExists) {
  if (!rtl_chip_available()) {
    expect_error(kArch + " --programs 3",
                 "this serrano was built without the chip RTL (testbench/chip); use --impl interp");
    return;
  }
  std::string configs, variants;
  for (const auto& b : rtl_chip_build_list()) {
    if (configs.find(b.config) == std::string::npos) {
      configs += (configs.empty() ? "" : ", ") + b.config;
    }
    if (b.config == "test-chip-4x4" && !b.variant.empty()) {
      variants += (variants.empty() ? "" : ", ") + b.variant;
    }
  }
  expect_error("--arch configs/serrano-edge.yaml --programs 3",
               "no chip RTL build for config 'serrano-edge' (built: " + configs + ")");
  expect_error(
      kArch + " --programs 3 --variant bug-nothing",
      "no chip RTL variant 'bug-nothing' for config 'test-chip-4x4' (variants: " + variants + ")");
}

nlohmann::json without_host(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text);
  j.erase("host");
  return j;
}

TEST(VerifyCli, InterpCampaignIsGreenAndDeterministic) {
  const std::string a = temp_path("a.json"), b = temp_path("b.json");
  const std::string args = kArch + " --impl interp --programs 40 --seed 3 --json ";
  const auto r = run_serrano("verify " + args + a, kSrc);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("serrano verify: test-chip-4x4, model vs interp, seed 3"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  programs       40 (35 random, 5 gemm)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  mismatches     0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bins hit; holes:"), std::string::npos) << r.out;
  ASSERT_EQ(run_serrano("verify " + args + b, kSrc).status, 0);
  const std::string ja = slurp(a), jb = slurp(b);
  const nlohmann::json j = nlohmann::json::parse(ja);
  EXPECT_EQ(j["schema"], "serrano.verify/1");
  EXPECT_EQ(j["dut"], "interp");
  EXPECT_EQ(j["programs"], 40);
  EXPECT_EQ(j["mismatches"], 0);
  EXPECT_EQ(j["compared"]["cycles"], false);
  EXPECT_TRUE(j["host"].contains("wall_seconds"));
  EXPECT_GT(j["coverage"]["total"].get<int>(), 80);
  // Everything but the host object is the same, byte for byte.
  EXPECT_EQ(without_host(ja).dump(), without_host(jb).dump());
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST(VerifyCli, ReplaysAReproducer) {
  const arch::ArchConfig cfg = arch::load_arch_file(kSrc + "/configs/test-chip-4x4.yaml");
  const TestProgram p = campaign_program(cfg, 1, 0);
  Mismatch m;
  m.config = cfg.name;
  m.program_kind = p.kind;
  m.program_seed = p.seed;
  const std::string dir = temp_path("repro");
  write_reproducer(dir, p, m, slurp(kSrc + "/configs/test-chip-4x4.yaml"), "--impl interp");
  const auto r =
      run_serrano("verify --arch " + dir + "/config.yaml --replay " + dir + " --impl interp", kSrc);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("replay of " + dir), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  programs       1 ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  mismatches     0"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace serrano::verify
