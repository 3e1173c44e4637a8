// SPDX-License-Identifier: Apache-2.0
// What the program campaign needs to know about a chip (row widths, capacities, banks) and which
// on-chip rows and DRAM bytes each instruction reads and writes, for hazard analysis.
#pragma once

#include <cstdint>
#include <vector>

#include "arch/arch_config.h"
#include "isa/instruction.h"

namespace serrano::verify {

// Memories by isa::Mem (sp, wb, acc, qp); rows and widths as the chip model defines them
// (docs/isa.md: a scratchpad row is max(R, C) bytes).
struct ChipGeometry {
  std::uint32_t R = 0, C = 0, W = 0;
  std::uint64_t rows[4] = {0, 0, 0, 0};         // capacity in rows
  std::uint32_t row_bytes[4] = {0, 0, 0, 0};    // bytes of one row in DRAM
  std::uint32_t unit_bytes[4] = {1, 1, 4, 12};  // a DMA moves whole elements / records
  std::uint32_t banks[4] = {1, 1, 1, 1};
  std::uint32_t lanes = 1;
};

ChipGeometry geometry(const arch::ArchConfig& cfg);

// An address space an instruction touches: the four on-chip memories (rows) and DRAM (bytes).
enum class Space : std::uint8_t { Sp = 0, Wb = 1, Acc = 2, Qp = 3, Dram = 4 };

struct Range {
  Space space = Space::Sp;
  std::uint64_t lo = 0, hi = 0;  // [lo, hi): rows, or DRAM bytes
};

struct Accesses {
  std::vector<Range> reads, writes;
};

// Rows a partial-row DMA touches count as whole rows; a strided DMA counts its whole DRAM span
// [dram, dram + (rows - 1) x stride + bytes). Both are conservative: more order, never less.
// The parameter rows of vlayernorm / vrmsnorm depend on the chip's widths: they count as every
// parameter row from qp= on.
Accesses accesses_of(const isa::Instruction& inst);

bool overlap(const Range& a, const Range& b);
// True when one of x and y writes what the other reads or writes (RAW, WAR or WAW).
bool conflict(const Accesses& x, const Accesses& y);


}  // namespace serrano::verify
