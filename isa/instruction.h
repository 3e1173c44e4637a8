// SPDX-License-Identifier: Apache-2.0
// Serrano ISA v1 (docs/isa.md): one 128-bit instruction, its fields, and its encoding.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace serrano::isa {

inline constexpr unsigned kIsaVersion = 1;
inline constexpr std::size_t kInstructionBytes = 16;

// Largest values of the fields (docs/isa.md, "Encoding").
inline constexpr std::uint32_t kMaxRow = (1u << 20) - 1;       // a 20-bit row address
inline constexpr std::uint32_t kMaxRowCount = (1u << 16) - 1;  // rows=
inline constexpr std::uint32_t kMaxBytes = (1u << 16) - 1;     // bytes=
inline constexpr std::uint64_t kMaxDramAddr = (std::uint64_t(1) << 40) - 1;
inline constexpr std::uint32_t kMaxDramStride = (1u << 24) - 1;
inline constexpr std::uint32_t kMaxQpRow = (1u << 8) - 1;
inline constexpr std::uint32_t kMaxLen = (1u << 16) - 1;       // len= of the row vector ops

enum class Opcode : std::uint8_t {
  Sync = 0,
  Load = 1,
  Store = 2,
  Preload = 3,
  Matmul = 4,
  Requant = 5,
  Vec = 6,
  Halt = 15,  // 7 .. 14 are reserved
};

enum class Queue : std::uint8_t { Load = 0, Compute = 1, Store = 2 };

enum class Mem : std::uint8_t { Sp = 0, Wb = 1, Acc = 2, Qp = 3 };

enum class VecOp : std::uint8_t {
  AddAcc = 0,   // vadd.acc: d = wrap32(a + b)
  MaxAcc = 1,   // vmax.acc: d = max(a, b)
  ReluAcc = 2,  // vrelu.acc: d = max(a, 0)
  AddSp = 3,    // vadd.sp: d = sat8(a + b)
  MaxSp = 4,    // vmax.sp: d = max(a, b)
  ReluSp = 5,   // vrelu.sp: d = max(a, imm)
  // Transformer ops (docs/isa.md, "Transformer vector ops"): golden/vector_ops.h defines them.
  Softmax = 6,    // vsoftmax: acc rows -> sp rows, softmax_i32 over len rows
  LayerNorm = 7,  // vlayernorm: sp -> sp over len rows
  RmsNorm = 8,    // vrmsnorm: sp -> sp over len rows
  Gelu = 9,       // vgelu: erf-form GELU
  Lut = 10,       // vlut: 256-entry int8 table
  Swiglu = 11,    // vswiglu: silu(a) * b
  QAdd = 12,      // vqadd: requantized add
  QMul = 13,      // vqmul: requantized multiply
  Rope = 14,      // vrope: rotary embedding, cos/sin from acc rows b
};
inline constexpr unsigned kVecOpCount = 15;

// Cycles the vector unit spends per logical row on its reciprocal (vsoftmax) and on its square
// root and reciprocal (the norms), beyond the passes over the rows. An explicit assumption
// (docs/isa.md, "Timing"); rtl/serrano_chip_pkg.sv holds the same numbers.
inline constexpr std::uint64_t kVecSoftmaxFixedCycles = 8;
inline constexpr std::uint64_t kVecNormFixedCycles = 16;

// What a vector op reads and writes (docs/isa.md).
bool vec_is_row_op(VecOp op);     // vsoftmax, vlayernorm, vrmsnorm: `len` memory rows per row
bool vec_reads_acc(VecOp op);     // operand a or b in the accumulators
bool vec_reads_sp(VecOp op);      // operand a or b in the scratchpad
bool vec_writes_acc(VecOp op);    // dst in the accumulators (else the scratchpad)
bool vec_a_on_acc(VecOp op);
bool vec_has_b(VecOp op);
bool vec_b_on_acc(VecOp op);
// Bytes of the op's parameter block (0: none) for a logical row of n elements, C columns; and
// the parameter rows it occupies, Q = ceil(B / 12C).
std::uint64_t vec_param_bytes(VecOp op, std::uint64_t n, std::uint64_t cols);
std::uint64_t vec_param_rows(VecOp op, std::uint64_t n, std::uint64_t cols);
// c - t of a vec started (issued to the unit) in cycle t: 2 + Q + rows x T_row, with E the
// elements of a memory row of its source (W scratchpad, C accumulators).
std::uint64_t vec_cycles(const struct Instruction& inst, std::uint64_t sp_width, std::uint64_t cols,
                         std::uint64_t lanes);
// Adds the on-chip bytes a vec reads and writes, by isa::Mem: each operand row once a pass (the
// softmax makes 3 passes, the norms 2), each result row once, the parameter rows it reads (the
// norms re-read their channel rows every logical row).
void add_vec_sram_bytes(const struct Instruction& inst, std::uint64_t sp_width, std::uint64_t cols,
                        std::uint64_t read[4], std::uint64_t write[4]);

// Dependency-token flags (w0[7:4]).
struct Deps {
  bool pop_prev = false;
  bool pop_next = false;
  bool push_prev = false;
  bool push_next = false;
};

// One decoded instruction. The fields are named after the assembly operands; a field the opcode
// does not use must be zero (false). Which fields an opcode uses:
//   sync     sync_queue
//   load     mem, row, rows, bytes, dram_addr, dram_stride
//   store    mem (Sp or Acc), row, rows, bytes, dram_addr, dram_stride
//   preload  wb_row, rows
//   matmul   sp_row, rows, acc_row, accumulate
//   requant  acc_row, rows, sp_row, qp_row, zero_point, act_min, act_max
//   vec      vec_op, dst, src_a, src_b (two-operand ops), rows, imm (vrelu.sp, vrope),
//            qp_row (ops with a parameter block), len (row ops)
//   halt     nothing (and no dependency flags)
// All take deps, except halt.
struct Instruction {
  Opcode opcode = Opcode::Halt;
  Deps deps;
  Queue sync_queue = Queue::Load;  // sync: the queue it runs in (func)
  Mem mem = Mem::Sp;               // load, store: the on-chip memory (func)
  VecOp vec_op = VecOp::AddAcc;    // vec: the operation (func)
  std::uint32_t row = 0;           // load, store: first on-chip row (row=)
  std::uint32_t rows = 0;          // number of rows (rows=), 1 .. 65535; 0 for sync and halt
  std::uint32_t bytes = 0;         // load, store: bytes per row (bytes=), 1 .. 65535
  std::uint64_t dram_addr = 0;     // load, store: DRAM byte address of the first row (dram=)
  std::uint32_t dram_stride = 0;   // load, store: DRAM bytes between rows (stride=)
  std::uint32_t wb_row = 0;        // preload: first weight-buffer row (wb=)
  std::uint32_t sp_row = 0;        // matmul: first source row; requant: first destination (sp=)
  std::uint32_t acc_row = 0;       // matmul: first destination row; requant: first source (acc=)
  bool accumulate = false;         // matmul: add to the accumulators instead of overwriting
  std::uint32_t qp_row = 0;        // requant: row of the parameter memory (qp=), 0 .. 255
  std::int8_t zero_point = 0;      // requant: output zero point (zp=)
  std::int8_t act_min = 0;         // requant: clamp bounds (min=, max=)
  std::int8_t act_max = 0;
  std::uint32_t dst = 0;    // vec: first destination row (dst=)
  std::uint32_t src_a = 0;  // vec: first row of operand a (a=)
  std::uint32_t src_b = 0;  // vec: first row of operand b (b=)
  std::int8_t imm = 0;      // vec: int8 immediate (imm=, vrelu.sp and vrope)
  std::uint32_t len = 0;    // vec row ops: memory rows per logical row (len=), 1 .. 65535
};

bool operator==(const Deps& x, const Deps& y);
bool operator!=(const Deps& x, const Deps& y);
bool operator==(const Instruction& x, const Instruction& y);
bool operator!=(const Instruction& x, const Instruction& y);

// An instruction that cannot be encoded: "<mnemonic>: <what is wrong>".
class EncodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Two words that are not a valid instruction, or a malformed program file.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The queue an instruction runs in. HALT runs in none (it ends dispatch); it is reported as
// Queue::Compute, so test the opcode first where that matters.
Queue queue_of(const Instruction& inst);

// Checks every field and flag (the same checks as encode, without encoding); throws EncodeError.
void validate(const Instruction& inst);

// w0 then w1. Throws EncodeError if a field is out of range, a field the opcode does not use is
// not zero, or a dependency flag is invalid in the instruction's queue.
std::array<std::uint64_t, 2> encode(const Instruction& inst);

// Throws DecodeError naming the field: reserved opcode, invalid func, non-zero unused field,
// out-of-range value (rows=0, bytes=0) or a flag that is invalid in the queue.
Instruction decode(std::uint64_t w0, std::uint64_t w1);

// The mnemonic, e.g. "load.sp", "vrelu.acc", "halt". Throws EncodeError for an invalid opcode or
// func-derived field.
std::string mnemonic(const Instruction& inst);

// The canonical assembly line (no label, no indentation), e.g.
// "load.sp row=0 rows=16 bytes=16 dram=0x1000 stride=16 push_next". Throws EncodeError if the
// instruction is not valid.
std::string to_text(const Instruction& inst);

const char* to_string(Opcode op);  // "sync" .. "halt", "reserved" for 7 .. 14
const char* to_string(Queue q);    // "load", "compute", "store"
const char* to_string(Mem m);      // "sp", "wb", "acc", "qp"

// ---- The instruction forms: one per mnemonic (the table the assembler works from) ----

// An operand `key=value` of the assembly syntax; each maps to one field of Instruction.
enum class Operand : std::uint8_t {
  Row,
  Rows,
  Bytes,
  Dram,
  Stride,
  Wb,
  Sp,
  Acc,
  Qp,
  Zp,
  Min,
  Max,
  Dst,
  A,
  B,
  Imm,
  Len
};
inline constexpr std::size_t kOperandCount = 17;

struct OperandInfo {
  const char* key;  // "row", "rows", ..., as written before '='
  std::int64_t min;
  std::int64_t max;
};
const OperandInfo& info(Operand op);

// Where an operand of a form lies: bits [lsb, lsb + width) of w0 (word 0) or w1 (word 1).
struct OperandField {
  Operand operand;
  std::uint8_t word;
  std::uint8_t lsb;
  std::uint8_t width;
};

struct Form {
  const char* mnemonic;
  Opcode opcode;
  std::uint8_t func;
  std::vector<OperandField> fields;  // in canonical (disassembly) order
  bool has_accumulate;               // matmul: the `accumulate` flag, w0[48]
};

const std::vector<Form>& forms();
const Form* find_form(const std::string& mnemonic);  // nullptr for an unknown mnemonic
const Form& form_of(const Instruction& inst);        // throws EncodeError
Instruction make_instruction(const Form& form);      // opcode and func-derived field set

// The operand's field as a signed value, and setting it (the value must be in range).
std::int64_t get_operand(const Instruction& inst, Operand op);
void set_operand(Instruction& inst, Operand op, std::int64_t value);

// "" if `value` is in range for the operand, else "<mnemonic>: <key>=<value> out of range
// <min> .. <max>".
std::string check_operand(const Form& form, Operand op, std::int64_t value);

// "" if the dependency flags are valid for the form's queue, else the message.
std::string check_deps(const Form& form, const Deps& deps);

}  // namespace serrano::isa
