// SPDX-License-Identifier: Apache-2.0
// SystemC model of the matrix unit: a TLM-2.0 target that executes one ArrayCmd per transaction.
//
// Loosely timed: b_transport computes, from the ArrayTiming table, the cycle in which the command
// issues and annotates the delay up to the cycle after it (when the next command can be
// presented). In functional mode it also performs the command on the memories, with the fast
// int8 kernel for streams and golden::requantize for requants. No process per PE or per cycle.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <vector>

#include "isa/array_cmd.h"
#include "model/array_timing.h"
#include "model/kernels/int8_matmul.h"

namespace serrano::model {

// Memories of the matrix unit, as plain storage (row-major rows of the widths in ArrayLimits).
struct ArrayMemories {
  std::vector<std::int8_t> scratchpad;    // scratchpad_rows x sp_row_bytes
  std::size_t sp_row_bytes = 0;           // scratchpad row width; 0 means R (the matrix unit alone)
  bool requant_into_scratchpad = false;   // the whole chip: requant writes scratchpad rows
  std::vector<std::int8_t> weights;       // weight_rows x C
  std::vector<std::int32_t> accumulator;  // accumulator_rows x C
  std::vector<isa::QParam> qparams;       // qparam_rows x C
  std::vector<std::uint8_t> qp_bytes;     // the whole chip: qparam_rows x 12C bytes as loaded
  std::vector<std::int8_t> output;        // output rows x C (when not into the scratchpad)
};

// The payload a transaction carries (generic payload data pointer, TLM_WRITE_COMMAND).
struct ArrayTransaction {
  isa::ArrayCmd cmd;
  std::uint64_t present_cycle = 0;  // in: cycle the command is presented
  IssueInfo issued;                 // out: when it issued
};

// What the whole-chip model needs of a matrix unit: a TLM target taking ArrayTransactions (the
// command and the cycle it is presented in; the target fills in when it issued and when it is
// done, and in functional mode performs it on the ArrayMemories), a reset before each run, and
// the cycle it goes idle. ArrayUnit below is the model's own; testbench/loop has the verilated
// RTL behind the same interface (RTL in the loop).
class IArrayUnit {
 public:
  virtual ~IArrayUnit() = default;
  virtual tlm::tlm_target_socket<>& target() = 0;
  virtual void reset() = 0;
  virtual std::uint64_t idle_cycle() const = 0;  // first cycle every issued command is done
  virtual std::string impl_name() const = 0;     // "model", "rtl 16x16", ...
  // An error the unit hit outside a transaction (it then stopped the simulation); null if none.
  virtual std::exception_ptr error() const { return nullptr; }
};

// What a factory gets to build a matrix unit for the chip.
struct ArrayUnitContext {
  std::string name;  // SystemC module name
  int rows = 0, cols = 0;
  arch::Dataflow dataflow = arch::Dataflow::WeightStationary;
  ArrayMemories* memories = nullptr;  // the chip's memories, shared with the DMA and vector unit
  bool functional = true;
  std::function<sc_core::sc_time()> origin;  // SystemC time of cycle 0 of the current run
};
using ArrayUnitFactory = std::function<std::unique_ptr<IArrayUnit>(const ArrayUnitContext&)>;

class ArrayUnit : public sc_core::sc_module, public IArrayUnit {
 public:
  tlm_utils::simple_target_socket<ArrayUnit> socket;

  // rows, cols: the array; cycle: one clock period; functional: compute data or timing only;
  // dataflow: which timing rules (the data are the same for both).
  ArrayUnit(sc_core::sc_module_name name, int rows, int cols, sc_core::sc_time cycle,
            ArrayMemories* memories, bool functional,
            arch::Dataflow dataflow = arch::Dataflow::WeightStationary);

  tlm::tlm_target_socket<>& target() override { return socket; }
  void reset() override;
  std::uint64_t idle_cycle() const override { return m_timing.idle_cycle(); }
  std::string impl_name() const override { return "model"; }
  void set_functional(bool functional) { m_functional = functional; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void execute(const isa::ArrayCmd& cmd, const IssueInfo& info);

  int m_rows;
  int m_cols;
  sc_core::sc_time m_cycle;
  ArrayMemories* m_mem;
  bool m_functional;
  ArrayTiming m_timing;
  std::array<kernels::PackedWeights, 2> m_buffers;  // the array's double-buffered weight tiles
};

}  // namespace serrano::model
