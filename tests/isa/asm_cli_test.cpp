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

namespace {

struct CmdRun {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// A per-test, per-process temporary path.
std::string temp(const std::string& suffix) {
  const std::string tag = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  return "/tmp/serrano_asm_cli_" + tag + "_" + std::to_string(getpid()) + "_" + suffix;
}

// Runs serrano with `args` (a shell-quoted string).
CmdRun serrano(const std::string& args) {
  const std::string err_file = temp("stderr");
  const std::string cmd =
      std::string("SC_COPYRIGHT_MESSAGE=DISABLE ") + SERRANO_BIN + " " + args + " 2>" + err_file;
  CmdRun r;
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
void expect_error(const std::string& args, const std::string& message) {
  const CmdRun r = serrano(args);
  EXPECT_EQ(r.status, 2) << args;
  EXPECT_EQ(r.err, "serrano: error: " + message + "\n") << args;
  EXPECT_EQ(r.out, "") << args;
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
