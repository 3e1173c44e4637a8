// SPDX-License-Identifier: Apache-2.0
#include "model/array_model.h"

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <algorithm>
#include <stdexcept>
#include <systemc>
#include <tlm>

#include "model/array_unit.h"

namespace serrano::model {

isa::ArrayLimits array_limits(const arch::ArchConfig& cfg) {
  isa::ArrayLimits lim;
  lim.rows = cfg.array.rows;
  lim.cols = cfg.array.cols;
  lim.scratchpad_rows = cfg.scratchpad_rows();
  lim.weight_rows = cfg.weight_rows();
  lim.accumulator_rows = cfg.accumulator_rows();
  lim.qparam_rows = isa::kQParamDepth;
  lim.output_rows = std::uint64_t(1) << isa::kCmdAddrBits;  // results leave the unit
  return lim;
}

namespace {

// Sends commands in order, each presented in the cycle after the previous one issued.
class Sequencer : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Sequencer> socket;

  Sequencer(sc_core::sc_module_name name, sc_core::sc_time cycle)
      : sc_core::sc_module(name), socket("socket"), m_cycle(cycle) {}

  void execute(const std::vector<isa::ArrayCmd>& cmds, ArrayRunResult& result) {
    tlm_utils::tlm_quantumkeeper qk;
    qk.reset();
    tlm::tlm_generic_payload trans;
    ArrayTransaction txn;
    trans.set_command(tlm::TLM_WRITE_COMMAND);
    trans.set_address(0);
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(&txn));
    trans.set_data_length(sizeof(txn));
    trans.set_streaming_width(sizeof(txn));
    result.issue_cycles.resize(cmds.size());
    std::uint64_t present = 0;
    for (std::size_t i = 0; i < cmds.size(); ++i) {
      txn.cmd = cmds[i];
      txn.present_cycle = present;
      trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time delay = qk.get_local_time();
      socket->b_transport(trans, delay);
      if (trans.get_response_status() != tlm::TLM_OK_RESPONSE) {
        throw std::runtime_error("array unit rejected command " + std::to_string(i));
      }
      qk.set(delay);
      if (qk.need_sync()) qk.sync();
      result.issue_cycles[i] = txn.issued.cycle;
      present = txn.issued.cycle + 1;
      switch (cmds[i].op) {
        case isa::ArrayOp::Preload: result.preload_rows += cmds[i].rows; break;
        case isa::ArrayOp::Stream: result.stream_rows += cmds[i].rows; break;
        case isa::ArrayOp::Requant: result.requant_rows += cmds[i].rows; break;
      }
    }
    m_last_present = present;
    qk.sync();
  }

  std::uint64_t last_present() const { return m_last_present; }

 private:
  sc_core::sc_time m_cycle;
  std::uint64_t m_last_present = 0;
};

}  // namespace

// The sequencer's thread lives as long as the model: run() hands it a program and notifies
// m_start; sc_start() returns when the thread is back waiting (no events left). Spawning a
// process per run would cost tens of microseconds, more than a small program's simulation.
struct ArrayModel::Top : sc_core::sc_module {
  SC_HAS_PROCESS(Top);

  ArrayMemories memories;
  Sequencer sequencer;
  ArrayUnit unit;

  const std::vector<isa::ArrayCmd>* job = nullptr;
  ArrayRunResult* result = nullptr;
  std::exception_ptr error;
  sc_core::sc_event start;

  Top(sc_core::sc_module_name name, const arch::ArchConfig& cfg, bool functional)
      : sc_core::sc_module(name),
        sequencer("sequencer", sc_core::sc_time(cfg.cycle_ns(), sc_core::SC_NS)),
        unit("array_unit", cfg.array.rows, cfg.array.cols,
             sc_core::sc_time(cfg.cycle_ns(), sc_core::SC_NS), &memories, functional,
             cfg.array.dataflow) {
    sequencer.socket.bind(unit.socket);
    SC_THREAD(runner);
  }

  void runner() {
    for (;;) {
      sc_core::wait(start);
      try {
        sequencer.execute(*job, *result);
      } catch (...) {
        error = std::current_exception();
      }
    }
  }
};

ArrayModel::ArrayModel(const arch::ArchConfig& cfg, Mode mode)
    : m_limits(array_limits(cfg)), m_mode(mode) {
  if (sc_core::sc_is_running() || sc_core::sc_end_of_simulation_invoked()) {
    throw std::logic_error("ArrayModel must be constructed before the simulation starts");
  }
  // Loosely timed: synchronize with the kernel at most once per microsecond of simulated time.
  tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_core::sc_time(1, sc_core::SC_US));
  static int instance = 0;
  const std::string name = "array_model_" + std::to_string(instance++);
  m_top = std::make_unique<Top>(name.c_str(), cfg, mode == Mode::Functional);
}

ArrayModel::~ArrayModel() = default;

std::string ArrayModel::name() const {
  return m_mode == Mode::Functional ? "model" : "model (timing only)";
}

ArrayRunResult ArrayModel::run(const isa::ArrayProgram& program) {
  isa::validate_program(program, m_limits);
  const std::size_t R = std::size_t(m_limits.rows), C = std::size_t(m_limits.cols);
  ArrayMemories& mem = m_top->memories;
  if (m_mode == Mode::Functional) {
    mem.scratchpad.assign(m_limits.scratchpad_rows * R, 0);
    std::copy(program.scratchpad.begin(), program.scratchpad.end(), mem.scratchpad.begin());
    mem.weights.assign(m_limits.weight_rows * C, 0);
    std::copy(program.weights.begin(), program.weights.end(), mem.weights.begin());
    mem.accumulator.assign(m_limits.accumulator_rows * C, 0);
    mem.qparams.assign(m_limits.qparam_rows * C, isa::QParam{});
    std::copy(program.qparams.begin(), program.qparams.end(), mem.qparams.begin());
    mem.output.assign(program.output_rows * C, 0);
  }
  m_top->unit.reset();

  ArrayRunResult result;
  m_top->job = &program.cmds;
  m_top->result = &result;
  m_top->error = nullptr;
  // The first run ends elaboration: let every runner reach its wait before notifying.
  if (sc_core::sc_get_status() == sc_core::SC_ELABORATION) sc_core::sc_start(sc_core::SC_ZERO_TIME);
  m_top->start.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();
  if (m_top->error) std::rethrow_exception(m_top->error);

  result.total_cycles = std::max(m_top->sequencer.last_present(), m_top->unit.idle_cycle());
  if (m_mode == Mode::Functional) result.output = mem.output;
  return result;
}

}  // namespace serrano::model
