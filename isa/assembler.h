// SPDX-License-Identifier: Apache-2.0
// Serrano ISA v1 programs: the assembler and disassembler of the text form (.sasm) and the
// reader and writer of the program file (.sbin). docs/isa.md is the specification.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "isa/instruction.h"

namespace serrano::isa {

// The most instructions a program may have (in text or in a program file).
inline constexpr std::size_t kMaxInstructions = std::size_t(1) << 24;
// The program file: a 16-byte header ("SRNOISA1", uint32 count, 4 zero bytes), then 16 bytes per
// instruction.
inline constexpr char kBinaryMagic[] = "SRNOISA1";
inline constexpr std::size_t kBinaryHeaderBytes = 16;
inline constexpr std::size_t kMaxBinaryBytes =
    kBinaryHeaderBytes + kMaxInstructions * kInstructionBytes;

struct Program {
  std::vector<Instruction> code;
  std::map<std::size_t, std::string> labels;  // instruction index -> its label (text form only)
};

bool operator==(const Program& x, const Program& y);
bool operator!=(const Program& x, const Program& y);

// An error in an assembly text; what() is one line, "<file>:<line>: <message>".
class AsmError : public std::runtime_error {
 public:
  AsmError(const std::string& file, std::size_t line, const std::string& message);
  const std::string& file() const { return m_file; }
  std::size_t line() const { return m_line; }
  const std::string& message() const { return m_message; }

 private:
  std::string m_file;
  std::size_t m_line;
  std::string m_message;
};

struct AsmOptions {
  std::size_t max_instructions = kMaxInstructions;  // more is an error
};

// Assembles a .sasm text; `filename` only names the text in error messages.
Program assemble(const std::string& text, const std::string& filename,
                 const AsmOptions& options = AsmOptions{});

// The canonical text: each labelled instruction preceded by its label, one instruction a line.
// Assembling it gives the same instructions and labels. Throws EncodeError for an invalid
// instruction or label.
std::string disassemble(const Program& program);

// The .sbin bytes of the program (labels are not stored). Throws EncodeError.
std::vector<std::uint8_t> write_binary(const Program& program);

// Reads .sbin bytes; throws DecodeError "<name>: <what is wrong>", with "instruction N: " (N
// counted from 0) before the message of a bad instruction.
Program read_binary(const std::vector<std::uint8_t>& bytes, const std::string& name);

}  // namespace serrano::isa
