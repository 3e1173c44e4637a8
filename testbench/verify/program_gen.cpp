// SPDX-License-Identifier: Apache-2.0
#include "testbench/verify/program_gen.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <deque>

#include "golden/vector_ops.h"
#include "testbench/verify/chip_geometry.h"
#include "testbench/verify/hazards.h"
#include "testbench/verify/rng.h"
#include "workloads/gemm.h"
#include "workloads/gemm_program.h"

namespace serrano::verify {

namespace {

using Before = std::array<std::uint32_t, 3>;

isa::Instruction sync_of(isa::Queue q) {
  isa::Instruction s;
  s.opcode = isa::Opcode::Sync;
  s.sync_queue = q;
  return s;
}

bool& pop_flag(isa::Instruction& in, int ch) {
  return pop_channel(isa::queue_of(in), true) == ch ? in.deps.pop_prev : in.deps.pop_next;
}
bool& push_flag(isa::Instruction& in, int ch) {
  return push_channel(isa::queue_of(in), true) == ch ? in.deps.push_prev : in.deps.push_next;
}

// Builds a program instruction by instruction. append() adds the tokens that order the new
// instruction after every earlier instruction of another queue it conflicts with: a pop on the
// channel from that queue, matched by a push that the latest instruction of that queue makes
// (set after the fact if needed: it is the last pusher on that channel, so the order of pushes is
// kept), with syncs that drain older tokens first, and a relay sync in the compute queue between
// load and store, which have no channel of their own.
class Builder {
 public:
  Builder(Rng& rng, const GenOptions& o) : m_rng(rng), m_o(o) {}

  std::vector<isa::Instruction> code;

  void append(isa::Instruction in, Before need = {0, 0, 0}) {
    const isa::Queue q = isa::queue_of(in);
    const auto qi = std::size_t(q);
    const Accesses a = accesses_of(in);
    for (std::size_t j = 0; j < code.size(); ++j) {
      const auto qj = std::size_t(m_queue[j]);
      if (qj != qi && conflict(a, m_acc[j])) need[qj] = std::max(need[qj], m_pos[j] + 1);
    }
    // Pops asked for by the caller (a random sync) take whatever token waits.
    const bool forced[2] = {in.deps.pop_prev, in.deps.pop_next};
    in.deps.pop_prev = in.deps.pop_next = false;
    if (q != isa::Queue::Compute) {  // load <-> store goes through the compute queue
      const auto other = std::size_t(q == isa::Queue::Load ? isa::Queue::Store : isa::Queue::Load);
      if (need[other] > base(qi)[other]) {
        const auto& comp = m_members[std::size_t(isa::Queue::Compute)];
        if (comp.empty() || m_before[comp.back()][other] < need[other]) {
          Before relay{0, 0, 0};
          relay[other] = need[other];
          append(sync_of(isa::Queue::Compute), relay);
        }
        const std::size_t c = comp.back();
        need[1] = std::max(need[1], m_pos[c] + 1);
      }
      need[other] = 0;
    }
    std::vector<std::size_t> popped;
    for (int side = 0; side < 2; ++side) {
      const int ch = pop_channel(q, side == 0);
      if (ch < 0) continue;
      const auto src = std::size_t(channel_source(ch));
      if (need[src] > current(qi, popped)[src]) {
        take_token(ch, need[src], q, popped);
        pop_flag(in, ch) = true;
      } else if ((forced[side] || m_rng.chance(m_o.token_percent)) && pending(ch) > 0) {
        popped.push_back(m_pushes[ch][m_pops[ch]++]);
        pop_flag(in, ch) = true;
      }
    }
    const std::size_t index = code.size();
    m_before.push_back(current(qi, popped));
    m_pos.push_back(std::uint32_t(m_members[qi].size()));
    m_members[qi].push_back(index);
    m_queue.push_back(q);
    m_acc.push_back(a);
    for (int side = 0; side < 2; ++side) {
      const int ch = push_channel(q, side == 0);
      const bool asked = side == 0 ? in.deps.push_prev : in.deps.push_next;
      if (ch < 0) continue;
      // The store queue has few instructions (store_queue_limit): its pushes are more likely.
      const unsigned percent = q == isa::Queue::Store ? 2 * m_o.token_percent : m_o.token_percent;
      const bool extra = m_rng.chance(percent) && pending(ch) < m_o.max_pending &&
                         (ch != kComputeToLoad || m_o.load_queue_syncs);
      if (asked || extra) {
        push_flag(in, ch) = true;
        m_pushes[ch].push_back(index);
      } else {
        push_flag(in, ch) = false;
      }
    }
    code.push_back(in);
    for (const Range& r : a.reads) remember(r);
    for (const Range& r : a.writes) {
      remember(r);
      m_last_write[std::size_t(r.space)] = r;
      m_has_write[std::size_t(r.space)] = true;
    }
  }

  const Range* last_write(Space s) const {
    return m_has_write[std::size_t(s)] ? &m_last_write[std::size_t(s)] : nullptr;
  }

  std::size_t queue_size(isa::Queue q) const { return m_members[std::size_t(q)].size(); }
  std::size_t pending(int ch) const { return m_pushes[ch].size() - m_pops[ch]; }

  // Recently touched ranges of a space: choosing rows near them makes hazards and bank
  // conflicts likely.
  const std::deque<Range>& recent(Space s) const { return m_recent[std::size_t(s)]; }

 private:
  Before base(std::size_t qi) const {
    return m_members[qi].empty() ? Before{0, 0, 0} : m_before[m_members[qi].back()];
  }

  Before current(std::size_t qi, const std::vector<std::size_t>& popped) const {
    Before b = base(qi);
    for (std::size_t p : popped) {
      for (int k = 0; k < 3; ++k) b[k] = std::max(b[k], m_before[p][k]);
      const auto pq = std::size_t(m_queue[p]);
      b[pq] = std::max(b[pq], m_pos[p] + 1);
    }
    return b;
  }

  // Pops, for the instruction about to be appended to queue q, a token on `ch` whose pusher is
  // at least the `need`-th instruction of the source queue.
  void take_token(int ch, std::uint32_t need, isa::Queue q, std::vector<std::size_t>& popped) {
    const auto src = std::size_t(channel_source(ch));
    auto& pushes = m_pushes[ch];
    std::size_t f = m_pops[ch];
    while (f < pushes.size() && m_pos[pushes[f]] + 1 < need) ++f;
    if (f == pushes.size()) {
      const std::size_t k = m_members[src].back();
      push_flag(code[k], ch) = true;
      pushes.push_back(k);
    }
    while (m_pops[ch] < f) {  // drain older tokens with syncs
      isa::Instruction s = sync_of(q);
      pop_flag(s, ch) = true;
      append(s);
    }
    popped.push_back(pushes[m_pops[ch]++]);
  }

  void remember(const Range& r) {
    auto& list = m_recent[std::size_t(r.space)];
    list.push_back(r);
    if (list.size() > 8) list.pop_front();
  }

  Rng& m_rng;
  const GenOptions& m_o;
  std::vector<Before> m_before;
  std::vector<std::uint32_t> m_pos;
  std::vector<isa::Queue> m_queue;
  std::vector<Accesses> m_acc;
  std::vector<std::size_t> m_members[3];
  std::vector<std::size_t> m_pushes[kChannels];
  std::size_t m_pops[kChannels] = {0, 0, 0, 0};
  std::deque<Range> m_recent[5];
  Range m_last_write[5];
  bool m_has_write[5] = {false, false, false, false, false};
};

class RandomProgram {
 public:
  RandomProgram(const arch::ArchConfig& cfg, std::uint64_t seed, const GenOptions& o)
      : m_g(geometry(cfg)), m_rng(seed), m_o(o), m_b(m_rng, m_o) {
    m_qp_bytes = std::uint64_t(m_g.row_bytes[3]) * 32;  // 32 rows of valid parameter records
    plan_blocks();
    m_dram = std::max<std::uint64_t>({o.dram_bytes, 4ull * m_g.row_bytes[3] * 16,
                                      m_data_base + 8192});
  }

  TestProgram build(std::uint64_t seed) {
    TestProgram p;
    p.kind = "random";
    p.seed = seed;
    p.dram = initial_dram();
    const auto n = std::uint32_t(m_rng.range(m_o.min_instructions, m_o.max_instructions));
    const unsigned weights[] = {m_o.w_load,    m_o.w_store, m_o.w_preload, m_o.w_matmul,
                                m_o.w_requant, m_o.w_vec,   m_o.w_sync,    m_o.w_burst};
    unsigned total = 0;
    for (unsigned w : weights) total += w;
    while (m_b.code.size() < n) {
      auto r = unsigned(m_rng.below(total));
      int kind = 0;
      while (r >= weights[kind]) r -= weights[kind++];
      generate(kind);
    }
    isa::Instruction halt;
    halt.opcode = isa::Opcode::Halt;
    p.code = std::move(m_b.code);
    p.code.push_back(halt);
    return p;
  }

 private:
  void generate(int kind) {
    switch (kind) {
      case 0: load(); break;
      case 1: store(); break;
      case 2: preload(); break;
      case 3: matmul(); break;
      case 4: requant(); break;
      case 5: vec(); break;
      case 6: sync(); break;
      default: burst(); break;
    }
  }

  // The initial DRAM: 32 rows of valid requant parameter records at address 0 (where the load.qp
  // of records read from), then the vector ops' parameter blocks (two variants of each kind), then
  // random bytes. No store writes below the random bytes.
  std::vector<std::uint8_t> initial_dram() {
    std::vector<std::uint8_t> d(m_dram);
    for (std::uint64_t a = 0; a < m_qp_bytes; a += 12) {
      std::int32_t rec[3];
      rec[0] = m_rng.chance(70) ? std::int32_t(m_rng.range(-5000, 5000))
                                : std::int32_t(std::uint32_t(m_rng.next()));
      const unsigned r = unsigned(m_rng.below(100));
      // Multipliers: mostly in [2^30, 2^31) as TFLite makes them; exactly 2^30 (a power of two:
      // halves are exact, so rounding ties are frequent); 0, INT32_MAX and arbitrary values.
      rec[1] = r < 65
                   ? std::int32_t(m_rng.range(std::int64_t(1) << 30, (std::int64_t(1) << 31) - 1))
               : r < 82 ? std::int32_t(1) << 30
               : r < 86 ? 0
               : r < 90 ? std::int32_t(0x7fffffff)
                        : std::int32_t(std::uint32_t(m_rng.next()));
      const unsigned s = unsigned(m_rng.below(100));
      // Mostly right shifts, small ones often (rounding ties are then frequent).
      rec[2] = r >= 65 && r < 82 ? std::int32_t(m_rng.range(-5, -1))
               : s < 30          ? std::int32_t(m_rng.range(-6, -1))
               : s < 65          ? std::int32_t(m_rng.range(-14, -7))
               : s < 90          ? std::int32_t(m_rng.range(-31, 31))
                                 : std::int32_t(std::array<int, 3>{-31, 31, 0}[m_rng.below(3)]);
      std::memcpy(&d[a], rec, 12);
    }
    write_blocks(d);
    // Data: per 4-byte word, random bytes (int8 extremes, int32 that saturate a requant), a small
    // int32 (requants that round rather than clamp), or four small int8.
    for (std::uint64_t a = m_data_base; a < m_dram; a += 4) {
      std::uint32_t w = std::uint32_t(m_rng.next());
      const unsigned r = unsigned(m_rng.below(100));
      if (r >= 40 && r < 70) {
        w = std::uint32_t(std::int32_t(m_rng.range(-4096, 4096)));
      } else if (r >= 70) {
        w = 0;
        for (int b = 0; b < 4; ++b)
          w |= std::uint32_t(std::uint8_t(m_rng.range(-20, 20))) << (8 * b);
      }
      for (std::uint64_t b = 0; b < 4 && a + b < m_dram; ++b) d[a + b] = std::uint8_t(w >> (8 * b));
    }
    return d;
  }

  std::uint32_t count(std::uint64_t cap) {
    if (m_small) return std::uint32_t(1 + m_rng.below(std::min<std::uint64_t>(cap, 2)));
    const std::uint64_t top = std::min<std::uint64_t>(cap, isa::kMaxRowCount);
    if (top <= 1) return 1;
    const unsigned r = unsigned(m_rng.below(100));
    if (r < 18) return 1;
    if (r < 24) return std::uint32_t(top);
    return std::uint32_t(1 + m_rng.below(std::min<std::uint64_t>(top, m_o.typical_rows)));
  }

  // The first of `n` rows of a memory with `cap` rows: 0, the end, near recently used rows (of
  // the same bank, or overlapping them), bank-aligned, or anywhere.
  std::uint32_t first(Space s, std::uint32_t n, std::uint64_t cap, std::uint32_t banks) {
    const std::uint64_t hi = cap - n;
    const unsigned r = unsigned(m_rng.below(100));
    if (r < 8) return 0;
    if (r < 18) return std::uint32_t(hi);
    const auto& rec = m_b.recent(s);
    const Range* last = m_b.last_write(s);
    if (r < 38 && last != nullptr) {  // what the latest writer produced: data flows on
      return std::uint32_t(std::min<std::uint64_t>(last->lo, hi));
    }
    if (r < 55 && !rec.empty()) {
      const Range& x = rec[m_rng.below(rec.size())];
      std::int64_t at = std::int64_t(x.lo);
      switch (m_rng.below(4)) {
        case 0: break;                                                   // the same rows
        case 1: at += std::int64_t(banks) * m_rng.range(1, 4); break;    // same banks, later
        case 2: at = std::int64_t(x.hi) + m_rng.range(0, banks); break;  // just after
        default: at += m_rng.range(-2, 2); break;                        // overlapping
      }
      return std::uint32_t(std::clamp<std::int64_t>(at, 0, std::int64_t(hi)));
    }
    if (r < 64) return std::uint32_t(m_rng.below(hi / banks + 1) * banks);
    return std::uint32_t(m_rng.below(hi + 1));
  }

  std::uint32_t first_of(isa::Mem m, std::uint32_t n) {
    const auto i = std::size_t(m);
    return first(Space(m), n, m_g.rows[i], m_g.banks[i]);
  }

  // Bytes per row for a DMA of memory m: the full row, one element, or a random number of
  // elements.
  std::uint32_t bytes_of(isa::Mem m) {
    const std::uint32_t width = m_g.row_bytes[std::size_t(m)],
                        unit = m_g.unit_bytes[std::size_t(m)];
    const unsigned r = unsigned(m_rng.below(100));
    if (r < 40) return width;
    if (r < 52) return unit;
    return unit * std::uint32_t(1 + m_rng.below(width / unit));
  }

  // DRAM address and stride for `rows` rows of `bytes` inside [lo, hi), both multiples of
  // `unit` relative to lo.
  void dram_of(isa::Instruction& in, std::uint64_t lo, std::uint64_t hi, std::uint32_t unit) {
    const std::uint64_t region = hi - lo, bytes = in.bytes, rows = in.rows;
    const unsigned r = unsigned(m_rng.below(100));
    std::uint64_t stride;
    if (r < 8) {
      stride = 0;
    } else if (r < 18 && bytes > unit) {
      stride = m_rng.below(bytes / unit) * unit;  // rows overlap in DRAM
    } else if (r < 50) {
      stride = bytes;
    } else if (r < 62) {
      stride = (m_g.row_bytes[std::size_t(in.mem)] + unit - 1) / unit * unit;
    } else {
      stride = (bytes + m_rng.below(3 * bytes + 64) + unit - 1) / unit * unit;
    }
    if (rows > 1 && (rows - 1) * stride + bytes > region) {
      stride = (region - bytes) / (rows - 1) / unit * unit;
    }
    const std::uint64_t span = (rows - 1) * stride + bytes;
    const std::uint64_t last = (region - span) / unit;  // highest start, in units
    std::uint64_t at;
    const unsigned s = unsigned(m_rng.below(100));
    const auto& rec = m_b.recent(Space::Dram);
    if (s < 14) {
      at = last;
    } else if (s < 26) {
      at = 0;
    } else if (s < 52 && !rec.empty()) {
      const Range& x = rec[m_rng.below(rec.size())];
      const std::int64_t base = std::int64_t(x.lo) - std::int64_t(lo) + m_rng.range(-8, 8);
      at =
          std::uint64_t(std::clamp<std::int64_t>(base / std::int64_t(unit), 0, std::int64_t(last)));
    } else if (s < 64) {
      at = std::min(last, m_rng.below(last + 1) / 64 * 64);
    } else {
      at = m_rng.below(last + 1);
    }
    in.dram_addr = lo + at * unit;
    in.dram_stride = std::uint32_t(stride);
  }

  void load() {
    const unsigned r = unsigned(m_rng.below(100));
    const isa::Mem m = r < 40   ? isa::Mem::Sp
                       : r < 65 ? isa::Mem::Wb
                       : r < 80 ? isa::Mem::Acc
                                : isa::Mem::Qp;
    isa::Instruction in;
    in.opcode = isa::Opcode::Load;
    in.mem = m;
    in.rows = count(m == isa::Mem::Qp ? record_rows() : m_g.rows[std::size_t(m)]);
    in.row = m == isa::Mem::Qp ? first(Space::Qp, in.rows, record_rows(), 1) : first_of(m, in.rows);
    if (m == isa::Mem::Qp && m_rng.chance(4)) {  // now and then records over every row
      in.row = 0;
      in.rows = std::uint32_t(m_g.rows[3]);
      for (auto& home : m_loaded) home[0] = home[1] = false;  // the blocks are gone
    }
    in.bytes = bytes_of(m);
    if (m == isa::Mem::Qp && m_rng.chance(50)) in.bytes = m_g.row_bytes[3];  // every channel
    if (m == isa::Mem::Qp) {
      dram_of(in, 0, m_qp_bytes, 12);
    } else if (m == isa::Mem::Acc && m_rng.chance(75)) {
      dram_of(in, 0, m_dram, 4);  // whole int32 words of the image
    } else {
      dram_of(in, 0, m_dram, 1);
    }
    m_b.append(in);
  }

  bool store_queue_full() const {
    // The store and the syncs that may drain older compute->store tokens before it.
    return m_o.store_queue_limit != 0 &&
           m_b.queue_size(isa::Queue::Store) + 1 + m_b.pending(kComputeToStore) >
               m_o.store_queue_limit;
  }

  void store() {
    if (store_queue_full()) return;
    const isa::Mem m = m_rng.chance(60) ? isa::Mem::Sp : isa::Mem::Acc;
    isa::Instruction in;
    in.opcode = isa::Opcode::Store;
    in.mem = m;
    in.rows = count(m_g.rows[std::size_t(m)]);
    in.row = first_of(m, in.rows);
    if (m == isa::Mem::Sp && m_last_requant.hi > 0 && m_rng.chance(50)) {  // its results
      in.row = std::uint32_t(m_last_requant.lo);
      in.rows = std::uint32_t(m_last_requant.hi - m_last_requant.lo);
    }
    in.bytes = bytes_of(m);
    dram_of(in, m_data_base, m_dram, 1);
    m_b.append(in);
  }

  void preload() {
    isa::Instruction in;
    in.opcode = isa::Opcode::Preload;
    const unsigned r = unsigned(m_rng.below(100));
    in.rows = r < 35 ? m_g.R : r < 50 ? 1 : std::uint32_t(1 + m_rng.below(m_g.R));
    if (m_small) in.rows = 1;
    in.wb_row = first_of(isa::Mem::Wb, in.rows);
    m_b.append(in);
  }

  void matmul() {
    isa::Instruction in;
    in.opcode = isa::Opcode::Matmul;
    in.rows = count(std::min(m_g.rows[0], m_g.rows[2]));
    in.sp_row = first_of(isa::Mem::Sp, in.rows);
    in.acc_row = first_of(isa::Mem::Acc, in.rows);
    in.accumulate = m_rng.chance(50);
    m_last_matmul = Range{Space::Acc, in.acc_row, in.acc_row + in.rows};
    // The matrix unit does not wait for a requant's scratchpad writes before it streams rows
    // (docs/chip-timing.md orders only hazards between queues); a vector op in between waits for
    // the matrix unit to be idle, so the rows are written before they are read.
    const Range rows{Space::Sp, in.sp_row, in.sp_row + in.rows};
    for (const Range& w : m_requant_writes) {
      if (overlap(w, rows)) {
        vec();
        break;
      }
    }
    m_b.append(in);
  }

  void requant() {
    isa::Instruction in;
    in.opcode = isa::Opcode::Requant;
    in.rows = count(std::min(m_g.rows[0], m_g.rows[2]));
    in.acc_row = first_of(isa::Mem::Acc, in.rows);
    if (m_last_matmul.hi > 0 && m_rng.chance(50)) {  // the latest matmul's results
      in.acc_row = std::uint32_t(m_last_matmul.lo);
      in.rows = std::uint32_t(m_last_matmul.hi - m_last_matmul.lo);
    }
    in.sp_row = first_of(isa::Mem::Sp, in.rows);
    // Mostly a parameter row a load.qp wrote (unloaded rows have multiplier 0).
    const auto& rec = m_b.recent(Space::Qp);
    in.qp_row = std::uint32_t(m_rng.below(record_rows()));
    if (!rec.empty() && m_rng.chance(80)) {
      const Range& q = rec[m_rng.below(rec.size())];
      if (q.hi <= record_rows()) in.qp_row = std::uint32_t(q.lo + m_rng.below(q.hi - q.lo));
    }
    // Mostly outputs that do not clamp, so that the rounding shows in the result.
    in.zero_point = std::int8_t(m_rng.chance(50) ? m_rng.range(-8, 8) : m_rng.range(-128, 127));
    const unsigned r = unsigned(m_rng.below(100));
    if (r < 50) {
      in.act_min = -128;
      in.act_max = 127;
    } else if (r < 70) {
      in.act_min = in.zero_point;  // a fused ReLU
      in.act_max = 127;
    } else {
      auto x = std::int8_t(m_rng.range(-128, 127)), y = std::int8_t(m_rng.range(-128, 127));
      in.act_min = std::min(x, y);
      in.act_max = std::max(x, y);
    }
    m_requant_writes.push_back(Range{Space::Sp, in.sp_row, in.sp_row + in.rows});
    m_last_requant = Range{Space::Sp, in.sp_row, in.sp_row + in.rows};
    m_b.append(in);
  }

  // Operand rows of a vector op either equal the destination rows or do not overlap them (how
  // partly overlapping rows read and write is not specified).
  std::uint32_t operand(Space s, std::uint32_t dst, std::uint32_t n, std::uint64_t cap,
                        std::uint32_t banks) {
    if (m_rng.chance(30)) return dst;
    for (int tries = 0; tries < 8; ++tries) {
      const std::uint32_t a = first(s, n, cap, banks);
      if (a == dst || a + n <= dst || dst + n <= a) return a;
    }
    return dst;
  }

  void vec() {
    if (m_blocks_ok && m_rng.chance(50)) {
      transformer_vec();
      return;
    }
    isa::Instruction in;
    in.opcode = isa::Opcode::Vec;
    in.vec_op = isa::VecOp(m_rng.below(6));
    const isa::Mem m = isa::vec_writes_acc(in.vec_op) ? isa::Mem::Acc : isa::Mem::Sp;
    const Space s = Space(m);
    const auto cap = m_g.rows[std::size_t(m)];
    const auto banks = m_g.banks[std::size_t(m)];
    in.rows = count(cap);
    in.dst = first(s, in.rows, cap, banks);
    in.src_a = operand(s, in.dst, in.rows, cap, banks);
    if (isa::vec_has_b(in.vec_op)) in.src_b = operand(s, in.dst, in.rows, cap, banks);
    if (in.vec_op == isa::VecOp::ReluSp) in.imm = std::int8_t(m_rng.range(-128, 127));
    m_requant_writes.clear();  // the vector unit waits for the matrix unit to be idle
    m_b.append(in);
  }

  // ---- The transformer vector ops (docs/isa.md) and their parameter blocks ----

  // Parameter rows [0, record_rows()) take requant records; the blocks live above them.
  std::uint64_t record_rows() const { return m_g.rows[3] / 2; }

  // Block kinds: 0 softmax, 1 norm (vlayernorm and vrmsnorm), 2 gelu, 3 lut, 4 swiglu, 5 qadd,
  // 6 qmul. Each has two homes in the parameter memory and two variants in DRAM.
  static int kind_of(isa::VecOp op) {
    switch (op) {
      case isa::VecOp::Softmax: return 0;
      case isa::VecOp::LayerNorm:
      case isa::VecOp::RmsNorm: return 1;
      case isa::VecOp::Gelu: return 2;
      case isa::VecOp::Lut: return 3;
      case isa::VecOp::Swiglu: return 4;
      case isa::VecOp::QAdd: return 5;
      case isa::VecOp::QMul: return 6;
      default: return -1;
    }
  }
  static constexpr int kKinds = 7;
  static constexpr std::uint32_t kMaxLen = 4;  // row ops: len in 1 .. 4

  std::uint64_t norm_channels() const { return std::uint64_t(kMaxLen) * m_g.W; }

  void plan_blocks() {
    static const isa::VecOp rep[kKinds] = {isa::VecOp::Softmax, isa::VecOp::LayerNorm,
                                           isa::VecOp::Gelu,    isa::VecOp::Lut,
                                           isa::VecOp::Swiglu,  isa::VecOp::QAdd,
                                           isa::VecOp::QMul};
    const std::uint64_t row = m_g.row_bytes[3];
    std::uint64_t total = 0;  // the homes end at the last parameter row
    for (int k = 0; k < kKinds; ++k) {
      const std::uint64_t bytes = isa::vec_param_bytes(rep[k], norm_channels(), m_g.C);
      total += 2 * ((bytes + row - 1) / row);
    }
    std::uint64_t home = std::max(record_rows(), m_g.rows[3] - std::min(total, m_g.rows[3]));
    std::uint64_t dram = m_qp_bytes;
    for (int k = 0; k < kKinds; ++k) {
      const std::uint64_t bytes = isa::vec_param_bytes(rep[k], norm_channels(), m_g.C);
      m_block_rows[k] = (bytes + row - 1) / row;
      for (int v = 0; v < 2; ++v) {
        m_home[k][v] = std::uint32_t(home);
        home += m_block_rows[k];
        m_block_dram[k][v] = dram;
        dram += m_block_rows[k] * row;
      }
    }
    m_blocks_ok = home <= m_g.rows[3] && m_g.W % 2 == 0 && m_g.C >= m_g.W;
    m_data_base = dram;
  }

  double unit() { return double(m_rng.next() >> 11) * 0x1p-53; }
  std::int32_t small_zp() { return std::int32_t(m_rng.range(-20, 20)); }

  std::vector<std::uint8_t> make_block(int kind) {
    switch (kind) {
      case 0: return golden::softmax_block(golden::make_softmax_i32_params(std::pow(10.0, -6 + 5 * unit())));
      case 1: {
        const std::size_t n = norm_channels();
        std::vector<double> gamma(n), beta(n);
        for (std::size_t j = 0; j < n; ++j) {
          gamma[j] = (0.2 + 2 * unit()) * (m_rng.chance(15) ? -1 : 1);
          beta[j] = -1 + 2 * unit();
        }
        const double in_scale = 0.01 + 0.2 * unit(), out_scale = 0.01 + 0.1 * unit();
        const golden::NormParams p =
            m_rng.chance(50)
                ? golden::make_layernorm_params(in_scale, gamma, beta, out_scale, small_zp(), 1e-5)
                : golden::make_rmsnorm_params(in_scale, small_zp(), gamma, out_scale, small_zp(),
                                              1e-5);
        return golden::norm_block(p, int(m_g.C));
      }
      case 2:
        return golden::gelu_block(golden::make_gelu_erf_params(
            0.005 + 0.1 * unit(), small_zp(), 0.005 + 0.05 * unit(), small_zp()));
      case 3: {
        const double si = 0.01 + 0.1 * unit(), so = 0.005 + 0.05 * unit();
        return golden::lut_block(m_rng.chance(50)
                                     ? golden::make_gelu_tanh_params(si, small_zp(), so, small_zp())
                                     : golden::make_silu_params(si, small_zp(), so, small_zp()));
      }
      case 4:
        return golden::swiglu_block(golden::make_swiglu_params(
            0.01 + 0.1 * unit(), small_zp(), 0.01 + 0.1 * unit(), small_zp(),
            0.005 + 0.1 * unit(), small_zp()));
      case 5:
        return golden::add_block(golden::make_add_params(0.01 + 0.2 * unit(), small_zp(),
                                                         0.01 + 0.2 * unit(), small_zp(),
                                                         0.01 + 0.3 * unit(), small_zp()));
      default:
        return golden::mul_block(golden::make_mul_params(0.01 + 0.2 * unit(), small_zp(),
                                                         0.01 + 0.2 * unit(), small_zp(),
                                                         0.01 + 0.3 * unit(), small_zp()));
    }
  }

  void write_blocks(std::vector<std::uint8_t>& d) {
    if (!m_blocks_ok) return;
    for (int k = 0; k < kKinds; ++k) {
      for (int v = 0; v < 2; ++v) {
        const std::vector<std::uint8_t> b = make_block(k);
        std::copy(b.begin(), b.end(), d.begin() + std::ptrdiff_t(m_block_dram[k][v]));
      }
    }
  }

  // Loads a variant of block `kind` into home h (all its rows).
  void load_block(int kind, int h) {
    isa::Instruction in;
    in.opcode = isa::Opcode::Load;
    in.mem = isa::Mem::Qp;
    in.row = m_home[kind][h];
    in.rows = std::uint32_t(m_block_rows[kind]);
    in.bytes = m_g.row_bytes[3];
    in.dram_addr = m_block_dram[kind][m_rng.below(2)];
    in.dram_stride = m_g.row_bytes[3];
    m_b.append(in);
    m_loaded[kind][h] = true;
  }

  void transformer_vec() {
    isa::Instruction in;
    in.opcode = isa::Opcode::Vec;
    in.vec_op = isa::VecOp(6 + m_rng.below(9));
    const isa::VecOp op = in.vec_op;
    const auto sp_cap = m_g.rows[0], acc_cap = m_g.rows[2];
    const auto sp_banks = m_g.banks[0], acc_banks = m_g.banks[2];
    if (isa::vec_is_row_op(op)) {
      in.len = std::uint32_t(m_rng.range(1, kMaxLen));
      const std::uint64_t cap = op == isa::VecOp::Softmax ? std::min(sp_cap, acc_cap) : sp_cap;
      in.rows = count(std::max<std::uint64_t>(1, cap / in.len));
      const std::uint32_t n = in.rows * in.len;
      in.dst = first(Space::Sp, n, sp_cap, sp_banks);
      in.src_a = op == isa::VecOp::Softmax ? first(Space::Acc, n, acc_cap, acc_banks)
                                           : operand(Space::Sp, in.dst, n, sp_cap, sp_banks);
    } else {
      const std::uint64_t cap = op == isa::VecOp::Rope ? std::min(sp_cap, acc_cap) : sp_cap;
      in.rows = count(cap);
      in.dst = first(Space::Sp, in.rows, sp_cap, sp_banks);
      in.src_a = operand(Space::Sp, in.dst, in.rows, sp_cap, sp_banks);
      if (op == isa::VecOp::Rope) {
        in.src_b = first(Space::Acc, in.rows, acc_cap, acc_banks);
        in.imm = std::int8_t(m_rng.chance(50) ? m_rng.range(-10, 10) : m_rng.range(-128, 127));
      } else if (isa::vec_has_b(op)) {
        in.src_b = operand(Space::Sp, in.dst, in.rows, sp_cap, sp_banks);
      }
    }
    const int kind = kind_of(op);
    if (kind >= 0) {
      const int h = int(m_rng.below(2));
      if (!m_loaded[kind][h] || m_rng.chance(15)) load_block(kind, h);
      in.qp_row = m_home[kind][h];
    }
    m_requant_writes.clear();  // the vector unit waits for the matrix unit to be idle
    m_b.append(in);
  }

  void sync() {
    isa::Instruction in = sync_of(isa::Queue(m_rng.below(3)));
    if (in.sync_queue == isa::Queue::Store && store_queue_full()) return;
    if (in.sync_queue == isa::Queue::Load && !m_o.load_queue_syncs) return;
    in.deps.pop_prev = pop_channel(in.sync_queue, true) >= 0 && m_rng.chance(50);
    in.deps.pop_next = pop_channel(in.sync_queue, false) >= 0 && m_rng.chance(50);
    m_b.append(in);
  }

  // 17 to 24 short instructions of one queue in a row: its queue fills up when its head waits.
  void burst() {
    const auto q = isa::Queue(m_rng.below(3));
    const std::uint64_t n = 17 + m_rng.below(8);
    m_small = true;
    for (std::uint64_t k = 0; k < n; ++k) {
      if (q == isa::Queue::Load) {
        load();
      } else if (q == isa::Queue::Store) {
        store();
      } else if (m_rng.chance(50)) {
        vec();
      } else {
        matmul();
      }
    }
    m_small = false;
  }

  ChipGeometry m_g;
  Rng m_rng;
  GenOptions m_o;
  Builder m_b;
  std::uint64_t m_dram = 0, m_qp_bytes = 0, m_data_base = 0;
  bool m_small = false;
  bool m_blocks_ok = false;  // the chip can run the transformer vector ops as generated
  std::uint64_t m_block_rows[kKinds] = {};
  std::uint32_t m_home[kKinds][2] = {};
  std::uint64_t m_block_dram[kKinds][2] = {};
  bool m_loaded[kKinds][2] = {};
  std::vector<Range> m_requant_writes;  // scratchpad rows of requants since the last vector op
  Range m_last_matmul{Space::Acc, 0, 0}, m_last_requant{Space::Sp, 0, 0};  // hi 0: none yet
};

}  // namespace

TestProgram random_program(const arch::ArchConfig& cfg, std::uint64_t seed,
                           const GenOptions& options) {
  RandomProgram gen(cfg, seed, options);
  return gen.build(seed);
}

TestProgram gemm_test_program(const arch::ArchConfig& cfg, std::uint64_t seed) {
  const ChipGeometry g = geometry(cfg);
  Rng rng(seed);
  const int m = int(rng.range(1, 3 * std::int64_t(g.R)));
  const int k = int(rng.range(1, 3 * std::int64_t(g.R)));
  const int n = int(rng.range(1, 3 * std::int64_t(g.C)));
  const int slots = int(rng.range(1, 2));
  const workloads::GemmProblem p = workloads::random_gemm_problem(m, k, n, rng.next());
  workloads::ChipShape shape;
  shape.rows = int(g.R);
  shape.cols = int(g.C);
  shape.scratchpad_rows = g.rows[0];
  shape.weight_rows = g.rows[1];
  shape.accumulator_rows = g.rows[2];
  const workloads::GemmProgram prog = workloads::gemm_program(m, k, n, shape, slots, p.out);
  TestProgram t;
  t.kind = fmt::format("gemm {}x{}x{} slots={}", m, k, n, slots);
  t.seed = seed;
  t.code = prog.code;
  t.dram = workloads::gemm_dram_image(p, prog.layout);
  return t;
}

TestProgram campaign_program(const arch::ArchConfig& cfg, std::uint64_t seed, std::uint64_t index,
                             const GenOptions& options) {
  const std::uint64_t s = program_seed(seed, index);
  if (options.gemm_every > 0 && index % options.gemm_every == options.gemm_every - 1) {
    return gemm_test_program(cfg, s);
  }
  return random_program(cfg, s, options);
}

}  // namespace serrano::verify
