// SPDX-License-Identifier: Apache-2.0
// The SystemC model of the matrix unit behind the IArraySim interface: a sequencer (TLM-2.0
// initiator with a quantum keeper) sends the program's commands to the ArrayUnit target.
//
// SystemC allows one elaboration per process: construct every ArrayModel a process needs before
// the first run() (which starts the simulation kernel).
#pragma once

#include <memory>

#include "arch/arch_config.h"
#include "model/array_sim.h"

namespace serrano::model {

class ArrayModel : public IArraySim {
 public:
  enum class Mode { Functional, TimingOnly };

  ArrayModel(const arch::ArchConfig& cfg, Mode mode);
  ~ArrayModel() override;

  std::string name() const override;
  const isa::ArrayLimits& limits() const override { return m_limits; }
  ArrayRunResult run(const isa::ArrayProgram& program) override;

 private:
  struct Top;
  isa::ArrayLimits m_limits;
  Mode m_mode;
  std::unique_ptr<Top> m_top;
};

}  // namespace serrano::model
