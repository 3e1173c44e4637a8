// SPDX-License-Identifier: Apache-2.0
// Determinism: the main job (`serrano compare --functional`), a slice of a sweep and a verify
// campaign, each run twice, give byte-identical JSON reports. The only field allowed to differ is
// `host` (wall-clock figures of the machine that ran it, in `serrano verify`'s report), which the
// comparison drops.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/common/serrano_cli.h"

namespace {

using serrano::testing::run_serrano;
using serrano::testing::slurp;
using serrano::testing::temp_path;

// The report's bytes without its `host` object (re-serialized only when there is one).
std::string without_host(const std::string& text) {
  auto j = nlohmann::ordered_json::parse(text);
  if (!j.contains("host")) return text;
  j.erase("host");
  return j.dump(2);
}

void twice_identical(const std::string& args_with_out, const std::string& out) {
  std::string runs[2];
  for (auto& r : runs) {
    std::remove(out.c_str());
    const auto run = run_serrano(args_with_out, SERRANO_SOURCE_DIR);
    ASSERT_EQ(run.status, 0) << args_with_out << "\n" << run.err;
    r = slurp(out);
    ASSERT_FALSE(r.empty()) << out;
  }
  EXPECT_EQ(runs[0], runs[1]) << args_with_out;
}

TEST(Determinism, MainJobReportIsByteIdentical) {
  const std::string out = temp_path("compare.json");
  twice_identical("compare --functional --json " + out, out);
}

TEST(Determinism, SweepSliceIsByteIdentical) {
  // One job: the lines are appended in point order, so the file itself is comparable.
  const std::string out = temp_path("slice.jsonl");
  twice_identical("sweep examples/sweep-arrays.yaml --shard 1/4 --jobs 1 --out " + out, out);
}

TEST(Determinism, VerifyCampaignReportIsByteIdenticalBesidesHost) {
  const std::string out = temp_path("verify.json");
  std::string runs[2];
  for (auto& r : runs) {
    std::remove(out.c_str());
    const auto run = run_serrano(
        "verify --arch configs/test-chip-4x4.yaml --programs 50 --seed 11 --json " + out,
        SERRANO_SOURCE_DIR);
    ASSERT_EQ(run.status, 0) << run.err;
    r = without_host(slurp(out));
  }
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_NE(runs[0].find("\"mismatches\""), std::string::npos);
}

}  // namespace
