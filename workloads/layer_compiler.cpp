// SPDX-License-Identifier: Apache-2.0
#include "workloads/layer_compiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "golden/golden.h"
#include "golden/vector_ops.h"
#include "isa/array_cmd.h"

namespace serrano::workloads {

namespace {

using u64 = std::uint64_t;
using isa::Instruction;
using isa::Mem;
using isa::Opcode;
using isa::VecOp;

constexpr u64 kAlign = 4096;
constexpr u64 kSlots = 2;                   // buffer slots of every ring
constexpr std::int32_t kMaskValue = -(1 << 30);  // added to masked logits (softmax gives 0)

u64 ceil_div(u64 a, u64 b) { return (a + b - 1) / b; }
u64 align_up(u64 v) { return ceil_div(v, kAlign) * kAlign; }

[[noreturn]] void fail(const std::string& what) { throw CompileError("layer: " + what); }

Instruction dma(Opcode op, Mem mem, u64 row, u64 rows, u64 bytes, u64 dram, u64 stride) {
  Instruction in;
  in.opcode = op;
  in.mem = mem;
  in.row = std::uint32_t(row);
  in.rows = std::uint32_t(rows);
  in.bytes = std::uint32_t(bytes);
  in.dram_addr = dram;
  in.dram_stride = std::uint32_t(stride);
  return in;
}
Instruction load(Mem mem, u64 row, u64 rows, u64 bytes, u64 dram, u64 stride) {
  return dma(Opcode::Load, mem, row, rows, bytes, dram, stride);
}
Instruction store(Mem mem, u64 row, u64 rows, u64 bytes, u64 dram, u64 stride) {
  return dma(Opcode::Store, mem, row, rows, bytes, dram, stride);
}
Instruction preload(u64 wb, u64 rows) {
  Instruction in;
  in.opcode = Opcode::Preload;
  in.wb_row = std::uint32_t(wb);
  in.rows = std::uint32_t(rows);
  return in;
}
Instruction matmul(u64 sp, u64 rows, u64 acc, bool accumulate) {
  Instruction in;
  in.opcode = Opcode::Matmul;
  in.sp_row = std::uint32_t(sp);
  in.rows = std::uint32_t(rows);
  in.acc_row = std::uint32_t(acc);
  in.accumulate = accumulate;
  return in;
}
Instruction requant(u64 acc, u64 rows, u64 sp, u64 qp, const golden::RequantOutput& out) {
  Instruction in;
  in.opcode = Opcode::Requant;
  in.acc_row = std::uint32_t(acc);
  in.rows = std::uint32_t(rows);
  in.sp_row = std::uint32_t(sp);
  in.qp_row = std::uint32_t(qp);
  in.zero_point = std::int8_t(out.zero_point);
  in.act_min = std::int8_t(out.act_min);
  in.act_max = std::int8_t(out.act_max);
  return in;
}
Instruction vec(VecOp op, u64 dst, u64 a, u64 b, u64 rows, u64 qp = 0, u64 len = 0,
                std::int8_t imm = 0) {
  Instruction in;
  in.opcode = Opcode::Vec;
  in.vec_op = op;
  in.dst = std::uint32_t(dst);
  in.src_a = std::uint32_t(a);
  in.src_b = std::uint32_t(b);
  in.rows = std::uint32_t(rows);
  in.qp_row = std::uint32_t(qp);
  in.len = std::uint32_t(len);
  in.imm = imm;
  return in;
}
Instruction sync(isa::Queue q) {
  Instruction in;
  in.opcode = Opcode::Sync;
  in.sync_queue = q;
  return in;
}

// One step of a kernel: what the three queues do for one unit of work.
struct Step {
  std::vector<Instruction> loads, compute, stores;
};

// The chip as the compiler sees it.
struct Chip {
  std::string name;
  u64 R = 0, C = 0, W = 0;  // square: R = C = W
  u64 sp = 0, wb = 0, acc = 0, qp = 0;  // rows
  u64 lanes = 0;
};

// Where each tensor of the layer lives in DRAM.
struct Tensors {
  u64 x = 0, xn = 0, q0 = 0, k0 = 0, q = 0, k = 0, v = 0, kt = 0, kcache = 0, vcache = 0;
  u64 ctx = 0, o = 0, r1 = 0, n1 = 0, h2 = 0, gate = 0, up = 0, act = 0, down = 0, r2 = 0, y = 0;
  u64 w_qkv = 0, p_qkv = 0, w_o = 0, p_o = 0, w_gate = 0, p_gate = 0, w_up = 0, p_up = 0;
  u64 w_down = 0, p_down = 0;
  u64 norm1 = 0, norm2 = 0, add_attn = 0, add_ffn = 0, act_block = 0, softmax = 0, ctx_q = 0;
  u64 consts = 0, mask = 0, rope = 0;
};

class Compiler {
 public:
  Compiler(const ModelDesc& m, const LayerShape& s, const arch::ArchConfig& cfg,
           const QuantizedLayer* q)
      : m_m(m), m_s(s), m_q(q) {
    m_p.model = m;
    m_p.shape = s;
    m_p.ops = layer_ops(m, s);  // validates
    if (cfg.array.rows != cfg.array.cols) {
      fail(fmt::format("the compiler needs a square array (rows = cols), {} is {}x{}", cfg.name,
                       cfg.array.rows, cfg.array.cols));
    }
    m_c.name = cfg.name;
    m_c.R = m_c.C = m_c.W = u64(cfg.array.rows);
    m_c.sp = cfg.scratchpad_rows();
    m_c.wb = cfg.weight_rows();
    m_c.acc = cfg.accumulator_rows();
    m_c.qp = u64(isa::kQParamDepth);
    m_c.lanes = u64(cfg.vector.lanes);
    m_p.rows = m_p.cols = cfg.array.rows;
    T = layer_tokens(s);
    d = u64(m.hidden);
    e = u64(m.head_dim);
    h = u64(m.heads);
    hkv = u64(m.kv_heads);
    qd = h * e;
    kvd = hkv * e;
    f = u64(m.ffn_size);
    B = u64(s.batch);
    Lq = s.phase == Phase::Prefill ? u64(s.seq) : 1;
    ctx = layer_context(s);
    past = s.phase == Phase::Decode ? u64(s.kv) : 0;
    pre = m.placement == NormPlacement::Pre;
    for (const auto& [what, v] : {std::pair<const char*, u64>{"hidden", d}, {"ffn_size", f},
                                  {"heads x head_dim", qd}, {"kv_heads x head_dim", kvd}}) {
      if (v % m_c.W != 0) {
        fail(fmt::format("{} = {} of {} is not a multiple of the scratchpad row of {} ({} bytes)",
                         what, v, m.name, m_c.name, m_c.W));
      }
    }
    if (e % m_c.W != 0 && m_c.W % e != 0) {
      fail(fmt::format("head_dim {} of {} and the row width {} of {} do not divide one another",
                       e, m.name, m_c.W, m_c.name));
    }
  }

  LayerProgram run() {
    allocate();
    if (pre) vector_pass("norm.attn", {"norm.attn"}, norm_op(), {t.x}, t.xn, d, t.norm1, norm_block_rows());
    const u64 qkv_in = pre ? t.xn : t.x;
    const std::int32_t qkv_zp = zp(pre ? "norm.attn" : "x");
    {
      // Q, K and V as three kernels (one per output tensor, each a plain linear).
      const bool rope = m_m.position == Position::Rope;
      const char* names[3] = {"attn.qkv.q", "attn.qkv.k", "attn.qkv.v"};
      const u64 col0[3] = {0, qd, qd + kvd}, ncol[3] = {qd, kvd, kvd};
      const u64 outs[3] = {rope ? t.q0 : t.q, rope ? t.k0 : t.k, t.v};
      for (int i = 0; i < 3; ++i) {
        begin(names[i], {"attn.qkv"}, fmt::format("{}x{}x{}", T, d, ncol[i]));
        m_p.kernels.back().stats.macs = T * d * ncol[i];
        gemm(T, d, ncol[i], qkv_in, d, t.w_qkv + col0[i], qd + 2 * kvd, t.p_qkv + 12 * col0[i],
             outs[i], ncol[i], lin_out("qkv"), qkv_zp);
        end();
      }
    }
    if (m_m.position == Position::Rope) {
      rope_pass("attn.rope.q", t.q0, t.q, qd);
      rope_pass("attn.rope.k", t.k0, t.k, kvd);
    }
    kv_write();
    attention();
    linear_kernel("attn.out", {"attn.out"}, T, qd, d, t.ctx, t.w_o, t.p_o, t.o, lin_out("out_proj"),
                  zp("attn.context"));
    vector_pass("attn.residual", {"attn.residual"}, VecOp::QAdd, {t.x, t.o}, t.r1, d, t.add_attn, 1);
    if (!pre) {
      vector_pass("norm.attn", {"norm.attn"}, norm_op(), {t.r1}, t.n1, d, t.norm1, norm_block_rows());
    } else {
      vector_pass("norm.ffn", {"norm.ffn"}, norm_op(), {t.r1}, t.h2, d, t.norm2, norm_block_rows());
    }
    const u64 ffn_in = pre ? t.h2 : t.n1;
    const std::int32_t ffn_zp = zp(pre ? "norm.ffn" : "norm.attn");
    switch (m_m.ffn) {
      case FfnType::SwiGlu:
        linear_kernel("ffn.gate", {"ffn.gate"}, T, d, f, ffn_in, t.w_gate, t.p_gate, t.gate,
                      lin_out("gate"), ffn_zp);
        linear_kernel("ffn.up", {"ffn.up"}, T, d, f, ffn_in, t.w_up, t.p_up, t.up, lin_out("up"),
                      ffn_zp);
        vector_pass("ffn.act", {"ffn.act"}, VecOp::Swiglu, {t.gate, t.up}, t.act, f, t.act_block,
                    ceil_div(528, 12 * m_c.C));
        break;
      case FfnType::GeluErf:
        linear_kernel("ffn.up+act", {"ffn.up", "ffn.act"}, T, d, f, ffn_in, t.w_up, t.p_up, t.act,
                      lin_out("up"), ffn_zp, VecOp::Gelu, t.act_block, 1);
        break;
      case FfnType::GeluTanh:
        linear_kernel("ffn.up+act", {"ffn.up", "ffn.act"}, T, d, f, ffn_in, t.w_up, t.p_up, t.act,
                      lin_out("up"), ffn_zp, VecOp::Lut, t.act_block, ceil_div(256, 12 * m_c.C));
        break;
      case FfnType::Relu:
        linear_kernel("ffn.up+act", {"ffn.up", "ffn.act"}, T, d, f, ffn_in, t.w_up, t.p_up, t.act,
                      lin_out("up"), ffn_zp);
        break;
    }
    linear_kernel("ffn.down", {"ffn.down"}, T, f, d, t.act, t.w_down, t.p_down, t.down,
                  lin_out("down"), zp("ffn.act"));
    vector_pass("ffn.residual", {"ffn.residual"}, VecOp::QAdd, {pre ? t.r1 : t.n1, t.down}, t.r2, d,
                t.add_ffn, 1);
    if (!pre) {
      vector_pass("norm.ffn", {"norm.ffn"}, norm_op(), {t.r2}, t.y, d, t.norm2, norm_block_rows());
    }
    // The last kernel needs no barrier: drop its sync and the store's token for it.
    m_p.code.pop_back();
    for (auto it = m_p.code.rbegin(); it != m_p.code.rend(); ++it) {
      if (it->opcode == Opcode::Store) {
        it->deps.push_prev = false;
        break;
      }
    }
    m_p.kernels.back().end = m_p.code.size();
    m_p.kernels.back().stats.instructions -= 1;
    Instruction halt;
    halt.opcode = Opcode::Halt;
    m_p.code.push_back(halt);
    return std::move(m_p);
  }

 private:
  // ---- DRAM ----
  u64 alloc(const std::string& name, u64 bytes) {
    const u64 addr = m_next;
    m_p.regions.push_back({name, addr, bytes});
    m_next = align_up(addr + std::max<u64>(bytes, 1));
    m_p.dram_bytes = m_next;
    return addr;
  }

  void allocate() {
    const bool rope = m_m.position == Position::Rope;
    const bool decode = m_s.phase == Phase::Decode;
    t.x = alloc("x", T * d);
    if (pre) t.xn = alloc("norm.attn", T * d);
    if (rope) t.q0 = alloc("attn.q.raw", T * qd);
    if (rope) t.k0 = alloc("attn.k.raw", T * kvd);
    t.q = alloc("attn.q", T * qd);
    t.k = alloc("attn.k", T * kvd);
    t.v = alloc("attn.v", T * kvd);
    if (decode) {
      t.kcache = alloc("kcache.t", B * hkv * e * ctx);  // [b][g][e][kv + 1]: K transposed
      t.vcache = alloc("vcache", B * hkv * ctx * e);    // [b][g][kv + 1][e]
    } else {
      t.kt = alloc("attn.k.t", B * hkv * e * kt_pitch());  // [b][g][e][pitch >= seq]
    }
    t.ctx = alloc("attn.context", T * qd);
    t.o = alloc("attn.out", T * d);
    t.r1 = alloc("attn.residual", T * d);
    if (!pre) t.n1 = alloc("norm.attn", T * d);
    if (pre) t.h2 = alloc("norm.ffn", T * d);
    if (m_m.ffn == FfnType::SwiGlu) t.gate = alloc("ffn.gate", T * f);
    if (m_m.ffn == FfnType::SwiGlu) t.up = alloc("ffn.up", T * f);
    t.act = alloc("ffn.act", T * f);
    t.down = alloc("ffn.down", T * d);
    t.r2 = alloc("ffn.residual", T * d);
    t.y = pre ? t.r2 : alloc("norm.ffn", T * d);
    const u64 qkv_n = qd + 2 * kvd;
    t.w_qkv = alloc("w.qkv", d * qkv_n);
    t.p_qkv = alloc("p.qkv", 12 * qkv_n);
    t.w_o = alloc("w.o", qd * d);
    t.p_o = alloc("p.o", 12 * d);
    if (m_m.ffn == FfnType::SwiGlu) {
      t.w_gate = alloc("w.gate", d * f);
      t.p_gate = alloc("p.gate", 12 * f);
    }
    t.w_up = alloc("w.up", d * f);
    t.p_up = alloc("p.up", 12 * f);
    t.w_down = alloc("w.down", f * d);
    t.p_down = alloc("p.down", 12 * d);
    const u64 row = 12 * m_c.C;
    t.norm1 = alloc("block.norm1", norm_block_rows() * row);
    t.norm2 = alloc("block.norm2", norm_block_rows() * row);
    t.add_attn = alloc("block.add_attn", row);
    t.add_ffn = alloc("block.add_ffn", row);
    t.act_block = alloc("block.act", ceil_div(528, row) * row);
    t.softmax = alloc("block.softmax", row);
    t.ctx_q = alloc("p.context", row);
    t.consts = alloc("consts", 2 * Lq * m_c.W);  // Lq rows of 127s, Lq rows of 1s
    const u64 len = ceil_div(ctx, m_c.C);
    t.mask = alloc("mask", Lq * len * m_c.C * 4);
    if (rope) t.rope = alloc("rope", u64(m_m.max_context) * rope_rows() * 4 * m_c.C);
  }

  // Bytes between the rows of a K^T block in prefill: the sequence rounded up to an odd number
  // of 64-byte bursts, so that the rows of a tile fall on every DRAM channel in turn.
  u64 kt_pitch() const {
    u64 bursts = ceil_div(Lq, 64);
    if (bursts % 2 == 0) ++bursts;
    return bursts * 64;
  }
  u64 norm_block_rows() const { return 1 + ceil_div(d, m_c.C); }
  u64 rope_rows() const { return std::max<u64>(1, e / m_c.W); }
  VecOp norm_op() const {
    return m_m.norm == NormType::LayerNorm ? VecOp::LayerNorm : VecOp::RmsNorm;
  }

  std::int32_t zp(const char* name) const {
    if (!m_q) return 0;
    return m_q->act.at(name).zero_point;
  }
  golden::RequantOutput lin_out(const char* which) const {
    if (!m_q) return {};
    const std::string w = which;
    const QuantLinear& L = w == "qkv"        ? m_q->qkv
                           : w == "out_proj" ? m_q->out_proj
                           : w == "gate"     ? m_q->gate
                           : w == "up"       ? m_q->up
                                             : m_q->down;
    return L.out;
  }

  // ---- Kernels and the token protocol ----
  void begin(const std::string& name, std::vector<std::string> ops, std::string shape) {
    Kernel k;
    k.name = name;
    k.shape = std::move(shape);
    for (const auto& op : ops) {
      for (std::size_t i = 0; i < m_p.ops.size(); ++i) {
        if (m_p.ops[i].name == op) {
          k.ops.push_back(i);
          k.stats.macs += m_p.ops[i].macs();
        }
      }
    }
    k.begin = m_p.code.size();
    m_p.kernels.push_back(std::move(k));
    m_steps.clear();
    m_sin = kSlots;
  }

  // Emits the kernel's steps, then a barrier, and closes the kernel.
  void end() {
    flush();
    auto& k = m_p.kernels.back();
    k.end = m_p.code.size();
    k.stats.instructions = k.end - k.begin;
  }

  // Emits the steps so far with the double-buffering tokens, then a barrier: the last store's
  // token reaches the load queue through the compute queue, so what comes next (the next kernel,
  // or the next part of this one) starts once everything before it has completed.
  void flush() {
    auto& code = m_p.code;
    const bool barrier_in = m_barrier;
    u64 n_in = 0, n_out = 0;
    for (const Step& s : m_steps) {
      n_in += s.loads.empty() ? 0 : 1;
      n_out += s.stores.empty() ? 0 : 1;
    }
    if (m_steps.empty() || m_steps.front().loads.empty() || m_steps.back().stores.empty()) {
      throw std::logic_error("layer compiler: a kernel must start with loads and end with stores");
    }
    u64 in = 0, out = 0;
    for (std::size_t i = 0; i < m_steps.size(); ++i) {
      Step s = m_steps[i];
      if (s.compute.empty()) s.compute.push_back(sync(isa::Queue::Compute));
      const bool has_in = !s.loads.empty(), has_out = !s.stores.empty();
      if (has_in) {
        s.loads.front().deps.pop_next = in >= m_sin || (in == 0 && barrier_in);
        s.loads.back().deps.push_next = true;
        s.compute.front().deps.pop_prev = true;
        s.compute.back().deps.push_prev = in + m_sin < n_in;
      }
      if (has_out) {
        if (out >= kSlots) s.compute.front().deps.pop_next = true;
        s.compute.back().deps.push_next = true;
        s.stores.front().deps.pop_prev = true;
        s.stores.back().deps.push_prev = out + kSlots < n_out || out + 1 == n_out;
      }
      for (auto* list : {&s.loads, &s.compute, &s.stores}) {
        for (const Instruction& inst : *list) add_stats(inst);
        code.insert(code.end(), list->begin(), list->end());
      }
      in += has_in ? 1 : 0;
      out += has_out ? 1 : 0;
    }
    Instruction b = sync(isa::Queue::Compute);
    b.deps.pop_next = true;
    b.deps.push_prev = true;
    code.push_back(b);
    m_steps.clear();
    m_barrier = true;
  }

  void add_stats(const Instruction& in) {
    KernelStats& s = m_p.kernels.back().stats;
    switch (in.opcode) {
      case Opcode::Load: s.dram_read_bytes += u64(in.rows) * in.bytes; break;
      case Opcode::Store: s.dram_write_bytes += u64(in.rows) * in.bytes; break;
      case Opcode::Preload: s.preload_rows += in.rows; break;
      case Opcode::Matmul: s.stream_rows += in.rows; break;
      case Opcode::Vec: s.vector_cycles += isa::vec_cycles(in, m_c.W, m_c.C, m_c.lanes); break;
      default: break;
    }
  }

  // A kernel that needs more rows of a memory than the chip has.
  [[noreturn]] void no_fit(const std::string& kernel, const char* mem, u64 need, u64 have) const {
    fail(fmt::format("{} of {} ({}) needs {} {} rows, {} has {}", kernel, m_m.name,
                     phase_text(), need, mem, m_c.name, have));
  }
  std::string phase_text() const {
    return m_s.phase == Phase::Prefill
               ? fmt::format("prefill seq {} batch {}", m_s.seq, m_s.batch)
               : fmt::format("decode kv {} batch {}", m_s.kv, m_s.batch);
  }

  // ---- Matmul: out = requant(A . W) (+ an element-wise epilogue) ----
  void linear_kernel(const std::string& name, std::vector<std::string> ops, u64 M, u64 K, u64 N,
                     u64 a, u64 w, u64 p, u64 out, const golden::RequantOutput& ro, std::int32_t a_zp,
                     VecOp epi = VecOp::AddAcc, u64 epi_block = 0, u64 epi_rows = 0) {
    begin(name, std::move(ops), fmt::format("{}x{}x{}", M, K, N));
    gemm(M, K, N, a, K, w, N, p, out, N, ro, a_zp, epi, epi_block, epi_rows);
    end();
  }

  void gemm(u64 M, u64 K, u64 N, u64 a, u64 lda, u64 w, u64 ldw, u64 p, u64 out, u64 ldo,
            const golden::RequantOutput& ro, std::int32_t /*a_zp: folded into p*/,
            VecOp epi = VecOp::AddAcc, u64 epi_block = 0, u64 epi_rows = 0) {
    const u64 R = m_c.R, C = m_c.C;
    const u64 kt_n = ceil_div(K, R), nb_n = ceil_div(N, C);
    const std::string& kname = m_p.kernels.back().name;
    const bool has_epi = epi_rows > 0;
    // Parameter rows 0 .. 7: requant ring (a row is rewritten kQpRing blocks later, when the
    // load queue, at most m_sin <= kQpRing steps ahead, cannot overtake its requant); 8 ..: the
    // epilogue's block.
    constexpr u64 kQpRing = 8, kMaxRing = 8;
    // Plan 0 streams W in groups of up to kGroup K tiles per step (fewer, larger DMAs).
    const u64 kGroup = std::max<u64>(1, std::min<u64>({kt_n, 8, m_c.wb / (kSlots * R)}));
    const u64 qp_epi = kQpRing;
    if (qp_epi + epi_rows > m_c.qp) no_fit(kname, "parameter", qp_epi + epi_rows, m_c.qp);
    const u64 mb_cap = std::min<u64>({M, m_c.acc / 2, isa::kMaxRowCount});
    if (mb_cap == 0) no_fit(kname, "accumulator", 2, m_c.acc);
    if (m_c.wb < kSlots * R) no_fit(kname, "weight-buffer", kSlots * R, m_c.wb);
    // Candidate plans: A resident (W streams), W resident (A streams), both stream.
    struct Plan {
      int kind;  // 0: A resident, 1: W resident, 2: stream both
      u64 mb, traffic;
    };
    std::vector<Plan> plans;
    const u64 a_bytes = M * K, w_bytes = K * N;
    {
      // One home for the resident rows of A; a barrier separates row blocks.
      u64 mb = std::min(mb_cap, m_c.sp / (kt_n + kSlots));
      if (mb > 0) {
        mb = ceil_div(M, ceil_div(M, mb));  // balanced blocks
        plans.push_back({0, mb, a_bytes + w_bytes * ceil_div(M, mb)});
      }
    }
    const u64 mb_stream = std::min(mb_cap, m_c.sp / (kMaxRing + kSlots));
    if (mb_stream > 0 && kSlots * kt_n * R <= m_c.wb) {
      plans.push_back({1, mb_stream, w_bytes + a_bytes * nb_n});
    }
    if (mb_stream > 0) {
      plans.push_back({2, mb_stream, a_bytes * nb_n + w_bytes * ceil_div(M, mb_stream)});
    }
    if (plans.empty()) no_fit(kname, "scratchpad", 2 * kSlots, m_c.sp);
    const Plan plan = *std::min_element(plans.begin(), plans.end(), [](const Plan& x, const Plan& y) {
      return x.traffic < y.traffic || (x.traffic == y.traffic && x.kind < y.kind);
    });
    const u64 mb = plan.mb, mb_n = ceil_div(M, mb);
    // Ring depth: the weight (or activation) tiles stream through up to kMaxRing slots. A
    // resident region alternates between two homes, rewritten two resident blocks later; the
    // steps of the block between must outnumber the ring depth minus 2 (docs/compiler.md).
    {
      const u64 blocks = plan.kind == 0 ? mb_n : plan.kind == 1 ? nb_n : 1;
      const u64 steps = plan.kind == 0 ? nb_n * kt_n : plan.kind == 1 ? mb_n * kt_n : ~u64(0);
      m_sin = blocks > 1 && plan.kind == 1 ? std::min<u64>(kMaxRing, steps + 2) : kMaxRing;
      m_sin = std::min<u64>(m_sin, m_c.wb / (plan.kind == 0 ? kGroup * R : R));
      if (plan.kind == 2) m_sin = std::min<u64>(m_sin, (m_c.sp / mb - kSlots));
      if (plan.kind == 1) m_sin = std::min<u64>(m_sin, (m_c.sp / mb - kSlots));
      m_sin = std::max<u64>(m_sin, kSlots);
    }
    // Scratchpad: [A region(s) | output slots]; weight buffer: [W region(s)].
    const u64 out_base = plan.kind == 0 ? kt_n * mb : m_sin * mb;
    bool first = true;
    auto epi_load = [&](Step& s) {
      if (first && has_epi) {
        s.loads.push_back(load(Mem::Qp, qp_epi, epi_rows, 12 * C, epi_block, 12 * C));
      }
      first = false;
    };
    auto block_end = [&](Step& s, u64 m0, u64 rows, u64 nb, u64 acc, u64 qp) {
      const u64 cols = std::min(C, N - nb * C);
      const u64 oslot = out_base + (m_out % kSlots) * mb;
      s.compute.push_back(requant(acc, rows, oslot, qp, ro));
      if (has_epi) s.compute.push_back(vec(epi, oslot, oslot, 0, rows, qp_epi));
      s.stores.push_back(store(Mem::Sp, oslot, rows, cols, out + m0 * ldo + nb * C, ldo));
      ++m_out;
    };
    if (plan.kind == 0) {
      for (u64 bm = 0; bm < mb_n; ++bm) {
        const u64 m0 = bm * mb, rows = std::min(mb, M - m0);
        const u64 areg = 0;
        if (bm > 0) flush();  // the next rows of A replace these once every step is done
        Step pro;
        epi_load(pro);
        for (u64 kt = 0; kt < kt_n; ++kt) {
          const u64 depth = std::min(R, K - kt * R);
          pro.loads.push_back(load(Mem::Sp, areg + kt * mb, rows, depth, a + m0 * lda + kt * R, lda));
        }
        m_steps.push_back(std::move(pro));
        for (u64 nb = 0; nb < nb_n; ++nb) {
          const u64 cols = std::min(C, N - nb * C);
          const u64 acc = (m_out % 2) * (m_c.acc / 2), qp = m_out % kQpRing;
          // A step loads up to kGroup consecutive K tiles of W with one DMA.
          for (u64 kg = 0; kg < kt_n; kg += kGroup) {
            const u64 kend = std::min(kt_n, kg + kGroup);
            const u64 wslot = (m_in_ring++ % m_sin) * kGroup * R;
            Step s;
            if (kg == 0) s.loads.push_back(load(Mem::Qp, qp, 1, 12 * cols, p + 12 * nb * C, 12 * cols));
            s.loads.push_back(load(Mem::Wb, wslot, std::min(K - kg * R, (kend - kg) * R), cols,
                                   w + kg * R * ldw + nb * C, ldw));
            for (u64 kt = kg; kt < kend; ++kt) {
              s.compute.push_back(preload(wslot + (kt - kg) * R, std::min(R, K - kt * R)));
              s.compute.push_back(matmul(areg + kt * mb, rows, acc, kt > 0));
            }
            if (kend == kt_n) block_end(s, m0, rows, nb, acc, qp);
            m_steps.push_back(std::move(s));
          }
        }
      }
    } else {
      for (u64 nb = 0; nb < nb_n; ++nb) {
        const u64 cols = std::min(C, N - nb * C);
        u64 wreg = 0, qp_res = 0;
        if (plan.kind == 1) {
          wreg = (m_res % kSlots) * kt_n * R;  // plan 1: the weight buffer holds only these
          qp_res = m_res % kSlots;
          ++m_res;
          Step pro;
          epi_load(pro);
          pro.loads.push_back(load(Mem::Qp, qp_res, 1, 12 * cols, p + 12 * nb * C, 12 * cols));
          for (u64 kt = 0; kt < kt_n; ++kt) {
            const u64 depth = std::min(R, K - kt * R);
            pro.loads.push_back(
                load(Mem::Wb, wreg + kt * R, depth, cols, w + kt * R * ldw + nb * C, ldw));
          }
          m_steps.push_back(std::move(pro));
        }
        for (u64 bm = 0; bm < mb_n; ++bm) {
          const u64 m0 = bm * mb, rows = std::min(mb, M - m0);
          const u64 acc = (m_out % 2) * (m_c.acc / 2);
          const u64 qp = plan.kind == 1 ? qp_res : m_out % kQpRing;
          for (u64 kt = 0; kt < kt_n; ++kt) {
            const u64 depth = std::min(R, K - kt * R), slot = m_in_ring++ % m_sin;
            Step s;
            epi_load(s);
            if (plan.kind == 2 && kt == 0) {
              s.loads.push_back(load(Mem::Qp, qp, 1, 12 * cols, p + 12 * nb * C, 12 * cols));
            }
            s.loads.push_back(load(Mem::Sp, slot * mb, rows, depth, a + m0 * lda + kt * R, lda));
            u64 wrow = wreg + kt * R;
            if (plan.kind == 2) {
              wrow = slot * R;
              s.loads.push_back(load(Mem::Wb, wrow, depth, cols, w + kt * R * ldw + nb * C, ldw));
            }
            s.compute.push_back(preload(wrow, depth));
            s.compute.push_back(matmul(slot * mb, rows, acc, kt > 0));
            if (kt + 1 == kt_n) block_end(s, m0, rows, nb, acc, qp);
            m_steps.push_back(std::move(s));
          }
        }
      }
    }
  }

  // ---- Vector passes over [T x X] int8 tensors ----
  // op: vlayernorm / vrmsnorm (a row of X = d elements, len = X / W memory rows), vqadd / vswiglu
  // (element-wise on two inputs); parameter block of `block_rows` rows at `block`.
  void vector_pass(const std::string& name, std::vector<std::string> ops, VecOp op,
                   std::vector<u64> inputs, u64 out, u64 X, u64 block, u64 block_rows) {
    begin(name, std::move(ops), fmt::format("{}x{}", T, X));
    const u64 W = m_c.W, len = X / W;
    const bool row_op = isa::vec_is_row_op(op);
    if (block_rows > m_c.qp) no_fit(name, "parameter", block_rows, m_c.qp);
    const u64 per_token = len * (inputs.size() + 1) * kSlots;
    u64 tc = std::min<u64>(T, m_c.sp / per_token);
    tc = std::min<u64>(tc, isa::kMaxRowCount / len);
    if (tc == 0) no_fit(name, "scratchpad", per_token, m_c.sp);
    const u64 slot_rows = tc * len;
    for (u64 t0 = 0, i = 0; t0 < T; t0 += tc, ++i) {
      const u64 n = std::min(tc, T - t0), rows = n * len, slot = i % kSlots;
      Step s;
      if (i == 0) s.loads.push_back(load(Mem::Qp, 0, block_rows, 12 * m_c.C, block, 12 * m_c.C));
      for (std::size_t k = 0; k < inputs.size(); ++k) {
        const u64 base = (k * kSlots + slot) * slot_rows;
        s.loads.push_back(load(Mem::Sp, base, rows, W, inputs[k] + t0 * X, W));
      }
      const u64 a = slot * slot_rows;
      const u64 b = inputs.size() > 1 ? (kSlots + slot) * slot_rows : 0;
      const u64 dst = (inputs.size() * kSlots + slot) * slot_rows;
      s.compute.push_back(row_op ? vec(op, dst, a, 0, n, 0, len) : vec(op, dst, a, b, rows, 0));
      s.stores.push_back(store(Mem::Sp, dst, rows, W, out + t0 * X, W));
      m_steps.push_back(std::move(s));
    }
    end();
  }

  // RoPE over [T x X] (the Q or K heads): cos / sin rows from the table, per token.
  void rope_pass(const std::string& name, u64 in, u64 out, u64 X) {
    begin(name, {"attn.rope"}, fmt::format("{}x{}", T, X));
    const u64 W = m_c.W, C = m_c.C, rows_tok = X / W, rr = rope_rows();
    u64 tc = std::min<u64>(T, m_c.sp / (2 * kSlots * rows_tok));
    tc = std::min<u64>({tc, m_c.acc / (kSlots * rows_tok), isa::kMaxRowCount / rows_tok});
    if (tc == 0) no_fit(name, "scratchpad or accumulator", 2 * kSlots * rows_tok, m_c.sp);
    const u64 slot_rows = tc * rows_tok;
    for (u64 t0 = 0, i = 0; t0 < T; t0 += tc, ++i) {
      const u64 n = std::min(tc, T - t0), rows = n * rows_tok, slot = i % kSlots;
      Step s;
      const u64 a = slot * slot_rows, dst = (kSlots + slot) * slot_rows, cs = slot * slot_rows;
      s.loads.push_back(load(Mem::Sp, a, rows, W, in + t0 * X, W));
      for (u64 j = 0; j < n; ++j) {
        const u64 pos = past + (t0 + j) % Lq;
        const u64 acc_row = cs + j * rows_tok;
        if (rr == 1) {
          s.loads.push_back(load(Mem::Acc, acc_row, rows_tok, 4 * C, t.rope + pos * 4 * C, 0));
        } else {
          for (u64 hh = 0; hh < rows_tok / rr; ++hh) {
            s.loads.push_back(load(Mem::Acc, acc_row + hh * rr, rr, 4 * C,
                                   t.rope + pos * rr * 4 * C, 4 * C));
          }
        }
      }
      s.compute.push_back(vec(VecOp::Rope, dst, a, cs, rows, 0, 0, 0));
      s.stores.push_back(store(Mem::Sp, dst, rows, W, out + t0 * X, W));
      m_steps.push_back(std::move(s));
    }
    end();
  }

  // ---- K transposed (and, for decode, the cache appends) ----
  // The chip has no transposing DMA: each token's e key bytes are loaded as e one-byte
  // scratchpad rows and stored back as one column of K^T. Pairs go token-major across the KV
  // heads, so consecutive transfers use different DRAM channels.
  void kv_write() {
    const bool decode = m_s.phase == Phase::Decode;
    begin("attn.kv", {}, decode ? fmt::format("append K^T and V, {} heads", B * hkv)
                                : fmt::format("K^T, {} x {}x{}", B * hkv, Lq, e));
    const u64 cap = decode ? ctx : kt_pitch();  // bytes between the rows of a K^T block
    const u64 kt_base = decode ? t.kcache : t.kt;
    struct Pair {
      Instruction ld, st;
    };
    std::vector<Pair> pairs;
    for (u64 j = 0; j < Lq; ++j) {
      for (u64 b = 0; b < B; ++b) {
        for (u64 g = 0; g < hkv; ++g) {
          const u64 src = t.k + (b * Lq + j) * kvd + g * e;
          const u64 dst = kt_base + (b * hkv + g) * e * cap + past + j;
          pairs.push_back({load(Mem::Sp, 0, e, 1, src, 1), store(Mem::Sp, 0, e, 1, dst, cap)});
        }
      }
    }
    if (decode) {  // row kv of the V cache
      const u64 vr = std::max<u64>(1, e / m_c.W), vb = std::min(e, m_c.W);
      for (u64 b = 0; b < B; ++b) {
        for (u64 g = 0; g < hkv; ++g) {
          pairs.push_back(
              {load(Mem::Sp, 0, vr, vb, t.v + b * kvd + g * e, vb),
               store(Mem::Sp, 0, vr, vb, t.vcache + ((b * hkv + g) * cap + past) * e, vb)});
        }
      }
    }
    const u64 per_step = std::min<u64>(32, m_c.sp / (kSlots * e));
    if (per_step == 0) no_fit("attn.kv", "scratchpad", kSlots * e, m_c.sp);
    for (std::size_t i = 0, step = 0; i < pairs.size(); i += per_step, ++step) {
      Step s;
      const u64 base = (step % kSlots) * per_step * e;
      for (std::size_t k = i; k < std::min(pairs.size(), i + per_step); ++k) {
        Pair pr = pairs[k];
        pr.ld.row = pr.st.row = std::uint32_t(base + (k - i) * e);
        s.loads.push_back(pr.ld);
        s.stores.push_back(pr.st);
      }
      m_steps.push_back(std::move(s));
    }
    end();
  }

  // ---- Attention: Q . K^T, mask, softmax, P . V, requant ----
  void attention() {
    const u64 R = m_c.R, C = m_c.C, W = m_c.W;
    const bool decode = m_s.phase == Phase::Decode;
    const u64 G = h / hkv, kts = ceil_div(e, R), len = ceil_div(ctx, C), nbe = ceil_div(e, C);
    const bool mask = (m_m.causal && Lq > 1) || len * C != ctx;
    const std::string name = "attn.scores+softmax+context";
    begin(name, {"attn.scores", "attn.softmax", "attn.context"},
          fmt::format("{} heads x {}x{} . {}x{}", B * h, Lq, e, e, ctx));
    if (len * C > 65536) {
      fail(fmt::format("attention of {} ({}): a softmax row of {} elements exceeds 65536",
                       m_m.name, phase_text(), len * C));
    }
    // Weight buffer per slot: K^T tiles (kts x len) and V tiles (len x nbe), shared by the G
    // query heads of the KV head: each tile is preloaded once and streams every head's rows.
    const u64 wb_slot = R * len * (kts + nbe);
    if (kSlots * wb_slot > m_c.wb) no_fit(name, "weight-buffer", kSlots * wb_slot, m_c.wb);
    // Rows per query: scratchpad Q slots, P, output slots, the two constant rows; accumulators
    // scores, context and mask slots (the mask repeated for each head).
    const u64 sp_q = kSlots * G * kts + G * len + kSlots * G * nbe + 2;
    const u64 acc_q = G * len + G * nbe + (mask ? kSlots * G * len : 0);
    const u64 qb = std::min<u64>({Lq, m_c.sp / sp_q, m_c.acc / acc_q,
                                  isa::kMaxRowCount / (G * len * 2)});
    if (qb == 0) no_fit(name, "accumulator", acc_q, m_c.acc);
    // Scratchpad: [Q slots | P | output slots | 127s | 1s]; accumulators: [S | Cx | mask slots].
    const u64 sp_p = kSlots * G * kts * qb, sp_out = sp_p + G * qb * len;
    const u64 sp_c127 = sp_out + kSlots * G * nbe * qb, sp_c1 = sp_c127 + qb;
    const u64 acc_s = 0, acc_cx = G * len * qb, acc_mask = acc_cx + G * nbe * qb;
    const u64 qp_ctx = 0, qp_smx = 1;
    const u64 kt_stride = decode ? ctx : kt_pitch();
    const u64 v_stride = decode ? e : kvd;
    const golden::RequantOutput ctx_out = [&] {
      golden::RequantOutput o;
      o.zero_point = zp("attn.context");
      return o;
    }();
    u64 step = 0;
    for (u64 b = 0; b < B; ++b) {
      for (u64 g = 0; g < hkv; ++g) {
        const u64 ktsrc = (decode ? t.kcache : t.kt) + (b * hkv + g) * e * kt_stride;
        const u64 vsrc = decode ? t.vcache + (b * hkv + g) * ctx * e : t.v + b * Lq * kvd + g * e;
        for (u64 i0 = 0; i0 < Lq; i0 += qb, ++step) {
          const u64 n = std::min(qb, Lq - i0), slot = step % kSlots;
          const u64 wkt = slot * wb_slot, wv = wkt + R * len * kts;
          const u64 qs = slot * G * kts * qb, outs = sp_out + slot * G * nbe * qb;
          const u64 mrow = acc_mask + slot * G * qb * len;
          // Compute-only regions are packed for this step's n queries.
          auto s_row = [&](u64 hg) { return acc_s + hg * n * len; };
          auto p_row = [&](u64 hg) { return sp_p + hg * n * len; };
          auto cx_row = [&](u64 hg, u64 ne) { return acc_cx + (hg * nbe + ne) * n; };
          auto q_row = [&](u64 hg, u64 kt) { return qs + (hg * kts + kt) * qb; };
          Step s;
          if (step == 0) {
            s.loads.push_back(load(Mem::Qp, qp_ctx, 1, 12 * C, t.ctx_q, 12 * C));
            s.loads.push_back(load(Mem::Qp, qp_smx, 1, 12 * C, t.softmax, 12 * C));
            s.loads.push_back(load(Mem::Sp, sp_c127, qb, W, t.consts, W));
            s.loads.push_back(load(Mem::Sp, sp_c1, qb, W, t.consts + Lq * W, W));
          }
          for (u64 hg = 0; hg < G; ++hg) {
            for (u64 kt = 0; kt < kts; ++kt) {
              s.loads.push_back(load(Mem::Sp, q_row(hg, kt), n, std::min(R, e - kt * R),
                                     t.q + (b * Lq + i0) * qd + (g * G + hg) * e + kt * R, qd));
            }
          }
          for (u64 kt = 0; kt < kts; ++kt) {
            for (u64 nb = 0; nb < len; ++nb) {
              s.loads.push_back(load(Mem::Wb, wkt + (kt * len + nb) * R, std::min(R, e - kt * R),
                                     std::min(C, ctx - nb * C), ktsrc + kt * R * kt_stride + nb * C,
                                     kt_stride));
            }
          }
          for (u64 kt = 0; kt < len; ++kt) {
            for (u64 ne = 0; ne < nbe; ++ne) {
              s.loads.push_back(load(Mem::Wb, wv + (kt * nbe + ne) * R, std::min(R, ctx - kt * R),
                                     std::min(C, e - ne * C), vsrc + kt * R * v_stride + ne * C,
                                     v_stride));
            }
          }
          if (mask) {
            for (u64 hg = 0; hg < G; ++hg) {
              s.loads.push_back(load(Mem::Acc, mrow + hg * n * len, n * len, 4 * C,
                                     t.mask + i0 * len * 4 * C, 4 * C));
            }
          }
          // Scores: accumulator row s_row(hg) + i len + nb holds keys nb C .. nb C + C - 1 of
          // query i of head hg.
          for (u64 kt = 0; kt < kts; ++kt) {
            for (u64 nb = 0; nb < len; ++nb) {
              s.compute.push_back(preload(wkt + (kt * len + nb) * R, std::min(R, e - kt * R)));
              for (u64 hg = 0; hg < G; ++hg) {
                if (len == 1) {
                  s.compute.push_back(matmul(q_row(hg, kt), n, s_row(hg), kt > 0));
                } else {
                  for (u64 i = 0; i < n; ++i) {
                    s.compute.push_back(
                        matmul(q_row(hg, kt) + i, 1, s_row(hg) + i * len + nb, kt > 0));
                  }
                }
              }
            }
          }
          if (mask) s.compute.push_back(vec(VecOp::AddAcc, acc_s, acc_s, mrow, G * n * len));
          s.compute.push_back(vec(VecOp::Softmax, sp_p, acc_s, 0, G * n, qp_smx, len));
          // Context: P (zero point -128) . V = P_raw . V + 128 colsum(V); the 128 colsum comes
          // from streaming a row of 127s and a row of 1s into the same accumulator rows.
          for (u64 ne = 0; ne < nbe; ++ne) {
            for (u64 kt = 0; kt < len; ++kt) {
              s.compute.push_back(preload(wv + (kt * nbe + ne) * R, std::min(R, ctx - kt * R)));
              for (u64 hg = 0; hg < G; ++hg) {
                if (len == 1) {
                  s.compute.push_back(matmul(p_row(hg), n, cx_row(hg, ne), kt > 0));
                  s.compute.push_back(matmul(sp_c127, n, cx_row(hg, ne), true));
                  s.compute.push_back(matmul(sp_c1, n, cx_row(hg, ne), true));
                } else {
                  for (u64 i = 0; i < n; ++i) {
                    s.compute.push_back(matmul(p_row(hg) + i * len + kt, 1, cx_row(hg, ne) + i, kt > 0));
                    s.compute.push_back(matmul(sp_c127, 1, cx_row(hg, ne) + i, true));
                    s.compute.push_back(matmul(sp_c1, 1, cx_row(hg, ne) + i, true));
                  }
                }
              }
            }
          }
          s.compute.push_back(requant(acc_cx, G * nbe * n, outs, qp_ctx, ctx_out));
          for (u64 hg = 0; hg < G; ++hg) {
            for (u64 ne = 0; ne < nbe; ++ne) {
              s.stores.push_back(store(Mem::Sp, outs + (hg * nbe + ne) * n, n,
                                       std::min(C, e - ne * C),
                                       t.ctx + (b * Lq + i0) * qd + (g * G + hg) * e + ne * C, qd));
            }
          }
          m_steps.push_back(std::move(s));
        }
      }
    }
    end();
  }

  const ModelDesc& m_m;
  const LayerShape& m_s;
  const QuantizedLayer* m_q;
  LayerProgram m_p;
  Chip m_c;
  Tensors t;
  std::vector<Step> m_steps;
  u64 m_next = 0;
  u64 m_out = 0, m_res = 0, m_in_ring = 0;  // counters of output blocks, resident loads, slots
  // Depth of the kernel's input ring: the load queue runs up to m_sin steps ahead of compute.
  u64 m_sin = kSlots;
  bool m_barrier = false;  // a barrier precedes the next steps
  u64 T = 0, d = 0, e = 0, h = 0, hkv = 0, qd = 0, kvd = 0, f = 0, B = 0, Lq = 0, ctx = 0, past = 0;
  bool pre = true;
};

void put_i32(std::vector<std::uint8_t>& dram, u64 addr, std::int32_t v) {
  std::memcpy(&dram[addr], &v, 4);
}

void put_block(std::vector<std::uint8_t>& dram, u64 addr, const std::vector<std::uint8_t>& b) {
  std::memcpy(&dram[addr], b.data(), b.size());
}

// Weights [k x n] and the requant records with the input zero point folded into the bias.
void put_linear(std::vector<std::uint8_t>& dram, u64 w, u64 p, const QuantLinear& L,
                std::int32_t a_zp) {
  std::memcpy(&dram[w], L.w.data(), L.w.size());
  const std::vector<std::int32_t> colsum = golden::weight_column_sums(L.k, L.n, L.w.data());
  for (int j = 0; j < L.n; ++j) {
    const auto& ch = L.channels[std::size_t(j)];
    put_i32(dram, p + 12 * u64(j),
            std::int32_t(std::uint32_t(ch.bias) - std::uint32_t(a_zp) * std::uint32_t(colsum[j])));
    put_i32(dram, p + 12 * u64(j) + 4, ch.multiplier);
    put_i32(dram, p + 12 * u64(j) + 8, ch.shift);
  }
}

}  // namespace

const DramRegion& LayerProgram::region(const std::string& name) const {
  for (const auto& r : regions) {
    if (r.name == name) return r;
  }
  throw std::out_of_range("layer program has no DRAM region " + name);
}

LayerProgram compile_layer(const ModelDesc& m, const LayerShape& s, const arch::ArchConfig& cfg,
                           const QuantizedLayer* q) {
  return Compiler(m, s, cfg, q).run();
}

std::vector<isa::Instruction> stack_program(const LayerProgram& p, int layers) {
  std::vector<isa::Instruction> one(p.code.begin(), p.code.end() - 1);  // without the halt
  std::vector<isa::Instruction> code;
  code.reserve(one.size() * std::size_t(std::max(layers, 1)) + std::size_t(layers) + 1);
  for (int l = 0; l < layers; ++l) {
    const std::size_t at = code.size();
    code.insert(code.end(), one.begin(), one.end());
    if (l > 0) {  // wait for the barrier of the layer before
      for (std::size_t i = at; i < code.size(); ++i) {
        if (code[i].opcode == Opcode::Load) {
          code[i].deps.pop_next = true;
          break;
        }
      }
    }
    if (l + 1 < layers) {  // barrier: the last store's token to the next layer's first load
      for (auto it = code.rbegin(); it != code.rend(); ++it) {
        if (it->opcode == Opcode::Store) {
          it->deps.push_prev = true;
          break;
        }
      }
      Instruction b = sync(isa::Queue::Compute);
      b.deps.pop_next = true;
      b.deps.push_prev = true;
      code.push_back(b);
    }
  }
  code.push_back(p.code.back());
  return code;
}

std::vector<std::uint8_t> layer_dram_image(const LayerProgram& p, const QuantizedLayer& q,
                                           const Int8LayerInput& in) {
  const ModelDesc& m = p.model;
  const LayerShape& s = p.shape;
  std::vector<std::uint8_t> dram(p.dram_bytes, 0);
  const u64 C = u64(p.cols), d = u64(m.hidden), e = u64(m.head_dim), hkv = u64(m.kv_heads);
  const u64 qd = u64(m.heads) * e, kvd = hkv * e, f = u64(m.ffn_size);
  const bool pre = m.placement == NormPlacement::Pre;
  auto zp = [&](const char* n) { return q.act.at(n).zero_point; };
  std::memcpy(&dram[p.region("x").addr], in.x.data(), in.x.size());
  put_linear(dram, p.region("w.qkv").addr, p.region("p.qkv").addr, q.qkv,
             zp(pre ? "norm.attn" : "x"));
  put_linear(dram, p.region("w.o").addr, p.region("p.o").addr, q.out_proj, zp("attn.context"));
  const std::int32_t ffn_zp = zp(pre ? "norm.ffn" : "norm.attn");
  if (m.ffn == FfnType::SwiGlu) {
    put_linear(dram, p.region("w.gate").addr, p.region("p.gate").addr, q.gate, ffn_zp);
  }
  put_linear(dram, p.region("w.up").addr, p.region("p.up").addr, q.up, ffn_zp);
  put_linear(dram, p.region("w.down").addr, p.region("p.down").addr, q.down, zp("ffn.act"));
  put_block(dram, p.region("block.norm1").addr, golden::norm_block(q.norm1, p.cols));
  put_block(dram, p.region("block.norm2").addr, golden::norm_block(q.norm2, p.cols));
  put_block(dram, p.region("block.add_attn").addr, golden::add_block(q.add_attn));
  put_block(dram, p.region("block.add_ffn").addr, golden::add_block(q.add_ffn));
  switch (m.ffn) {
    case FfnType::GeluErf:
      put_block(dram, p.region("block.act").addr, golden::gelu_block(q.gelu_erf));
      break;
    case FfnType::GeluTanh: put_block(dram, p.region("block.act").addr, golden::lut_block(q.lut)); break;
    case FfnType::SwiGlu:
      put_block(dram, p.region("block.act").addr, golden::swiglu_block(q.swiglu));
      break;
    case FfnType::Relu: break;
  }
  put_block(dram, p.region("block.softmax").addr, golden::softmax_block(q.softmax));
  for (u64 j = 0; j < C; ++j) {
    const u64 a = p.region("p.context").addr + 12 * j;
    put_i32(dram, a, 0);
    put_i32(dram, a + 4, q.context_multiplier.multiplier);
    put_i32(dram, a + 8, q.context_multiplier.shift);
  }
  const u64 Lq = s.phase == Phase::Prefill ? u64(s.seq) : 1, ctx = layer_context(s);
  const u64 W = C, consts = p.region("consts").addr;
  std::memset(&dram[consts], 127, Lq * W);
  std::memset(&dram[consts + Lq * W], 1, Lq * W);
  // Mask: query i sees keys j < visible(i); the rest of the padded row gets kMaskValue.
  const u64 past = s.phase == Phase::Decode ? u64(s.kv) : 0, len = ceil_div(ctx, C);
  const u64 mask = p.region("mask").addr;
  for (u64 i = 0; i < Lq; ++i) {
    const u64 visible = m.causal ? past + i + 1 : ctx;
    for (u64 j = 0; j < len * C; ++j) {
      put_i32(dram, mask + (i * len * C + j) * 4, j < visible ? 0 : kMaskValue);
    }
  }
  if (m.position == Position::Rope) {
    const u64 rr = std::max<u64>(1, e / W), half = e / 2, base = p.region("rope").addr;
    for (u64 pos = 0; pos < u64(m.max_context); ++pos) {
      for (u64 r = 0; r < rr; ++r) {
        for (u64 i = 0; i < W / 2; ++i) {
          const u64 pair = ((r * W + 2 * i) % e) / 2;
          const u64 at = base + ((pos * rr + r) * C + 2 * i) * 4;
          put_i32(dram, at, std::uint16_t(q.rope.cos_q14[pos * half + pair]));
          put_i32(dram, at + 4, std::uint16_t(q.rope.sin_q14[pos * half + pair]));
        }
      }
    }
  }
  if (s.phase == Phase::Decode) {
    const u64 B = u64(s.batch), kv = u64(s.kv);
    const u64 kc = p.region("kcache.t").addr, vc = p.region("vcache").addr;
    for (u64 bg = 0; bg < B * hkv; ++bg) {
      for (u64 j = 0; j < kv; ++j) {
        for (u64 c = 0; c < e; ++c) {
          dram[kc + (bg * e + c) * ctx + j] = std::uint8_t(in.k_cache[(bg * kv + j) * e + c]);
        }
        std::memcpy(&dram[vc + (bg * ctx + j) * e], &in.v_cache[(bg * kv + j) * e], e);
      }
    }
  }
  (void)d;
  (void)qd;
  (void)kvd;
  (void)f;
  return dram;
}

std::map<std::string, std::vector<std::int8_t>> layer_dram_tensors(
    const LayerProgram& p, const std::vector<std::uint8_t>& dram) {
  std::map<std::string, std::vector<std::int8_t>> out;
  for (const char* name : {"x", "norm.attn", "attn.q", "attn.k", "attn.v", "attn.context",
                           "attn.out", "attn.residual", "norm.ffn", "ffn.gate", "ffn.up",
                           "ffn.act", "ffn.down", "ffn.residual"}) {
    for (const auto& r : p.regions) {
      if (r.name != name) continue;
      if (dram.size() < r.addr + r.bytes) throw std::out_of_range("DRAM image too small");
      out[name].assign(reinterpret_cast<const std::int8_t*>(&dram[r.addr]),
                       reinterpret_cast<const std::int8_t*>(&dram[r.addr + r.bytes]));
    }
  }
  const bool pre = p.model.placement == NormPlacement::Pre;
  out["y"] = out.at(pre ? "ffn.residual" : "norm.ffn");
  return out;
}

}  // namespace serrano::workloads
