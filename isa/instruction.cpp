// SPDX-License-Identifier: Apache-2.0
#include "isa/instruction.h"

#include <fmt/format.h>

#include <limits>

namespace serrano::isa {

namespace {

constexpr std::uint64_t mask_of(unsigned width) {
  return width >= 64 ? ~std::uint64_t(0) : (std::uint64_t(1) << width) - 1;
}

// Bits of w0 every instruction uses: opcode, flags, func.
constexpr std::uint64_t kHeaderBits = 0xfff;
constexpr unsigned kAccumulateBit = 48;

// Fields of w0 named in docs/isa.md, for messages about unused bits.
struct W0Field {
  const char* name;
  unsigned lsb;
  unsigned width;
};
constexpr W0Field kW0Fields[] = {{"a", 12, 20}, {"rows", 32, 16}, {"b", 48, 16}};

OperandField w0a(Operand op) { return {op, 0, 12, 20}; }
OperandField w0rows() { return {Operand::Rows, 0, 32, 16}; }
OperandField w1(Operand op, std::uint8_t lsb, std::uint8_t width) { return {op, 1, lsb, width}; }

std::vector<Form> make_forms() {
  const std::vector<OperandField> dma = {w0a(Operand::Row),
                                         w0rows(),
                                         {Operand::Bytes, 0, 48, 16},
                                         w1(Operand::Dram, 0, 40),
                                         w1(Operand::Stride, 40, 24)};
  const std::vector<OperandField> vec2 = {w0a(Operand::Dst), w1(Operand::A, 0, 20),
                                          w1(Operand::B, 20, 20), w0rows()};
  const std::vector<OperandField> vec1 = {w0a(Operand::Dst), w1(Operand::A, 0, 20), w0rows()};
  std::vector<OperandField> vec1_imm = vec1;
  vec1_imm.push_back({Operand::Imm, 0, 48, 8});
  const OperandField qp = w1(Operand::Qp, 40, 8);
  const std::vector<OperandField> vec_row = {w0a(Operand::Dst), w1(Operand::A, 0, 20), w0rows(),
                                             w1(Operand::Len, 48, 16), qp};
  const std::vector<OperandField> vec1_qp = {w0a(Operand::Dst), w1(Operand::A, 0, 20), w0rows(),
                                             qp};
  const std::vector<OperandField> vec2_qp = {w0a(Operand::Dst), w1(Operand::A, 0, 20),
                                             w1(Operand::B, 20, 20), w0rows(), qp};
  std::vector<OperandField> vec2_imm = vec2;
  vec2_imm.push_back({Operand::Imm, 0, 48, 8});
  return {
      {"sync.load", Opcode::Sync, 0, {}, false},
      {"sync.compute", Opcode::Sync, 1, {}, false},
      {"sync.store", Opcode::Sync, 2, {}, false},
      {"load.sp", Opcode::Load, 0, dma, false},
      {"load.wb", Opcode::Load, 1, dma, false},
      {"load.acc", Opcode::Load, 2, dma, false},
      {"load.qp", Opcode::Load, 3, dma, false},
      {"store.sp", Opcode::Store, 0, dma, false},
      {"store.acc", Opcode::Store, 2, dma, false},
      {"preload", Opcode::Preload, 0, {w0a(Operand::Wb), w0rows()}, false},
      {"matmul", Opcode::Matmul, 0, {w0a(Operand::Sp), w0rows(), w1(Operand::Acc, 0, 20)}, true},
      {"requant",
       Opcode::Requant,
       0,
       {w0a(Operand::Acc), w0rows(), w1(Operand::Sp, 0, 20), w1(Operand::Qp, 20, 8),
        w1(Operand::Zp, 28, 8), w1(Operand::Min, 36, 8), w1(Operand::Max, 44, 8)},
       false},
      {"vadd.acc", Opcode::Vec, 0, vec2, false},
      {"vmax.acc", Opcode::Vec, 1, vec2, false},
      {"vrelu.acc", Opcode::Vec, 2, vec1, false},
      {"vadd.sp", Opcode::Vec, 3, vec2, false},
      {"vmax.sp", Opcode::Vec, 4, vec2, false},
      {"vrelu.sp", Opcode::Vec, 5, vec1_imm, false},
      {"vsoftmax", Opcode::Vec, 6, vec_row, false},
      {"vlayernorm", Opcode::Vec, 7, vec_row, false},
      {"vrmsnorm", Opcode::Vec, 8, vec_row, false},
      {"vgelu", Opcode::Vec, 9, vec1_qp, false},
      {"vlut", Opcode::Vec, 10, vec1_qp, false},
      {"vswiglu", Opcode::Vec, 11, vec2_qp, false},
      {"vqadd", Opcode::Vec, 12, vec2_qp, false},
      {"vqmul", Opcode::Vec, 13, vec2_qp, false},
      {"vrope", Opcode::Vec, 14, vec2_imm, false},
      {"halt", Opcode::Halt, 0, {}, false},
  };
}

const Form* find_form(Opcode op, unsigned func) {
  for (const Form& f : forms()) {
    if (f.opcode == op && f.func == func) return &f;
  }
  return nullptr;
}

bool is_reserved(unsigned opcode) { return opcode >= 7 && opcode <= 14; }

// The func value an instruction's enum field gives, whether or not it is valid.
unsigned func_of(const Instruction& inst) {
  switch (inst.opcode) {
    case Opcode::Sync: return unsigned(inst.sync_queue);
    case Opcode::Load:
    case Opcode::Store: return unsigned(inst.mem);
    case Opcode::Vec: return unsigned(inst.vec_op);
    default: return 0;
  }
}

// Why (opcode, func) names no form: in an Instruction's enum field (encode) or in the func bits
// w0[11:8] (decode).
std::string func_problem(unsigned opcode, unsigned func, bool in_bits) {
  const char* where = in_bits ? "func (w0[11:8]) = " : "";
  switch (Opcode(opcode)) {
    case Opcode::Sync:
      return fmt::format("sync: {}{} is not a queue (0 load, 1 compute, 2 store)", where, func);
    case Opcode::Load:
      return fmt::format("load: {}{} is not a memory (0 sp, 1 wb, 2 acc, 3 qp)", where, func);
    case Opcode::Store:
      return fmt::format("store: {}{}{} is not a memory a store reads (0 sp, 2 acc)", where, func,
                         func < 4 ? fmt::format(" ({})", to_string(Mem(func))) : "");
    case Opcode::Vec: return fmt::format("vec: {}{} is not a vector op (0 .. 14)", where, func);
    default:
      return fmt::format("{}: unused field func (w0[11:8]) is non-zero", to_string(Opcode(opcode)));
  }
}

const OperandField* field_of(const Form& form, Operand op) {
  for (const OperandField& f : form.fields) {
    if (f.operand == op) return &f;
  }
  return nullptr;
}

std::uint64_t field_mask(const OperandField& f) { return mask_of(f.width) << f.lsb; }

// "hi:lo" of a run of bits.
std::string bit_range(unsigned lsb, unsigned width) {
  return width == 1 ? fmt::format("{}", lsb) : fmt::format("{}:{}", lsb + width - 1, lsb);
}

// The first non-zero unused part of w0 (inside fields a, rows, b) or w1, described; "" if none.
std::string unused_problem(std::uint64_t w0, std::uint64_t used0, std::uint64_t w1,
                           std::uint64_t used1) {
  for (const W0Field& fld : kW0Fields) {
    // Runs of unused bits inside this field.
    unsigned bit = fld.lsb;
    const unsigned end = fld.lsb + fld.width;
    while (bit < end) {
      if ((used0 >> bit) & 1) {
        ++bit;
        continue;
      }
      unsigned run_end = bit;
      while (run_end < end && !((used0 >> run_end) & 1)) ++run_end;
      const std::uint64_t run = mask_of(run_end - bit) << bit;
      if (w0 & run) {
        if (bit == fld.lsb && run_end == end) {
          return fmt::format("unused field {} (w0[{}]) is non-zero", fld.name,
                             bit_range(fld.lsb, fld.width));
        }
        return fmt::format("unused bits w0[{}] of field {} are non-zero",
                           bit_range(bit, run_end - bit), fld.name);
      }
      bit = run_end;
    }
  }
  unsigned bit = 0;
  while (bit < 64) {
    if ((used1 >> bit) & 1) {
      ++bit;
      continue;
    }
    unsigned run_end = bit;
    while (run_end < 64 && !((used1 >> run_end) & 1)) ++run_end;
    if (w1 & (mask_of(run_end - bit) << bit)) {
      return fmt::format("unused bits w1[{}] are non-zero", bit_range(bit, run_end - bit));
    }
    bit = run_end;
  }
  return "";
}

}  // namespace

bool operator==(const Deps& x, const Deps& y) {
  return x.pop_prev == y.pop_prev && x.pop_next == y.pop_next && x.push_prev == y.push_prev &&
         x.push_next == y.push_next;
}
bool operator!=(const Deps& x, const Deps& y) { return !(x == y); }

bool operator==(const Instruction& x, const Instruction& y) {
  return x.opcode == y.opcode && x.deps == y.deps && x.sync_queue == y.sync_queue &&
         x.mem == y.mem && x.vec_op == y.vec_op && x.row == y.row && x.rows == y.rows &&
         x.bytes == y.bytes && x.dram_addr == y.dram_addr && x.dram_stride == y.dram_stride &&
         x.wb_row == y.wb_row && x.sp_row == y.sp_row && x.acc_row == y.acc_row &&
         x.accumulate == y.accumulate && x.qp_row == y.qp_row && x.zero_point == y.zero_point &&
         x.act_min == y.act_min && x.act_max == y.act_max && x.dst == y.dst && x.src_a == y.src_a &&
         x.src_b == y.src_b && x.imm == y.imm && x.len == y.len;
}
bool operator!=(const Instruction& x, const Instruction& y) { return !(x == y); }

const char* to_string(Opcode op) {
  switch (op) {
    case Opcode::Sync: return "sync";
    case Opcode::Load: return "load";
    case Opcode::Store: return "store";
    case Opcode::Preload: return "preload";
    case Opcode::Matmul: return "matmul";
    case Opcode::Requant: return "requant";
    case Opcode::Vec: return "vec";
    case Opcode::Halt: return "halt";
  }
  return "reserved";
}

const char* to_string(Queue q) {
  switch (q) {
    case Queue::Load: return "load";
    case Queue::Compute: return "compute";
    case Queue::Store: return "store";
  }
  return "invalid";
}

const char* to_string(Mem m) {
  switch (m) {
    case Mem::Sp: return "sp";
    case Mem::Wb: return "wb";
    case Mem::Acc: return "acc";
    case Mem::Qp: return "qp";
  }
  return "invalid";
}

const OperandInfo& info(Operand op) {
  static const OperandInfo table[kOperandCount] = {
      {"row", 0, kMaxRow},
      {"rows", 1, kMaxRowCount},
      {"bytes", 1, kMaxBytes},
      {"dram", 0, kMaxDramAddr},
      {"stride", 0, kMaxDramStride},
      {"wb", 0, kMaxRow},
      {"sp", 0, kMaxRow},
      {"acc", 0, kMaxRow},
      {"qp", 0, kMaxQpRow},
      {"zp", -128, 127},
      {"min", -128, 127},
      {"max", -128, 127},
      {"dst", 0, kMaxRow},
      {"a", 0, kMaxRow},
      {"b", 0, kMaxRow},
      {"imm", -128, 127},
      {"len", 1, kMaxLen},
  };
  return table[static_cast<std::size_t>(op)];
}

const std::vector<Form>& forms() {
  static const std::vector<Form> table = make_forms();
  return table;
}

const Form* find_form(const std::string& mnemonic) {
  for (const Form& f : forms()) {
    if (mnemonic == f.mnemonic) return &f;
  }
  return nullptr;
}

const Form& form_of(const Instruction& inst) {
  const unsigned op = unsigned(inst.opcode);
  if (op > 15 || is_reserved(op)) {
    throw EncodeError(fmt::format("invalid opcode {}{}", op, is_reserved(op) ? " (reserved)" : ""));
  }
  const unsigned func = func_of(inst);
  const Form* form = find_form(inst.opcode, func);
  if (form == nullptr) throw EncodeError(func_problem(op, func, false));
  return *form;
}

Instruction make_instruction(const Form& form) {
  Instruction inst;
  inst.opcode = form.opcode;
  switch (form.opcode) {
    case Opcode::Sync: inst.sync_queue = Queue(form.func); break;
    case Opcode::Load:
    case Opcode::Store: inst.mem = Mem(form.func); break;
    case Opcode::Vec: inst.vec_op = VecOp(form.func); break;
    default: break;
  }
  return inst;
}

std::int64_t get_operand(const Instruction& inst, Operand op) {
  switch (op) {
    case Operand::Row: return inst.row;
    case Operand::Rows: return inst.rows;
    case Operand::Bytes: return inst.bytes;
    case Operand::Dram:
      return inst.dram_addr > std::uint64_t(std::numeric_limits<std::int64_t>::max())
                 ? std::numeric_limits<std::int64_t>::max()
                 : std::int64_t(inst.dram_addr);
    case Operand::Stride: return inst.dram_stride;
    case Operand::Wb: return inst.wb_row;
    case Operand::Sp: return inst.sp_row;
    case Operand::Acc: return inst.acc_row;
    case Operand::Qp: return inst.qp_row;
    case Operand::Zp: return inst.zero_point;
    case Operand::Min: return inst.act_min;
    case Operand::Max: return inst.act_max;
    case Operand::Dst: return inst.dst;
    case Operand::A: return inst.src_a;
    case Operand::B: return inst.src_b;
    case Operand::Imm: return inst.imm;
    case Operand::Len: return inst.len;
  }
  return 0;
}

void set_operand(Instruction& inst, Operand op, std::int64_t value) {
  const auto u32 = static_cast<std::uint32_t>(value);
  const auto i8 = static_cast<std::int8_t>(value);
  switch (op) {
    case Operand::Row: inst.row = u32; break;
    case Operand::Rows: inst.rows = u32; break;
    case Operand::Bytes: inst.bytes = u32; break;
    case Operand::Dram: inst.dram_addr = static_cast<std::uint64_t>(value); break;
    case Operand::Stride: inst.dram_stride = u32; break;
    case Operand::Wb: inst.wb_row = u32; break;
    case Operand::Sp: inst.sp_row = u32; break;
    case Operand::Acc: inst.acc_row = u32; break;
    case Operand::Qp: inst.qp_row = u32; break;
    case Operand::Zp: inst.zero_point = i8; break;
    case Operand::Min: inst.act_min = i8; break;
    case Operand::Max: inst.act_max = i8; break;
    case Operand::Dst: inst.dst = u32; break;
    case Operand::A: inst.src_a = u32; break;
    case Operand::B: inst.src_b = u32; break;
    case Operand::Imm: inst.imm = i8; break;
    case Operand::Len: inst.len = u32; break;
  }
}

std::string check_operand(const Form& form, Operand op, std::int64_t value) {
  const OperandInfo& oi = info(op);
  if (value >= oi.min && value <= oi.max) return "";
  return fmt::format("{}: {}={} out of range {} .. {}", form.mnemonic, oi.key, value, oi.min,
                     oi.max);
}

std::string check_deps(const Form& form, const Deps& deps) {
  auto bad = [&](const char* flag, const char* why) {
    return fmt::format("{}: {} is invalid {}", form.mnemonic, flag, why);
  };
  if (form.opcode == Opcode::Halt) {
    const char* why = "(halt runs in no queue and takes no flags)";
    if (deps.pop_prev) return bad("pop_prev", why);
    if (deps.pop_next) return bad("pop_next", why);
    if (deps.push_prev) return bad("push_prev", why);
    if (deps.push_next) return bad("push_next", why);
    return "";
  }
  const Queue q = form.opcode == Opcode::Sync    ? Queue(form.func)
                  : form.opcode == Opcode::Load  ? Queue::Load
                  : form.opcode == Opcode::Store ? Queue::Store
                                                 : Queue::Compute;
  if (q == Queue::Load) {
    const char* why = "in the load queue (it has no previous queue)";
    if (deps.pop_prev) return bad("pop_prev", why);
    if (deps.push_prev) return bad("push_prev", why);
  }
  if (q == Queue::Store) {
    const char* why = "in the store queue (it has no next queue)";
    if (deps.pop_next) return bad("pop_next", why);
    if (deps.push_next) return bad("push_next", why);
  }
  return "";
}

Queue queue_of(const Instruction& inst) {
  switch (inst.opcode) {
    case Opcode::Sync: return inst.sync_queue;
    case Opcode::Load: return Queue::Load;
    case Opcode::Store: return Queue::Store;
    default: return Queue::Compute;
  }
}

void validate(const Instruction& inst) {
  const Form& form = form_of(inst);
  // Func-derived fields of other opcodes stay at their defaults.
  if (form.opcode != Opcode::Sync && inst.sync_queue != Queue::Load) {
    throw EncodeError(
        fmt::format("{}: sync_queue must be left at load (the default)", form.mnemonic));
  }
  if (form.opcode != Opcode::Load && form.opcode != Opcode::Store && inst.mem != Mem::Sp) {
    throw EncodeError(fmt::format("{}: mem must be left at sp (the default)", form.mnemonic));
  }
  if (form.opcode != Opcode::Vec && inst.vec_op != VecOp::AddAcc) {
    throw EncodeError(
        fmt::format("{}: vec_op must be left at vadd.acc (the default)", form.mnemonic));
  }
  if (inst.dram_addr > kMaxDramAddr && field_of(form, Operand::Dram) != nullptr) {
    throw EncodeError(fmt::format("{}: dram={} out of range 0 .. {}", form.mnemonic, inst.dram_addr,
                                  kMaxDramAddr));
  }
  for (std::size_t i = 0; i < kOperandCount; ++i) {
    const auto op = Operand(i);
    const std::int64_t v = get_operand(inst, op);
    if (field_of(form, op) != nullptr) {
      const std::string problem = check_operand(form, op, v);
      if (!problem.empty()) throw EncodeError(problem);
    } else if (v != 0) {
      throw EncodeError(fmt::format("{}: has no operand {}= (its field must be 0, is {})",
                                    form.mnemonic, info(op).key, v));
    }
  }
  if (inst.accumulate && !form.has_accumulate) {
    throw EncodeError(fmt::format("{}: has no flag accumulate", form.mnemonic));
  }
  const std::string deps = check_deps(form, inst.deps);
  if (!deps.empty()) throw EncodeError(deps);
}

std::array<std::uint64_t, 2> encode(const Instruction& inst) {
  validate(inst);
  const Form& form = form_of(inst);
  std::array<std::uint64_t, 2> w = {0, 0};
  w[0] = std::uint64_t(form.opcode) | std::uint64_t(inst.deps.pop_prev) << 4 |
         std::uint64_t(inst.deps.pop_next) << 5 | std::uint64_t(inst.deps.push_prev) << 6 |
         std::uint64_t(inst.deps.push_next) << 7 | std::uint64_t(form.func) << 8;
  for (const OperandField& f : form.fields) {
    const auto bits = static_cast<std::uint64_t>(get_operand(inst, f.operand));
    w[f.word] |= (bits & mask_of(f.width)) << f.lsb;
  }
  if (form.has_accumulate && inst.accumulate) w[0] |= std::uint64_t(1) << kAccumulateBit;
  return w;
}

Instruction decode(std::uint64_t w0, std::uint64_t w1) {
  const unsigned op = unsigned(w0 & 0xf);
  if (is_reserved(op)) throw DecodeError(fmt::format("reserved opcode {}", op));
  const unsigned func = unsigned(w0 >> 8) & 0xf;
  const Form* form = find_form(Opcode(op), func);
  if (form == nullptr) throw DecodeError(func_problem(op, func, true));

  Instruction inst = make_instruction(*form);
  inst.deps.pop_prev = (w0 >> 4) & 1;
  inst.deps.pop_next = (w0 >> 5) & 1;
  inst.deps.push_prev = (w0 >> 6) & 1;
  inst.deps.push_next = (w0 >> 7) & 1;

  std::uint64_t used[2] = {kHeaderBits, 0};
  const std::uint64_t words[2] = {w0, w1};
  for (const OperandField& f : form->fields) {
    const std::uint64_t bits = (words[f.word] >> f.lsb) & mask_of(f.width);
    used[f.word] |= field_mask(f);
    const OperandInfo& oi = info(f.operand);
    std::int64_t v = std::int64_t(bits);
    if (oi.min < 0 && (bits >> (f.width - 1)) != 0) v -= std::int64_t(1) << f.width;
    set_operand(inst, f.operand, v);
  }
  if (form->has_accumulate) {
    inst.accumulate = (w0 >> kAccumulateBit) & 1;
    used[0] |= std::uint64_t(1) << kAccumulateBit;
  }
  const std::string unused = unused_problem(w0, used[0], w1, used[1]);
  if (!unused.empty()) throw DecodeError(fmt::format("{}: {}", form->mnemonic, unused));
  for (const OperandField& f : form->fields) {
    const std::string problem = check_operand(*form, f.operand, get_operand(inst, f.operand));
    if (!problem.empty()) throw DecodeError(problem);
  }
  const std::string deps = check_deps(*form, inst.deps);
  if (!deps.empty()) throw DecodeError(deps);
  return inst;
}

std::string mnemonic(const Instruction& inst) { return form_of(inst).mnemonic; }

bool vec_is_row_op(VecOp op) {
  return op == VecOp::Softmax || op == VecOp::LayerNorm || op == VecOp::RmsNorm;
}
bool vec_a_on_acc(VecOp op) {
  return op == VecOp::AddAcc || op == VecOp::MaxAcc || op == VecOp::ReluAcc || op == VecOp::Softmax;
}
bool vec_writes_acc(VecOp op) {
  return op == VecOp::AddAcc || op == VecOp::MaxAcc || op == VecOp::ReluAcc;
}
bool vec_has_b(VecOp op) {
  switch (op) {
    case VecOp::AddAcc:
    case VecOp::MaxAcc:
    case VecOp::AddSp:
    case VecOp::MaxSp:
    case VecOp::Swiglu:
    case VecOp::QAdd:
    case VecOp::QMul:
    case VecOp::Rope: return true;
    default: return false;
  }
}
bool vec_b_on_acc(VecOp op) { return op == VecOp::Rope || vec_a_on_acc(op); }
bool vec_reads_acc(VecOp op) { return vec_a_on_acc(op) || (vec_has_b(op) && vec_b_on_acc(op)); }
bool vec_reads_sp(VecOp op) {
  return !vec_a_on_acc(op) || (vec_has_b(op) && !vec_b_on_acc(op));
}

std::uint64_t vec_param_bytes(VecOp op, std::uint64_t n, std::uint64_t cols) {
  switch (op) {
    case VecOp::Softmax: return 8;
    case VecOp::LayerNorm:
    case VecOp::RmsNorm: return 12 * cols * (1 + (n + cols - 1) / cols);
    case VecOp::Gelu: return 20;
    case VecOp::Lut: return 256;
    case VecOp::Swiglu: return 528;
    case VecOp::QAdd: return 36;
    case VecOp::QMul: return 20;
    default: return 0;
  }
}

std::uint64_t vec_param_rows(VecOp op, std::uint64_t n, std::uint64_t cols) {
  const std::uint64_t row = 12 * cols;
  return (vec_param_bytes(op, n, cols) + row - 1) / row;
}

std::uint64_t vec_cycles(const Instruction& inst, std::uint64_t sp_width, std::uint64_t cols,
                         std::uint64_t lanes) {
  const VecOp op = inst.vec_op;
  const std::uint64_t elems = vec_a_on_acc(op) ? cols : sp_width;
  const std::uint64_t p = (elems + lanes - 1) / lanes;
  const std::uint64_t len = vec_is_row_op(op) ? inst.len : 1;
  std::uint64_t q = vec_param_rows(op, len * elems, cols);
  std::uint64_t row = p;
  if (op == VecOp::Softmax) row = 3 * len * p + kVecSoftmaxFixedCycles;
  if (op == VecOp::LayerNorm || op == VecOp::RmsNorm) {
    row = 2 * len * p + kVecNormFixedCycles;
    q = 1;  // the header row; the channel rows are read with the normalize pass
  }
  return 2 + q + std::uint64_t(inst.rows) * row;
}

std::string to_text(const Instruction& inst) {
  validate(inst);
  const Form& form = form_of(inst);
  std::string s = form.mnemonic;
  for (const OperandField& f : form.fields) {
    if (f.operand == Operand::Dram) {
      s += fmt::format(" dram={:#x}", inst.dram_addr);
    } else {
      s += fmt::format(" {}={}", info(f.operand).key, get_operand(inst, f.operand));
    }
  }
  if (inst.accumulate) s += " accumulate";
  if (inst.deps.pop_prev) s += " pop_prev";
  if (inst.deps.pop_next) s += " pop_next";
  if (inst.deps.push_prev) s += " push_prev";
  if (inst.deps.push_next) s += " push_next";
  return s;
}

void add_vec_sram_bytes(const Instruction& inst, std::uint64_t W, std::uint64_t C,
                        std::uint64_t read[4], std::uint64_t write[4]) {
  const VecOp op = inst.vec_op;
  const std::uint64_t len = vec_is_row_op(op) ? inst.len : 1;
  const std::uint64_t passes = op == VecOp::Softmax ? 3 : vec_is_row_op(op) ? 2 : 1;
  const std::uint64_t rows = std::uint64_t(inst.rows) * len;
  const auto sp = std::size_t(Mem::Sp), acc = std::size_t(Mem::Acc), qp = std::size_t(Mem::Qp);
  read[vec_a_on_acc(op) ? acc : sp] += passes * rows * (vec_a_on_acc(op) ? 4 * C : W);
  if (vec_has_b(op)) read[vec_b_on_acc(op) ? acc : sp] += rows * (vec_b_on_acc(op) ? 4 * C : W);
  write[vec_writes_acc(op) ? acc : sp] += rows * (vec_writes_acc(op) ? 4 * C : W);
  const std::uint64_t n = len * (vec_a_on_acc(op) ? C : W);
  if (op == VecOp::LayerNorm || op == VecOp::RmsNorm) {
    read[qp] += 12 * C * (1 + std::uint64_t(inst.rows) * ((n + C - 1) / C));
  } else {
    read[qp] += 12 * C * vec_param_rows(op, n, C);
  }
}

}  // namespace serrano::isa
