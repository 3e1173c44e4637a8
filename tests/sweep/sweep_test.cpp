// SPDX-License-Identifier: Apache-2.0
// `serrano sweep`: spec errors, the points of a grid and of a sample, a 100-point sweep over two
// models killed half-way and resumed (equal to an uninterrupted run), shards and merge, the Slurm
// script, infeasible points and the Pareto front.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "arch/arch_config.h"
#include "tests/common/serrano_cli.h"
#include "workloads/sweep.h"

namespace serrano::workloads::sweep {
namespace {

const std::string kBase = std::string(SERRANO_SOURCE_DIR) + "/configs/serrano-base.yaml";

// 4 arrays x 2 dataflows x 2 clocks x 2 bandwidths x 2 weight buffers x 2 workloads = 128 grid
// points, 100 of them sampled; the 128x128 arrays with a 16 KiB weight buffer are infeasible.
std::string spec_text(const std::string& name = "t100") {
  return "name: " + name +
         "\nsample: {mode: random, points: 100, seed: 7}\nchip:\n  base: " + kBase +
         "\n  array: [16, 32, 64, 128]\n  dataflow: [ws, os]\n  clock_ghz: [0.5, 1.0]\n"
         "  dram_bandwidth_gbps: [102.4, 819.2]\n  weight_buffer_kib: [8192, 16]\nworkloads:\n"
         "  - {model: bert-base, phase: prefill, seq: 32}\n"
         "  - {model: gpt2-small, phase: decode, kv: 32}\n";
}

std::string write_spec(const std::string& text) {
  const std::string path = testing::temp_path("spec.yaml");
  std::ofstream(path) << text;
  return path;
}

// The lines of a results file, in point order.
std::vector<std::string> sorted_lines(const std::string& path) {
  std::vector<std::pair<std::size_t, std::string>> v;
  std::istringstream in(testing::slurp(path));
  for (std::string line; std::getline(in, line);) {
    v.emplace_back(nlohmann::json::parse(line)["index"].get<std::size_t>(), line);
  }
  std::sort(v.begin(), v.end());
  std::vector<std::string> out;
  for (auto& p : v) out.push_back(p.second);
  return out;
}

std::size_t count_lines(const std::string& path) {
  const std::string s = testing::slurp(path);
  return std::size_t(std::count(s.begin(), s.end(), '\n'));
}

void expect_spec_error(const std::string& text, const std::string& message) {
  try {
    parse_spec(text, "s.yaml");
    FAIL() << "no error for: " << text;
  } catch (const arch::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(SweepSpec, BadSpecsSayWhichField) {
  const std::string chip = "chip: {base: " + kBase + "}\n";
  const std::string wl = "workloads: [{model: bert-base}]\n";
  expect_spec_error("name: x\n" + chip + wl + "colour: red\n",
                    "s.yaml: colour: unknown key (known: chip, name, sample, workloads)");
  expect_spec_error("name: x\nchip: {base: " + kBase + ", array: []}\n" + wl,
                    "s.yaml: chip.array: must not be an empty list");
  expect_spec_error("name: x\nchip: {base: " + kBase + ", dataflow: [ws, is]}\n" + wl,
                    "s.yaml: chip.dataflow: must be ws or os, got is");
  expect_spec_error("name: x\nchip: {base: nowhere.yaml}\n" + wl,
                    "s.yaml: chip.base: no such file: ./nowhere.yaml");
  expect_spec_error("name: x\n" + chip + "workloads: []\n",
                    "s.yaml: workloads: must be a non-empty list");
  expect_spec_error("name: x\n" + chip + "workloads: [{model: bert-base, phase: train}]\n",
                    "s.yaml: workloads[0].phase: must be prefill or decode, got train");
  expect_spec_error("name: x\nsample: {mode: random, points: 5}\n" + chip + wl,
                    "s.yaml: sample.points: 5 points asked of a grid of 1");
  expect_spec_error("name: X\n" + chip + wl, "s.yaml: name: must be [a-z0-9._-]+, got 'X'");
  expect_spec_error("name: x\nchip: {base: " + kBase + ", clock_ghz: fast}\n" + wl,
                    "s.yaml: chip.clock_ghz: has a value of the wrong type");
}

// Found by fuzz/sweep_spec_fuzz (docs/reliability.md): a key that is a list, a mode or a base
// that is not a string escaped as yaml-cpp's BadConversion; a base name too long for the system
// escaped as std::filesystem_error; lists that multiply to a huge grid ran out of memory.
TEST(SweepSpec, FuzzedSpecsGiveOneLineErrors) {
  const std::string chip = "chip: {base: " + kBase + "}\n";
  const std::string wl = "workloads: [{model: bert-base}]\n";
  // The fuzzer's input: a complex key (`? [...]`) in the chip map.
  expect_spec_error(
      "name: t100\nsample: {mode: random, points: 100, seed: 7}\nchip:\n"
      "  base: serrano-base.yaml\n  ? array: [16, 32, 0.5, 1.0]\n"
      "  dram_bandwidth_gbps: [522.4, 16nm]\nworkloads:\n"
      "  - {model: bert-base, phase: prefill, seq: 32}\n"
      "  - {model: gptsmall, phase: decode, kv: 32}\n",
      "s.yaml: chip: keys must be strings");
  expect_spec_error("? [a, b]\n: 1\n", "s.yaml: (top): keys must be strings");
  expect_spec_error("name: x\nsample: {mode: [grid]}\n" + chip + wl,
                    "s.yaml: sample.mode: must be grid or random");
  expect_spec_error("name: x\nchip: {base: {a: 1}}\n" + wl,
                    "s.yaml: chip.base: must be a file name (a chip config)");
  expect_spec_error("name: x\nchip: {base: }\n" + wl,
                    "s.yaml: chip.base: must be a file name (a chip config)");
  const std::string long_name(300, 'a');
  expect_spec_error("name: x\nchip: {base: " + long_name + "}\n" + wl,
                    "s.yaml: chip.base: no such file: ./" + long_name);
  // 1001 x 1000 workloads, 1000 x 1001 chip combinations: refused before they are listed.
  std::string thousand = "[0", thousand_one = "[0";
  for (int i = 1; i < 1000; ++i) thousand += "," + std::to_string(i);
  thousand_one = thousand + ",1000]";
  thousand += "]";
  expect_spec_error("name: x\n" + chip + "workloads: [{model: bert-base, seq: " + thousand_one +
                        ", batch: " + thousand + "}]\n",
                    "s.yaml: workloads[0]: the grid has more than 1000000 points (the limit)");
  expect_spec_error("name: x\nchip: {base: " + kBase + ", array: " + thousand +
                        ", clock_ghz: " + thousand_one + "}\n" + wl,
                    "s.yaml: chip: the grid has more than 1000000 points (the limit)");
  expect_spec_error("name: x\nchip: {base: " + kBase + ", array: " + thousand + "}\n" +
                        "workloads: [{model: bert-base, seq: " + thousand + "}, "
                        "{model: bert-base, seq: " + thousand + "}]\n",
                    "s.yaml: workloads[1]: the grid has more than 1000000 points (the limit)");
  // Exactly at the limit is a valid spec.
  const Spec s = parse_spec("name: x\nchip: {base: " + kBase + ", array: " + thousand + "}\n" +
                                "workloads: [{model: bert-base, seq: " + thousand + "}]\n",
                            "s.yaml");
  EXPECT_EQ(grid_size(s), kMaxGridPoints);
}

TEST(SweepSpec, GridSampleAndConfigs) {
  const Spec s = parse_spec(spec_text(), "t.yaml");
  EXPECT_EQ(grid_size(s), 128u);
  const auto pts = points(s);
  ASSERT_EQ(pts.size(), 100u);
  EXPECT_TRUE(std::is_sorted(pts.begin(), pts.end(),
                             [](const Point& a, const Point& b) { return a.index < b.index; }));
  EXPECT_EQ(points(s).back().index, pts.back().index);  // the same seed, the same sample
  // Chip index 0: every axis at its first value; the array axis varies fastest.
  const arch::ArchConfig c0 = point_config(s, {0, 0, 0});
  EXPECT_EQ(c0.array.rows, 16);
  EXPECT_EQ(c0.vector.lanes, 16);
  EXPECT_EQ(c0.clock_ghz, 0.5);
  EXPECT_EQ(c0.technology, "7nm");
  const arch::ArchConfig c1 = point_config(s, {2, 1, 0});
  EXPECT_EQ(c1.array.rows, 32);
}

TEST(SweepSpec, ParetoFrontKeepsTheUndominated) {
  auto line = [](int i, double l, double e, double a) {
    nlohmann::ordered_json j;
    j["index"] = i;
    j["status"] = "ok";
    j["latency_s"] = l;
    j["energy_j"] = e;
    j["area_mm2"] = a;
    return j;
  };
  std::vector<nlohmann::ordered_json> v = {line(0, 1, 1, 1), line(1, 2, 2, 2), line(2, 0.5, 3, 1),
                                           line(3, 1, 1, 0.5)};
  nlohmann::ordered_json bad;
  bad["index"] = 4;
  bad["status"] = "infeasible";
  v.push_back(bad);
  const auto f = pareto_front(v);
  ASSERT_EQ(f.size(), 2u);  // 1 and 0 are dominated by 3
  EXPECT_EQ(f[0]["index"], 2);
  EXPECT_EQ(f[1]["index"], 3);
}

// ---- The CLI ----

TEST(SweepCli, KilledHalfWayResumesToTheUninterruptedResult) {
  const std::string spec = write_spec(spec_text());
  const std::string whole = testing::temp_path("whole.jsonl");
  const std::string part = testing::temp_path("part.jsonl");
  std::remove(whole.c_str());
  std::remove(part.c_str());
  auto r = testing::run_serrano("sweep " + spec + " --jobs 2 --out " + whole, SERRANO_SOURCE_DIR);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(count_lines(whole), 100u);
  // The same sweep in a process group of its own, killed (SIGKILL, driver and points) once
  // about half the points are in.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    const std::string cmd = std::string(SERRANO_BIN) + " sweep " + spec + " --jobs 2 --out " +
                            part + " > /dev/null 2>&1";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  const auto start = std::chrono::steady_clock::now();
  while (count_lines(part) < 40 && std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(-pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  const std::size_t at_kill = count_lines(part);
  EXPECT_GE(at_kill, 40u);
  EXPECT_LT(at_kill, 100u) << "the sweep finished before the kill; nothing was resumed";
  r = testing::run_serrano("sweep " + spec + " --jobs 2 --out " + part, SERRANO_SOURCE_DIR);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("already in"), std::string::npos);
  EXPECT_EQ(count_lines(part), 100u);  // nothing lost, nothing computed twice
  EXPECT_EQ(sorted_lines(part), sorted_lines(whole));
  // Infeasible points are kept, with their reason.
  std::size_t infeasible = 0;
  for (const auto& l : sorted_lines(whole)) {
    const auto j = nlohmann::json::parse(l);
    if (j["status"] == "infeasible") {
      ++infeasible;
      EXPECT_EQ(j["chip"]["weight_buffer_kib"], 16);
      EXPECT_NE(j["reason"].get<std::string>().find("weight-buffer rows"), std::string::npos)
          << j["reason"];
    }
  }
  EXPECT_GT(infeasible, 0u);
  // A finished sweep run again computes nothing.
  r = testing::run_serrano("sweep " + spec + " --out " + part, SERRANO_SOURCE_DIR);
  EXPECT_NE(r.out.find("100 already in"), std::string::npos);
  EXPECT_NE(r.out.find("0 to run"), std::string::npos);
}

TEST(SweepCli, ShardsMergeToTheLocalRunAndSlurmScript) {
  const std::string spec = write_spec(spec_text("t-shards"));
  const std::string local = testing::temp_path("local.jsonl");
  std::remove(local.c_str());
  ASSERT_EQ(testing::run_serrano("sweep " + spec + " --out " + local, SERRANO_SOURCE_DIR).status, 0);
  std::string inputs;
  for (int i = 0; i < 3; ++i) {
    const std::string out = testing::temp_path("shard" + std::to_string(i) + ".jsonl");
    std::remove(out.c_str());
    const auto r = testing::run_serrano(
        "sweep " + spec + " --shard " + std::to_string(i) + "/3 --out " + out, SERRANO_SOURCE_DIR);
    ASSERT_EQ(r.status, 0) << r.err;
    inputs += " " + out;
  }
  const std::string merged = testing::temp_path("merged.jsonl");
  const auto m = testing::run_serrano("sweep merge " + spec + " --out " + merged + inputs,
                                      SERRANO_SOURCE_DIR);
  ASSERT_EQ(m.status, 0) << m.err;
  EXPECT_NE(m.out.find("100 of 100 points"), std::string::npos);
  EXPECT_EQ(sorted_lines(merged), sorted_lines(local));
  // The scatter with the Pareto front (a finished sweep: nothing runs again).
  const std::string png = testing::temp_path("front.png");
  const auto p = testing::run_serrano("sweep " + spec + " --out " + local + " --plot " + png,
                                      SERRANO_SOURCE_DIR);
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_NE(p.out.find("Pareto front (latency, energy, area), bert-base"), std::string::npos);
  const std::string bytes = testing::slurp(png);
  EXPECT_GT(bytes.size(), 10000u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // The Slurm job array: one task a shard.
  const std::string job = testing::temp_path("job.sh");
  ASSERT_EQ(testing::run_serrano("sweep " + spec + " --emit-slurm " + job + " --tasks 4",
                                 SERRANO_SOURCE_DIR)
                .status,
            0);
  const std::string script = testing::slurp(job);
  EXPECT_NE(script.find("#SBATCH --array=0-3"), std::string::npos);
  EXPECT_NE(script.find("--shard \"${SLURM_ARRAY_TASK_ID}/4\""), std::string::npos);
  // A results file of another sweep is refused, not mixed.
  const std::string other = write_spec(spec_text("t-other"));
  testing::expect_cli_error(
      testing::run_serrano("sweep " + other + " --out " + local, SERRANO_SOURCE_DIR), "other",
      local + ":1: a line of another sweep (spec " +
          nlohmann::json::parse(sorted_lines(local)[0])["spec"].get<std::string>() +
          "); this sweep is " + load_spec(other).hash + " (t-other): use another --out");
  testing::expect_cli_error(testing::run_serrano("sweep " + spec + " --shard 3/3",
                                                 SERRANO_SOURCE_DIR),
                            "shard", "sweep: shard: needs 0 <= I < N, got 3/3");
}

}  // namespace
}  // namespace serrano::workloads::sweep
