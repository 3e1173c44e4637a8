// SPDX-License-Identifier: Apache-2.0
// The assembler (isa::assemble): parse or isa::AsmError. An accepted program must round-trip
// through its canonical text (disassemble) and through the program file (write_binary,
// read_binary); neither writer may throw for a program the assembler accepted.
#include "fuzz/fuzz_common.h"
#include "isa/assembler.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace serrano;
  isa::Program program;
  try {
    program = isa::assemble(fuzz::as_text(data, size), "fuzz.sasm");
  } catch (const isa::AsmError&) {
    return 0;
  }
  if (isa::assemble(isa::disassemble(program), "round-trip.sasm") != program) {
    fuzz::broken("assemble(disassemble(p)) differs from p");
  }
  const isa::Program binary = isa::read_binary(isa::write_binary(program), "round-trip.sbin");
  if (binary.code != program.code) fuzz::broken("read_binary(write_binary(p)) differs from p");
  return 0;
}
