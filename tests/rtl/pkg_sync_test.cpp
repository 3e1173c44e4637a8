// SPDX-License-Identifier: Apache-2.0
// rtl/serrano_pkg.sv and isa/array_cmd.h state the same constants; this test reads the package
// source and fails if any of them drift apart.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "arch/arch_config.h"
#include "isa/array_cmd.h"

namespace {

std::map<std::string, long> package_values() {
  std::ifstream f(std::string(SERRANO_SOURCE_DIR) + "/rtl/serrano_pkg.sv");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  std::map<std::string, long> values;
  const std::regex param(R"(parameter\s+int\s+(\w+)\s*=\s*(\d+)\s*;)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), param);
       it != std::sregex_iterator(); ++it) {
    values[(*it)[1]] = std::stol((*it)[2]);
  }
  const std::regex enumerator(R"((Cmd\w+)\s*=\s*2'd(\d))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), enumerator);
       it != std::sregex_iterator(); ++it) {
    values[(*it)[1]] = std::stol((*it)[2]);
  }
  return values;
}

TEST(PackageSync, ConstantsAgree) {
  const auto v = package_values();
  using namespace serrano::isa;
  ASSERT_EQ(v.size(), 13u) << "serrano_pkg.sv changed shape: update this test and isa/array_cmd.h";
  EXPECT_EQ(v.at("DataW"), kDataBits);
  EXPECT_EQ(v.at("AccW"), kAccBits);
  EXPECT_EQ(v.at("ShiftW"), kShiftBits);
  EXPECT_EQ(v.at("CmdRowsW"), kCmdRowsBits);
  EXPECT_EQ(v.at("CmdAddrW"), kCmdAddrBits);
  EXPECT_EQ(v.at("SramReadLatency"), kSramReadLatency);
  EXPECT_EQ(v.at("RequantStages"), kRequantStages);
  EXPECT_EQ(v.at("QParamDepth"), kQParamDepth);
  EXPECT_EQ(v.at("CmdPreload"), static_cast<long>(ArrayOp::Preload));
  EXPECT_EQ(v.at("CmdStream"), static_cast<long>(ArrayOp::Stream));
  EXPECT_EQ(v.at("CmdRequant"), static_cast<long>(ArrayOp::Requant));
  // The Dataflow parameter: the values testbench/chip/CMakeLists.txt passes for ws and os.
  EXPECT_EQ(v.at("DataflowWs"), static_cast<long>(serrano::arch::Dataflow::WeightStationary));
  EXPECT_EQ(v.at("DataflowOs"), static_cast<long>(serrano::arch::Dataflow::OutputStationary));
}

}  // namespace
