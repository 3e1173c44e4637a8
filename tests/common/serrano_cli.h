// SPDX-License-Identifier: Apache-2.0
// Helpers for tests that run the real `serrano` binary (SERRANO_BIN) and check what it prints.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace serrano::testing {

struct CliRun {
  int status = -1;  // exit status, -1 if it did not exit normally
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A per-test, per-process temporary path.
inline std::string temp_path(const std::string& suffix) {
  const std::string tag = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  return "/tmp/serrano_test_" + tag + "_" + std::to_string(getpid()) + "_" + suffix;
}

// Runs `serrano ARGS` (ARGS shell-quoted) in directory `dir`.
inline CliRun run_serrano(const std::string& args, const std::string& dir) {
  const std::string err_file = temp_path("stderr");
  const std::string cmd = "cd " + dir + " && " + SERRANO_BIN + " " + args + " 2>" + err_file;
  CliRun r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_file);
  std::remove(err_file.c_str());
  return r;
}

// A bad input: exit status 2, exactly this one line on stderr, nothing on stdout.
inline void expect_cli_error(const CliRun& r, const std::string& args, const std::string& message) {
  EXPECT_EQ(r.status, 2) << args;
  EXPECT_EQ(r.err, "serrano: error: " + message + "\n") << args;
  EXPECT_EQ(r.out, "") << args;
}

}  // namespace serrano::testing
