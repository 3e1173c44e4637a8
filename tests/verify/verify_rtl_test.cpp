// SPDX-License-Identifier: Apache-2.0
// The CI program campaign: does the chip RTL agree with the SystemC model, final DRAM image and
// every instruction's retire cycle, on random and GEMM programs for test-chip-4x4,
// test-chip-8x8 and the output-stationary test-chip-4x4-os? And does the campaign catch each
// injected RTL bug with a report that names the instruction? (Built only where the testbench
// builds the chip RTL.)
#include <gtest/gtest.h>

#include <filesystem>
#include <ostream>
#include <vector>

#include "arch/arch_config.h"
#include "model/chip/chip_model.h"
#include "testbench/verify/campaign.h"
#include "testbench/verify/rtl_bridge.h"

namespace serrano::verify {
namespace {

arch::ArchConfig config(const std::string& name) {
  return arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + name + ".yaml");
}

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

// 400 programs (seed 1) per config (1,000 for the os chip), in shards that CTest runs in
// parallel.
constexpr std::uint64_t kShardPrograms = 100;

struct Shard {
  const char* config;
  std::uint64_t index;
};

void PrintTo(const Shard& s, std::ostream* os) { *os << s.config << " shard " << s.index; }

class VerifyRtlCampaign : public ::testing::TestWithParam<Shard> {};

TEST_P(VerifyRtlCampaign, AgreesWithModel) {
  const Shard s = GetParam();
  const auto cfg = config(s.config);
  model::ChipModel chip(cfg, model::ChipModel::Mode::Functional);
  auto rtl = make_rtl_chip(cfg, "");
  CampaignOptions o;
  o.seed = 1;
  o.first = s.index * kShardPrograms;
  o.programs = kShardPrograms;
  const CampaignResult r = run_campaign(cfg, chip, *rtl, o);
  EXPECT_EQ(r.programs, kShardPrograms);
  EXPECT_EQ(r.mismatches, 0u) << (r.reports.empty() ? "" : to_text(r.reports.front()));
  std::printf("%s programs %llu..%llu: %llu instructions, %llu cycles, %llu mismatches\n", s.config,
              static_cast<unsigned long long>(o.first),
              static_cast<unsigned long long>(o.first + o.programs - 1),
              static_cast<unsigned long long>(r.instructions),
              static_cast<unsigned long long>(r.cycles),
              static_cast<unsigned long long>(r.mismatches));
}

// Four shards each for the two weight-stationary chips, ten (1,000 programs) for the
// output-stationary one.
std::vector<Shard> ci_shards() {
  std::vector<Shard> list;
  for (std::uint64_t i = 0; i < 4; ++i) list.push_back({"test-chip-4x4", i});
  for (std::uint64_t i = 0; i < 4; ++i) list.push_back({"test-chip-8x8", i});
  for (std::uint64_t i = 0; i < 10; ++i) list.push_back({"test-chip-4x4-os", i});
  return list;
}

INSTANTIATE_TEST_SUITE_P(Ci, VerifyRtlCampaign, ::testing::ValuesIn(ci_shards()),
                         [](const ::testing::TestParamInfo<Shard>& p) {
                           std::string n = p.param.config;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n + "_shard" + std::to_string(p.param.index);
                         });

// Each injected bug of the 4x4 build: a campaign finds it, and the report names an instruction
// (the first differing one, or the store that wrote the first differing byte) and comes with a
// reproducer.
class VerifyRtlBug : public ::testing::TestWithParam<const char*> {};

TEST_P(VerifyRtlBug, IsCaughtWithAUsefulReport) {
  const std::string variant = GetParam();
  const auto cfg = config("test-chip-4x4");
  model::ChipModel chip(cfg, model::ChipModel::Mode::Functional);
  auto rtl = make_rtl_chip(cfg, variant);
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("serrano_verify_" + test_name() + "_" + std::to_string(::getpid())))
                              .string();
  CampaignOptions o;
  o.seed = 1;
  o.programs = 400;
  o.stop_after = 1;
  o.on_mismatch = [&](const TestProgram& p, Mismatch& m) {
    m.repro_dir = dir;
    write_reproducer(dir, p, m, "name: test-chip-4x4\n", "--impl rtl --variant " + variant);
  };
  const CampaignResult r = run_campaign(cfg, chip, *rtl, o);
  ASSERT_GE(r.mismatches, 1u) << variant << " escaped " << r.programs << " programs";
  const Mismatch& m = r.reports.front();
  const std::string text = to_text(m);
  std::printf("%s caught after %llu programs:\n%s", variant.c_str(),
              static_cast<unsigned long long>(r.programs), text.c_str());
  EXPECT_EQ(m.dut, "rtl-" + variant);
  const bool names_instruction = m.first_instruction.has_value() ||
                                 (m.first_byte.has_value() && m.first_byte->store >= 0) ||
                                 m.error.find("instruction ") != std::string::npos;
  EXPECT_TRUE(names_instruction) << text;
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir) / "program.sbin"));
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir) / "report.json"));
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Bugs, VerifyRtlBug,
                         ::testing::Values("bug-dma-stride", "bug-token-drop", "bug-requant-round"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string n = p.param;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace serrano::verify
