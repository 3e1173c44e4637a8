// SPDX-License-Identifier: Apache-2.0
// Commands of the matrix unit (array + accumulators + requant), as the RTL controller
// (rtl/serrano_array_ctrl.sv) and the SystemC array unit both execute them.
// The constants mirror rtl/serrano_pkg.sv; tests/rtl/pkg_sync_test.cpp checks that they agree.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace serrano::isa {

// ---- Values shared with rtl/serrano_pkg.sv ----
inline constexpr int kDataBits = 8;
inline constexpr int kAccBits = 32;
inline constexpr int kShiftBits = 6;
inline constexpr int kCmdRowsBits = 16;
inline constexpr int kCmdAddrBits = 32;
inline constexpr int kSramReadLatency = 1;
inline constexpr int kRequantStages = 3;
inline constexpr int kQParamDepth = 256;
inline constexpr std::uint32_t kMaxCmdRows = (1u << kCmdRowsBits) - 1;

enum class ArrayOp : std::uint8_t {
  Preload = 0,  // shift a K x C weight tile (K = rows) into the idle weight buffer
  Stream = 1,   // stream M activation rows through the array into the accumulators
  Requant = 2,  // requantize M accumulator rows to int8 and emit them
};

struct ArrayCmd {
  ArrayOp op = ArrayOp::Preload;
  std::uint32_t rows = 0;      // K (preload) or M (stream, requant); 1 .. kMaxCmdRows
  std::uint32_t src = 0;       // first row: weight buffer (preload), scratchpad (stream),
                               // accumulator (requant)
  std::uint32_t dst = 0;       // first row: accumulator (stream), output (requant)
  std::uint32_t qp_row = 0;    // requant: row of the per-channel parameter memory
  bool accumulate = false;     // stream: add to the accumulators instead of overwriting
  std::int8_t zero_point = 0;  // requant: output zero point
  std::int8_t act_min = -128;  // requant: clamp bounds
  std::int8_t act_max = 127;

  static ArrayCmd preload(std::uint32_t wb_row, std::uint32_t k);
  static ArrayCmd stream(std::uint32_t sp_row, std::uint32_t m, std::uint32_t acc_row,
                         bool accumulate);
  static ArrayCmd requant(std::uint32_t acc_row, std::uint32_t m, std::uint32_t out_row,
                          std::uint32_t qp_row, std::int8_t zero_point, std::int8_t act_min,
                          std::int8_t act_max);
};

// Per-output-channel requantization parameters as stored in the parameter memory.
struct QParam {
  std::int32_t bias = 0;
  std::int32_t multiplier = 0;
  std::int8_t shift = 0;  // [-31, 31]
};

// What a matrix unit holds: its shape and the capacity of each memory in rows.
struct ArrayLimits {
  int rows = 0;                        // R
  int cols = 0;                        // C
  std::uint64_t scratchpad_rows = 0;   // rows of R int8
  std::uint64_t weight_rows = 0;       // rows of C int8
  std::uint64_t accumulator_rows = 0;  // rows of C int32
  std::uint64_t qparam_rows = kQParamDepth;
  std::uint64_t output_rows = 0;  // rows of C int8 the requant may address
};

// The initial memory contents and the command list of one run of the matrix unit.
struct ArrayProgram {
  std::vector<std::int8_t> scratchpad;  // row-major, rows of R bytes
  std::vector<std::int8_t> weights;     // row-major, rows of C bytes
  std::vector<QParam> qparams;          // row-major, rows of C channels
  std::uint64_t output_rows = 0;        // rows of C int8 the program writes
  std::vector<ArrayCmd> cmds;
};

class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws CommandError ("command <index> (<text>): <what is wrong>") if a command is malformed or
// addresses rows outside the limits.
void validate_command(const ArrayCmd& cmd, std::size_t index, const ArrayLimits& limits);
// Checks every command and the sizes of the memory images.
void validate_program(const ArrayProgram& program, const ArrayLimits& limits);

// Text form, e.g. "stream sp=32 rows=16 acc=0 +=" (one line, used in reports and mismatches).
std::string to_string(const ArrayCmd& cmd);
const char* to_string(ArrayOp op);

}  // namespace serrano::isa
