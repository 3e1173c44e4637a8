// SPDX-License-Identifier: Apache-2.0
// The program file reader and the instruction decoder (isa::read_binary, isa::decode): parse or
// isa::DecodeError. Decoding is exact: an accepted file is written back byte for byte, and an
// instruction that decodes encodes to the same two words. Besides the whole input as a file, every
// 16-byte slot after the first 16 bytes is decoded on its own, so the decoder is reached even when
// the header is wrong.
#include <cstring>

#include "fuzz/fuzz_common.h"
#include "isa/assembler.h"

namespace {

std::uint64_t le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace serrano;
  const std::vector<std::uint8_t> bytes = fuzz::as_bytes(data, size);
  try {
    const isa::Program program = isa::read_binary(bytes, "fuzz.sbin");
    if (isa::write_binary(program) != bytes) fuzz::broken("write_binary(read_binary(b)) != b");
    // The text form of every decoded program assembles back to it.
    if (isa::assemble(isa::disassemble(program), "round-trip.sasm").code != program.code) {
      fuzz::broken("assemble(disassemble(read_binary(b))) differs");
    }
  } catch (const isa::DecodeError&) {
  }
  for (std::size_t at = isa::kBinaryHeaderBytes; at + isa::kInstructionBytes <= size;
       at += isa::kInstructionBytes) {
    const std::uint64_t w0 = le64(data + at), w1 = le64(data + at + 8);
    try {
      const auto words = isa::encode(isa::decode(w0, w1));
      if (words[0] != w0 || words[1] != w1) fuzz::broken("encode(decode(w0, w1)) != (w0, w1)");
    } catch (const isa::DecodeError&) {
    }
  }
  return 0;
}
