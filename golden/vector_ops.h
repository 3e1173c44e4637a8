// SPDX-License-Identifier: Apache-2.0
// The vector unit's operations (docs/isa.md, "Vector ops" and "Transformer vector ops") as the
// golden library defines them: one instruction applied to on-chip memory rows, and the parameter
// blocks the transformer ops read from the parameter memory. The SystemC model, the interpreter
// of the verification campaign and the tests call execute_vector_op; the RTL must match it bit
// for bit. golden depends on nothing of Serrano's, so the op is named by its `func` number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "golden/nonlinear.h"
#include "golden/norms.h"

namespace serrano::golden {

// The `func` of a `vec` instruction.
enum class VectorFunc : std::uint8_t {
  AddAcc = 0,
  MaxAcc = 1,
  ReluAcc = 2,
  AddSp = 3,
  MaxSp = 4,
  ReluSp = 5,
  Softmax = 6,
  LayerNorm = 7,
  RmsNorm = 8,
  Gelu = 9,
  Lut = 10,
  Swiglu = 11,
  QAdd = 12,
  QMul = 13,
  Rope = 14,
};
inline constexpr unsigned kVectorFuncCount = 15;

// A parameter block that is not valid for its op: "<mnemonic>: parameter <what> ...".
class VectorParamError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// ---- Parameter blocks (docs/isa.md, "Parameter block") ----
//
// Each encoder returns the block's B bytes, to be placed from byte 0 of parameter row `qp` on
// (12 C bytes a row). The norms' block depends on C (one row of C channels per row).
std::vector<std::uint8_t> softmax_block(const SoftmaxI32Params& p);
std::vector<std::uint8_t> norm_block(const NormParams& p, int cols);  // vlayernorm and vrmsnorm
std::vector<std::uint8_t> gelu_block(const GeluErfParams& p);
std::vector<std::uint8_t> lut_block(const LutParams& p);
std::vector<std::uint8_t> swiglu_block(const SwigluParams& p);
std::vector<std::uint8_t> add_block(const AddParams& p);
std::vector<std::uint8_t> mul_block(const MulParams& p);

// The block size B in bytes of `func` (0 for the ops without a block), for a row op over
// n = len x E channels on a chip of `cols` columns.
std::size_t param_block_bytes(VectorFunc func, std::size_t n_channels, int cols);

// ---- Executing one instruction ----

// The on-chip memories as the vector unit sees them.
struct VectorMemories {
  std::int8_t* sp = nullptr;  // sp_rows x sp_width
  std::size_t sp_rows = 0, sp_width = 0;
  std::int32_t* acc = nullptr;  // acc_rows x cols
  std::size_t acc_rows = 0, cols = 0;
  const std::uint8_t* qp = nullptr;  // qp_rows x 12 cols bytes, the DRAM layout of load.qp
  std::size_t qp_rows = 0;
};

// The fields of the instruction (docs/isa.md): rows counts logical rows for the row ops.
struct VectorOpArgs {
  VectorFunc func = VectorFunc::AddAcc;
  std::uint32_t dst = 0, a = 0, b = 0, rows = 0, len = 0, qp = 0;
  std::int8_t imm = 0;
};

// The mnemonic of func ("vsoftmax").
const char* vector_mnemonic(VectorFunc func);

// "" if the instruction may run on these memories, else the reason: an operand's rows outside
// its memory, a parameter block past the parameter rows, a row op longer than 65536 elements or
// whose destination partly overlaps its source, vrope on an odd row width.
std::string check_vector_op(const VectorOpArgs& op, const VectorMemories& mem);

// Applies the instruction (which must pass check_vector_op) to `mem`. Throws VectorParamError for
// an invalid parameter block (a shift outside [-31, 31], a zero point outside int8, ...).
void execute_vector_op(const VectorOpArgs& op, VectorMemories& mem);

}  // namespace serrano::golden
