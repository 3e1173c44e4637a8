// SPDX-License-Identifier: Apache-2.0
// Structure (docs/chip-timing.md):
//
//   Dispatcher --> load queue ----> DmaUnit (load)  --socket--> DramTarget (DramTiming)
//              --> compute queue -> ComputeUnit     --socket--> ArrayUnit (matrix unit)
//              --> store queue ---> DmaUnit (store) --socket--> DramTarget
//   units exchange dependency tokens through four counted channels.
//
// SystemC time inside the chip counts cycles: 1 ns of simulated time is one clock cycle (the whole
// chip is one clock domain, and integer cycles avoid rounding a 1.43 ns period). DRAM requests made
// in a cycle are arbitrated 1 ps later, load before store, so the outcome never depends on the
// order in which the kernel happens to run the two DMA threads.
#include "model/chip/chip_model.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <tuple>

#include <fmt/format.h>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "golden/golden.h"
#include "isa/array_cmd.h"
#include "model/array_unit.h"
#include "model/dram/dram_timing.h"

namespace serrano::model {

namespace {

constexpr std::size_t kQueueDepth = 16;  // docs/chip-timing.md, "Dispatch"
constexpr std::size_t kDmaInFlight = 8;  // docs/chip-timing.md, "Units"

sc_core::sc_time at_cycle(std::uint64_t c) { return sc_core::sc_time(double(c), sc_core::SC_NS); }

std::string describe(const std::vector<isa::Instruction>& prog, std::size_t i) {
  return fmt::format("instruction {} ({})", i, isa::to_text(prog[i]));
}

// Token channels: [from][to] for neighbouring queues.
enum Channel { kLoadToCompute = 0, kComputeToLoad, kComputeToStore, kStoreToCompute, kChannels };
const char* channel_name(int ch) {
  static const char* names[] = {"load->compute", "compute->load", "compute->store",
                                "store->compute"};
  return names[ch];
}
// Channel an instruction of queue q pops (prev / next) or pushes (prev / next); -1: none.
int pop_prev_channel(isa::Queue q) {
  return q == isa::Queue::Compute ? kLoadToCompute : q == isa::Queue::Store ? kComputeToStore : -1;
}
int pop_next_channel(isa::Queue q) {
  return q == isa::Queue::Load ? kComputeToLoad : q == isa::Queue::Compute ? kStoreToCompute : -1;
}
int push_prev_channel(isa::Queue q) {
  return q == isa::Queue::Compute ? kComputeToLoad : q == isa::Queue::Store ? kStoreToCompute : -1;
}
int push_next_channel(isa::Queue q) {
  return q == isa::Queue::Load ? kLoadToCompute : q == isa::Queue::Compute ? kComputeToStore : -1;
}

// A DMA request as it travels to the DRAM target (generic payload extension).
struct DramRequest : tlm::tlm_extension<DramRequest> {
  std::uint64_t cycle = 0;  // cycle of the run in which the request is made
  std::uint32_t rows = 0, row_bytes = 0;
  std::uint64_t stride = 0;
  dram::Transfer result;
  tlm_extension_base* clone() const override { return new DramRequest(*this); }
  void copy_from(const tlm_extension_base& other) override {
    *this = static_cast<const DramRequest&>(other);
  }
};

// The DRAM: a TLM target holding the image and the shared timing model. One socket per DMA
// engine; requests of the same cycle are served in socket order (load, then store).
class DramTarget : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DramTarget);
  tlm_utils::simple_target_socket<DramTarget> load_socket;
  tlm_utils::simple_target_socket<DramTarget> store_socket;

  // The timing model works in chip cycles, so it needs the chip clock (not the SystemC time base).
  DramTarget(sc_core::sc_module_name name, const arch::DramParams& p, double clock_ghz)
      : sc_core::sc_module(name),
        load_socket("load_socket"),
        store_socket("store_socket"),
        m_timing(p, clock_ghz) {
    load_socket.register_b_transport(this, &DramTarget::load_transport);
    store_socket.register_b_transport(this, &DramTarget::store_transport);
    SC_METHOD(arbitrate);
    sensitive << m_kick;
    dont_initialize();
  }

  std::vector<std::uint8_t> image;
  bool functional = true;
  void reset() { m_timing.reset(); }
  std::uint64_t latency_cycles() const { return m_timing.latency_cycles(); }

 private:
  struct Pending {
    int priority;  // 0: load, 1: store
    tlm::tlm_generic_payload* trans;
    DramRequest* req;
    sc_core::sc_event* resolved;
  };

  void load_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    transport(0, trans, delay);
  }
  void store_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    transport(1, trans, delay);
  }

  void transport(int priority, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
    DramRequest* req = nullptr;
    trans.get_extension(req);
    sc_core::sc_event resolved;
    m_pending.push_back({priority, &trans, req, &resolved});
    m_kick.notify(sc_core::sc_time(1, sc_core::SC_PS));
    sc_core::wait(resolved);
  }

  void arbitrate() {
    std::stable_sort(m_pending.begin(), m_pending.end(),
                     [](const Pending& a, const Pending& b) {
                       return a.priority < b.priority;
                     });
    for (Pending& p : m_pending) {
      const std::uint64_t now = p.req->cycle;
      const bool write = p.trans->is_write();
      const std::uint64_t addr = p.trans->get_address();
      p.req->result = m_timing.access(now, addr, p.req->rows, p.req->row_bytes, p.req->stride, write);
      if (functional) {
        unsigned char* buf = p.trans->get_data_ptr();
        for (std::uint32_t r = 0; r < p.req->rows; ++r) {
          std::uint8_t* d = &image[addr + r * p.req->stride];
          unsigned char* b = buf + std::size_t(r) * p.req->row_bytes;
          if (write) {
            std::memcpy(d, b, p.req->row_bytes);
          } else {
            std::memcpy(b, d, p.req->row_bytes);
          }
        }
      }
      p.trans->set_response_status(tlm::TLM_OK_RESPONSE);
      p.resolved->notify(sc_core::SC_ZERO_TIME);
    }
    m_pending.clear();
  }

  dram::DramTiming m_timing;
  std::vector<Pending> m_pending;
  sc_core::sc_event m_kick;
};

}  // namespace

struct ChipModel::Top : sc_core::sc_module {
  SC_HAS_PROCESS(Top);

  // ---- structure ----
  const arch::ArchConfig cfg;
  const bool functional;
  const std::uint32_t R, C, W;  // array rows, cols, scratchpad row width
  ArrayMemories mem;            // sp, wb, acc, qp (output unused: requant writes the scratchpad)
  ArrayUnit array;
  DramTarget dram;
  tlm_utils::simple_initiator_socket<Top> array_socket;
  tlm_utils::simple_initiator_socket<Top> load_socket;
  tlm_utils::simple_initiator_socket<Top> store_socket;

  // ---- one run ----
  const std::vector<isa::Instruction>* prog = nullptr;
  ChipRunResult* result = nullptr;
  std::exception_ptr error;
  sc_core::sc_event start_run;
  std::deque<std::size_t> pending[3];         // dispatched, not started, per queue
  std::vector<std::size_t> members[3];        // every instruction of each queue, in order
  std::vector<bool> started;
  sc_core::sc_event dispatched_ev[3], started_ev[3];
  bool dispatch_done = false;
  std::uint64_t end_of_dispatch = 0;
  std::vector<std::uint64_t> push_times[kChannels];
  std::uint64_t pops[kChannels] = {0, 0, 0, 0};
  sc_core::sc_event token_ev[kChannels];
  std::optional<std::pair<std::size_t, int>> waiting[3];  // (instruction, channel) per queue
  std::size_t finished = 0;
  sc_core::sc_time origin;  // cycle 0 of the current run (SystemC time goes on across runs)

  // Completion bookkeeping per queue (finish()).
  std::uint64_t last_complete[3] = {0, 0, 0}, busy_end[3] = {0, 0, 0};
  std::vector<bool> completed;
  sc_core::sc_event completed_ev[3];

  // Bank reservations of the matrix and vector units: [memory sp/wb/acc][port read/write].
  // Row first_row + step * (x - first_cycle) is accessed in cycle x of [first_cycle, end).
  struct Reservation {
    std::uint64_t first_cycle, end;
    std::int64_t first_row, step;
    bool all_banks;  // the vector unit holds every bank of the memory
  };
  std::vector<Reservation> reserved[3][2];

  // Loads whose DRAM data is on its way: the load writer puts their rows into the SRAM banks.
  struct PendingLoad {
    std::size_t index;
    std::uint64_t start, memory_stall;
    dram::Transfer transfer;
    std::vector<unsigned char> data;
  };
  std::deque<PendingLoad> load_jobs;
  sc_core::sc_event load_job_ev;

  void wait_until_mid(std::uint64_t c) {  // half a cycle into cycle c
    const sc_core::sc_time t = origin + at_cycle(c) + sc_core::sc_time(0.5, sc_core::SC_NS);
    if (t > sc_core::sc_time_stamp()) sc_core::wait(t - sc_core::sc_time_stamp());
  }

  void wait_until(std::uint64_t c) {
    const sc_core::sc_time t = origin + at_cycle(c);
    if (t > sc_core::sc_time_stamp()) sc_core::wait(t - sc_core::sc_time_stamp());
  }

  Top(sc_core::sc_module_name name, const arch::ArchConfig& c, bool func)
      : sc_core::sc_module(name),
        cfg(c),
        functional(func),
        R(std::uint32_t(c.array.rows)),
        C(std::uint32_t(c.array.cols)),
        W(std::max(R, C)),
        array("array_unit", c.array.rows, c.array.cols, sc_core::sc_time(1, sc_core::SC_NS), &mem,
              func),
        dram("dram", c.dram, c.clock_ghz),
        array_socket("array_socket"),
        load_socket("load_socket"),
        store_socket("store_socket") {
    array_socket.bind(array.socket);
    load_socket.bind(dram.load_socket);
    store_socket.bind(dram.store_socket);
    dram.functional = func;
    mem.sp_row_bytes = W;
    mem.requant_into_scratchpad = true;
    SC_THREAD(dispatcher);
    SC_THREAD(load_unit);
    SC_THREAD(compute_unit);
    SC_THREAD(store_unit);
    SC_THREAD(load_writer);
  }

  std::uint64_t capacity(isa::Mem m) const {
    switch (m) {
      case isa::Mem::Sp: return cfg.scratchpad.size_bytes / W;
      case isa::Mem::Wb: return cfg.weight_buffer.size_bytes / C;
      case isa::Mem::Acc: return cfg.accumulator.size_bytes / (4ull * C);
      case isa::Mem::Qp: return isa::kQParamDepth;
    }
    return 0;
  }
  std::uint32_t width(isa::Mem m) const {
    switch (m) {
      case isa::Mem::Sp: return W;
      case isa::Mem::Wb: return C;
      case isa::Mem::Acc: return 4 * C;
      case isa::Mem::Qp: return 12 * C;
    }
    return 0;
  }

  void prepare(const std::vector<isa::Instruction>& program, ChipRunResult& res) {
    prog = &program;
    result = &res;
    error = nullptr;
    for (int q = 0; q < 3; ++q) {
      pending[q].clear();
      members[q].clear();
      waiting[q].reset();
    }
    started.assign(program.size(), false);
    dispatch_done = false;
    end_of_dispatch = 0;
    for (int ch = 0; ch < kChannels; ++ch) {
      push_times[ch].clear();
      pops[ch] = 0;
    }
    finished = 0;
    res.timing.assign(program.size(), InstructionTiming{});
    completed.assign(program.size(), false);
    for (int q = 0; q < 3; ++q) last_complete[q] = busy_end[q] = 0;
    for (auto& m : reserved) {
      for (auto& port : m) port.clear();
    }
    load_jobs.clear();
    array.reset();
    dram.reset();
    if (functional) {
      mem.scratchpad.assign(capacity(isa::Mem::Sp) * W, 0);
      mem.weights.assign(capacity(isa::Mem::Wb) * C, 0);
      mem.accumulator.assign(capacity(isa::Mem::Acc) * C, 0);
      mem.qparams.assign(capacity(isa::Mem::Qp) * C, isa::QParam{});
    }
  }

  // ---- dispatch ----
  void dispatcher() {
    for (;;) {
      sc_core::wait(start_run);
      run_guarded([this] { dispatch_all(); });
    }
  }

  void dispatch_all() {
    const auto& p = *prog;
    std::uint64_t next = 0;  // earliest cycle of the next dispatch
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (p[i].opcode == isa::Opcode::Halt) {
        result->timing[i].dispatch = next;
        end_of_dispatch = next + 1;
        started[i] = true;
        ++finished;
        break;
      }
      const auto q = std::size_t(isa::queue_of(p[i]));
      const std::size_t j = members[q].size();
      std::uint64_t d = next;
      if (j >= kQueueDepth) {
        const std::size_t k = members[q][j - kQueueDepth];
        while (!started[k]) sc_core::wait(started_ev[q]);
        d = std::max(d, result->timing[k].start + 1);
      }
      wait_until(d);
      members[q].push_back(i);
      result->timing[i].queue = isa::Queue(q);
      result->timing[i].dispatch = d;
      pending[q].push_back(i);
      dispatched_ev[q].notify(sc_core::SC_ZERO_TIME);
      next = d + 1;
      end_of_dispatch = next;
    }
    dispatch_done = true;
    for (auto& ev : dispatched_ev) ev.notify(sc_core::SC_ZERO_TIME);
  }

  template <class F>
  void run_guarded(F&& f) {
    try {
      f();
    } catch (...) {
      if (!error) error = std::current_exception();
      sc_core::sc_stop();
    }
  }

  // ---- the three units share this loop ----
  void load_unit() { unit_thread(isa::Queue::Load); }
  void compute_unit() { unit_thread(isa::Queue::Compute); }
  void store_unit() { unit_thread(isa::Queue::Store); }

  void unit_thread(isa::Queue queue) {
    for (;;) {
      sc_core::wait(start_run);
      run_guarded([&] { unit_loop(queue); });
    }
  }

  struct Executed {
    std::uint64_t start, complete, ready, memory_stall;
  };

  void unit_loop(isa::Queue queue) {
    const auto q = std::size_t(queue);
    UnitStats& stats = queue == isa::Queue::Load      ? result->load
                       : queue == isa::Queue::Compute ? result->compute
                                                      : result->store;
    std::uint64_t ready = 0;
    std::deque<std::size_t> in_flight;  // DMA: the latest requests (instruction indices)
    for (;;) {
      while (pending[q].empty()) {
        if (dispatch_done) return;
        sc_core::wait(dispatched_ev[q]);
      }
      const std::size_t i = pending[q].front();
      const isa::Instruction& inst = (*prog)[i];
      std::uint64_t present = std::max(result->timing[i].dispatch + 1, ready);
      if (queue != isa::Queue::Compute && in_flight.size() >= kDmaInFlight) {
        const std::size_t k = in_flight.front();
        while (!completed[k]) sc_core::wait(completed_ev[q]);
        present = std::max(present, result->timing[k].complete);
      }
      const std::uint64_t before_tokens = present;
      const int pops_of[2] = {inst.deps.pop_prev ? pop_prev_channel(queue) : -1,
                              inst.deps.pop_next ? pop_next_channel(queue) : -1};
      for (int ch : pops_of) {
        if (ch < 0) continue;
        const std::uint64_t n = pops[ch] + 1;
        while (push_times[ch].size() < n) {
          waiting[q] = std::make_pair(i, ch);
          sc_core::wait(token_ev[ch]);
        }
        waiting[q].reset();
        pops[ch] = n;
        present = std::max(present, push_times[ch][n - 1]);
      }
      stats.token_stall += present - before_tokens;
      wait_until(present);
      pending[q].pop_front();

      Executed e = execute(i, inst, present);
      result->timing[i].start = e.start;
      started[i] = true;
      started_ev[q].notify(sc_core::SC_ZERO_TIME);
      ready = e.ready;
      if (queue != isa::Queue::Compute) {
        in_flight.push_back(i);
        if (in_flight.size() > kDmaInFlight) in_flight.pop_front();
      }
      // A load completes later, in the load writer, once its rows are in the SRAM banks.
      if (inst.opcode != isa::Opcode::Load) finish(i, e.start, e.complete, e.memory_stall);
    }
  }

  // Completion of instruction i: in-order per queue, pushes its tokens, counts the statistics.
  void finish(std::size_t i, std::uint64_t start, std::uint64_t complete,
              std::uint64_t memory_stall) {
    const isa::Instruction& inst = (*prog)[i];
    const isa::Queue queue = result->timing[i].queue;
    const auto q = std::size_t(queue);
    UnitStats& stats = queue == isa::Queue::Load      ? result->load
                       : queue == isa::Queue::Compute ? result->compute
                                                      : result->store;
    complete = std::max(complete, last_complete[q]);  // in-order completion per queue
    last_complete[q] = complete;
    result->timing[i].complete = complete;
    completed[i] = true;
    completed_ev[q].notify(sc_core::SC_ZERO_TIME);
    const int pushes_of[2] = {inst.deps.push_prev ? push_prev_channel(queue) : -1,
                              inst.deps.push_next ? push_next_channel(queue) : -1};
    for (int ch : pushes_of) {
      if (ch < 0) continue;
      push_times[ch].push_back(complete);
      token_ev[ch].notify(sc_core::SC_ZERO_TIME);
    }
    ++stats.instructions;
    stats.memory_stall += memory_stall;
    const std::uint64_t from = std::max(start, busy_end[q]);
    if (complete > from) stats.busy += complete - from;
    busy_end[q] = std::max(busy_end[q], complete);
    ++finished;
  }

  Executed execute(std::size_t i, const isa::Instruction& inst, std::uint64_t present) {
    switch (inst.opcode) {
      case isa::Opcode::Sync: return {present, present, present + 1, 0};
      case isa::Opcode::Load:
      case isa::Opcode::Store: return dma(i, inst, present);
      case isa::Opcode::Preload:
      case isa::Opcode::Matmul:
      case isa::Opcode::Requant: return matrix(inst, present);
      case isa::Opcode::Vec: return vector(inst, present);
      case isa::Opcode::Halt: break;
    }
    throw ChipError(describe(*prog, i) + ": cannot execute");
  }

  // ---- DMA ----
  // ---- SRAM banks ----
  std::uint64_t banks(isa::Mem m) const {
    switch (m) {
      case isa::Mem::Sp: return std::uint64_t(cfg.scratchpad.banks);
      case isa::Mem::Wb: return std::uint64_t(cfg.weight_buffer.banks);
      case isa::Mem::Acc: return std::uint64_t(cfg.accumulator.banks);
      case isa::Mem::Qp: return 1;
    }
    return 1;
  }

  void reserve(isa::Mem m, int port, std::uint64_t first_cycle, std::uint64_t count,
               std::int64_t first_row, std::int64_t step, bool all_banks = false) {
    if (m == isa::Mem::Qp || count == 0) return;
    reserved[std::size_t(m)][port].push_back(
        {first_cycle, first_cycle + count, first_row, step, all_banks});
  }

  // Whether the matrix or vector unit uses `port` (0 read, 1 write) of the bank holding `row`
  // in `cycle`. Reservations that ended before `cycle` are dropped on the way.
  bool bank_busy(isa::Mem m, int port, std::uint64_t row, std::uint64_t cycle) {
    if (m == isa::Mem::Qp) return false;
    auto& list = reserved[std::size_t(m)][port];
    const std::uint64_t nb = banks(m);
    bool busy = false;
    std::size_t keep = 0;
    for (std::size_t k = 0; k < list.size(); ++k) {
      const Reservation& r = list[k];
      if (r.end <= cycle) continue;  // over for good: DMA rows are placed in increasing cycles
      list[keep++] = r;
      if (busy || cycle < r.first_cycle) continue;
      if (r.all_banks) {
        busy = true;
        continue;
      }
      const std::int64_t used = r.first_row + r.step * std::int64_t(cycle - r.first_cycle);
      busy = std::uint64_t(used) % nb == row % nb;
    }
    list.resize(keep);
    return busy;
  }

  // The first cycle >= `earliest` in which the DMA may use the port of the bank holding `row`.
  // A cycle is decided half a cycle into the cycle before it, when every matrix- or vector-unit
  // command that could use it has issued (a command issued in cycle y uses banks from y + 1).
  std::uint64_t bank_slot(isa::Mem m, int port, std::uint64_t row, std::uint64_t earliest) {
    std::uint64_t x = earliest;
    for (;;) {
      if (x > 0) wait_until_mid(x - 1);
      if (!bank_busy(m, port, row, x)) return x;
      ++x;
    }
  }

  // ---- DMA ----
  // A load requests the DRAM in its start cycle; the load writer then puts each row into its bank
  // as its data arrives. A store first reads its rows from their banks, then writes the DRAM.
  Executed dma(std::size_t i, const isa::Instruction& inst, std::uint64_t present) {
    const bool load = inst.opcode == isa::Opcode::Load;
    const std::size_t bytes = std::size_t(inst.rows) * inst.bytes;
    std::vector<unsigned char> buffer(functional ? bytes : 0);
    std::uint64_t request_cycle = present, conflicts = 0;
    if (!load) {
      // Rows are read in order, at most one per bank per cycle (several banks in one cycle).
      std::vector<std::uint64_t> bank_next(banks(inst.mem), present + 1);
      std::uint64_t x = present + 1, end = present + 1;
      for (std::uint32_t j = 0; j < inst.rows; ++j) {
        const std::uint64_t b = (inst.row + j) % bank_next.size();
        const std::uint64_t earliest = std::max(x, bank_next[b]);
        const std::uint64_t slot = bank_slot(inst.mem, 0, inst.row + j, earliest);
        conflicts += slot - earliest;
        bank_next[b] = slot + 1;
        x = slot;
        end = std::max(end, slot + 1);
      }
      request_cycle = end;
      wait_until(request_cycle);
      if (functional) read_rows(i, inst, buffer);
    }

    DramRequest req;
    req.cycle = request_cycle;
    req.rows = inst.rows;
    req.row_bytes = inst.bytes;
    req.stride = inst.dram_stride;
    tlm::tlm_generic_payload trans;
    trans.set_command(load ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
    trans.set_address(inst.dram_addr);
    trans.set_data_ptr(functional ? buffer.data() : nullptr);
    trans.set_data_length(unsigned(bytes));
    trans.set_streaming_width(unsigned(bytes));
    trans.set_extension(&req);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    (load ? load_socket : store_socket)->b_transport(trans, delay);
    trans.clear_extension(&req);

    (load ? result->dram_read_bytes : result->dram_write_bytes) += bytes;
    (load ? result->sram_write_bytes : result->sram_read_bytes)[std::size_t(inst.mem)] += bytes;
    const std::uint64_t dram_wait =
        req.result.start > request_cycle ? req.result.start - request_cycle : 0;
    if (load) {
      load_jobs.push_back({i, present, dram_wait, req.result, std::move(buffer)});
      load_job_ev.notify(sc_core::SC_ZERO_TIME);
      return {present, 0, present + 1, 0};  // completes in the load writer
    }
    result->store.bank_conflict += conflicts;
    // The store engine reads its next rows once these are read.
    return {present, req.result.done, request_cycle, dram_wait};
  }

  void load_writer() {
    for (;;) {
      sc_core::wait(start_run);
      run_guarded([this] { write_loads(); });
    }
  }

  // Row j of a load arrives start + L + ceil((j + 1) * D / rows) (D: the transfer's data time,
  // spread evenly over its rows). Rows are written in order, at most one per bank per cycle
  // (several banks in one cycle), each in the first cycle in which its bank's write port is free.
  void write_loads() {
    std::uint64_t next_free = 0;   // rows go in order: none before the previous row's cycle
    std::vector<std::uint64_t> bank_next[3];  // per memory and bank: next cycle its port is free
    for (int m = 0; m < 3; ++m) bank_next[m].assign(banks(isa::Mem(m)), 0);
    for (;;) {
      while (load_jobs.empty()) {
        if (dispatch_done && pending[0].empty() && loads_all_issued()) return;
        sc_core::wait(load_job_ev | dispatched_ev[0]);
      }
      PendingLoad job = std::move(load_jobs.front());
      load_jobs.pop_front();
      const isa::Instruction& inst = (*prog)[job.index];
      const dram::Transfer& t = job.transfer;
      const std::uint64_t latency = dram.latency_cycles();
      const std::uint64_t first = t.start + latency;
      const std::uint64_t data_time = t.done > first ? t.done - first : 0;
      std::uint64_t conflicts = 0, end = 0;
      for (std::uint32_t j = 0; j < inst.rows; ++j) {
        const std::uint64_t arrival =
            first + (std::uint64_t(j + 1) * data_time + inst.rows - 1) / inst.rows;
        std::uint64_t earliest = std::max(arrival, next_free);
        std::uint64_t* bank = nullptr;
        if (inst.mem != isa::Mem::Qp) {
          auto& nb = bank_next[std::size_t(inst.mem)];
          bank = &nb[(inst.row + j) % nb.size()];
          earliest = std::max(earliest, *bank);
        }
        const std::uint64_t slot = bank_slot(inst.mem, 1, inst.row + j, earliest);
        conflicts += slot - earliest;
        if (bank != nullptr) *bank = slot + 1;
        next_free = slot;
        end = std::max(end, slot + 1);
      }
      if (functional) write_rows(job.index, inst, job.data);
      result->load.bank_conflict += conflicts;
      finish(job.index, job.start, end, job.memory_stall);
    }
  }

  bool loads_all_issued() const {
    for (std::size_t k : members[0]) {
      if (!started[k]) return false;
    }
    return true;
  }

  void read_rows(std::size_t, const isa::Instruction& inst, std::vector<unsigned char>& buf) {
    const std::uint32_t w = width(inst.mem);
    for (std::uint32_t r = 0; r < inst.rows; ++r) {
      const std::size_t row = inst.row + r;
      unsigned char* dst = &buf[std::size_t(r) * inst.bytes];
      if (inst.mem == isa::Mem::Sp) {
        std::memcpy(dst, &mem.scratchpad[row * W], inst.bytes);
      } else {  // acc: little-endian int32 lanes
        const auto* src = reinterpret_cast<const unsigned char*>(&mem.accumulator[row * C]);
        (void)w;
        std::memcpy(dst, src, inst.bytes);
      }
    }
  }

  void write_rows(std::size_t i, const isa::Instruction& inst,
                  const std::vector<unsigned char>& buf) {
    for (std::uint32_t r = 0; r < inst.rows; ++r) {
      const std::size_t row = inst.row + r;
      const unsigned char* src = &buf[std::size_t(r) * inst.bytes];
      switch (inst.mem) {
        case isa::Mem::Sp: std::memcpy(&mem.scratchpad[row * W], src, inst.bytes); break;
        case isa::Mem::Wb: std::memcpy(&mem.weights[row * C], src, inst.bytes); break;
        case isa::Mem::Acc:
          std::memcpy(reinterpret_cast<unsigned char*>(&mem.accumulator[row * C]), src,
                      inst.bytes);
          break;
        case isa::Mem::Qp:
          for (std::uint32_t ch = 0; ch < inst.bytes / 12; ++ch) {
            std::int32_t v[3];
            std::memcpy(v, src + 12 * ch, 12);
            if (v[2] < -31 || v[2] > 31) {
              throw ChipError(fmt::format("{}: channel {} of parameter row {} has shift {}, "
                                          "outside [-31, 31]",
                                          describe(*prog, i), ch, row, v[2]));
            }
            mem.qparams[row * C + ch] = isa::QParam{v[0], v[1], std::int8_t(v[2])};
          }
          break;
      }
    }
  }

  // ---- matrix unit ----
  Executed matrix(const isa::Instruction& inst, std::uint64_t present) {
    isa::ArrayCmd cmd;
    const std::uint64_t rows = inst.rows;
    auto* rd = result->sram_read_bytes;
    auto* wr = result->sram_write_bytes;
    constexpr auto sp = std::size_t(isa::Mem::Sp), wb = std::size_t(isa::Mem::Wb),
                   acc = std::size_t(isa::Mem::Acc), qp = std::size_t(isa::Mem::Qp);
    switch (inst.opcode) {
      case isa::Opcode::Preload:
        cmd = isa::ArrayCmd::preload(inst.wb_row, inst.rows);
        rd[wb] += rows * C;
        break;
      case isa::Opcode::Matmul:
        cmd = isa::ArrayCmd::stream(inst.sp_row, inst.rows, inst.acc_row, inst.accumulate);
        result->array_stream_rows += inst.rows;
        rd[sp] += rows * R;
        wr[acc] += rows * 4 * C;
        if (inst.accumulate) rd[acc] += rows * 4 * C;
        break;
      default:
        cmd = isa::ArrayCmd::requant(inst.acc_row, inst.rows, inst.sp_row, inst.qp_row,
                                     inst.zero_point, inst.act_min, inst.act_max);
        rd[acc] += rows * 4 * C;
        rd[qp] += 12 * C;
        wr[sp] += rows * C;
        break;
    }
    ArrayTransaction txn;
    txn.cmd = cmd;
    txn.present_cycle = present;
    tlm::tlm_generic_payload trans;
    trans.set_command(tlm::TLM_WRITE_COMMAND);
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(&txn));
    trans.set_data_length(sizeof(txn));
    trans.set_streaming_width(sizeof(txn));
    sc_core::sc_time ignored = sc_core::SC_ZERO_TIME;  // the chip keeps cycles itself
    array_socket->b_transport(trans, ignored);
    // Bank ports the matrix unit uses (docs/array-timing.md gives the cycles).
    const std::uint64_t t = txn.issued.cycle;
    switch (inst.opcode) {
      case isa::Opcode::Preload:  // weight rows read last first, t+1 .. t+K
        reserve(isa::Mem::Wb, 0, t + 1, rows, std::int64_t(inst.wb_row + inst.rows) - 1, -1);
        break;
      case isa::Opcode::Matmul:  // activation row m read at t+1+m, written to acc at t+m+R+C+1
        result->array_macs += rows * txn.issued.k * C;
        reserve(isa::Mem::Sp, 0, t + 1, rows, inst.sp_row, 1);
        reserve(isa::Mem::Acc, 1, t + R + C + 1, rows, inst.acc_row, 1);
        break;
      default:  // accumulator row m read at t+1+m, int8 row written to the scratchpad at t+m+5
        reserve(isa::Mem::Acc, 0, t + 1, rows, inst.acc_row, 1);
        reserve(isa::Mem::Sp, 1, t + 5, rows, inst.sp_row, 1);
        break;
    }
    return {txn.issued.cycle, txn.issued.done, txn.issued.cycle + 1,
            txn.issued.cycle - present};
  }

  // ---- vector unit ----
  Executed vector(const isa::Instruction& inst, std::uint64_t present) {
    const bool on_acc = inst.vec_op == isa::VecOp::AddAcc || inst.vec_op == isa::VecOp::MaxAcc ||
                        inst.vec_op == isa::VecOp::ReluAcc;
    const std::uint64_t elems = on_acc ? C : W;
    const std::uint64_t lanes = std::uint64_t(cfg.vector.lanes);
    const std::uint64_t t = std::max(present, array.idle_cycle());
    const std::uint64_t complete = t + 2 + std::uint64_t(inst.rows) * ((elems + lanes - 1) / lanes);
    const bool two_operands = inst.vec_op != isa::VecOp::ReluAcc && inst.vec_op != isa::VecOp::ReluSp;
    const std::uint64_t row_bytes = on_acc ? 4 * elems : elems;
    const std::size_t m = std::size_t(on_acc ? isa::Mem::Acc : isa::Mem::Sp);
    result->sram_read_bytes[m] += inst.rows * row_bytes * (two_operands ? 2 : 1);
    result->sram_write_bytes[m] += inst.rows * row_bytes;
    if (functional) vector_data(inst, on_acc);
    // The vector unit holds every bank of its memory, both ports, while it runs.
    const isa::Mem vm = on_acc ? isa::Mem::Acc : isa::Mem::Sp;
    reserve(vm, 0, t, complete - t, 0, 0, true);
    reserve(vm, 1, t, complete - t, 0, 0, true);
    return {t, complete, complete, t - present};
  }

  void vector_data(const isa::Instruction& inst, bool on_acc) {
    for (std::uint32_t r = 0; r < inst.rows; ++r) {
      if (on_acc) {
        std::int32_t* d = &mem.accumulator[(inst.dst + r) * C];
        const std::int32_t* a = &mem.accumulator[(inst.src_a + r) * C];
        const std::int32_t* b = &mem.accumulator[(inst.src_b + r) * C];
        for (std::uint32_t e = 0; e < C; ++e) {
          switch (inst.vec_op) {
            case isa::VecOp::AddAcc:
              d[e] = std::int32_t(std::uint32_t(a[e]) + std::uint32_t(b[e]));
              break;
            case isa::VecOp::MaxAcc: d[e] = std::max(a[e], b[e]); break;
            default: d[e] = std::max(a[e], 0); break;
          }
        }
      } else {
        std::int8_t* d = &mem.scratchpad[(inst.dst + r) * W];
        const std::int8_t* a = &mem.scratchpad[(inst.src_a + r) * W];
        const std::int8_t* b = &mem.scratchpad[(inst.src_b + r) * W];
        for (std::uint32_t e = 0; e < W; ++e) {
          switch (inst.vec_op) {
            case isa::VecOp::AddSp:
              d[e] = std::int8_t(std::clamp(int(a[e]) + int(b[e]), -128, 127));
              break;
            case isa::VecOp::MaxSp: d[e] = std::max(a[e], b[e]); break;
            default: d[e] = std::max(a[e], inst.imm); break;
          }
        }
      }
    }
  }
};

ChipModel::ChipModel(const arch::ArchConfig& cfg, Mode mode) : m_cfg(cfg), m_mode(mode) {
  arch::validate(cfg, cfg.name);
  if (cfg.array.dataflow != arch::Dataflow::WeightStationary) {
    throw std::invalid_argument(
        "array.dataflow: only ws (weight-stationary) is implemented by the model so far");
  }
  // The matrix unit moves one whole row per cycle through a bank port (docs/chip-timing.md).
  const int R = cfg.array.rows, C = cfg.array.cols, W = std::max(R, C);
  const std::tuple<const char*, int, int, const char*> ports[] = {
      {"scratchpad", cfg.scratchpad.port_bytes, W, "max(rows, cols) int8"},
      {"weight_buffer", cfg.weight_buffer.port_bytes, C, "cols int8"},
      {"accumulator", cfg.accumulator.port_bytes, 4 * C, "cols int32"}};
  for (const auto& [mem, port, row, what] : ports) {
    if (port < row) {
      throw std::invalid_argument(fmt::format(
          "{}: {}.port_bytes: {} is narrower than one {}-byte row ({}); the matrix unit moves a "
          "row per cycle", cfg.name, mem, port, row, what));
    }
  }
  const auto status = sc_core::sc_get_status();
  if (status != sc_core::SC_UNITIALIZED && status != sc_core::SC_ELABORATION) {
    throw std::logic_error("ChipModel must be constructed before the simulation starts");
  }
  static int instance = 0;
  const std::string name = "chip_" + std::to_string(instance++);
  m_top = std::make_unique<Top>(name.c_str(), cfg, mode == Mode::Functional);
}

ChipModel::~ChipModel() = default;

std::uint32_t ChipModel::row_bytes(isa::Mem mem) const { return m_top->width(mem); }
std::uint64_t ChipModel::rows(isa::Mem mem) const { return m_top->capacity(mem); }

namespace {

void check_rows(const std::vector<isa::Instruction>& p, std::size_t i, const char* what,
                std::uint64_t first, std::uint64_t count, std::uint64_t capacity) {
  if (first + count > capacity) {
    throw ChipError(fmt::format("{}: {} rows [{}, {}) exceed its {} rows", describe(p, i), what,
                                first, first + count, capacity));
  }
}

}  // namespace

ChipRunResult ChipModel::run(const std::vector<isa::Instruction>& program,
                             std::vector<std::uint8_t> dram, std::uint64_t dram_bytes) {
  const Top& top = *m_top;
  const std::uint64_t dram_size = std::max<std::uint64_t>(dram.size(), dram_bytes);
  if (m_mode == Mode::Functional) dram.resize(dram_size, 0);
  // Every check that does not need the simulation happens here, before any cycle runs.
  for (std::size_t i = 0; i < program.size(); ++i) {
    const isa::Instruction& in = program[i];
    isa::validate(in);
    switch (in.opcode) {
      case isa::Opcode::Load:
      case isa::Opcode::Store: {
        const char* mem_name = isa::to_string(in.mem);
        check_rows(program, i, mem_name, in.row, in.rows, top.capacity(in.mem));
        if (in.bytes > top.width(in.mem)) {
          throw ChipError(fmt::format("{}: bytes={} exceed the {} row of {} bytes",
                                      describe(program, i), in.bytes, mem_name,
                                      top.width(in.mem)));
        }
        const std::uint32_t unit = in.mem == isa::Mem::Acc ? 4 : in.mem == isa::Mem::Qp ? 12 : 1;
        if (in.bytes % unit != 0) {
          throw ChipError(fmt::format("{}: bytes={} is not a whole number of {}-byte {} entries",
                                      describe(program, i), in.bytes, unit, mem_name));
        }
        const std::uint64_t end =
            in.dram_addr + std::uint64_t(in.rows - 1) * in.dram_stride + in.bytes;
        if (end > dram_size) {
          throw ChipError(fmt::format("{}: DRAM bytes [{:#x}, {:#x}) outside the {} bytes of DRAM",
                                      describe(program, i), in.dram_addr, end, dram_size));
        }
        break;
      }
      case isa::Opcode::Preload:
        if (in.rows > top.R) {
          throw ChipError(fmt::format("{}: a weight tile has at most {} rows (the array's rows)",
                                      describe(program, i), top.R));
        }
        check_rows(program, i, "weight buffer", in.wb_row, in.rows, top.capacity(isa::Mem::Wb));
        break;
      case isa::Opcode::Matmul:
        check_rows(program, i, "scratchpad", in.sp_row, in.rows, top.capacity(isa::Mem::Sp));
        check_rows(program, i, "accumulator", in.acc_row, in.rows, top.capacity(isa::Mem::Acc));
        break;
      case isa::Opcode::Requant:
        check_rows(program, i, "accumulator", in.acc_row, in.rows, top.capacity(isa::Mem::Acc));
        check_rows(program, i, "scratchpad", in.sp_row, in.rows, top.capacity(isa::Mem::Sp));
        if (in.act_min > in.act_max) {
          throw ChipError(describe(program, i) + ": min must not exceed max");
        }
        break;
      case isa::Opcode::Vec: {
        const bool acc = in.vec_op == isa::VecOp::AddAcc || in.vec_op == isa::VecOp::MaxAcc ||
                         in.vec_op == isa::VecOp::ReluAcc;
        const char* name = acc ? "accumulator" : "scratchpad";
        const std::uint64_t cap = top.capacity(acc ? isa::Mem::Acc : isa::Mem::Sp);
        check_rows(program, i, name, in.dst, in.rows, cap);
        check_rows(program, i, name, in.src_a, in.rows, cap);
        check_rows(program, i, name, in.src_b, in.rows, cap);
        break;
      }
      case isa::Opcode::Sync:
      case isa::Opcode::Halt: break;
    }
  }

  ChipRunResult result;
  m_top->prepare(program, result);
  m_top->dram.image = std::move(dram);
  if (sc_core::sc_get_status() == sc_core::SC_ELABORATION) sc_core::sc_start(sc_core::SC_ZERO_TIME);
  // Each run starts on a fresh whole nanosecond (= cycle) after everything before it.
  const double ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  m_top->origin = at_cycle(std::uint64_t(ns) + 1);
  m_top->start_run.notify(m_top->origin - sc_core::sc_time_stamp());
  sc_core::sc_start();
  if (m_top->error) std::rethrow_exception(m_top->error);

  if (m_top->finished < program.size()) {
    // Nothing left to simulate, yet instructions remain: some queue waits for a token nobody
    // will push. Name the first such queue (load, compute, store order).
    for (int q = 0; q < 3; ++q) {
      if (!m_top->waiting[q]) continue;
      const auto [i, ch] = *m_top->waiting[q];
      throw ChipError(fmt::format(
          "deadlock: the {} queue waits at {} for a token on channel {} that no remaining "
          "instruction pushes",
          isa::to_string(isa::Queue(q)), describe(program, i), channel_name(ch)));
    }
    throw ChipError("deadlock: instructions remain but no queue can make progress");
  }

  std::uint64_t total = m_top->end_of_dispatch;
  for (const auto& t : result.timing) total = std::max(total, t.complete);
  result.total_cycles = total;
  for (UnitStats* s : {&result.load, &result.compute, &result.store}) s->idle = total - s->busy;
  if (m_mode == Mode::Functional) result.dram = std::move(m_top->dram.image);
  return result;
}

}  // namespace serrano::model
