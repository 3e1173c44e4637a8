// SPDX-License-Identifier: Apache-2.0
#include "golden/vector_ops.h"

#include <algorithm>
#include <cstring>

namespace serrano::golden {

namespace {

constexpr std::size_t kQpChannelBytes = 12;

bool is_row_op(VectorFunc f) {
  return f == VectorFunc::Softmax || f == VectorFunc::LayerNorm || f == VectorFunc::RmsNorm;
}
bool src_on_acc(VectorFunc f) {
  return f == VectorFunc::AddAcc || f == VectorFunc::MaxAcc || f == VectorFunc::ReluAcc ||
         f == VectorFunc::Softmax;
}
bool dst_on_acc(VectorFunc f) {
  return f == VectorFunc::AddAcc || f == VectorFunc::MaxAcc || f == VectorFunc::ReluAcc;
}
bool has_b(VectorFunc f) {
  switch (f) {
    case VectorFunc::AddAcc:
    case VectorFunc::MaxAcc:
    case VectorFunc::AddSp:
    case VectorFunc::MaxSp:
    case VectorFunc::Swiglu:
    case VectorFunc::QAdd:
    case VectorFunc::QMul:
    case VectorFunc::Rope: return true;
    default: return false;
  }
}
// Operand b of vrope lives in the accumulators, the others' b in the source memory.
bool b_on_acc(VectorFunc f) { return f == VectorFunc::Rope || src_on_acc(f); }

std::string to_str(std::uint64_t v) { return std::to_string(v); }

void put32(std::vector<std::uint8_t>& out, std::size_t word, std::int32_t v) {
  if (out.size() < 4 * word + 4) out.resize(4 * word + 4, 0);
  const auto u = static_cast<std::uint32_t>(v);
  for (int i = 0; i < 4; ++i) out[4 * word + i] = static_cast<std::uint8_t>(u >> (8 * i));
}

// Reads bytes of the block that starts at parameter row `qp` (the rows are contiguous).
class Block {
 public:
  Block(const VectorFunc f, const VectorMemories& mem, std::uint32_t qp)
      : m_f(f), m_base(mem.qp + std::size_t(qp) * kQpChannelBytes * mem.cols) {}
  std::uint8_t byte(std::size_t k) const { return m_base[k]; }
  std::int32_t word(std::size_t i) const {
    std::uint32_t u = 0;
    for (int b = 0; b < 4; ++b) u |= std::uint32_t(m_base[4 * i + b]) << (8 * b);
    return static_cast<std::int32_t>(u);
  }
  [[noreturn]] void bad(const std::string& what, std::int64_t v, const char* range) const {
    throw VectorParamError(std::string(vector_mnemonic(m_f)) + ": parameter " + what + " = " +
                           std::to_string(v) + " is outside " + range);
  }
  int shift(std::size_t i, const std::string& what) const {
    const std::int32_t s = word(i);
    if (s < -31 || s > 31) bad(what, s, "[-31, 31]");
    return s;
  }
  std::int32_t zero_point(std::size_t i, const std::string& what) const {
    const std::int32_t z = word(i);
    if (z < -128 || z > 127) bad(what, z, "[-128, 127]");
    return z;
  }
  // The multiplier in word m, its shift in word s (`what` names the shift word).
  QuantizedMultiplier multiplier(std::size_t m, std::size_t s, const std::string& what) const {
    return {word(m), shift(s, what)};
  }

 private:
  VectorFunc m_f;
  const std::uint8_t* m_base;
};

SoftmaxI32Params softmax_params(const Block& blk) {
  return {blk.multiplier(0, 1, "w1 (scale shift)")};
}

NormParams norm_params(const Block& blk, VectorFunc f, std::size_t n, std::size_t cols) {
  NormParams p;
  p.length = static_cast<int>(n);
  const std::uint64_t eps = std::uint64_t(std::uint32_t(blk.word(0))) |
                            std::uint64_t(std::uint32_t(blk.word(1))) << 32;
  if (eps > (std::uint64_t{1} << 60)) {
    blk.bad("w0/w1 (eps_term)", static_cast<std::int64_t>(eps & ((std::uint64_t{1} << 62) - 1)),
            "[0, 2^60]");
  }
  p.eps_term = static_cast<std::int64_t>(eps);
  p.input_zero_point = f == VectorFunc::RmsNorm ? blk.zero_point(2, "w2 (input zero point)") : 0;
  p.channels.resize(n);
  const std::size_t row_words = 3 * cols;
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t w = row_words * (1 + j / cols) + 3 * (j % cols);
    NormChannel& ch = p.channels[j];
    ch.bias = blk.word(w);
    ch.multiplier = blk.word(w + 1);
    const std::int32_t sw = blk.word(w + 2);
    const std::string what = "channel " + std::to_string(j) + " shift word";
    if ((sw & ~0x1ff) != 0) blk.bad(what, sw, "bits [8:0]");
    const int s = static_cast<std::int8_t>(sw & 0xff);
    if (s < -31 || s > 31) blk.bad("channel " + std::to_string(j) + " shift", s, "[-31, 31]");
    ch.shift = s;
    ch.negate = (sw & 0x100) != 0;
  }
  return p;
}

GeluErfParams gelu_params(const Block& blk) {
  GeluErfParams p;
  p.input_zero_point = blk.zero_point(0, "w0 (input zero point)");
  p.x_scale_q16 = blk.word(1);
  if (p.x_scale_q16 < 0) blk.bad("w1 (x_scale_q16)", p.x_scale_q16, "[0, 2^31)");
  p.output_multiplier = blk.multiplier(2, 3, "w3 (output shift)");
  p.output_zero_point = blk.zero_point(4, "w4 (output zero point)");
  return p;
}

LutParams lut_params(const Block& blk) {
  LutParams p;
  for (std::size_t k = 0; k < 256; ++k) p.table[k] = static_cast<std::int8_t>(blk.byte(k));
  return p;
}

SwigluParams swiglu_params(const Block& blk) {
  SwigluParams p;
  for (std::size_t k = 0; k < 256; ++k) {
    p.silu_table[k] = static_cast<std::int16_t>(std::uint16_t(blk.byte(2 * k)) |
                                                std::uint16_t(blk.byte(2 * k + 1)) << 8);
  }
  p.up_zero_point = blk.zero_point(128, "w128 (up zero point)");
  p.output_multiplier = blk.multiplier(129, 130, "w130 (output shift)");
  p.output_zero_point = blk.zero_point(131, "w131 (output zero point)");
  return p;
}

AddParams add_params(const Block& blk) {
  AddParams p;
  p.a_zero_point = blk.zero_point(0, "w0 (a zero point)");
  p.b_zero_point = blk.zero_point(1, "w1 (b zero point)");
  p.output_zero_point = blk.zero_point(2, "w2 (output zero point)");
  p.a_multiplier = blk.multiplier(3, 4, "w4 (a shift)");
  p.b_multiplier = blk.multiplier(5, 6, "w6 (b shift)");
  p.output_multiplier = blk.multiplier(7, 8, "w8 (output shift)");
  return p;
}

MulParams mul_params(const Block& blk) {
  MulParams p;
  p.a_zero_point = blk.zero_point(0, "w0 (a zero point)");
  p.b_zero_point = blk.zero_point(1, "w1 (b zero point)");
  p.output_zero_point = blk.zero_point(2, "w2 (output zero point)");
  p.multiplier = blk.multiplier(3, 4, "w4 (shift)");
  return p;
}

std::int8_t sat8(std::int64_t v) { return static_cast<std::int8_t>(std::clamp<std::int64_t>(v, -128, 127)); }

}  // namespace

// ---- Encoders ----

std::vector<std::uint8_t> softmax_block(const SoftmaxI32Params& p) {
  std::vector<std::uint8_t> out;
  put32(out, 0, p.scale_q20.multiplier);
  put32(out, 1, p.scale_q20.shift);
  return out;
}

std::vector<std::uint8_t> norm_block(const NormParams& p, int cols) {
  if (cols < 1) throw std::invalid_argument("norm_block: cols must be >= 1");
  const std::size_t c = static_cast<std::size_t>(cols);
  const std::size_t n = p.channels.size();
  std::vector<std::uint8_t> out(kQpChannelBytes * c * (1 + (n + c - 1) / c), 0);
  const auto eps = static_cast<std::uint64_t>(p.eps_term);
  put32(out, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(eps)));
  put32(out, 1, static_cast<std::int32_t>(static_cast<std::uint32_t>(eps >> 32)));
  put32(out, 2, p.input_zero_point);
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t w = 3 * c * (1 + j / c) + 3 * (j % c);
    const NormChannel& ch = p.channels[j];
    put32(out, w, ch.bias);
    put32(out, w + 1, ch.multiplier);
    put32(out, w + 2, (ch.shift & 0xff) | (ch.negate ? 0x100 : 0));
  }
  return out;
}

std::vector<std::uint8_t> gelu_block(const GeluErfParams& p) {
  std::vector<std::uint8_t> out;
  put32(out, 0, p.input_zero_point);
  put32(out, 1, p.x_scale_q16);
  put32(out, 2, p.output_multiplier.multiplier);
  put32(out, 3, p.output_multiplier.shift);
  put32(out, 4, p.output_zero_point);
  return out;
}

std::vector<std::uint8_t> lut_block(const LutParams& p) {
  std::vector<std::uint8_t> out(256);
  for (std::size_t k = 0; k < 256; ++k) out[k] = static_cast<std::uint8_t>(p.table[k]);
  return out;
}

std::vector<std::uint8_t> swiglu_block(const SwigluParams& p) {
  std::vector<std::uint8_t> out(512);
  for (std::size_t k = 0; k < 256; ++k) {
    const auto u = static_cast<std::uint16_t>(p.silu_table[k]);
    out[2 * k] = static_cast<std::uint8_t>(u);
    out[2 * k + 1] = static_cast<std::uint8_t>(u >> 8);
  }
  put32(out, 128, p.up_zero_point);
  put32(out, 129, p.output_multiplier.multiplier);
  put32(out, 130, p.output_multiplier.shift);
  put32(out, 131, p.output_zero_point);
  return out;
}

std::vector<std::uint8_t> add_block(const AddParams& p) {
  std::vector<std::uint8_t> out;
  put32(out, 0, p.a_zero_point);
  put32(out, 1, p.b_zero_point);
  put32(out, 2, p.output_zero_point);
  put32(out, 3, p.a_multiplier.multiplier);
  put32(out, 4, p.a_multiplier.shift);
  put32(out, 5, p.b_multiplier.multiplier);
  put32(out, 6, p.b_multiplier.shift);
  put32(out, 7, p.output_multiplier.multiplier);
  put32(out, 8, p.output_multiplier.shift);
  return out;
}

std::vector<std::uint8_t> mul_block(const MulParams& p) {
  std::vector<std::uint8_t> out;
  put32(out, 0, p.a_zero_point);
  put32(out, 1, p.b_zero_point);
  put32(out, 2, p.output_zero_point);
  put32(out, 3, p.multiplier.multiplier);
  put32(out, 4, p.multiplier.shift);
  return out;
}

std::size_t param_block_bytes(VectorFunc func, std::size_t n_channels, int cols) {
  const std::size_t c = static_cast<std::size_t>(std::max(cols, 1));
  switch (func) {
    case VectorFunc::Softmax: return 8;
    case VectorFunc::LayerNorm:
    case VectorFunc::RmsNorm: return kQpChannelBytes * c * (1 + (n_channels + c - 1) / c);
    case VectorFunc::Gelu: return 20;
    case VectorFunc::Lut: return 256;
    case VectorFunc::Swiglu: return 528;
    case VectorFunc::QAdd: return 36;
    case VectorFunc::QMul: return 20;
    default: return 0;
  }
}

const char* vector_mnemonic(VectorFunc func) {
  static const char* const names[kVectorFuncCount] = {
      "vadd.acc", "vmax.acc", "vrelu.acc", "vadd.sp", "vmax.sp", "vrelu.sp", "vsoftmax", "vlayernorm",
      "vrmsnorm", "vgelu",    "vlut",      "vswiglu", "vqadd",   "vqmul",    "vrope"};
  const auto i = static_cast<unsigned>(func);
  return i < kVectorFuncCount ? names[i] : "vec";
}

// ---- Checks ----

std::string check_vector_op(const VectorOpArgs& op, const VectorMemories& mem) {
  const std::string name = vector_mnemonic(op.func);
  if (static_cast<unsigned>(op.func) >= kVectorFuncCount) return "vec: unknown func";
  const bool row_op = is_row_op(op.func);
  const std::uint64_t len = row_op ? op.len : 1;
  if (len == 0) return name + ": len must be at least 1";
  const std::uint64_t span = std::uint64_t(op.rows) * len;
  auto fits = [&](const char* key, std::uint32_t first, bool acc) -> std::string {
    const std::uint64_t cap = acc ? mem.acc_rows : mem.sp_rows;
    if (first + span > cap) {
      return name + ": " + key + " rows " + to_str(first) + " .. " + to_str(first + span - 1) +
             " are outside the " + (acc ? "accumulators (" : "scratchpad (") + to_str(cap) +
             " rows)";
    }
    return "";
  };
  std::string why = fits("dst", op.dst, dst_on_acc(op.func));
  if (why.empty()) why = fits("a", op.a, src_on_acc(op.func));
  if (why.empty() && has_b(op.func)) why = fits("b", op.b, b_on_acc(op.func));
  if (!why.empty()) return why;
  const std::uint64_t elems = src_on_acc(op.func) ? mem.cols : mem.sp_width;
  if (row_op && len * elems > 65536) {
    return name + ": a logical row of len " + to_str(len) + " x " + to_str(elems) + " = " +
           to_str(len * elems) + " elements is longer than 65536";
  }
  if (row_op && op.func != VectorFunc::Softmax && op.dst != op.a && op.dst < op.a + span &&
      op.a < op.dst + span) {
    return name + ": dst rows " + to_str(op.dst) + " .. " + to_str(op.dst + span - 1) +
           " partly overlap a rows " + to_str(op.a) + " .. " + to_str(op.a + span - 1) +
           " (in place needs dst = a)";
  }
  if (op.func == VectorFunc::Rope) {
    if (mem.sp_width % 2 != 0) return name + ": the scratchpad row width must be even";
    if (mem.cols < mem.sp_width) {
      return name + ": the accumulator rows (" + to_str(mem.cols) +
             " elements) are narrower than the scratchpad rows (" + to_str(mem.sp_width) + ")";
    }
  }
  const std::size_t bytes = param_block_bytes(op.func, len * elems, static_cast<int>(mem.cols));
  if (bytes > 0) {
    const std::uint64_t row_bytes = kQpChannelBytes * mem.cols;
    const std::uint64_t q = (bytes + row_bytes - 1) / row_bytes;
    if (op.qp + q > mem.qp_rows) {
      return name + ": the parameter block (" + to_str(bytes) + " bytes, " + to_str(q) +
             " rows from qp=" + to_str(op.qp) + ") is outside the parameter memory (" +
             to_str(mem.qp_rows) + " rows)";
    }
  }
  return "";
}

// ---- Execution ----

void execute_vector_op(const VectorOpArgs& op, VectorMemories& mem) {
  const std::size_t W = mem.sp_width, C = mem.cols;
  const Block blk(op.func, mem, op.qp);
  auto sp_row = [&](std::uint64_t r) { return mem.sp + r * W; };
  auto acc_row = [&](std::uint64_t r) { return mem.acc + r * C; };

  switch (op.func) {
    case VectorFunc::Softmax: {
      const SoftmaxI32Params p = softmax_params(blk);
      const std::size_t len = op.len;
      std::vector<std::int32_t> x(len * C);
      for (std::uint32_t r = 0; r < op.rows; ++r) {
        for (std::size_t s = 0; s < len; ++s) {
          std::memcpy(&x[s * C], acc_row(op.a + r * len + s), C * sizeof(std::int32_t));
        }
        const std::vector<std::int8_t> y = softmax_i32(x, p);
        for (std::size_t s = 0; s < len; ++s) {
          std::int8_t* d = sp_row(op.dst + r * len + s);
          std::fill(d, d + W, std::int8_t{0});
          std::memcpy(d, &y[s * C], std::min(C, W));
        }
      }
      return;
    }
    case VectorFunc::LayerNorm:
    case VectorFunc::RmsNorm: {
      const std::size_t len = op.len, n = len * W;
      const NormParams p = norm_params(blk, op.func, n, C);
      std::vector<std::int8_t> x(n);
      for (std::uint32_t r = 0; r < op.rows; ++r) {
        std::memcpy(x.data(), sp_row(op.a + r * len), n);
        const std::vector<std::int8_t> y =
            op.func == VectorFunc::LayerNorm ? layernorm_i8(x, p) : rmsnorm_i8(x, p);
        std::memcpy(sp_row(op.dst + r * len), y.data(), n);
      }
      return;
    }
    default: break;
  }

  // Element-wise ops: row r of dst from row r of a (and b), rows in order.
  GeluErfParams gelu;
  LutParams lut;
  SwigluParams swiglu;
  AddParams add;
  MulParams mul;
  switch (op.func) {
    case VectorFunc::Gelu: gelu = gelu_params(blk); break;
    case VectorFunc::Lut: lut = lut_params(blk); break;
    case VectorFunc::Swiglu: swiglu = swiglu_params(blk); break;
    case VectorFunc::QAdd: add = add_params(blk); break;
    case VectorFunc::QMul: mul = mul_params(blk); break;
    default: break;
  }
  std::vector<std::int32_t> a32(C), b32(C);
  std::vector<std::int8_t> a8(W), b8(W);
  for (std::uint32_t r = 0; r < op.rows; ++r) {
    if (dst_on_acc(op.func)) {
      std::memcpy(a32.data(), acc_row(op.a + r), C * sizeof(std::int32_t));
      if (has_b(op.func)) std::memcpy(b32.data(), acc_row(op.b + r), C * sizeof(std::int32_t));
      std::int32_t* d = acc_row(op.dst + r);
      for (std::size_t e = 0; e < C; ++e) {
        switch (op.func) {
          case VectorFunc::AddAcc:
            d[e] = static_cast<std::int32_t>(std::uint32_t(a32[e]) + std::uint32_t(b32[e]));
            break;
          case VectorFunc::MaxAcc: d[e] = std::max(a32[e], b32[e]); break;
          default: d[e] = std::max(a32[e], 0); break;
        }
      }
      continue;
    }
    std::memcpy(a8.data(), sp_row(op.a + r), W);
    if (has_b(op.func) && op.func != VectorFunc::Rope) std::memcpy(b8.data(), sp_row(op.b + r), W);
    if (op.func == VectorFunc::Rope) std::memcpy(b32.data(), acc_row(op.b + r), C * sizeof(std::int32_t));
    std::int8_t* d = sp_row(op.dst + r);
    if (op.func == VectorFunc::Rope) {
      // The row's W / 2 pairs at one position whose cos / sin are the Q14 values in operand b.
      RopeTable t;
      t.dim = static_cast<int>(W);
      t.max_pos = 1;
      for (std::size_t i = 0; i < W / 2; ++i) {
        t.cos_q14.push_back(static_cast<std::int16_t>(b32[2 * i] & 0xffff));
        t.sin_q14.push_back(static_cast<std::int16_t>(b32[2 * i + 1] & 0xffff));
      }
      const std::vector<std::int8_t> y = rope_i8(a8, 0, op.imm, t);
      std::memcpy(d, y.data(), W);
      continue;
    }
    for (std::size_t e = 0; e < W; ++e) {
      switch (op.func) {
        case VectorFunc::AddSp: d[e] = sat8(int(a8[e]) + int(b8[e])); break;
        case VectorFunc::MaxSp: d[e] = std::max(a8[e], b8[e]); break;
        case VectorFunc::ReluSp: d[e] = std::max(a8[e], op.imm); break;
        case VectorFunc::Gelu: d[e] = gelu_erf_i8(a8[e], gelu); break;
        case VectorFunc::Lut: d[e] = lut_i8(a8[e], lut); break;
        case VectorFunc::Swiglu: d[e] = swiglu_i8(a8[e], b8[e], swiglu); break;
        case VectorFunc::QAdd: d[e] = add_i8(a8[e], b8[e], add); break;
        case VectorFunc::QMul: d[e] = mul_i8(a8[e], b8[e], mul); break;
        default: break;
      }
    }
  }
}

}  // namespace serrano::golden
