// SPDX-License-Identifier: Apache-2.0
// Runs the real `serrano asm` / `serrano disasm` and checks round trips, exit codes and errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/common/serrano_cli.h"

namespace {

using serrano::testing::slurp;
using CmdRun = serrano::testing::CliRun;

void spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::string temp(const std::string& suffix) { return serrano::testing::temp_path(suffix); }

// Runs serrano with `args` (a shell-quoted string).
CmdRun serrano(const std::string& args) { return serrano::testing::run_serrano(args, "."); }

void expect_error(const std::string& args, const std::string& message) {
  serrano::testing::expect_cli_error(serrano(args), args, message);
}

TEST(AsmCli, DocsExampleRoundTrips) {
  const std::string src = temp("tile16.sasm"), bin = temp("tile16.sbin");
  const std::string dis = temp("tile16.dis.sasm"), bin2 = temp("tile16.2.sbin");
  const std::string example = slurp(std::string(SERRANO_SOURCE_DIR) + "/examples/tile16.sasm");
  ASSERT_NE(example.find("tile:"), std::string::npos);
  spit(src, example);

  CmdRun r = serrano("asm " + src + " -o " + bin);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "");
  const std::string bytes = slurp(bin);
  ASSERT_EQ(bytes.size(), 16u + 8u * 16u);
  EXPECT_EQ(bytes.substr(0, 8), "SRNOISA1");

  // To standard output, then reassembled: the same bytes.
  r = serrano("disasm " + bin);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("        preload wb=0 rows=16 pop_prev\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dram=0x3000"), std::string::npos) << r.out;
  spit(dis, r.out);
  r = serrano("asm " + dis + " -o " + bin2);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(bin2), bytes);

  // With -o: the same text as on standard output.
  const std::string dis2 = temp("tile16.dis2.sasm");
  r = serrano("disasm " + bin + " -o " + dis2);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(slurp(dis2), slurp(dis));

  for (const std::string& f : {src, bin, dis, bin2, dis2}) std::remove(f.c_str());
}

TEST(AsmCli, MalformedTextIsOneLineAndExitTwo) {
  const std::string src = temp("bad.sasm"), bin = temp("bad.sbin");
  spit(src, "# line 1\n.equ A 0\n        matmul sp=A rows=16\n        halt\n");
  expect_error("asm " + src + " -o " + bin, src + ":3: matmul: missing operand acc=");
  EXPECT_EQ(slurp(bin), "");  // nothing written
  spit(src, "halt\nload.sp row=0 rows=1 bytes=1 dram=0 stride=0 pop_prev\n");
  expect_error("asm " + src + " -o " + bin,
               src +
                   ":2: load.sp: pop_prev is invalid in the load queue (it has no previous "
                   "queue)");
  std::remove(src.c_str());
  std::remove(bin.c_str());
}

TEST(AsmCli, BadProgramFiles) {
  const std::string bin = temp("bad.sbin");
  spit(bin, "NOTSERRANO......");
  expect_error("disasm " + bin, bin + ": bad magic (not a Serrano ISA v1 program file)");
  spit(bin, std::string("SRNOISA1\x01\0\0\0\0\0\0\0", 16) + std::string(15, '\0'));
  expect_error("disasm " + bin, bin +
                                    ": size mismatch: header claims 1 instructions (32 bytes), "
                                    "the file has 31 bytes");
  std::string reserved("SRNOISA1\x01\0\0\0\0\0\0\0", 16);
  reserved += std::string("\x07", 1) + std::string(15, '\0');
  spit(bin, reserved);
  expect_error("disasm " + bin, bin + ": instruction 0: reserved opcode 7");
  std::remove(bin.c_str());
}

TEST(AsmCli, MissingFilesAndArguments) {
  expect_error("asm /nonexistent/x.sasm -o /tmp/never.sbin",
               "/nonexistent/x.sasm: cannot read file");
  expect_error("disasm /nonexistent/x.sbin", "/nonexistent/x.sbin: cannot read file");
  const std::string src = temp("ok.sasm");
  spit(src, "halt\n");
  expect_error("asm " + src, "--output is required");
  expect_error("asm " + src + " -o /nonexistent/dir/out.sbin",
               "/nonexistent/dir/out.sbin: cannot write file");
  std::remove(src.c_str());
}

}  // namespace
