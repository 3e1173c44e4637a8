// SPDX-License-Identifier: Apache-2.0
// The token discipline of a program, checked statically (docs/chip-timing.md): which earlier
// instructions each instruction is guaranteed to run after, and whether every cross-queue hazard
// is ordered that way. A program that passes has one defined result: that of in-order execution.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "isa/instruction.h"

namespace serrano::verify {

// Token channels, numbered as the chip model numbers them.
enum Channel : int { kLoadToCompute = 0, kComputeToLoad, kComputeToStore, kStoreToCompute };
inline constexpr int kChannels = 4;
const char* channel_name(int ch);  // "load->compute", ...

// The channel an instruction of queue q pops with pop_prev / pop_next, pushes with push_prev /
// push_next; -1 where the queue has no such neighbour.
int pop_channel(isa::Queue q, bool prev);
int push_channel(isa::Queue q, bool prev);
// The queue that pushes onto (source) and pops from (destination) a channel.
isa::Queue channel_source(int ch);
isa::Queue channel_destination(int ch);

// For each instruction, how many instructions of each queue are guaranteed complete before it
// starts: earlier instructions of its own queue start first (in-order start), and a pop waits for
// the completion of the instruction that made the matching push (the n-th pop on a channel takes
// the n-th push), which completes after every earlier instruction of its queue.
struct TokenAnalysis {
  std::vector<std::array<std::uint32_t, 3>> before;  // per instruction, per queue
  std::vector<std::uint32_t> position;               // index within its queue
  std::vector<std::string> problems;  // pops without an earlier push, flags after halt
  std::uint32_t max_pending[kChannels] = {0, 0, 0, 0};  // most unpopped tokens, in program order
};
TokenAnalysis analyze_tokens(const std::vector<isa::Instruction>& code);

// Everything wrong with the program's order, at most `limit` messages: token problems, and each
// pair of instructions of different queues that conflict (RAW, WAR, WAW on on-chip rows or DRAM
// bytes) where the later one is not guaranteed to run after the earlier one completes.
std::vector<std::string> check_program_order(const std::vector<isa::Instruction>& code,
                                             std::size_t limit = 10);

}  // namespace serrano::verify
