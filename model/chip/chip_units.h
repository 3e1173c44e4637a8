// SPDX-License-Identifier: Apache-2.0
// The units of the whole-chip model (docs/chip-timing.md), each an sc_module:
//
//   Controller ---- dispatch, the three instruction queues, dependency tokens, completion
//   LoadDma    ---- load queue:    dram_socket -> DramTarget, sram_socket -> OnChipMemory
//   ComputeUnit --- compute queue: array_socket -> the matrix unit (model/array_unit.h: the
//                  model's ArrayUnit, or the verilated RTL in the loop),
//                                  vector_socket -> VectorUnit
//   StoreDma   ---- store queue:   sram_socket -> OnChipMemory, dram_socket -> DramTarget
//   OnChipMemory -- scratchpad, weight buffer, accumulators, parameters; bank ports
//   DramTarget ---- the DRAM image and the shared DramTiming (model/dram)
//
// SystemC time inside the chip counts cycles: 1 ns of simulated time is one clock cycle (the whole
// chip is one clock domain, and integer cycles avoid rounding a 1.43 ns period). Internal to
// model/chip; users go through model/chip/chip_model.h.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <exception>
#include <optional>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "arch/arch_config.h"
#include "golden/vector_ops.h"
#include "isa/instruction.h"
#include "model/array_unit.h"
#include "model/chip/chip_model.h"
#include "model/dram/dram_timing.h"

namespace serrano::model::chip {

inline constexpr std::size_t kQueueDepth = 16;  // docs/chip-timing.md, "Dispatch"
inline constexpr std::size_t kDmaInFlight = 8;  // docs/chip-timing.md, "Units"

// Cycle c as a SystemC time (1 ns a cycle). Built from the integer tick count: sc_time's
// (double, unit) constructor was a third of a large timing-only run's wall time.
inline sc_core::sc_time at_cycle(std::uint64_t c) {
  static const sc_core::sc_time::value_type ticks = sc_core::sc_time(1, sc_core::SC_NS).value();
  return sc_core::sc_time::from_value(c * ticks);
}
// Half a cycle: the point inside a cycle at which the DMA decides (docs/chip-timing.md).
inline sc_core::sc_time half_cycle() {
  static const sc_core::sc_time half(0.5, sc_core::SC_NS);
  return half;
}

// "instruction 7 (matmul sp=0 rows=16 acc=0)": how errors name an instruction.
std::string describe(const std::vector<isa::Instruction>& prog, std::size_t i);

// A vec instruction's fields as golden::execute_vector_op takes them.
golden::VectorOpArgs vector_args(const isa::Instruction& inst);

// What every unit needs during a run: the config, the program, the result, the run's cycle 0.
struct RunContext {
  RunContext(const arch::ArchConfig& c, bool func);

  const arch::ArchConfig cfg;
  const bool functional;
  const std::uint32_t R, C, W;  // array rows, cols, scratchpad row width max(R, C)
  const std::vector<isa::Instruction>* prog = nullptr;
  ChipRunResult* result = nullptr;
  std::exception_ptr error;
  sc_core::sc_time origin;      // cycle 0 of the current run (SystemC time goes on across runs)
  sc_core::sc_event start_run;  // every unit thread waits for it at the start of a run

  void wait_until(std::uint64_t c);      // the start of cycle c
  void wait_until_mid(std::uint64_t c);  // half a cycle into cycle c

  // Runs one unit's work for the run; the first exception stops the simulation and is kept.
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (...) {
      if (!error) error = std::current_exception();
      sc_core::sc_stop();
    }
  }
};

// ---------------------------------------------------------------- memories

// DMA access to on-chip rows (generic payload extension; data pointer = packed rows).
struct SramAccess : tlm::tlm_extension<SramAccess> {
  std::size_t instruction = 0;  // for error messages
  isa::Mem mem = isa::Mem::Sp;
  std::uint32_t row = 0, rows = 0, bytes = 0;
  tlm_extension_base* clone() const override { return new SramAccess(*this); }
  void copy_from(const tlm_extension_base& o) override {
    *this = static_cast<const SramAccess&>(o);
  }
};

class OnChipMemory : public sc_core::sc_module {
 public:
  // DMA data (functional mode), one socket per DMA engine.
  tlm_utils::simple_target_socket<OnChipMemory> load_socket;
  tlm_utils::simple_target_socket<OnChipMemory> store_socket;
  ArrayMemories mem;  // shared with the ArrayUnit, which reads and writes rows directly

  OnChipMemory(sc_core::sc_module_name name, RunContext& ctx);
  void reset();

  std::uint64_t capacity(isa::Mem m) const;  // rows
  std::uint32_t width(isa::Mem m) const;     // bytes per row
  std::uint64_t banks(isa::Mem m) const;

  // The matrix and vector units claim bank ports when their commands issue (port 0 read,
  // 1 write): row first_row + step * (x - first_cycle) in cycle x of [first_cycle, +count).
  // With chunk > 0 instead (the output-stationary write-back), cycle first_cycle + j*chunk + i
  // uses row first_row + j*chunk + chunk-1-i: each chunk of rows bottom row first.
  void reserve(isa::Mem m, int port, std::uint64_t first_cycle, std::uint64_t count,
               std::int64_t first_row, std::int64_t step, bool all_banks = false,
               std::uint64_t chunk = 0);
  // Places the rows of one DMA transfer on a bank port, in order: row j goes in the first cycle
  // x >= max(base(j), the previous row's cycle, its bank's next free cycle) in which its bank's
  // port is free, decided once every matrix- or vector-unit command that could claim x has issued
  // (half a cycle into x - 1). `prev` and `bank_next` carry the previous row's cycle and each
  // bank's next free cycle in and out; returns the cycle after the last row and adds the cycles
  // rows waited for a port to `conflicts`. One SystemC wait per placement, not one per row: a
  // command that issues after half a cycle into x - 1 only claims cycles after x, so placing all
  // rows with what is known half a cycle before the last row's cycle gives the same cycles as
  // deciding row by row (docs/chip-timing.md, "SRAM banks"). To keep that exact, a claim counts
  // for cycle x only if it was made by half a cycle into x - 1, as when deciding row by row.
  template <class Base>
  std::uint64_t place_rows(isa::Mem m, int port, std::uint64_t first_row, std::uint32_t rows,
                           Base&& base, std::uint64_t& prev, std::vector<std::uint64_t>& bank_next,
                           std::uint64_t& conflicts);

 private:
  struct Reservation {
    std::uint64_t first_cycle, end;
    std::int64_t first_row, step;
    bool all_banks;
    std::uint64_t chunk;
    sc_core::sc_time made;  // when the command claimed the port (SystemC time)
  };
  bool bank_busy(isa::Mem m, int port, std::uint64_t row, std::uint64_t cycle) const;
  void prune(isa::Mem m, int port, std::uint64_t before);  // drop reservations ended by `before`
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  std::uint64_t generation(isa::Mem m, int port) const {
    return m == isa::Mem::Qp ? 0 : m_generation[std::size_t(m)][port];
  }

  RunContext& m_ctx;
  std::vector<Reservation> m_reserved[3][2];  // [sp, wb, acc][read, write]
  std::uint64_t m_generation[3][2] = {};       // reservations made so far, per list
};

template <class Base>
std::uint64_t OnChipMemory::place_rows(isa::Mem m, int port, std::uint64_t first_row,
                                       std::uint32_t rows, Base&& base, std::uint64_t& prev,
                                       std::vector<std::uint64_t>& bank_next,
                                       std::uint64_t& conflicts) {
  if (rows == 0) return prev;
  std::vector<std::uint64_t> next;
  std::uint64_t p = 0, waited = 0, last = 0, first_earliest = 0;
  std::uint64_t placed_at = ~std::uint64_t(0);  // generation the placement was made with
  for (;;) {
    if (placed_at != generation(m, port)) {  // else no new claim: the same placement
      placed_at = generation(m, port);
      next = bank_next;
      p = prev, waited = 0, last = 0, first_earliest = 0;
      for (std::uint32_t j = 0; j < rows; ++j) {
        const std::uint64_t row = first_row + j;
        std::uint64_t& bank = next[row % next.size()];
        const std::uint64_t earliest = std::max({std::uint64_t(base(j)), p, bank});
        if (j == 0) first_earliest = earliest;
        std::uint64_t x = earliest;
        while (bank_busy(m, port, row, x)) ++x;
        waited += x - earliest;
        bank = x + 1;
        p = x;
        last = std::max(last, x);
      }
    }
    // Decided only once every command that could claim cycle `last` has issued.
    const sc_core::sc_time decided = m_ctx.origin + at_cycle(last) - half_cycle();
    if (last > 0 && decided > sc_core::sc_time_stamp()) {
      m_ctx.wait_until_mid(last - 1);
      continue;  // commands issued meanwhile may claim some of these cycles: place again
    }
    prune(m, port, first_earliest);
    prev = p;
    bank_next = std::move(next);
    conflicts += waited;
    return last + 1;
  }
}

// ---------------------------------------------------------------- DRAM

struct DramRequest : tlm::tlm_extension<DramRequest> {
  std::uint64_t cycle = 0;  // cycle of the run in which the request is made
  std::uint32_t rows = 0, row_bytes = 0;
  std::uint64_t stride = 0;
  dram::Transfer result;
  tlm_extension_base* clone() const override { return new DramRequest(*this); }
  void copy_from(const tlm_extension_base& o) override {
    *this = static_cast<const DramRequest&>(o);
  }
};

// The DRAM: the image and the timing model. One socket per DMA engine; requests made in the same
// cycle are arbitrated 1 ps later, load before store, whatever order the kernel ran the threads in.
class DramTarget : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DramTarget);
  tlm_utils::simple_target_socket<DramTarget> load_socket;
  tlm_utils::simple_target_socket<DramTarget> store_socket;
  std::vector<std::uint8_t> image;

  DramTarget(sc_core::sc_module_name name, const RunContext& ctx);
  void reset() { m_timing.reset(); }
  std::uint64_t latency_cycles() const { return m_timing.latency_cycles(); }

 private:
  struct Pending {
    int priority;  // 0: load, 1: store
    tlm::tlm_generic_payload* trans;
    DramRequest* req;
    sc_core::sc_event* resolved;
  };
  void load_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& d) { transport(0, t, d); }
  void store_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& d) { transport(1, t, d); }
  void transport(int priority, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void arbitrate();

  const RunContext& m_ctx;
  dram::DramTiming m_timing;
  std::vector<Pending> m_pending;
  sc_core::sc_event m_kick;
};

// ---------------------------------------------------------------- controller

// Token channels between neighbouring queues.
enum Channel { kLoadToCompute = 0, kComputeToLoad, kComputeToStore, kStoreToCompute, kChannels };

class Controller : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Controller);
  explicit Controller(sc_core::sc_module_name name, RunContext& ctx);
  void prepare();  // before a run

  // The next instruction of `queue` and the cycle it may start (after its pops), or nothing when
  // the queue is done. `ready`: the unit's own earliest cycle; DMA units pass their in-flight list.
  std::optional<std::pair<std::size_t, std::uint64_t>> next(isa::Queue queue, std::uint64_t ready,
                                                            std::deque<std::size_t>* in_flight);
  void started(std::size_t i, std::uint64_t start);
  // Completion: in order per queue, pushes the instruction's tokens, counts the statistics.
  void finish(std::size_t i, std::uint64_t start, std::uint64_t complete,
              std::uint64_t memory_stall);

  bool all_issued(isa::Queue q) const;
  bool dispatch_done() const { return m_dispatch_done; }
  sc_core::sc_event& dispatched_event(isa::Queue q) { return m_dispatched_ev[int(q)]; }
  std::size_t finished() const { return m_finished; }
  std::uint64_t end_of_dispatch() const { return m_end_of_dispatch; }
  // For a deadlock report: the queues that wait for a token, with the instruction and channel.
  std::optional<std::pair<std::size_t, int>> waiting(int q) const { return m_waiting[q]; }
  static const char* channel_name(int ch);

 private:
  void dispatcher();
  void dispatch_all();
  UnitStats& stats(isa::Queue q);

  RunContext& m_ctx;
  std::deque<std::size_t> m_pending[3];   // dispatched, not started
  std::vector<std::size_t> m_members[3];  // every instruction of each queue, in order
  std::vector<bool> m_started, m_completed;
  sc_core::sc_event m_dispatched_ev[3], m_started_ev[3], m_completed_ev[3];
  bool m_dispatch_done = false;
  std::uint64_t m_end_of_dispatch = 0;
  std::vector<std::uint64_t> m_push_times[kChannels];
  std::uint64_t m_pops[kChannels] = {0, 0, 0, 0};
  sc_core::sc_event m_token_ev[kChannels];
  std::optional<std::pair<std::size_t, int>> m_waiting[3];
  std::uint64_t m_last_complete[3] = {0, 0, 0}, m_busy_end[3] = {0, 0, 0};
  std::size_t m_finished = 0;
};

// ---------------------------------------------------------------- queue units

struct Executed {
  std::uint64_t start, complete, ready, memory_stall;
  bool completes_later = false;  // a load completes in the load writer
};

// A unit that runs one queue: takes the head when its tokens are there, executes it, completes.
class QueueUnit : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(QueueUnit);
  QueueUnit(sc_core::sc_module_name name, RunContext& ctx, Controller& ctl, isa::Queue queue);

 protected:
  virtual Executed execute(std::size_t i, const isa::Instruction& inst, std::uint64_t present) = 0;
  RunContext& m_ctx;
  Controller& m_ctl;

 private:
  void thread();
  void loop();
  isa::Queue m_queue;
};

class LoadDma : public QueueUnit {
 public:
  SC_HAS_PROCESS(LoadDma);
  tlm_utils::simple_initiator_socket<LoadDma> dram_socket;
  tlm_utils::simple_initiator_socket<LoadDma> sram_socket;
  LoadDma(sc_core::sc_module_name name, RunContext& ctx, Controller& ctl, OnChipMemory& mem,
          DramTarget& dram);
  void reset() { m_jobs.clear(); }

 private:
  struct PendingLoad {
    std::size_t index;
    std::uint64_t start, memory_stall;
    dram::Transfer transfer;
    std::vector<unsigned char> data;
  };
  Executed execute(std::size_t i, const isa::Instruction& inst, std::uint64_t present) override;
  void writer();
  void write_loads();

  OnChipMemory& m_mem;
  DramTarget& m_dram;
  std::deque<PendingLoad> m_jobs;
  sc_core::sc_event m_job_ev;
};

class StoreDma : public QueueUnit {
 public:
  tlm_utils::simple_initiator_socket<StoreDma> dram_socket;
  tlm_utils::simple_initiator_socket<StoreDma> sram_socket;
  StoreDma(sc_core::sc_module_name name, RunContext& ctx, Controller& ctl, OnChipMemory& mem);

 private:
  Executed execute(std::size_t i, const isa::Instruction& inst, std::uint64_t present) override;
  OnChipMemory& m_mem;
};

// A vector-unit command as it travels from the compute unit (generic payload data pointer).
struct VectorTransaction {
  std::size_t index = 0;  // in: the instruction's index in the program (for errors)
  const isa::Instruction* inst = nullptr;
  std::uint64_t present = 0;     // in: the cycle it is presented
  std::uint64_t array_idle = 0;  // in: the matrix unit's idle cycle (the vector unit waits for it)
  std::uint64_t start = 0, complete = 0;  // out
};

class VectorUnit : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<VectorUnit> socket;
  VectorUnit(sc_core::sc_module_name name, RunContext& ctx, OnChipMemory& mem);

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  RunContext& m_ctx;
  OnChipMemory& m_mem;
};

class ComputeUnit : public QueueUnit {
 public:
  tlm_utils::simple_initiator_socket<ComputeUnit> array_socket;
  tlm_utils::simple_initiator_socket<ComputeUnit> vector_socket;
  ComputeUnit(sc_core::sc_module_name name, RunContext& ctx, Controller& ctl, OnChipMemory& mem,
              IArrayUnit& array);

 private:
  Executed execute(std::size_t i, const isa::Instruction& inst, std::uint64_t present) override;
  Executed matrix(std::size_t i, const isa::Instruction& inst, std::uint64_t present);
  Executed vector(std::size_t i, const isa::Instruction& inst, std::uint64_t present);
  OnChipMemory& m_mem;
  // Scratchpad rows that requants not yet done are writing: [m_rq_lo, m_rq_hi), all written by
  // m_rq_done (docs/chip-timing.md, "Units"). Reset when a new run starts (a new origin).
  sc_core::sc_time m_rq_origin = sc_core::SC_ZERO_TIME;
  bool m_rq_started = false;
  std::uint64_t m_rq_lo = 0, m_rq_hi = 0, m_rq_done = 0;
  IArrayUnit& m_array;
};

}  // namespace serrano::model::chip
