// SPDX-License-Identifier: Apache-2.0
#include "model/array_timing.h"

#include <algorithm>
#include <stdexcept>

namespace serrano::model {

ArrayTiming::ArrayTiming(int rows, int cols, arch::Dataflow dataflow)
    : m_rows(rows), m_cols(cols), m_dataflow(dataflow) {
  if (rows < 1 || cols < 1) throw std::invalid_argument("ArrayTiming: array must be at least 1x1");
}

void ArrayTiming::reset() { *this = ArrayTiming(m_rows, m_cols, m_dataflow); }

IssueInfo ArrayTiming::issue(const isa::ArrayCmd& cmd, std::uint64_t present) {
  using isa::ArrayOp;
  const std::uint64_t n = cmd.rows;
  const std::uint64_t rc = std::uint64_t(m_rows) + std::uint64_t(m_cols);
  IssueInfo info;
  std::uint64_t t = present;

  switch (cmd.op) {
    case ArrayOp::Preload: {
      const int b = 1 - m_cur_buf;
      t = std::max({t, m_preload_port_free, m_buf_released[b]});
      m_cur_buf = b;
      m_buf_k[b] = cmd.rows;
      m_preload_port_free = std::max(m_preload_port_free, t + n);  // reads t+1 .. t+K
      m_buf_loaded[b] = std::max(m_buf_loaded[b], t + n);          // shifts t+2 .. t+K+1
      info.done = t + n + 2;
      info.buffer = b;
      info.k = cmd.rows;
      break;
    }
    case ArrayOp::Stream: {
      const int b = m_cur_buf;
      t = std::max({t, m_stream_port_free, m_buf_loaded[b]});
      const bool overlap = cmd.dst < m_rq_lo + m_rq_rows && m_rq_lo < std::uint64_t(cmd.dst) + n;
      if (overlap) t = std::max(t, m_acc_read_free);
      if (m_dataflow == arch::Dataflow::OutputStationary) {
        // Chunks of R rows, each holding the array for R cycles (section 5). The last weight
        // row is read in cycle t+nR+1; the last accumulator write (row 0 of the last chunk) is
        // at the end of cycle t+nR+2R+C-1.
        const std::uint64_t R = std::uint64_t(m_rows), C = std::uint64_t(m_cols);
        const std::uint64_t chunk_cycles = (n + R - 1) / R * R;
        m_stream_port_free = std::max(m_stream_port_free, t + chunk_cycles);
        if (chunk_cycles >= 1) {
          m_buf_released[b] = std::max(m_buf_released[b], t + chunk_cycles - 1);
        }
        m_acc_written = std::max(m_acc_written, t + chunk_cycles + 2 * R + C - 1);
        info.done = t + chunk_cycles + 2 * R + C;
      } else {
        m_stream_port_free = std::max(m_stream_port_free, t + n);
        // Last read of buffer b: PE (R-1, C-1) in cycle t+M+R+C-1; a preload may overwrite it
        // from the end of cycle t'+2, so t' >= t+M+R+C-3.
        if (n + rc >= 3) m_buf_released[b] = std::max(m_buf_released[b], t + n + rc - 3);
        m_acc_written = std::max(m_acc_written, t + n + rc);  // last write at the end of t+M+R+C
        info.done = t + n + rc + 1;
      }
      info.buffer = b;
      info.k = m_buf_k[b];
      break;
    }
    case ArrayOp::Requant: {
      t = std::max({t, m_acc_read_free, m_acc_written});
      m_acc_read_free = std::max(m_acc_read_free, t + n);  // reads t+1 .. t+M
      m_rq_lo = cmd.src;
      m_rq_rows = n;
      // Row m is emitted in cycle t+m+1+SramReadLatency+RequantStages.
      info.done = t + n + 1 + isa::kSramReadLatency + isa::kRequantStages;
      break;
    }
    default: throw std::invalid_argument("ArrayTiming: invalid opcode");
  }
  m_drain = std::max(m_drain, info.done);
  info.cycle = t;
  return info;
}

}  // namespace serrano::model
