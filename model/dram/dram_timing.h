// SPDX-License-Identifier: Apache-2.0
// DRAM timing in plain C++: when a 2-D transfer starts and when its data has all arrived.
//
// The SystemC chip model's DMA engine and the Verilator harness of the RTL both call this one
// class, so both see the same memory timing. It is deterministic and integer-only after
// construction: time is kept in ticks of 2^-20 cycle, the duration of one burst is rounded to
// whole ticks once, in the constructor, and every later step is exact integer arithmetic.
// docs/dram.md gives the equations and a worked example for each preset.
#pragma once

#include <cstdint>
#include <vector>

#include "arch/arch_config.h"

namespace serrano::dram {

struct Transfer {
  std::uint64_t start = 0;   // cycle in which its first burst starts moving
  std::uint64_t done = 0;    // first cycle in which all its data has arrived (read) or been written
  std::uint64_t bytes = 0;   // bytes requested: rows * row_bytes
  std::uint64_t bursts = 0;  // bursts moved: every row touches whole, aligned bursts
};

class DramTiming {
 public:
  static constexpr int kFracBits = 20;                                // ticks are 2^-20 cycle
  static constexpr std::uint64_t kTicksPerCycle = 1ull << kFracBits;  // 1,048,576
  static constexpr std::uint64_t kMaxTicks = 1ull << 63;              // time range of the model
  static constexpr std::uint64_t kMaxCycle = kMaxTicks >> kFracBits;  // 2^43 cycles

  // Checks the parameters; throws std::invalid_argument with a one-line message naming the field.
  DramTiming(const arch::DramParams& p, double clock_ghz);

  // A 2-D transfer requested in cycle `now`: `rows` rows of `row_bytes` bytes, the first at byte
  // address `addr`, each next row `stride` bytes further. Requests are served in call order, so
  // calls must have non-decreasing `now` (std::invalid_argument otherwise). Reads and writes share
  // the channels; `write` only selects the counter it adds to. A transfer of no bytes moves
  // nothing and returns start = done = now. Throws std::out_of_range if a row runs past address
  // 2^64 - 1 and std::overflow_error if the time would pass kMaxCycle; the state is then unchanged.
  Transfer access(std::uint64_t now, std::uint64_t addr, std::uint32_t rows,
                  std::uint32_t row_bytes, std::uint64_t stride, bool write);

  // Back to the state after construction: every channel idle from cycle 0, counters zero.
  void reset();

  // Figures for reports.
  std::uint64_t latency_cycles() const { return m_latency; }  // ceil(latency_ns * clock_ghz)
  double bytes_per_cycle() const;    // the rate the model moves data: all channels together
  std::uint64_t busy_until() const;  // first cycle in which every channel is idle
  std::uint64_t burst_ticks() const { return m_burst_ticks; }  // one burst on one channel
  int channels() const { return m_channels; }
  std::uint64_t burst_bytes() const { return m_burst_bytes; }
  std::uint64_t read_bursts() const { return m_read_bursts; }
  std::uint64_t write_bursts() const { return m_write_bursts; }

 private:
  // Adds `weight` copies of the bursts that one run of `bytes` bytes at `addr` touches to
  // m_count, channel by channel.
  void count_run(std::uint64_t addr, std::uint64_t bytes, std::uint64_t weight);

  int m_channels;
  std::uint64_t m_burst_bytes;
  std::uint64_t m_burst_ticks;
  std::uint64_t m_latency;
  std::uint64_t m_last_now = 0;
  std::uint64_t m_read_bursts = 0;
  std::uint64_t m_write_bursts = 0;
  std::vector<std::uint64_t> m_free;   // per channel: tick from which it is idle
  std::vector<std::uint64_t> m_count;  // per channel: bursts of the transfer being timed
  std::vector<std::uint64_t> m_end;    // per channel: tick at which it finishes that transfer
};

}  // namespace serrano::dram
