// SPDX-License-Identifier: Apache-2.0
#include "testbench/verify/coverage.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "testbench/verify/chip_geometry.h"
#include "testbench/verify/hazards.h"

namespace serrano::verify {

namespace {

const char* const kMnemonics[] = {"load.sp",           "load.wb",      "load.acc",  "load.qp",
                                  "store.sp",          "store.acc",    "preload",   "matmul",
                                  "matmul.accumulate", "requant",      "vadd.acc",  "vmax.acc",
                                  "vrelu.acc",         "vadd.sp",      "vmax.sp",   "vrelu.sp",
                                  "vsoftmax",          "vlayernorm",   "vrmsnorm",  "vgelu",
                                  "vlut",              "vswiglu",      "vqadd",     "vqmul",
                                  "vrope",             "sync.load",    "sync.compute",
                                  "sync.store"};

// The dependency flags a queue has, in the order of the encoding.
std::vector<const char*> flags_of(isa::Queue q) {
  switch (q) {
    case isa::Queue::Load: return {"pop_next", "push_next"};
    case isa::Queue::Compute: return {"pop_prev", "pop_next", "push_prev", "push_next"};
    case isa::Queue::Store: return {"pop_prev", "push_prev"};
  }
  return {};
}

std::string token_bin(isa::Queue q, const isa::Deps& d) {
  const std::map<std::string, bool> set = {{"pop_prev", d.pop_prev},
                                           {"pop_next", d.pop_next},
                                           {"push_prev", d.push_prev},
                                           {"push_next", d.push_next}};
  std::string name;
  for (const char* f : flags_of(q)) {
    if (!set.at(f)) continue;
    if (!name.empty()) name += "+";
    name += f;
  }
  return fmt::format("tokens.{}.{}", isa::to_string(q), name.empty() ? "none" : name);
}

const char* const kDmaMems[] = {"load.sp", "load.wb",  "load.acc",
                                "load.qp", "store.sp", "store.acc"};

}  // namespace

Coverage::Coverage() {
  auto add = [this](const std::string& b) { m_bins.emplace_back(b, 0); };
  for (const char* m : kMnemonics) add(std::string("op.") + m);
  for (int q = 0; q < 3; ++q) {
    const auto flags = flags_of(isa::Queue(q));
    for (unsigned mask = 0; mask < (1u << flags.size()); ++mask) {
      isa::Deps d;
      for (std::size_t f = 0; f < flags.size(); ++f) {
        if (!(mask & (1u << f))) continue;
        const std::string n = flags[f];
        (n == "pop_prev"    ? d.pop_prev
         : n == "pop_next"  ? d.pop_next
         : n == "push_prev" ? d.push_prev
                            : d.push_next) = true;
      }
      add(token_bin(isa::Queue(q), d));
    }
  }
  for (int ch = 0; ch < kChannels; ++ch) {
    add(fmt::format("channel.{}.depth>=2", channel_name(ch)));
    add(fmt::format("channel.{}.depth>=4", channel_name(ch)));
  }
  for (const char* m : kDmaMems) {
    add(fmt::format("edge.{}.rows=1", m));
    add(fmt::format("edge.{}.all_rows", m));
    add(fmt::format("edge.{}.last_row", m));
  }
  for (const char* e :
       {"dma.partial_row", "dma.full_row", "dma.stride=0", "dma.stride<bytes", "dma.dram_start",
        "dma.dram_end", "preload.rows=R", "preload.rows<R", "matmul.rows=1", "matmul.last_acc_row",
        "requant.last_sp_row", "requant.clamped", "vec.rows=1", "vec.in_place",
        "vec.row_op.len=1", "vec.row_op.len>1", "vec.row_op.in_place"}) {
    add(std::string("edge.") + e);
  }
  for (const char* f : {"load->preload", "load->matmul", "load->requant.qp", "matmul->requant",
                        "matmul->matmul.accumulate", "matmul->vec", "vec->requant",
                        "load->vec.qp", "vec->vec",
                        "requant->store", "requant->matmul", "vec->store", "load->store"}) {
    add(std::string("flow.") + f);
  }
  for (const char* r : {"run.queue_full.load", "run.queue_full.compute", "run.queue_full.store",
                        "run.in_flight=8.load", "run.in_flight=8.store", "run.bank_conflict.load",
                        "run.bank_conflict.store", "run.program.random", "run.program.gemm"}) {
    add(r);
  }
}

void Coverage::hit(const std::string& bin, std::uint64_t n) {
  for (auto& [name, count] : m_bins) {
    if (name == bin) {
      count += n;
      return;
    }
  }
  throw std::logic_error("coverage: no bin " + bin);
}

std::uint64_t Coverage::count(const std::string& bin) const {
  for (const auto& [name, count] : m_bins) {
    if (name == bin) return count;
  }
  throw std::out_of_range("coverage: no bin " + bin);
}

void Coverage::merge(const Coverage& other) {
  for (std::size_t i = 0; i < m_bins.size(); ++i) m_bins[i].second += other.m_bins[i].second;
  for (const auto& [bin, why] : other.m_excluded) exclude(bin, why);
}

void Coverage::exclude(const std::string& bin, const std::string& why) {
  count(bin);  // throws for an unknown bin
  for (const auto& e : m_excluded) {
    if (e.first == bin) return;
  }
  m_excluded.emplace_back(bin, why);
}

void Coverage::add(const ChipGeometry& g, const std::vector<isa::Instruction>& code,
                   std::uint64_t dram_bytes, bool gemm, const model::ChipRunResult& run) {
  std::map<std::string, std::uint64_t> local;  // counted here, added in the fixed bin order
  auto h = [&](const std::string& b) { ++local[b]; };
  // Data flow: which kind of instruction last wrote each on-chip row (program order); an
  // instruction reading a row produced by another counts in flow.<producer>-><consumer>.
  std::vector<std::string> producer[4];
  for (int m = 0; m < 4; ++m) producer[m].assign(g.rows[m], "");
  auto kind = [](const isa::Instruction& in) -> std::string {
    switch (in.opcode) {
      case isa::Opcode::Load: return "load";
      case isa::Opcode::Matmul: return "matmul";
      case isa::Opcode::Requant: return "requant";
      case isa::Opcode::Vec: return "vec";
      default: return "";
    }
  };
  for (const isa::Instruction& in : code) {
    if (in.opcode == isa::Opcode::Halt) break;
    const Accesses acc = accesses_of(in);
    std::string consumer = kind(in);
    if (in.opcode == isa::Opcode::Preload) consumer = "preload";
    if (in.opcode == isa::Opcode::Store) consumer = "store";
    if (in.opcode == isa::Opcode::Matmul && in.accumulate) consumer = "matmul.accumulate";
    std::map<std::string, bool> seen;
    for (const Range& r : acc.reads) {
      if (r.space == Space::Dram) continue;
      const std::string c = r.space == Space::Qp ? consumer + ".qp" : consumer;
      for (std::uint64_t row = r.lo; row < r.hi && row < g.rows[std::size_t(r.space)]; ++row) {
        const std::string& p = producer[std::size_t(r.space)][row];
        if (!p.empty()) seen["flow." + p + "->" + c] = true;
      }
    }
    for (const auto& [bin, yes] : seen) {
      if (std::any_of(m_bins.begin(), m_bins.end(),
                      [&](const auto& b) { return b.first == bin; })) {
        h(bin);
      }
    }
    for (const Range& r : acc.writes) {
      if (r.space == Space::Dram) continue;
      for (std::uint64_t row = r.lo; row < r.hi && row < g.rows[std::size_t(r.space)]; ++row) {
        producer[std::size_t(r.space)][row] = kind(in);
      }
    }
    const isa::Queue q = isa::queue_of(in);
    std::string m = isa::mnemonic(in);
    if (in.opcode == isa::Opcode::Matmul && in.accumulate) m = "matmul.accumulate";
    h("op." + m);
    h(token_bin(q, in.deps));
    switch (in.opcode) {
      case isa::Opcode::Load:
      case isa::Opcode::Store: {
        const auto mi = std::size_t(in.mem);
        const std::string name = isa::mnemonic(in);
        if (in.rows == 1) h("edge." + name + ".rows=1");
        if (in.rows == g.rows[mi]) h("edge." + name + ".all_rows");
        if (in.row + in.rows == g.rows[mi]) h("edge." + name + ".last_row");
        h(in.bytes < g.row_bytes[mi] ? "edge.dma.partial_row" : "edge.dma.full_row");
        if (in.rows > 1 && in.dram_stride == 0) h("edge.dma.stride=0");
        if (in.rows > 1 && in.dram_stride > 0 && in.dram_stride < in.bytes) {
          h("edge.dma.stride<bytes");
        }
        if (in.dram_addr == 0) h("edge.dma.dram_start");
        if (in.dram_addr + std::uint64_t(in.rows - 1) * in.dram_stride + in.bytes == dram_bytes) {
          h("edge.dma.dram_end");
        }
        break;
      }
      case isa::Opcode::Preload:
        h(in.rows == g.R ? "edge.preload.rows=R" : "edge.preload.rows<R");
        break;
      case isa::Opcode::Matmul:
        if (in.rows == 1) h("edge.matmul.rows=1");
        if (in.acc_row + in.rows == g.rows[2]) h("edge.matmul.last_acc_row");
        break;
      case isa::Opcode::Requant:
        if (in.sp_row + in.rows == g.rows[0]) h("edge.requant.last_sp_row");
        if (in.act_min > -128 || in.act_max < 127) h("edge.requant.clamped");
        break;
      case isa::Opcode::Vec:
        if (in.rows == 1) h("edge.vec.rows=1");
        if (in.dst == in.src_a) h("edge.vec.in_place");
        if (isa::vec_is_row_op(in.vec_op)) {
          h(in.len == 1 ? "edge.vec.row_op.len=1" : "edge.vec.row_op.len>1");
          if (in.dst == in.src_a && in.vec_op != isa::VecOp::Softmax) h("edge.vec.row_op.in_place");
        }
        break;
      default: break;
    }
  }

  // Run bins, from the reference timing.
  h(gemm ? "run.program.gemm" : "run.program.random");
  if (run.load.bank_conflict > 0) h("run.bank_conflict.load");
  if (run.store.bank_conflict > 0) h("run.bank_conflict.store");
  const auto& t = run.timing;
  if (t.size() == code.size()) {
    bool full[3] = {false, false, false};
    std::vector<std::size_t> members[3];
    for (std::size_t i = 0; i < code.size(); ++i) {
      if (code[i].opcode == isa::Opcode::Halt) break;
      const auto q = std::size_t(t[i].queue);
      if (i > 0 && t[i].dispatch > t[i - 1].dispatch + 1) full[q] = true;
      members[q].push_back(i);
    }
    for (int q = 0; q < 3; ++q) {
      if (full[q]) h(fmt::format("run.queue_full.{}", isa::to_string(isa::Queue(q))));
    }
    // DMAs in flight: instructions of the queue started and not complete when one starts.
    for (int q : {0, 2}) {
      const auto& mem = members[q];
      std::size_t most = 0;
      for (std::size_t a = 0; a < mem.size(); ++a) {
        std::size_t n = 0;
        for (std::size_t b = a >= 16 ? a - 16 : 0; b <= a; ++b) {
          if (t[mem[b]].start <= t[mem[a]].start && t[mem[a]].start < t[mem[b]].complete) ++n;
        }
        most = std::max(most, n);
      }
      if (most >= 8) h(fmt::format("run.in_flight=8.{}", isa::to_string(isa::Queue(q))));
    }
    // Token depth: pushes become visible at the pusher's completion, pops happen at the start.
    for (int ch = 0; ch < kChannels; ++ch) {
      std::vector<std::pair<std::uint64_t, int>> events;  // (cycle, +1 push first / -1 pop)
      for (std::size_t i = 0; i < code.size(); ++i) {
        const isa::Instruction& in = code[i];
        if (in.opcode == isa::Opcode::Halt) break;
        const isa::Queue q = isa::queue_of(in);
        if ((in.deps.push_prev && push_channel(q, true) == ch) ||
            (in.deps.push_next && push_channel(q, false) == ch)) {
          events.emplace_back(t[i].complete * 2, 1);
        }
        if ((in.deps.pop_prev && pop_channel(q, true) == ch) ||
            (in.deps.pop_next && pop_channel(q, false) == ch)) {
          events.emplace_back(t[i].start * 2 + 1, -1);
        }
      }
      std::sort(events.begin(), events.end());
      long depth = 0, most = 0;
      for (const auto& e : events) {
        depth += e.second;
        most = std::max(most, depth);
      }
      if (most >= 2) h(fmt::format("channel.{}.depth>=2", channel_name(ch)));
      if (most >= 4) h(fmt::format("channel.{}.depth>=4", channel_name(ch)));
    }
  }
  for (const auto& [bin, n] : local) hit(bin, n);
}

std::vector<std::string> Coverage::holes() const {
  std::vector<std::string> h;
  for (const auto& [name, count] : m_bins) {
    const bool excluded = std::any_of(m_excluded.begin(), m_excluded.end(),
                                      [&](const auto& e) { return e.first == name; });
    if (count == 0 && !excluded) h.push_back(name);
  }
  return h;
}

std::string Coverage::table() const {
  std::string out;
  std::string group;
  int col = 0;
  for (const auto& [name, count] : m_bins) {
    const auto dot = name.find('.');
    const std::string g = name.substr(0, dot);
    if (g != group) {
      if (col != 0) out += "\n";
      out += fmt::format("  {}\n", g);
      group = g;
      col = 0;
    }
    out += fmt::format("    {:<44}{:>9}", name.substr(dot + 1), count);
    if (++col == 2) {
      out += "\n";
      col = 0;
    }
  }
  if (col != 0) out += "\n";
  const auto h = holes();
  std::size_t hit = 0;
  for (const auto& b : m_bins) hit += b.second > 0 ? 1 : 0;
  out += fmt::format("  {} of {} bins hit; holes: ", hit, m_bins.size());
  if (h.empty()) out += "none";
  for (std::size_t i = 0; i < h.size(); ++i) out += (i ? ", " : "") + h[i];
  out += "\n";
  for (const auto& [bin, why] : m_excluded) out += fmt::format("  excluded: {}: {}\n", bin, why);
  return out;
}

nlohmann::ordered_json Coverage::json() const {
  nlohmann::ordered_json bins = nlohmann::ordered_json::object();
  for (const auto& [name, count] : m_bins) bins[name] = count;
  const auto h = holes();
  nlohmann::ordered_json excluded = nlohmann::ordered_json::object();
  for (const auto& [bin, why] : m_excluded) excluded[bin] = why;
  std::size_t hit = 0;
  for (const auto& b : m_bins) hit += b.second > 0 ? 1 : 0;
  return {
      {"bins", bins}, {"hit", hit}, {"total", m_bins.size()}, {"holes", h}, {"excluded", excluded}};
}

}  // namespace serrano::verify
