// SPDX-License-Identifier: Apache-2.0
// One test per timing rule of docs/array-timing.md: the ArrayTiming table against the equation
// written out by hand. R = rows, C = cols of the array.
#include "model/array_timing.h"

#include <gtest/gtest.h>

namespace serrano::model {
namespace {

using isa::ArrayCmd;

constexpr int R = 4, C = 8;

// Presents commands back to back, as the sequencer and the RTL harness do.
struct Seq {
  explicit Seq(arch::Dataflow d = arch::Dataflow::WeightStationary) : timing(R, C, d) {}
  ArrayTiming timing;
  std::uint64_t present = 0;
  std::uint64_t issue(const ArrayCmd& c) {
    const IssueInfo i = timing.issue(c, present);
    present = i.cycle + 1;
    return i.cycle;
  }
};

TEST(ArrayTiming, SingleTileLatency) {
  // preload K at 0; stream waits for the tile: t_s = K; requant waits for the last accumulator
  // write: t_q = t_s + M + R + C; idle at t_q + M + 5.
  Seq s;
  const std::uint32_t K = 3, M = 10;
  EXPECT_EQ(s.issue(ArrayCmd::preload(0, K)), 0u);
  EXPECT_EQ(s.issue(ArrayCmd::stream(0, M, 0, false)), K);
  EXPECT_EQ(s.issue(ArrayCmd::requant(0, M, 0, 0, 0, -128, 127)), K + M + R + C);
  EXPECT_EQ(s.timing.idle_cycle(), K + M + R + C + M + 5);
}

TEST(ArrayTiming, PreloadOverlapsStream) {
  // The second preload fills the other buffer while the first stream runs: it issues right after
  // the stream, and the second stream follows the first without a gap when M >= K + 1.
  Seq s;
  const std::uint32_t K = R, M = 20;
  s.issue(ArrayCmd::preload(0, K));
  const auto s1 = s.issue(ArrayCmd::stream(0, M, 0, false));
  const auto p2 = s.issue(ArrayCmd::preload(K, K));
  const auto s2 = s.issue(ArrayCmd::stream(M, M, 0, true));
  EXPECT_EQ(p2, s1 + 1);
  EXPECT_EQ(s2, s1 + M);  // back-to-back streams: the array never idles
}

TEST(ArrayTiming, ShortStreamsWaitForTheTile) {
  // With M < K the next stream waits for its preload: t_s2 = t_p2 + K.
  Seq s;
  const std::uint32_t K = R, M = 1;
  s.issue(ArrayCmd::preload(0, K));
  s.issue(ArrayCmd::stream(0, M, 0, false));
  const auto p2 = s.issue(ArrayCmd::preload(K, K));
  const auto s2 = s.issue(ArrayCmd::stream(1, M, 0, true));
  EXPECT_EQ(s2, p2 + K);
}

TEST(ArrayTiming, BufferReuseWaitsForTheLastReader) {
  // A third preload refills buffer 0, which the first stream (issued at t_s1) reads until PE
  // (R-1, C-1) in cycle t_s1 + M + R + C - 1: it issues at t_s1 + M + R + C - 3.
  Seq s;
  const std::uint32_t K = 2, M = 1;
  s.issue(ArrayCmd::preload(0, K));
  const auto s1 = s.issue(ArrayCmd::stream(0, M, 0, false));
  s.issue(ArrayCmd::preload(K, K));
  s.issue(ArrayCmd::stream(1, M, 0, true));
  const auto p3 = s.issue(ArrayCmd::preload(2 * K, K));
  EXPECT_EQ(p3, s1 + M + R + C - 3);
}

TEST(ArrayTiming, PreloadPortThroughput) {
  // Back-to-back preloads (nothing streaming) are limited by the weight-buffer port: one row a
  // cycle, so the second issues K cycles after the first.
  Seq s;
  const std::uint32_t K = 3;
  const auto p1 = s.issue(ArrayCmd::preload(0, K));
  const auto p2 = s.issue(ArrayCmd::preload(K, K));
  EXPECT_EQ(p2, p1 + K);
}

TEST(ArrayTiming, RequantOverlapsTheNextBlock) {
  // A stream into the other accumulator half does not wait for the requant in flight; a stream
  // into the rows being read waits until the requant has read them all (t_q + M).
  Seq s;
  const std::uint32_t M = 16;
  s.issue(ArrayCmd::preload(0, R));
  s.issue(ArrayCmd::stream(0, M, 0, false));
  const auto q = s.issue(ArrayCmd::requant(0, M, 0, 0, 0, -128, 127));
  const auto other_half = s.issue(ArrayCmd::stream(M, M, M, false));
  EXPECT_EQ(other_half, q + 1);
  const auto q2 = s.issue(ArrayCmd::requant(M, M, M, 0, 0, -128, 127));
  const auto same_rows = s.issue(ArrayCmd::stream(0, M, M, false));  // rows M..2M-1 again
  EXPECT_EQ(same_rows, q2 + M);
}

TEST(ArrayTiming, RequantWaitsForEveryAccumulatorWrite) {
  // Two accumulating streams, then the requant: t_q = t_s2 + M + R + C.
  Seq s;
  const std::uint32_t M = 5;
  s.issue(ArrayCmd::preload(0, R));
  s.issue(ArrayCmd::stream(0, M, 0, false));
  s.issue(ArrayCmd::preload(R, R));
  const auto s2 = s.issue(ArrayCmd::stream(M, M, 0, true));
  const auto q = s.issue(ArrayCmd::requant(0, M, 0, 0, 0, -128, 127));
  EXPECT_EQ(q, s2 + M + R + C);
}

TEST(ArrayTiming, ResetForgetsEverything) {
  Seq s;
  s.issue(ArrayCmd::preload(0, R));
  s.issue(ArrayCmd::stream(0, 100, 0, false));
  s.timing.reset();
  EXPECT_EQ(s.timing.idle_cycle(), 0u);
  EXPECT_EQ(s.timing.issue(ArrayCmd::preload(0, R), 0).cycle, 0u);
}


// ---------------------------------------------------------------- output-stationary (section 5)

struct OsSeq : Seq {
  OsSeq() : Seq(arch::Dataflow::OutputStationary) {}
};

TEST(ArrayTimingOs, SingleTileLatency) {
  // The stream waits for the tile (t_s = K) as in ws; its M = 10 rows are n = 3 chunks of R = 4,
  // the last accumulator write is at the end of t_s + nR + 2R + C - 1, so the requant issues
  // at t_s + nR + 2R + C - 1; idle at t_q + M + 5.
  OsSeq s;
  const std::uint32_t K = 3, M = 10, nR = 12;
  EXPECT_EQ(s.issue(ArrayCmd::preload(0, K)), 0u);
  EXPECT_EQ(s.issue(ArrayCmd::stream(0, M, 0, false)), K);
  EXPECT_EQ(s.issue(ArrayCmd::requant(0, M, 0, 0, 0, -128, 127)), K + nR + 2 * R + C - 1);
  EXPECT_EQ(s.timing.idle_cycle(), K + nR + 2 * R + C - 1 + M + 5);
}

TEST(ArrayTimingOs, StreamHoldsTheArrayForWholeChunks) {
  // A stream of M rows holds the activation port for ceil(M / R) * R cycles: M = 5 takes 8.
  OsSeq s;
  s.issue(ArrayCmd::preload(0, R));
  const auto s1 = s.issue(ArrayCmd::stream(0, 5, 0, false));
  const auto s2 = s.issue(ArrayCmd::stream(5, 1, 8, false));
  const auto s3 = s.issue(ArrayCmd::stream(6, R, 9, false));
  EXPECT_EQ(s2, s1 + 2 * R);
  EXPECT_EQ(s3, s2 + R);  // even one row holds the array for R cycles
}

TEST(ArrayTimingOs, BufferReleasedAfterTheLastChunksWeights) {
  // The last weight row of buffer b is read in cycle t + nR + 1, and a preload's first write
  // lands at the end of t' + 2: the third preload (into buffer 0 again) waits until
  // t' = t_s1 + nR - 1.
  OsSeq s;
  const std::uint32_t M = 9, nR = 12;
  s.issue(ArrayCmd::preload(0, R));
  const auto s1 = s.issue(ArrayCmd::stream(0, M, 0, false));
  s.issue(ArrayCmd::preload(R, R));  // buffer 1: free
  const auto p3 = s.issue(ArrayCmd::preload(2 * R, R));
  EXPECT_EQ(p3, s1 + nR - 1);
}

TEST(ArrayTimingOs, DecodeStreamsWaitForTheirTile) {
  // M = 1 with a new tile per stream: the preload issues the cycle after the stream, and the next
  // stream waits K = R cycles for it, so each tile costs R + 1 cycles, as in ws (the chunk's R
  // cycles of the port are over by then).
  OsSeq s;
  s.issue(ArrayCmd::preload(0, R));
  std::uint64_t prev = s.issue(ArrayCmd::stream(0, 1, 0, false));
  for (int i = 1; i < 6; ++i) {
    s.issue(ArrayCmd::preload(std::uint32_t(i) * R, R));
    const auto t = s.issue(ArrayCmd::stream(0, 1, 0, true));
    EXPECT_EQ(t, prev + R + 1) << "stream " << i;
    prev = t;
  }
}

TEST(ArrayTimingOs, ResetKeepsTheDataflow) {
  OsSeq s;
  s.issue(ArrayCmd::preload(0, R));
  s.issue(ArrayCmd::stream(0, 1, 0, false));
  s.timing.reset();
  s.present = 0;
  EXPECT_EQ(s.issue(ArrayCmd::preload(0, R)), 0u);
  EXPECT_EQ(s.issue(ArrayCmd::stream(0, 1, 0, false)), std::uint64_t(R));
  EXPECT_EQ(s.timing.idle_cycle(), R + R + 2 * R + C);  // t + nR + 2R + C, n = 1
}

}  // namespace
}  // namespace serrano::model
