// SPDX-License-Identifier: Apache-2.0
// Does the assembler accept the syntax of docs/isa.md, reject everything else with a one-line
// "<file>:<line>: <message>", and does its disassembly reassemble to the same bytes?
#include "isa/assembler.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace serrano::isa {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The example program of docs/isa.md (the code block after "Example, one 16 x 16 x 16 tile").
std::string docs_example() {
  const std::string doc = slurp(std::string(SERRANO_SOURCE_DIR) + "/docs/isa.md");
  const std::size_t at = doc.find("Example, one 16 x 16 x 16 tile");
  if (at == std::string::npos) return "";
  const std::size_t begin = doc.find("```\n", at) + 4;
  return doc.substr(begin, doc.find("```", begin) - begin);
}

// The message of the AsmError `text` raises, or "(no error)".
std::string asm_error(const std::string& text, const AsmOptions& options = AsmOptions{}) {
  try {
    assemble(text, "prog.sasm", options);
  } catch (const AsmError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* const kLoad = "load.sp row=0 rows=1 bytes=1 dram=0 stride=0";

TEST(IsaAsm, DocsExampleAssembles) {
  const std::string text = docs_example();
  ASSERT_FALSE(text.empty()) << "no example in docs/isa.md";
  const Program p = assemble(text, "isa.md");
  ASSERT_EQ(p.code.size(), 8u);
  EXPECT_EQ(p.labels, (std::map<std::size_t, std::string>{{3, "tile"}}));
  EXPECT_EQ(p.code[2].mem, Mem::Qp);
  EXPECT_EQ(p.code[2].bytes, 192u);
  EXPECT_EQ(p.code[2].dram_addr, 0x2000u);
  EXPECT_TRUE(p.code[2].deps.push_next);
  EXPECT_EQ(p.code[5].act_min, -128);
  EXPECT_EQ(p.code[5].sp_row, 16u);
  EXPECT_EQ(p.code[6].dram_addr, 0x3000u);
  EXPECT_EQ(p.code[7].opcode, Opcode::Halt);
}

TEST(IsaAsm, DocsExampleDisassemblesCanonically) {
  const Program p = assemble(docs_example(), "isa.md");
  const std::string text = disassemble(p);
  EXPECT_EQ(text,
            "        load.sp row=0 rows=16 bytes=16 dram=0x0 stride=16\n"
            "        load.wb row=0 rows=16 bytes=16 dram=0x1000 stride=16\n"
            "        load.qp row=0 rows=1 bytes=192 dram=0x2000 stride=192 push_next\n"
            "tile:   preload wb=0 rows=16 pop_prev\n"
            "        matmul sp=0 rows=16 acc=0\n"
            "        requant acc=0 rows=16 sp=16 qp=0 zp=0 min=-128 max=127 push_next\n"
            "        store.sp row=16 rows=16 bytes=16 dram=0x3000 stride=16 pop_prev\n"
            "        halt\n");
  const Program again = assemble(text, "disasm.sasm");
  EXPECT_EQ(again, p);
  EXPECT_EQ(write_binary(again), write_binary(p));
  EXPECT_EQ(disassemble(again), text);
}

TEST(IsaAsm, ExamplesFileIsTheDocsExample) {
  const Program file =
      assemble(slurp(std::string(SERRANO_SOURCE_DIR) + "/examples/tile16.sasm"), "tile16.sasm");
  EXPECT_EQ(file, assemble(docs_example(), "isa.md"));
}

TEST(IsaAsm, SyntaxDetails) {
  const Program p = assemble(
      "; a comment\r\n"
      "\n"
      ".equ BASE 0X10  # upper-case hex prefix\n"
      ".equ NEG -5\n"
      ".equ ALIAS BASE\n"
      "first:\n"
      "   # a label on its own line names the next instruction\n"
      "  vrelu.sp dst=ALIAS a=0xAb rows=1 imm=NEG ; trailing comment\r\n"
      "second:halt\n",
      "s.sasm");
  ASSERT_EQ(p.code.size(), 2u);
  EXPECT_EQ(p.code[0].dst, 16u);
  EXPECT_EQ(p.code[0].src_a, 0xabu);
  EXPECT_EQ(p.code[0].imm, -5);
  EXPECT_EQ(p.labels, (std::map<std::size_t, std::string>{{0, "first"}, {1, "second"}}));
  // A long label goes on its own line in the disassembly.
  Program q;
  q.code.resize(1);
  q.labels[0] = "a_rather_long.label";
  EXPECT_EQ(disassemble(q), "a_rather_long.label:\n        halt\n");
  EXPECT_EQ(assemble(disassemble(q), "q.sasm"), q);
  EXPECT_TRUE(assemble("", "empty.sasm").code.empty());
}

// ---- Errors: one line, "<file>:<line>: <message>" ----

TEST(IsaAsmErrors, ErrorCarriesFileLineAndMessage) {
  try {
    assemble("halt\n\n  bogus x=1\n", "dir/prog.sasm");
    FAIL() << "no error";
  } catch (const AsmError& e) {
    EXPECT_STREQ(e.what(), "dir/prog.sasm:3: unknown mnemonic 'bogus'");
    EXPECT_EQ(e.file(), "dir/prog.sasm");
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.message(), "unknown mnemonic 'bogus'");
  }
}

TEST(IsaAsmErrors, MissingOperandAsInTheDocs) {
  std::string text;
  for (int i = 0; i < 6; ++i) text += "halt\n";
  text += "matmul sp=0 rows=16\n";
  EXPECT_EQ(asm_error(text), "prog.sasm:7: matmul: missing operand acc=");
}

TEST(IsaAsmErrors, UnknownDuplicateAndValuelessOperands) {
  EXPECT_EQ(asm_error("preload wb=0 rows=1 sp=3"), "prog.sasm:1: preload: unknown operand 'sp='");
  EXPECT_EQ(asm_error("preload wb=0 rows=1 accumulate"),
            "prog.sasm:1: preload: unknown flag 'accumulate'");
  EXPECT_EQ(asm_error("halt now"), "prog.sasm:1: halt: unknown flag 'now'");
  EXPECT_EQ(asm_error("matmul sp=0 rows=1 acc=0 sp=1"),
            "prog.sasm:1: matmul: duplicate operand sp=");
  EXPECT_EQ(asm_error("matmul sp=0 rows=1 acc=0 pop_prev pop_prev"),
            "prog.sasm:1: matmul: duplicate flag pop_prev");
  EXPECT_EQ(asm_error("matmul sp rows=1 acc=0"), "prog.sasm:1: matmul: operand sp= needs a value");
  EXPECT_EQ(asm_error("matmul sp= rows=1 acc=0"), "prog.sasm:1: matmul: sp=: missing value");
  EXPECT_EQ(asm_error("matmul =3 sp=0 rows=1 acc=0"),
            "prog.sasm:1: matmul: malformed operand '=3'");
  EXPECT_EQ(asm_error("vrelu.acc dst=0 a=0 b=0 rows=1"),
            "prog.sasm:1: vrelu.acc: unknown operand 'b='");
}

TEST(IsaAsmErrors, ValuesOutOfRange) {
  EXPECT_EQ(asm_error("load.sp row=1048576 rows=1 bytes=1 dram=0 stride=0"),
            "prog.sasm:1: load.sp: row=1048576 out of range 0 .. 1048575");
  EXPECT_EQ(asm_error("load.sp row=-1 rows=1 bytes=1 dram=0 stride=0"),
            "prog.sasm:1: load.sp: row=-1 out of range 0 .. 1048575");
  EXPECT_EQ(asm_error("store.acc row=0 rows=65536 bytes=1 dram=0 stride=0"),
            "prog.sasm:1: store.acc: rows=65536 out of range 1 .. 65535");
  EXPECT_EQ(asm_error("load.acc row=0 rows=1 bytes=65536 dram=0 stride=0"),
            "prog.sasm:1: load.acc: bytes=65536 out of range 1 .. 65535");
  EXPECT_EQ(asm_error("load.wb row=0 rows=1 bytes=1 dram=0x10000000000 stride=0"),
            "prog.sasm:1: load.wb: dram=1099511627776 out of range 0 .. 1099511627775");
  EXPECT_EQ(asm_error("load.wb row=0 rows=1 bytes=1 dram=0 stride=16777216"),
            "prog.sasm:1: load.wb: stride=16777216 out of range 0 .. 16777215");
  EXPECT_EQ(asm_error("requant acc=0 rows=1 sp=0 qp=256 zp=0 min=0 max=0"),
            "prog.sasm:1: requant: qp=256 out of range 0 .. 255");
  EXPECT_EQ(asm_error("requant acc=0 rows=1 sp=0 qp=0 zp=128 min=0 max=0"),
            "prog.sasm:1: requant: zp=128 out of range -128 .. 127");
  EXPECT_EQ(asm_error("requant acc=0 rows=1 sp=0 qp=0 zp=0 min=-129 max=0"),
            "prog.sasm:1: requant: min=-129 out of range -128 .. 127");
  EXPECT_EQ(asm_error("vrelu.sp dst=0 a=0 rows=1 imm=0xff"),
            "prog.sasm:1: vrelu.sp: imm=255 out of range -128 .. 127");
  EXPECT_EQ(asm_error("vadd.sp dst=0 a=0 b=1048576 rows=1"),
            "prog.sasm:1: vadd.sp: b=1048576 out of range 0 .. 1048575");
}

TEST(IsaAsmErrors, ZeroRows) {
  EXPECT_EQ(asm_error("matmul sp=0 rows=0 acc=0"),
            "prog.sasm:1: matmul: rows=0 out of range 1 .. 65535");
  EXPECT_EQ(asm_error(".equ Z 0\npreload wb=0 rows=Z"),
            "prog.sasm:2: preload: rows=0 out of range 1 .. 65535");
}

TEST(IsaAsmErrors, FlagsInvalidInTheQueue) {
  EXPECT_EQ(asm_error("load.wb row=0 rows=1 bytes=1 dram=0 stride=0 pop_prev"),
            "prog.sasm:1: load.wb: pop_prev is invalid in the load queue (it has no previous "
            "queue)");
  EXPECT_EQ(asm_error("store.sp row=0 rows=1 bytes=1 dram=0 stride=0 push_next"),
            "prog.sasm:1: store.sp: push_next is invalid in the store queue (it has no next "
            "queue)");
  EXPECT_EQ(asm_error("sync.load push_prev"),
            "prog.sasm:1: sync.load: push_prev is invalid in the load queue (it has no previous "
            "queue)");
  EXPECT_EQ(asm_error("halt pop_prev"),
            "prog.sasm:1: halt: pop_prev is invalid (halt runs in no queue and takes no flags)");
  EXPECT_EQ(asm_error("sync.compute pop_prev pop_next push_prev push_next"), "(no error)");
}

TEST(IsaAsmErrors, Symbols) {
  EXPECT_EQ(asm_error("load.sp row=0 rows=1 bytes=1 dram=W stride=0"),
            "prog.sasm:1: load.sp: dram=W: undefined symbol 'W'");
  // A constant must be defined before it is used.
  EXPECT_EQ(asm_error("load.sp row=0 rows=1 bytes=1 dram=W stride=0\n.equ W 4"),
            "prog.sasm:1: load.sp: dram=W: undefined symbol 'W'");
  // Labels are not values (there are no branches).
  EXPECT_EQ(asm_error("x: halt\npreload wb=x rows=1"),
            "prog.sasm:2: preload: wb=x: undefined symbol 'x'");
  EXPECT_EQ(asm_error(".equ A 1\n.equ A 2"),
            "prog.sasm:2: .equ: symbol 'A' already defined at line 1");
  EXPECT_EQ(asm_error(".equ A"), "prog.sasm:1: .equ: expected '.equ NAME VALUE'");
  EXPECT_EQ(asm_error(".equ 9A 1"), "prog.sasm:1: .equ: invalid name '9A'");
  EXPECT_EQ(asm_error(".equ A B"), "prog.sasm:1: .equ A B: undefined symbol 'B'");
  EXPECT_EQ(asm_error(".org 5"), "prog.sasm:1: unknown directive '.org'");
}

TEST(IsaAsmErrors, MalformedNumbers) {
  EXPECT_EQ(asm_error("preload wb=12x rows=1"),
            "prog.sasm:1: preload: wb=12x: malformed number '12x'");
  EXPECT_EQ(asm_error("preload wb=-0x5 rows=1"),
            "prog.sasm:1: preload: wb=-0x5: malformed number '-0x5'");
  EXPECT_EQ(asm_error("preload wb=0x rows=1"),
            "prog.sasm:1: preload: wb=0x: malformed number '0x'");
  EXPECT_EQ(asm_error("preload wb=$3 rows=1"),
            "prog.sasm:1: preload: wb=$3: malformed number '$3'");
  EXPECT_EQ(asm_error(".equ BIG 99999999999999999999"),
            "prog.sasm:1: .equ BIG 99999999999999999999: malformed number '99999999999999999999'");
  EXPECT_EQ(asm_error(".equ BIG 0x10000000000000000"),
            "prog.sasm:1: .equ BIG 0x10000000000000000: malformed number '0x10000000000000000'");
  EXPECT_EQ(asm_error(".equ MIN -9223372036854775808\n.equ MAX 9223372036854775807"), "(no error)");
}

TEST(IsaAsmErrors, Labels) {
  EXPECT_EQ(asm_error("x: halt\nhalt\nx: halt"),
            "prog.sasm:3: duplicate label 'x' (first defined at line 1)");
  EXPECT_EQ(asm_error("a:\nb: halt"),
            "prog.sasm:2: label 'b' names the same instruction as label 'a' (line 1)");
  EXPECT_EQ(asm_error("halt\nend:\n# nothing follows\n"),
            "prog.sasm:2: label 'end' names no instruction");
  EXPECT_EQ(asm_error("1x: halt"), "prog.sasm:1: invalid label name '1x'");
  EXPECT_EQ(asm_error(": halt"), "prog.sasm:1: missing label name before ':'");
  EXPECT_EQ(asm_error("c: .equ A 1\nhalt"),
            "prog.sasm:1: label 'c' must name an instruction, not .equ");
}

TEST(IsaAsmErrors, InstructionLimit) {
  AsmOptions small;
  small.max_instructions = 3;
  EXPECT_EQ(asm_error("halt\nhalt\nhalt\n", small), "(no error)");
  EXPECT_EQ(asm_error("halt\nhalt\nhalt\n# fourth:\nhalt\n", small),
            "prog.sasm:5: more than 3 instructions (the limit of a program)");
  EXPECT_EQ(AsmOptions{}.max_instructions, std::size_t(16777216));
}

TEST(IsaDisasm, RejectsProgramsThatWouldNotReassemble) {
  Program p;
  p.code.resize(2);
  p.labels[2] = "past_the_end";
  EXPECT_THROW(disassemble(p), EncodeError);
  p.labels = {{0, "has space"}};
  EXPECT_THROW(disassemble(p), EncodeError);
  p.labels = {{0, "same"}, {1, "same"}};
  EXPECT_THROW(disassemble(p), EncodeError);
  p.labels.clear();
  p.code[1].rows = 3;  // halt with rows
  EXPECT_THROW(disassemble(p), EncodeError);
}

}  // namespace
}  // namespace serrano::isa
