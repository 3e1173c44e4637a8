// SPDX-License-Identifier: Apache-2.0
#include "model/array_unit.h"

#include "golden/golden.h"

namespace serrano::model {

ArrayUnit::ArrayUnit(sc_core::sc_module_name name, int rows, int cols, sc_core::sc_time cycle,
                     ArrayMemories* memories, bool functional, arch::Dataflow dataflow)
    : sc_core::sc_module(name),
      socket("socket"),
      m_rows(rows),
      m_cols(cols),
      m_cycle(cycle),
      m_mem(memories),
      m_functional(functional),
      m_timing(rows, cols, dataflow) {
  socket.register_b_transport(this, &ArrayUnit::b_transport);
}

void ArrayUnit::reset() {
  m_timing.reset();
  m_buffers = {};
}

void ArrayUnit::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (trans.get_command() != tlm::TLM_WRITE_COMMAND ||
      trans.get_data_length() != sizeof(ArrayTransaction)) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  auto* txn = reinterpret_cast<ArrayTransaction*>(trans.get_data_ptr());
  txn->issued = m_timing.issue(txn->cmd, txn->present_cycle);
  if (m_functional) execute(txn->cmd, txn->issued);
  // The initiator may present its next command in the cycle after this one issued.
  delay += m_cycle * double(txn->issued.cycle + 1 - txn->present_cycle);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void ArrayUnit::execute(const isa::ArrayCmd& cmd, const IssueInfo& info) {
  const std::size_t C = std::size_t(m_cols);
  const std::size_t W = m_mem->sp_row_bytes != 0 ? m_mem->sp_row_bytes : std::size_t(m_rows);
  switch (cmd.op) {
    case isa::ArrayOp::Preload:
      // Row k of the tile is weight-buffer row src + k; all C columns are loaded.
      m_buffers[std::size_t(info.buffer)].pack(int(cmd.rows), m_cols, &m_mem->weights[cmd.src * C],
                                               m_cols);
      break;
    case isa::ArrayOp::Stream: {
      std::int32_t* acc = &m_mem->accumulator[cmd.dst * C];
      if (info.k == 0) {  // no tile was ever loaded: every lane is masked to zero
        if (!cmd.accumulate) std::fill(acc, acc + cmd.rows * C, 0);
        break;
      }
      // Activation lanes at or above the tile's K are masked in the RTL; the kernel reads K lanes.
      kernels::matmul_i8(int(cmd.rows), &m_mem->scratchpad[cmd.src * W], int(W),
                         m_buffers[std::size_t(info.buffer)], acc, m_cols, cmd.accumulate);
      break;
    }
    case isa::ArrayOp::Requant: {
      const isa::QParam* qp = &m_mem->qparams[cmd.qp_row * C];
      golden::RequantOutput out{cmd.zero_point, cmd.act_min, cmd.act_max};
      for (std::size_t m = 0; m < cmd.rows; ++m) {
        const std::int32_t* acc = &m_mem->accumulator[(cmd.src + m) * C];
        std::int8_t* dst = m_mem->requant_into_scratchpad ? &m_mem->scratchpad[(cmd.dst + m) * W]
                                                          : &m_mem->output[(cmd.dst + m) * C];
        for (std::size_t c = 0; c < C; ++c) {
          golden::RequantChannel ch{qp[c].bias, qp[c].multiplier, qp[c].shift};
          dst[c] = golden::requantize(acc[c], ch, out);
        }
      }
      break;
    }
  }
}

}  // namespace serrano::model
