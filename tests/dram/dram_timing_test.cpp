// SPDX-License-Identifier: Apache-2.0
// Tests for the DRAM timing model: the presets reach their bandwidth, bursts are rounded and
// interleaved as docs/dram.md says, requests queue per channel, small requests do not drift,
// random transfers agree with a burst-by-burst reference, bad parameters give their exact
// messages, and the worked examples of docs/dram.md hold.
#include "model/dram/dram_timing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/arch_config.h"

namespace serrano::dram {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kT = DramTiming::kTicksPerCycle;

arch::ArchConfig preset(const std::string& name) {
  return arch::load_arch_file(
      (fs::path(SERRANO_SOURCE_DIR) / "configs" / (name + ".yaml")).string());
}

DramTiming timing_of(const std::string& name) {
  const arch::ArchConfig cfg = preset(name);
  return DramTiming(cfg.dram, cfg.clock_ghz);
}

arch::DramParams params(int channels, double gbps, double latency_ns, int burst) {
  arch::DramParams p;
  p.kind = arch::DramKind::LPDDR5;
  p.channels = channels;
  p.bandwidth_gbps = gbps;
  p.latency_ns = latency_ns;
  p.burst_bytes = burst;
  return p;
}

// serrano-edge's DRAM: 2 channels, 51.2 GB/s, 120 ns, 64 B bursts, at 1 GHz: a burst takes 2.5
// cycles on its channel.
DramTiming edge() { return DramTiming(params(2, 51.2, 120.0, 64), 1.0); }

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0 ? 1 : 0); }

// A burst-by-burst implementation of docs/dram.md, written without the model's shortcuts.
class Reference {
 public:
  Reference(int channels, std::uint64_t burst_bytes, std::uint64_t burst_ticks,
            std::uint64_t latency)
      : m_b(burst_bytes), m_p(burst_ticks), m_l(latency), m_free(std::size_t(channels), 0) {}

  Transfer access(std::uint64_t now, std::uint64_t addr, std::uint32_t rows,
                  std::uint32_t row_bytes, std::uint64_t stride) {
    Transfer t;
    t.bytes = std::uint64_t(rows) * row_bytes;
    if (t.bytes == 0) {
      t.start = t.done = now;
      return t;
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;  // (address, bytes)
    if (rows > 1 && stride == row_bytes) {
      runs.emplace_back(addr, t.bytes);
    } else {
      for (std::uint32_t r = 0; r < rows; ++r) runs.emplace_back(addr + r * stride, row_bytes);
    }
    std::vector<std::uint64_t> end = m_free;
    std::vector<bool> used(m_free.size(), false);
    std::uint64_t first = std::numeric_limits<std::uint64_t>::max();
    for (const auto& [a, n] : runs) {
      for (std::uint64_t b = a / m_b; b <= (a + n - 1) / m_b; ++b) {
        const std::size_t c = std::size_t(b % m_free.size());
        if (!used[c]) {
          used[c] = true;
          end[c] = std::max(now * kT, m_free[c]);
          first = std::min(first, end[c]);
        }
        end[c] += m_p;
        ++t.bursts;
      }
    }
    std::uint64_t finish = 0;
    for (std::size_t c = 0; c < end.size(); ++c) {
      if (used[c]) finish = std::max(finish, end[c]);
    }
    m_free = end;
    t.start = first / kT;
    t.done = ceil_div(finish, kT) + m_l;
    return t;
  }

  std::uint64_t busy_until() const {
    return ceil_div(*std::max_element(m_free.begin(), m_free.end()), kT);
  }

 private:
  std::uint64_t m_b, m_p, m_l;
  std::vector<std::uint64_t> m_free;
};

void expect_same(const Transfer& got, const Transfer& want, const std::string& what) {
  EXPECT_EQ(got.start, want.start) << what;
  EXPECT_EQ(got.done, want.done) << what;
  EXPECT_EQ(got.bytes, want.bytes) << what;
  EXPECT_EQ(got.bursts, want.bursts) << what;
}

std::string error_of(const arch::DramParams& p, double clock_ghz) {
  try {
    DramTiming t(p, clock_ghz);
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "message is not one line";
    return e.what();
  }
  return "(no error)";
}

// ---------------------------------------------------------------------------------------------
// (1) The presets reach their bandwidth.

struct PresetCase {
  const char* name;
  std::uint64_t latency;      // ceil(latency_ns * clock_ghz)
  std::uint64_t burst_ticks;  // round(burst_bytes * channels * clock_ghz / GB/s * 2^20)
};

void PrintTo(const PresetCase& c, std::ostream* os) { *os << c.name; }

class PresetTest : public ::testing::TestWithParam<PresetCase> {};

TEST_P(PresetTest, DerivedFigures) {
  const PresetCase& pc = GetParam();
  const arch::ArchConfig cfg = preset(pc.name);
  const DramTiming d(cfg.dram, cfg.clock_ghz);
  EXPECT_EQ(d.latency_cycles(), pc.latency);
  EXPECT_EQ(d.burst_ticks(), pc.burst_ticks);
  EXPECT_EQ(d.channels(), cfg.dram.channels);
  EXPECT_EQ(d.burst_bytes(), std::uint64_t(cfg.dram.burst_bytes));
  const double nominal = cfg.dram.bandwidth_gbps / cfg.clock_ghz;  // bytes per cycle
  EXPECT_NEAR(d.bytes_per_cycle(), nominal, nominal * 1e-6);
  EXPECT_EQ(d.busy_until(), 0u);
}

TEST_P(PresetTest, LargeContiguousTransferRunsAtPeakBandwidth) {
  const PresetCase& pc = GetParam();
  const arch::ArchConfig cfg = preset(pc.name);
  for (const bool write : {false, true}) {
    for (const std::uint64_t now : {std::uint64_t(0), std::uint64_t(12345)}) {
      DramTiming d(cfg.dram, cfg.clock_ghz);
      const std::uint64_t bytes = 64ull << 20;  // 64 MiB, one row
      const Transfer t = d.access(now, 0, 1, std::uint32_t(bytes), 0, write);
      const std::uint64_t bursts = bytes / std::uint64_t(cfg.dram.burst_bytes);
      EXPECT_EQ(t.bytes, bytes);
      EXPECT_EQ(t.bursts, bursts);
      EXPECT_EQ(t.start, now);
      // The model's equation: each channel moves bursts / channels bursts back to back.
      const std::uint64_t per_channel = bursts / std::uint64_t(cfg.dram.channels);
      EXPECT_EQ(t.done, now + ceil_div(per_channel * pc.burst_ticks, kT) + pc.latency);
      // The real-valued equation: within one cycle of bytes / bandwidth + latency.
      const double ideal = double(now) + double(bytes) / cfg.dram.bandwidth_gbps * cfg.clock_ghz +
                           cfg.dram.latency_ns * cfg.clock_ghz;
      EXPECT_NEAR(double(t.done), ideal, 1.0);
      EXPECT_NEAR(double(t.done - now), ideal - double(now), 0.02 * (ideal - double(now)));
      EXPECT_EQ(d.busy_until(), t.done - pc.latency);
      EXPECT_EQ(write ? d.write_bursts() : d.read_bursts(), bursts);
      EXPECT_EQ(write ? d.read_bursts() : d.write_bursts(), 0u);
    }
  }
}

// The same bytes as 2-D transfers (rows back to back; rows of whole bursts with a gap) take the
// same time when they spread evenly over the channels.
TEST_P(PresetTest, RowsOfWholeLinesRunAtPeakBandwidth) {
  const PresetCase& pc = GetParam();
  const arch::ArchConfig cfg = preset(pc.name);
  const std::uint32_t line = std::uint32_t(cfg.dram.burst_bytes * cfg.dram.channels);
  DramTiming one(cfg.dram, cfg.clock_ghz);
  DramTiming contiguous(cfg.dram, cfg.clock_ghz);
  DramTiming gapped(cfg.dram, cfg.clock_ghz);
  const Transfer a = one.access(0, 0, 1, 4096 * line, 0, false);
  const Transfer b = contiguous.access(0, 0, 4096, line, line, false);
  const Transfer c = gapped.access(0, 0, 4096, line, 3 * std::uint64_t(line), false);
  expect_same(b, a, "rows back to back");
  expect_same(c, a, "rows of whole lines with gaps");
}

INSTANTIATE_TEST_SUITE_P(Presets, PresetTest,
                         ::testing::Values(PresetCase{"serrano-edge", 120, 2621440},
                                           PresetCase{"serrano-base", 100, 655360},
                                           PresetCase{"tpu-v1", 70, 2763306}),
                         [](const ::testing::TestParamInfo<PresetCase>& p) {
                           std::string s = p.param.name;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

// ---------------------------------------------------------------------------------------------
// (2) Every row touches whole, aligned bursts.

TEST(DramTiming, BurstRoundingOfUnalignedAndShortRows) {
  struct Case {
    std::uint64_t addr;
    std::uint32_t row_bytes;
    std::uint64_t bursts;
  };
  const Case cases[] = {
      {0, 64, 1}, {0, 1, 1},  {63, 1, 1},   {60, 10, 2},  {64, 64, 1}, {1, 64, 2},
      {0, 65, 2}, {63, 2, 2}, {63, 129, 3}, {32, 128, 3}, {0, 128, 2}, {100, 1000, 17},
  };
  for (const Case& c : cases) {
    DramTiming d = edge();
    const Transfer t = d.access(0, c.addr, 1, c.row_bytes, 0, false);
    EXPECT_EQ(t.bursts, c.bursts) << "addr " << c.addr << ", " << c.row_bytes << " bytes";
    EXPECT_EQ(t.bytes, c.row_bytes);
  }
  // 10 bytes at 60: bursts 0 and 1, one on each channel, both done after 2.5 cycles.
  DramTiming d = edge();
  const Transfer t = d.access(0, 60, 1, 10, 0, false);
  EXPECT_EQ(t.done, 3u + 120u);
  // 10 bytes at 0: one burst. Same time: the single burst takes 2.5 cycles too.
  DramTiming d2 = edge();
  EXPECT_EQ(d2.access(0, 0, 1, 10, 0, false).done, 3u + 120u);
  // 20 short rows, each inside one burst of channel 0: 20 bursts, 50 cycles.
  DramTiming d3 = edge();
  const Transfer u = d3.access(0, 4, 20, 8, 128, false);
  EXPECT_EQ(u.bursts, 20u);
  EXPECT_EQ(u.bytes, 160u);
  EXPECT_EQ(u.done, 50u + 120u);
}

TEST(DramTiming, ByteGranularBursts) {
  // burst_bytes = 1: a burst per byte, no rounding at all.
  DramTiming d(params(4, 4.0, 0.0, 1), 1.0);  // 1 B per cycle per channel
  const Transfer t = d.access(0, 3, 1, 10, 0, false);
  EXPECT_EQ(t.bursts, 10u);
  EXPECT_EQ(t.done, 3u);  // bytes 3..12: channels 3 and 0 take 3 bursts, 1 and 2 take 2
  EXPECT_EQ(d.latency_cycles(), 0u);
}

// ---------------------------------------------------------------------------------------------
// (3) Strided rows.

TEST(DramTiming, StridedRows) {
  {
    // Rows of one burst 128 B apart all fall on channel 0: 4 bursts in series, 10 cycles.
    DramTiming d = edge();
    const Transfer t = d.access(0, 0, 4, 64, 128, false);
    EXPECT_EQ(t.bursts, 4u);
    EXPECT_EQ(t.done, 10u + 120u);
  }
  {
    // 192 B apart: bursts 0, 3, 6, 9 alternate channels: 2 each, 5 cycles.
    DramTiming d = edge();
    const Transfer t = d.access(0, 0, 4, 64, 192, false);
    EXPECT_EQ(t.bursts, 4u);
    EXPECT_EQ(t.done, 5u + 120u);
  }
  {
    // Back-to-back rows are one run: 4 rows of 10 B = 40 B in one burst.
    DramTiming d = edge();
    EXPECT_EQ(d.access(0, 0, 4, 10, 10, false).bursts, 1u);
    // With a 1-byte gap they are 4 runs at 0, 11, 22, 33: one burst each, all on channel 0.
    DramTiming d2 = edge();
    const Transfer t = d2.access(0, 0, 4, 10, 11, false);
    EXPECT_EQ(t.bursts, 4u);
    EXPECT_EQ(t.done, 10u + 120u);
  }
  {
    // Stride 0 reads the same row again: 3 rows, 3 bursts on channel 1.
    DramTiming d = edge();
    const Transfer t = d.access(0, 64, 3, 64, 0, false);
    EXPECT_EQ(t.bursts, 3u);
    EXPECT_EQ(t.done, 8u + 120u);  // 7.5 cycles, rounded up
  }
  {
    // A 64x64 int8 tile of a 1024-byte-wide matrix: every row starts a burst on channel 0.
    DramTiming d = edge();
    const Transfer t = d.access(0, 0, 64, 64, 1024, false);
    EXPECT_EQ(t.bursts, 64u);
    EXPECT_EQ(t.done, 160u + 120u);
    // Shifted by one burst every row (stride 1088) it uses both channels.
    DramTiming d2 = edge();
    EXPECT_EQ(d2.access(0, 0, 64, 64, 1088, false).done, 80u + 120u);
  }
}

// Random transfers, configurations and request times agree with the burst-by-burst reference.
TEST(DramTiming, MatchesBurstByBurstReference) {
  std::mt19937_64 rng(20240611);
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
  };
  for (int config = 0; config < 40; ++config) {
    const int channels = int(pick(1, 8));
    const int burst = 1 << pick(0, 8);
    const double gbps = double(pick(1, 2000)) / 10.0;
    const double latency = double(pick(0, 300));
    const double clock = double(pick(5, 30)) / 10.0;
    const DramTiming proto(params(channels, gbps, latency, burst), clock);
    DramTiming d = proto;
    Reference ref(channels, proto.burst_bytes(), proto.burst_ticks(), proto.latency_cycles());
    std::uint64_t now = pick(0, 100);
    for (int i = 0; i < 60; ++i) {
      now += pick(0, 3) == 0 ? pick(0, 2000) : 0;
      const std::uint64_t addr = pick(0, 1u << 20);
      const auto rows = std::uint32_t(pick(0, 3) == 0 ? pick(0, 3) : pick(1, 200));
      const auto row_bytes = std::uint32_t(pick(0, 4) == 0 ? pick(0, 5) : pick(1, 300));
      std::uint64_t stride = pick(0, 2000);
      if (pick(0, 5) == 0) stride = row_bytes;
      if (pick(0, 5) == 0) stride = std::uint64_t(burst) * std::uint64_t(channels) * pick(0, 4);
      const Transfer got = d.access(now, addr, rows, row_bytes, stride, pick(0, 1) == 1);
      const Transfer want = ref.access(now, addr, rows, row_bytes, stride);
      expect_same(got, want, "config " + std::to_string(config) + ", request " + std::to_string(i));
      EXPECT_EQ(d.busy_until(), ref.busy_until());
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// Many rows: the model counts one period of the address pattern; the reference every burst.
TEST(DramTiming, ManyRowsMatchReference) {
  DramTiming d(params(6, 100.0, 50.0, 32), 1.3);
  Reference ref(6, d.burst_bytes(), d.burst_ticks(), d.latency_cycles());
  const std::uint64_t strides[] = {32, 96, 100, 192, 1000, 33};
  std::uint64_t now = 0;
  for (const std::uint64_t stride : strides) {
    const Transfer got = d.access(now, 7, 200000, 40, stride, false);
    const Transfer want = ref.access(now, 7, 200000, 40, stride);
    expect_same(got, want, "stride " + std::to_string(stride));
    now += 1000;
  }
}

// ---------------------------------------------------------------------------------------------
// (4) Requests queue behind each other on a channel.

TEST(DramTiming, BackToBackRequestsQueue) {
  DramTiming d = edge();
  const Transfer a = d.access(0, 0, 1, 64, 0, false);    // channel 0, ticks [0, 2.5)
  const Transfer b = d.access(0, 128, 1, 64, 0, false);  // channel 0, waits: [2.5, 5)
  const Transfer c = d.access(1, 256, 1, 64, 0, true);   // channel 0, waits: [5, 7.5)
  EXPECT_EQ(a.start, 0u);
  EXPECT_EQ(a.done, 3u + 120u);
  EXPECT_EQ(b.start, 2u);  // starts moving inside cycle 2
  EXPECT_EQ(b.done, 5u + 120u);
  EXPECT_EQ(c.start, 5u);
  EXPECT_EQ(c.done, 8u + 120u);
  EXPECT_EQ(d.busy_until(), 8u);
  // Once the channel is idle, a request starts in its own cycle.
  const Transfer e = d.access(100, 0, 1, 64, 0, false);
  EXPECT_EQ(e.start, 100u);
  EXPECT_EQ(e.done, 103u + 120u);
  EXPECT_EQ(d.read_bursts(), 3u);
  EXPECT_EQ(d.write_bursts(), 1u);
}

TEST(DramTiming, ReadsAndWritesShareTheChannels) {
  DramTiming d = edge();
  d.access(0, 0, 1, 4096, 0, true);  // write 4 KiB: 32 bursts per channel, 80 cycles
  const Transfer r = d.access(0, 0, 1, 64, 0, false);
  EXPECT_EQ(r.start, 80u);
  EXPECT_EQ(r.done, 83u + 120u);
}

TEST(DramTiming, LargeTransferDelaysTheNext) {
  DramTiming d = edge();
  const Transfer a = d.access(0, 0, 1, 1 << 20, 0, false);
  const Transfer b = d.access(10, 0, 1, 1 << 20, 0, false);
  EXPECT_EQ(a.done, 20480u + 120u);
  EXPECT_EQ(b.start, 20480u);
  EXPECT_EQ(b.done, 40960u + 120u);
}

// ---------------------------------------------------------------------------------------------
// (5) Transfers on disjoint channels overlap.

TEST(DramTiming, DisjointChannelsOverlap) {
  {
    DramTiming d = edge();
    const Transfer a = d.access(0, 0, 16, 64, 128, false);   // channel 0 only
    const Transfer b = d.access(0, 64, 16, 64, 128, false);  // channel 1 only
    EXPECT_EQ(a.start, 0u);
    EXPECT_EQ(b.start, 0u);
    EXPECT_EQ(a.done, 40u + 120u);
    EXPECT_EQ(b.done, 40u + 120u);
  }
  {
    const arch::ArchConfig cfg = preset("serrano-base");  // 8 channels, 0.625 cycles a burst
    DramTiming d(cfg.dram, cfg.clock_ghz);
    std::vector<Transfer> ts;
    for (int c = 0; c < 8; ++c) ts.push_back(d.access(0, 64u * unsigned(c), 64, 64, 512, false));
    for (const Transfer& t : ts) {
      EXPECT_EQ(t.start, 0u);
      EXPECT_EQ(t.done, 40u + 100u);
    }
    // A ninth on channel 3 waits for the fourth.
    const Transfer late = d.access(0, 3 * 64, 1, 64, 0, false);
    EXPECT_EQ(late.start, 40u);
    EXPECT_EQ(late.done, 41u + 100u);  // 40.625 rounded up
  }
}

// ---------------------------------------------------------------------------------------------
// (6) No rounding drift: many small requests end where one big one does.

TEST(DramTiming, SmallRequestsTotalTheSameAsOneBig) {
  for (const char* name : {"serrano-edge", "serrano-base", "tpu-v1"}) {
    const arch::ArchConfig cfg = preset(name);
    const auto burst = std::uint32_t(cfg.dram.burst_bytes);
    const std::uint64_t n = 1u << 20;  // 1 Mi bursts
    DramTiming big(cfg.dram, cfg.clock_ghz);
    const Transfer one = big.access(0, 0, 1, std::uint32_t(n * burst), 0, false);
    DramTiming small(cfg.dram, cfg.clock_ghz);
    Transfer last;
    for (std::uint64_t i = 0; i < n; ++i) last = small.access(0, i * burst, 1, burst, 0, false);
    EXPECT_EQ(last.done, one.done) << name;
    EXPECT_EQ(small.busy_until(), big.busy_until()) << name;
    const double ideal = double(n * burst) / cfg.dram.bandwidth_gbps * cfg.clock_ghz +
                         cfg.dram.latency_ns * cfg.clock_ghz;
    EXPECT_NEAR(double(last.done), ideal, 1.0) << name;

    // Requests issued over time, faster than the channels drain them, end at the same place.
    DramTiming paced(cfg.dram, cfg.clock_ghz);
    const std::uint64_t groups = n / 64;
    for (std::uint64_t i = 0; i < groups; ++i) {
      last = paced.access(i / 64, i * 64 * burst, 64, burst, burst, i % 2 == 1);
    }
    EXPECT_EQ(last.done, one.done) << name;
  }
}

// ---------------------------------------------------------------------------------------------
// (7) Invalid parameters and requests.

TEST(DramTiming, InvalidParametersRejected) {
  EXPECT_EQ(error_of(params(2, 51.2, 120.0, 64), 0.0),
            "clock_ghz: must be a positive finite number, got 0");
  EXPECT_EQ(error_of(params(2, 51.2, 120.0, 64), -1.5),
            "clock_ghz: must be a positive finite number, got -1.5");
  EXPECT_EQ(error_of(params(2, 51.2, 120.0, 64), std::numeric_limits<double>::infinity()),
            "clock_ghz: must be a positive finite number, got inf");
  EXPECT_EQ(error_of(params(0, 51.2, 120.0, 64), 1.0), "dram.channels: must be in [1, 64], got 0");
  EXPECT_EQ(error_of(params(-3, 51.2, 120.0, 64), 1.0),
            "dram.channels: must be in [1, 64], got -3");
  EXPECT_EQ(error_of(params(65, 51.2, 120.0, 64), 1.0),
            "dram.channels: must be in [1, 64], got 65");
  EXPECT_EQ(error_of(params(2, 0.0, 120.0, 64), 1.0),
            "dram.bandwidth_gbps: must be a positive finite number, got 0");
  EXPECT_EQ(error_of(params(2, -51.2, 120.0, 64), 1.0),
            "dram.bandwidth_gbps: must be a positive finite number, got -51.2");
  EXPECT_EQ(error_of(params(2, std::nan(""), 120.0, 64), 1.0),
            "dram.bandwidth_gbps: must be a positive finite number, got nan");
  EXPECT_EQ(error_of(params(2, 51.2, -1.0, 64), 1.0),
            "dram.latency_ns: must be a finite number >= 0, got -1");
  EXPECT_EQ(error_of(params(2, 51.2, 120.0, 48), 1.0),
            "dram.burst_bytes: must be a power of two in [1, 4096], got 48");
  EXPECT_EQ(error_of(params(2, 51.2, 120.0, 0), 1.0),
            "dram.burst_bytes: must be a power of two in [1, 4096], got 0");
  EXPECT_EQ(error_of(params(2, 51.2, 120.0, 8192), 1.0),
            "dram.burst_bytes: must be a power of two in [1, 4096], got 8192");
  EXPECT_EQ(error_of(params(64, 1e-9, 120.0, 4096), 10.0),
            "dram.bandwidth_gbps: too low for the model: one burst would take 2.62144e+15 "
            "cycles, more than 2^32");
  EXPECT_EQ(error_of(params(1, 100000.0, 120.0, 1), 1.0),
            "dram.bandwidth_gbps: too high for the model: one burst would take 1e-05 cycles, "
            "less than 2^-10");
  EXPECT_EQ(error_of(params(2, 51.2, 1e12, 64), 10.0),
            "dram.latency_ns: too high for the model: 1e+13 cycles, more than 2^32");
  // The kind does not matter to the timing; any value is accepted.
  EXPECT_EQ(error_of(params(2, 51.2, 0.0, 1), 1.0), "(no error)");
}

TEST(DramTiming, InvalidRequestsRejectedWithoutChangingState) {
  DramTiming d = edge();
  d.access(10, 0, 1, 64, 0, false);
  try {
    d.access(9, 0, 1, 64, 0, false);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "dram: requests must come in order: cycle 9 is before the previous request's "
                 "cycle 10");
  }
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  try {
    d.access(10, max - 100, 2, 64, 64, false);
    ADD_FAILURE() << "no error";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(),
                 "dram: transfer of 2 rows of 64 bytes at address 18446744073709551515 with "
                 "stride 64 runs past address 2^64 - 1");
  }
  try {
    d.access(10, 0, 3, 1, max / 2 + 1, false);
    ADD_FAILURE() << "no error";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(),
                 "dram: transfer of 3 rows of 1 bytes at address 0 with stride "
                 "9223372036854775808 runs past address 2^64 - 1");
  }
  try {
    d.access(DramTiming::kMaxCycle + 1, 0, 1, 64, 0, false);
    ADD_FAILURE() << "no error";
  } catch (const std::overflow_error& e) {
    EXPECT_STREQ(e.what(),
                 "dram: cycle 8796093022209 is past the model's time range of 2^43 "
                 "cycles");
  }
  try {
    d.access(DramTiming::kMaxCycle - 10, 0, 1, 4096, 0, false);
    ADD_FAILURE() << "no error";
  } catch (const std::overflow_error& e) {
    EXPECT_STREQ(e.what(),
                 "dram: transfer requested in cycle 8796093022198 would end past the "
                 "model's time range of 2^43 cycles");
  }
  // None of these changed anything: the next request sees channel 0 busy until 12.5.
  const Transfer t = d.access(10, 0, 1, 64, 0, false);
  EXPECT_EQ(t.start, 12u);
  EXPECT_EQ(t.done, 15u + 120u);
  // The last byte may be the last address.
  EXPECT_NO_THROW(d.access(10, max - 63, 1, 64, 0, false));
}

TEST(DramTiming, EmptyTransfersMoveNothing) {
  DramTiming d = edge();
  d.access(0, 0, 1, 64, 0, false);
  for (const auto& [rows, bytes] :
       {std::pair<std::uint32_t, std::uint32_t>{0, 64}, {5, 0}, {0, 0}}) {
    const Transfer t = d.access(1, 0, rows, bytes, 64, false);
    EXPECT_EQ(t.start, 1u);
    EXPECT_EQ(t.done, 1u);
    EXPECT_EQ(t.bytes, 0u);
    EXPECT_EQ(t.bursts, 0u);
  }
  EXPECT_EQ(d.busy_until(), 3u);
  EXPECT_EQ(d.read_bursts(), 1u);
}

// ---------------------------------------------------------------------------------------------
// (8) Determinism.

TEST(DramTiming, DeterministicAndResettable) {
  const arch::ArchConfig cfg = preset("tpu-v1");
  auto run = [](DramTiming& d) {
    std::mt19937_64 rng(7);
    std::vector<Transfer> out;
    std::uint64_t now = 0;
    for (int i = 0; i < 2000; ++i) {
      now += rng() % 50;
      out.push_back(d.access(now, rng() % (1u << 24), std::uint32_t(1 + rng() % 64),
                             std::uint32_t(1 + rng() % 512), rng() % 4096, rng() % 2 == 0));
    }
    return out;
  };
  DramTiming a(cfg.dram, cfg.clock_ghz);
  DramTiming b(cfg.dram, cfg.clock_ghz);
  const std::vector<Transfer> ra = run(a);
  const std::vector<Transfer> rb = run(b);
  const std::uint64_t reads = a.read_bursts();
  a.reset();
  EXPECT_EQ(a.busy_until(), 0u);
  EXPECT_EQ(a.read_bursts(), 0u);
  EXPECT_EQ(a.write_bursts(), 0u);
  const std::vector<Transfer> again = run(a);
  ASSERT_EQ(ra.size(), rb.size());
  for (std::size_t i = 0; i < ra.size(); ++i) {
    expect_same(rb[i], ra[i], "second instance, request " + std::to_string(i));
    expect_same(again[i], ra[i], "after reset, request " + std::to_string(i));
  }
  EXPECT_EQ(a.read_bursts(), reads);
  // After reset a request may again be made in cycle 0.
  a.reset();
  EXPECT_EQ(a.access(0, 0, 1, 64, 0, false).start, 0u);
}

// ---------------------------------------------------------------------------------------------
// The worked examples of docs/dram.md.

TEST(DramTiming, DocExamples) {
  {
    DramTiming d = timing_of("serrano-edge");
    const Transfer tile = d.access(0, 0, 64, 64, 1024, false);
    EXPECT_EQ(tile.bursts, 64u);
    EXPECT_EQ(tile.start, 0u);
    EXPECT_EQ(tile.done, 280u);
    const Transfer next = d.access(0, 64, 1, 4096, 0, false);
    EXPECT_EQ(next.bursts, 64u);
    EXPECT_EQ(next.start, 0u);
    EXPECT_EQ(next.done, 360u);
    EXPECT_EQ(d.busy_until(), 240u);
  }
  {
    DramTiming d = timing_of("serrano-base");
    const Transfer a = d.access(0, 32, 1, 16384, 0, false);
    EXPECT_EQ(a.bursts, 257u);
    EXPECT_EQ(a.start, 0u);
    EXPECT_EQ(a.done, 121u);
    const Transfer b = d.access(5, 1u << 20, 1, 512, 0, true);
    EXPECT_EQ(b.bursts, 8u);
    EXPECT_EQ(b.start, 20u);
    EXPECT_EQ(b.done, 122u);
  }
  {
    DramTiming d = timing_of("tpu-v1");
    const Transfer a = d.access(0, 0, 1, 65536, 0, false);
    EXPECT_EQ(a.bursts, 1024u);
    EXPECT_EQ(a.start, 0u);
    EXPECT_EQ(a.done, 1420u);
    EXPECT_EQ(d.busy_until(), 1350u);
    EXPECT_NEAR(d.bytes_per_cycle(), 48.5714, 1e-4);
  }
}

}  // namespace
}  // namespace serrano::dram
