// SPDX-License-Identifier: Apache-2.0
// Does the .sbin reader take exactly the format of docs/isa.md and refuse everything else?
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "isa/assembler.h"

namespace serrano::isa {
namespace {

using Bytes = std::vector<std::uint8_t>;

const char* const kProgram =
    "load.sp row=0 rows=16 bytes=16 dram=0x100 stride=16 push_next\n"
    "matmul sp=0 rows=16 acc=0 pop_prev\n"
    "halt\n";

std::string read_error(const Bytes& bytes) {
  try {
    read_binary(bytes, "p.sbin");
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "(no error)";
}

void put_le(Bytes& b, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[at + std::size_t(i)] = std::uint8_t(v >> (8 * i));
}

TEST(IsaBinary, LayoutIsHeaderThenLittleEndianWords) {
  const Bytes b = write_binary(assemble(kProgram, "p.sasm"));
  ASSERT_EQ(b.size(), 16u + 3u * 16u);
  EXPECT_EQ(std::string(b.begin(), b.begin() + 8), "SRNOISA1");
  EXPECT_EQ(b[8], 3);
  EXPECT_EQ(b[9] | b[10] | b[11] | b[12] | b[13] | b[14] | b[15], 0);
  // Instruction 2 (halt) at byte 48: w0 = 0xf little-endian, then w1 = 0.
  EXPECT_EQ(b[48], 0x0f);
  for (std::size_t i = 49; i < 64; ++i) EXPECT_EQ(b[i], 0) << i;
  // Instruction 0, w0 byte 0: opcode 1 | push_next 0x80.
  EXPECT_EQ(b[16], 0x81);
  // Its w1 (bytes 24..31): dram 0x100 in the low bytes.
  EXPECT_EQ(b[24], 0x00);
  EXPECT_EQ(b[25], 0x01);
  const Program p = read_binary(b, "p.sbin");
  EXPECT_EQ(p.code, assemble(kProgram, "p.sasm").code);
  EXPECT_TRUE(p.labels.empty());
}

TEST(IsaBinary, EmptyProgram) {
  const Bytes b = write_binary(Program{});
  EXPECT_EQ(b.size(), 16u);
  EXPECT_TRUE(read_binary(b, "e.sbin").code.empty());
}

TEST(IsaBinaryErrors, BadMagicAndHeader) {
  Bytes b = write_binary(assemble(kProgram, "p.sasm"));
  Bytes bad = b;
  bad[7] = '2';
  EXPECT_EQ(read_error(bad), "p.sbin: bad magic (not a Serrano ISA v1 program file)");
  bad = b;
  bad[13] = 1;
  EXPECT_EQ(read_error(bad), "p.sbin: header bytes 12-15 are not zero");
  EXPECT_EQ(read_error(Bytes(b.begin(), b.begin() + 10)),
            "p.sbin: 10 bytes, too short for the 16-byte header");
  EXPECT_EQ(read_error(Bytes{}), "p.sbin: 0 bytes, too short for the 16-byte header");
}

TEST(IsaBinaryErrors, TruncatedAndOverlongFiles) {
  const Bytes b = write_binary(assemble(kProgram, "p.sasm"));
  EXPECT_EQ(read_error(Bytes(b.begin(), b.end() - 5)),
            "p.sbin: size mismatch: header claims 3 instructions (64 bytes), the file has 59 "
            "bytes");
  Bytes longer = b;
  longer.resize(b.size() + 16);
  EXPECT_EQ(read_error(longer),
            "p.sbin: size mismatch: header claims 3 instructions (64 bytes), the file has 80 "
            "bytes");
}

TEST(IsaBinaryErrors, BadInstructionsAreNamedByIndex) {
  Bytes b = write_binary(assemble(kProgram, "p.sasm"));
  Bytes bad = b;
  bad[16 + 16 * 2] = 0x0b;  // instruction 2: opcode 11
  EXPECT_EQ(read_error(bad), "p.sbin: instruction 2: reserved opcode 11");
  bad = b;
  bad[16 + 16 + 15] = 0x80;  // instruction 1 (matmul): w1 bit 63
  EXPECT_EQ(read_error(bad), "p.sbin: instruction 1: matmul: unused bits w1[63:20] are non-zero");
  bad = b;
  bad[16 + 7] = 0x01;  // instruction 0 (load.sp): w0 bit 56, inside bytes= (fine: bytes=272)
  EXPECT_EQ(read_error(bad), "(no error)");
  bad = b;
  bad[16 + 16 + 6] = 0x02;  // instruction 1 (matmul): w0 bit 49
  EXPECT_EQ(read_error(bad),
            "p.sbin: instruction 1: matmul: unused bits w0[63:49] of field b are "
            "non-zero");
  bad = b;
  bad[16 + 16 * 2 + 4] = 0x01;  // instruction 2 (halt): rows = 1
  EXPECT_EQ(read_error(bad),
            "p.sbin: instruction 2: halt: unused field rows (w0[47:32]) is "
            "non-zero");
}

TEST(IsaBinaryErrors, InstructionCountLimitBeforeAllocating) {
  // A 16-byte header that claims 2^30 instructions: refused on the count alone (reading it would
  // need 16 GiB).
  Bytes b = write_binary(Program{});
  put_le(b, 8, std::uint64_t(1) << 30, 4);
  EXPECT_EQ(read_error(b),
            "p.sbin: header claims 1073741824 instructions, more than the limit of 16777216");
  put_le(b, 8, 0xffffffffu, 4);
  EXPECT_EQ(read_error(b),
            "p.sbin: header claims 4294967295 instructions, more than the limit of 16777216");
  // Exactly the limit is not refused on the count (here: on the size).
  put_le(b, 8, kMaxInstructions, 4);
  EXPECT_EQ(read_error(b),
            "p.sbin: size mismatch: header claims 16777216 instructions "
            "(268435472 bytes), the file has 16 bytes");
}

TEST(IsaBinaryErrors, WriterRefusesInvalidInstructions) {
  Program p = assemble(kProgram, "p.sasm");
  p.code[1].rows = 0;
  try {
    write_binary(p);
    FAIL() << "no error";
  } catch (const EncodeError& e) {
    EXPECT_STREQ(e.what(), "instruction 1: matmul: rows=0 out of range 1 .. 65535");
  }
}

}  // namespace
}  // namespace serrano::isa
