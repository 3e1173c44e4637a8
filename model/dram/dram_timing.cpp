// SPDX-License-Identifier: Apache-2.0
// DRAM timing (equations: docs/dram.md).
//
// A transfer is cut into runs (its rows, or one run when the rows are back to back), every run
// into the aligned bursts it touches, and the bursts are counted per channel. Each channel serves
// its bursts in request order at one burst per m_burst_ticks, so a transfer occupies channel c
// from max(now, free[c]) for count[c] bursts. Counting is done over one period of the address
// pattern (the rows' offsets modulo burst_bytes * channels repeat), so its cost does not grow
// with the number of rows.
#include "model/dram/dram_timing.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace serrano::dram {

namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr int kMaxChannels = 64;                  // as docs/config.md
constexpr int kMaxBurstBytes = 4096;              // as docs/config.md
constexpr double kMaxBurstCycles = 4294967296.0;  // 2^32: one burst may take at most this long
constexpr double kMinBurstCycles = 1.0 / 1024.0;  // 2^-10: and at least this long
constexpr double kMaxLatencyCycles = 4294967296.0;
// A latency of 100 ns at 0.7 GHz must give 70 cycles even if the product comes out a few ulps
// above 70; no real latency is specified to a billionth of a cycle.
constexpr double kLatencySlack = 1e-9;

[[noreturn]] void bad(const char* field, const std::string& message) {
  throw std::invalid_argument(fmt::format("{}: {}", field, message));
}

bool positive_finite(double x) { return std::isfinite(x) && x > 0.0; }

std::uint64_t ceil_cycles(std::uint64_t ticks) {
  return (ticks >> DramTiming::kFracBits) +
         ((ticks & (DramTiming::kTicksPerCycle - 1)) != 0 ? 1 : 0);
}

}  // namespace

DramTiming::DramTiming(const arch::DramParams& p, double clock_ghz) {
  if (!positive_finite(clock_ghz)) {
    bad("clock_ghz", fmt::format("must be a positive finite number, got {}", clock_ghz));
  }
  if (p.channels < 1 || p.channels > kMaxChannels) {
    bad("dram.channels", fmt::format("must be in [1, {}], got {}", kMaxChannels, p.channels));
  }
  if (!positive_finite(p.bandwidth_gbps)) {
    bad("dram.bandwidth_gbps",
        fmt::format("must be a positive finite number, got {}", p.bandwidth_gbps));
  }
  if (!std::isfinite(p.latency_ns) || p.latency_ns < 0.0) {
    bad("dram.latency_ns", fmt::format("must be a finite number >= 0, got {}", p.latency_ns));
  }
  if (p.burst_bytes < 1 || p.burst_bytes > kMaxBurstBytes ||
      (p.burst_bytes & (p.burst_bytes - 1)) != 0) {
    bad("dram.burst_bytes",
        fmt::format("must be a power of two in [1, {}], got {}", kMaxBurstBytes, p.burst_bytes));
  }

  // One channel carries bandwidth / channels, so one burst takes
  // burst_bytes * channels / bandwidth_gbps ns = burst_bytes * channels * clock_ghz / bandwidth
  // cycles.
  const double burst_cycles =
      double(p.burst_bytes) * double(p.channels) * clock_ghz / p.bandwidth_gbps;
  if (burst_cycles > kMaxBurstCycles) {
    bad("dram.bandwidth_gbps",
        fmt::format("too low for the model: one burst would take {:g} cycles, more than 2^32",
                    burst_cycles));
  }
  if (burst_cycles < kMinBurstCycles) {
    bad("dram.bandwidth_gbps",
        fmt::format("too high for the model: one burst would take {:g} cycles, less than 2^-10",
                    burst_cycles));
  }
  const double latency_cycles = p.latency_ns * clock_ghz;
  if (latency_cycles > kMaxLatencyCycles) {
    bad("dram.latency_ns",
        fmt::format("too high for the model: {:g} cycles, more than 2^32", latency_cycles));
  }

  m_channels = p.channels;
  m_burst_bytes = std::uint64_t(p.burst_bytes);
  // Scaling by 2^20 is exact, so this is the one rounding in the model.
  m_burst_ticks = std::uint64_t(std::llround(std::ldexp(burst_cycles, kFracBits)));
  m_latency = std::uint64_t(std::max(0.0, std::ceil(latency_cycles - kLatencySlack)));
  m_free.assign(std::size_t(m_channels), 0);
  m_count.assign(std::size_t(m_channels), 0);
  m_end.assign(std::size_t(m_channels), 0);
}

void DramTiming::reset() {
  std::fill(m_free.begin(), m_free.end(), 0);
  m_last_now = 0;
  m_read_bursts = 0;
  m_write_bursts = 0;
}

double DramTiming::bytes_per_cycle() const {
  return double(m_burst_bytes) * double(m_channels) * double(kTicksPerCycle) /
         double(m_burst_ticks);
}

std::uint64_t DramTiming::busy_until() const {
  return ceil_cycles(*std::max_element(m_free.begin(), m_free.end()));
}

void DramTiming::count_run(std::uint64_t addr, std::uint64_t bytes, std::uint64_t weight) {
  const std::uint64_t first = addr / m_burst_bytes;
  const std::uint64_t last = (addr + (bytes - 1)) / m_burst_bytes;
  const std::uint64_t bursts = last - first + 1;
  const auto channels = std::uint64_t(m_channels);
  const std::uint64_t every = bursts / channels;  // each channel gets this many ...
  const std::uint64_t extra = bursts % channels;  // ... and the next `extra` from first's one more
  const std::uint64_t c0 = first % channels;
  for (std::uint64_t c = 0; c < channels; ++c) {
    const std::uint64_t past = (c + channels - c0) % channels;  // channel c is c0 + past
    m_count[c] += weight * (every + (past < extra ? 1 : 0));
  }
}

Transfer DramTiming::access(std::uint64_t now, std::uint64_t addr, std::uint32_t rows,
                            std::uint32_t row_bytes, std::uint64_t stride, bool write) {
  if (now < m_last_now) {
    throw std::invalid_argument(
        fmt::format("dram: requests must come in order: cycle {} is before the previous "
                    "request's cycle {}",
                    now, m_last_now));
  }
  if (now > kMaxCycle) {
    throw std::overflow_error(
        fmt::format("dram: cycle {} is past the model's time range of 2^43 cycles", now));
  }

  Transfer t;
  t.bytes = std::uint64_t(rows) * std::uint64_t(row_bytes);
  if (t.bytes == 0) {
    m_last_now = now;
    t.start = now;
    t.done = now;
    return t;
  }

  // Rows that follow each other without a gap are one run.
  std::uint64_t runs = rows;
  std::uint64_t run_bytes = row_bytes;
  if (rows > 1 && stride == row_bytes) {
    runs = 1;
    run_bytes = t.bytes;
  }

  // The last byte, addr + (runs - 1) * stride + run_bytes - 1, must be an address.
  const std::uint64_t span = run_bytes - 1;
  if (addr > kU64Max - span ||
      (runs > 1 && stride > 0 && (runs - 1) > (kU64Max - span - addr) / stride)) {
    throw std::out_of_range(fmt::format(
        "dram: transfer of {} rows of {} bytes at address {} with stride {} runs past address "
        "2^64 - 1",
        rows, row_bytes, addr, stride));
  }

  // Row r's burst pattern depends only on its address modulo burst_bytes * channels, which
  // repeats every `period` rows.
  const std::uint64_t line = m_burst_bytes * std::uint64_t(m_channels);
  const std::uint64_t period = std::min(runs, line / std::gcd(stride % line, line));
  std::fill(m_count.begin(), m_count.end(), 0);
  for (std::uint64_t r = 0; r < period; ++r) {
    const std::uint64_t weight = runs / period + (r < runs % period ? 1 : 0);
    count_run(addr + r * stride, run_bytes, weight);
  }

  // Each used channel starts when both the request and the channel are there, and moves its
  // bursts back to back. Computed first, committed after the range check.
  const std::uint64_t now_ticks = now << kFracBits;
  std::uint64_t first = kU64Max;
  std::uint64_t finish = 0;
  for (std::size_t c = 0; c < m_count.size(); ++c) {
    m_end[c] = m_free[c];
    if (m_count[c] == 0) continue;
    const std::uint64_t begin = std::max(now_ticks, m_free[c]);
    if (m_count[c] > (kMaxTicks - begin) / m_burst_ticks) {
      throw std::overflow_error(fmt::format(
          "dram: transfer requested in cycle {} would end past the model's time range of 2^43 "
          "cycles",
          now));
    }
    m_end[c] = begin + m_count[c] * m_burst_ticks;
    first = std::min(first, begin);
    finish = std::max(finish, m_end[c]);
    t.bursts += m_count[c];
  }
  m_free.swap(m_end);
  m_last_now = now;
  (write ? m_write_bursts : m_read_bursts) += t.bursts;

  t.start = first >> kFracBits;
  t.done = ceil_cycles(finish) + m_latency;
  return t;
}

}  // namespace serrano::dram
