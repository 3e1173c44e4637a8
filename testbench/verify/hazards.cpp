// SPDX-License-Identifier: Apache-2.0
#include "testbench/verify/hazards.h"

#include <fmt/format.h>

#include <algorithm>

#include "testbench/verify/chip_geometry.h"

namespace serrano::verify {

const char* channel_name(int ch) {
  static const char* names[] = {"load->compute", "compute->load", "compute->store",
                                "store->compute"};
  return ch >= 0 && ch < kChannels ? names[ch] : "none";
}

int pop_channel(isa::Queue q, bool prev) {
  switch (q) {
    case isa::Queue::Load: return prev ? -1 : kComputeToLoad;
    case isa::Queue::Compute: return prev ? kLoadToCompute : kStoreToCompute;
    case isa::Queue::Store: return prev ? kComputeToStore : -1;
  }
  return -1;
}

int push_channel(isa::Queue q, bool prev) {
  switch (q) {
    case isa::Queue::Load: return prev ? -1 : kLoadToCompute;
    case isa::Queue::Compute: return prev ? kComputeToLoad : kComputeToStore;
    case isa::Queue::Store: return prev ? kStoreToCompute : -1;
  }
  return -1;
}

isa::Queue channel_source(int ch) {
  return ch == kLoadToCompute    ? isa::Queue::Load
         : ch == kStoreToCompute ? isa::Queue::Store
                                 : isa::Queue::Compute;
}

isa::Queue channel_destination(int ch) {
  return ch == kComputeToLoad    ? isa::Queue::Load
         : ch == kComputeToStore ? isa::Queue::Store
                                 : isa::Queue::Compute;
}

TokenAnalysis analyze_tokens(const std::vector<isa::Instruction>& code) {
  TokenAnalysis t;
  t.before.assign(code.size(), {0, 0, 0});
  t.position.assign(code.size(), 0);
  std::vector<std::size_t> pushes[kChannels];
  std::size_t pops[kChannels] = {0, 0, 0, 0};
  std::uint32_t count[3] = {0, 0, 0};
  std::size_t last[3] = {0, 0, 0};
  bool halted = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const isa::Instruction& in = code[i];
    if (halted) {
      t.problems.push_back(fmt::format("instruction {}: after halt", i));
      break;
    }
    if (in.opcode == isa::Opcode::Halt) {
      halted = true;
      continue;
    }
    const isa::Queue q = isa::queue_of(in);
    const auto qi = std::size_t(q);
    if (count[qi] > 0) t.before[i] = t.before[last[qi]];
    t.position[i] = count[qi]++;
    last[qi] = i;
    const int popped[2] = {in.deps.pop_prev ? pop_channel(q, true) : -1,
                           in.deps.pop_next ? pop_channel(q, false) : -1};
    for (int ch : popped) {
      if (ch < 0) continue;
      if (pops[ch] >= pushes[ch].size()) {
        t.problems.push_back(
            fmt::format("instruction {} ({}) pops a token on {} that no earlier instruction pushed",
                        i, isa::to_text(in), channel_name(ch)));
        continue;
      }
      const std::size_t p = pushes[ch][pops[ch]++];
      const auto pq = std::size_t(isa::queue_of(code[p]));
      for (int k = 0; k < 3; ++k) t.before[i][k] = std::max(t.before[i][k], t.before[p][k]);
      t.before[i][pq] = std::max(t.before[i][pq], t.position[p] + 1);
    }
    const int pushed[2] = {in.deps.push_prev ? push_channel(q, true) : -1,
                           in.deps.push_next ? push_channel(q, false) : -1};
    for (int ch : pushed) {
      if (ch < 0) continue;
      pushes[ch].push_back(i);
      t.max_pending[ch] = std::max(t.max_pending[ch], std::uint32_t(pushes[ch].size() - pops[ch]));
    }
  }
  return t;
}

std::vector<std::string> check_program_order(const std::vector<isa::Instruction>& code,
                                             std::size_t limit) {
  const TokenAnalysis t = analyze_tokens(code);
  std::vector<std::string> problems = t.problems;
  std::vector<Accesses> acc;
  acc.reserve(code.size());
  for (const auto& in : code) acc.push_back(accesses_of(in));
  for (std::size_t i = 0; i < code.size() && problems.size() < limit; ++i) {
    if (code[i].opcode == isa::Opcode::Halt) break;
    const isa::Queue qi = isa::queue_of(code[i]);
    for (std::size_t j = 0; j < i && problems.size() < limit; ++j) {
      const isa::Queue qj = isa::queue_of(code[j]);
      if (qj == qi || !conflict(acc[i], acc[j])) continue;
      if (t.before[i][std::size_t(qj)] <= t.position[j]) {
        problems.push_back(fmt::format(
            "instruction {} ({}) conflicts with instruction {} ({}) but no token orders them", i,
            isa::to_text(code[i]), j, isa::to_text(code[j])));
      }
    }
  }
  if (problems.size() > limit) problems.resize(limit);
  return problems;
}

}  // namespace serrano::verify
