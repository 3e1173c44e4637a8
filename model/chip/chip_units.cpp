// SPDX-License-Identifier: Apache-2.0
#include "model/chip/chip_units.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "golden/golden.h"
#include "golden/vector_ops.h"
#include "isa/array_cmd.h"

namespace serrano::model::chip {

namespace {

// The channel an instruction of queue q pops (prev / next) or pushes (prev / next); -1: none.
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

}  // namespace

golden::VectorOpArgs vector_args(const isa::Instruction& inst) {
  golden::VectorOpArgs a;
  a.func = golden::VectorFunc(unsigned(inst.vec_op));
  a.dst = inst.dst;
  a.a = inst.src_a;
  a.b = inst.src_b;
  a.rows = inst.rows;
  a.len = inst.len;
  a.qp = inst.qp_row;
  a.imm = inst.imm;
  return a;
}

namespace {

// The DMA engines' two transactions. `data` holds the instruction's rows packed (empty in
// timing-only mode for the DRAM; the SRAM is only accessed in functional mode).
template <class Socket>
dram::Transfer dram_transfer(Socket& socket, std::uint64_t cycle, const isa::Instruction& inst,
                             std::vector<unsigned char>& data, bool write) {
  DramRequest req;
  req.cycle = cycle;
  req.rows = inst.rows;
  req.row_bytes = inst.bytes;
  req.stride = inst.dram_stride;
  const auto bytes = unsigned(std::size_t(inst.rows) * inst.bytes);
  tlm::tlm_generic_payload trans;
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_address(inst.dram_addr);
  trans.set_data_ptr(data.empty() ? nullptr : data.data());
  trans.set_data_length(bytes);
  trans.set_streaming_width(bytes);
  trans.set_extension(&req);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket->b_transport(trans, delay);
  trans.clear_extension(&req);
  return req.result;
}

template <class Socket>
void sram_transfer(Socket& socket, std::size_t index, const isa::Instruction& inst,
                   std::vector<unsigned char>& data, bool write) {
  SramAccess access;
  access.instruction = index;
  access.mem = inst.mem;
  access.row = inst.row;
  access.rows = inst.rows;
  access.bytes = inst.bytes;
  tlm::tlm_generic_payload trans;
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_data_ptr(data.data());
  trans.set_data_length(unsigned(data.size()));
  trans.set_streaming_width(unsigned(data.size()));
  trans.set_extension(&access);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket->b_transport(trans, delay);
  trans.clear_extension(&access);
}

}  // namespace

std::string describe(const std::vector<isa::Instruction>& prog, std::size_t i) {
  return fmt::format("instruction {} ({})", i, isa::to_text(prog[i]));
}

// ---------------------------------------------------------------- RunContext

RunContext::RunContext(const arch::ArchConfig& c, bool func)
    : cfg(c),
      functional(func),
      R(std::uint32_t(c.array.rows)),
      C(std::uint32_t(c.array.cols)),
      W(std::max(R, C)) {}

void RunContext::wait_until(std::uint64_t c) {
  const sc_core::sc_time t = origin + at_cycle(c);
  if (t > sc_core::sc_time_stamp()) sc_core::wait(t - sc_core::sc_time_stamp());
}

void RunContext::wait_until_mid(std::uint64_t c) {
  const sc_core::sc_time t = origin + at_cycle(c) + half_cycle();
  if (t > sc_core::sc_time_stamp()) sc_core::wait(t - sc_core::sc_time_stamp());
}

// ---------------------------------------------------------------- OnChipMemory

OnChipMemory::OnChipMemory(sc_core::sc_module_name name, RunContext& ctx)
    : sc_core::sc_module(name),
      load_socket("load_socket"),
      store_socket("store_socket"),
      m_ctx(ctx) {
  load_socket.register_b_transport(this, &OnChipMemory::b_transport);
  store_socket.register_b_transport(this, &OnChipMemory::b_transport);
  mem.sp_row_bytes = ctx.W;
  mem.requant_into_scratchpad = true;
}

void OnChipMemory::reset() {
  for (auto& m : m_reserved) {
    for (auto& port : m) port.clear();
  }
  if (m_ctx.functional) {
    mem.scratchpad.assign(capacity(isa::Mem::Sp) * m_ctx.W, 0);
    mem.weights.assign(capacity(isa::Mem::Wb) * m_ctx.C, 0);
    mem.accumulator.assign(capacity(isa::Mem::Acc) * m_ctx.C, 0);
    mem.qparams.assign(capacity(isa::Mem::Qp) * m_ctx.C, isa::QParam{});
    mem.qp_bytes.assign(capacity(isa::Mem::Qp) * 12 * m_ctx.C, 0);
  }
}

std::uint64_t OnChipMemory::capacity(isa::Mem m) const {
  const auto& cfg = m_ctx.cfg;
  switch (m) {
    case isa::Mem::Sp: return cfg.scratchpad.size_bytes / m_ctx.W;
    case isa::Mem::Wb: return cfg.weight_buffer.size_bytes / m_ctx.C;
    case isa::Mem::Acc: return cfg.accumulator.size_bytes / (4ull * m_ctx.C);
    case isa::Mem::Qp: return isa::kQParamDepth;
  }
  return 0;
}

std::uint32_t OnChipMemory::width(isa::Mem m) const {
  switch (m) {
    case isa::Mem::Sp: return m_ctx.W;
    case isa::Mem::Wb: return m_ctx.C;
    case isa::Mem::Acc: return 4 * m_ctx.C;
    case isa::Mem::Qp: return 12 * m_ctx.C;
  }
  return 0;
}

std::uint64_t OnChipMemory::banks(isa::Mem m) const {
  switch (m) {
    case isa::Mem::Sp: return std::uint64_t(m_ctx.cfg.scratchpad.banks);
    case isa::Mem::Wb: return std::uint64_t(m_ctx.cfg.weight_buffer.banks);
    case isa::Mem::Acc: return std::uint64_t(m_ctx.cfg.accumulator.banks);
    case isa::Mem::Qp: return 1;
  }
  return 1;
}

void OnChipMemory::reserve(isa::Mem m, int port, std::uint64_t first_cycle, std::uint64_t count,
                           std::int64_t first_row, std::int64_t step, bool all_banks,
                           std::uint64_t chunk) {
  if (m == isa::Mem::Qp || count == 0) return;
  ++m_generation[std::size_t(m)][port];
  m_reserved[std::size_t(m)][port].push_back({first_cycle, first_cycle + count, first_row, step,
                                              all_banks, chunk, sc_core::sc_time_stamp()});
}

bool OnChipMemory::bank_busy(isa::Mem m, int port, std::uint64_t row,
                             std::uint64_t cycle) const {
  if (m == isa::Mem::Qp) return false;
  const auto& list = m_reserved[std::size_t(m)][port];
  if (list.empty()) return false;
  const std::uint64_t nb = banks(m);
  // Cycle `cycle` is decided half a cycle into the cycle before it: later claims do not count.
  const sc_core::sc_time decided =
      m_ctx.origin + at_cycle(cycle) - half_cycle();
  for (const Reservation& r : list) {
    if (r.end <= cycle || cycle < r.first_cycle || r.made > decided) continue;
    if (r.all_banks) return true;
    const std::uint64_t off = cycle - r.first_cycle;
    const std::int64_t used =
        r.chunk == 0 ? r.first_row + r.step * std::int64_t(off)
                     : r.first_row + std::int64_t(off / r.chunk * r.chunk + r.chunk - 1 -
                                                  off % r.chunk);
    if (std::uint64_t(used) % nb == row % nb) return true;
  }
  return false;
}

// Each port list is queried by one DMA agent, in non-decreasing cycles: reservations that ended
// before its earliest query can go.
void OnChipMemory::prune(isa::Mem m, int port, std::uint64_t before) {
  if (m == isa::Mem::Qp) return;
  auto& list = m_reserved[std::size_t(m)][port];
  list.erase(std::remove_if(list.begin(), list.end(),
                            [before](const Reservation& r) { return r.end <= before; }),
             list.end());
}

void OnChipMemory::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  SramAccess* a = nullptr;
  trans.get_extension(a);
  unsigned char* buf = trans.get_data_ptr();
  const std::uint32_t W = m_ctx.W, C = m_ctx.C;
  for (std::uint32_t r = 0; r < a->rows; ++r) {
    const std::size_t row = a->row + r;
    unsigned char* data = buf + std::size_t(r) * a->bytes;
    unsigned char* cell = nullptr;
    switch (a->mem) {
      case isa::Mem::Sp: cell = reinterpret_cast<unsigned char*>(&mem.scratchpad[row * W]); break;
      case isa::Mem::Wb: cell = reinterpret_cast<unsigned char*>(&mem.weights[row * C]); break;
      case isa::Mem::Acc: cell = reinterpret_cast<unsigned char*>(&mem.accumulator[row * C]); break;
      case isa::Mem::Qp: break;
    }
    if (cell != nullptr) {  // int32 accumulator rows are little-endian in DRAM and here
      if (trans.is_write()) {
        std::memcpy(cell, data, a->bytes);
      } else {
        std::memcpy(data, cell, a->bytes);
      }
      continue;
    }
    // Parameter rows: the bytes as loaded (the vector ops' parameter blocks), and the 12-byte
    // records {int32 bias, int32 multiplier, int32 shift} the requant reads (written only). A
    // shift outside [-31, 31] is an error only when a requant uses it (ComputeUnit::matrix).
    std::memcpy(&mem.qp_bytes[row * 12 * C], data, a->bytes);
    for (std::uint32_t ch = 0; ch < a->bytes / 12; ++ch) {
      std::int32_t v[3];
      std::memcpy(v, data + 12 * ch, 12);
      mem.qparams[row * C + ch] = isa::QParam{v[0], v[1], std::int8_t(std::clamp(v[2], -31, 31))};
    }
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

// ---------------------------------------------------------------- DramTarget

DramTarget::DramTarget(sc_core::sc_module_name name, const RunContext& ctx)
    : sc_core::sc_module(name),
      load_socket("load_socket"),
      store_socket("store_socket"),
      m_ctx(ctx),
      m_timing(ctx.cfg.dram, ctx.cfg.clock_ghz) {  // the timing model counts chip cycles
  load_socket.register_b_transport(this, &DramTarget::load_transport);
  store_socket.register_b_transport(this, &DramTarget::store_transport);
  SC_METHOD(arbitrate);
  sensitive << m_kick;
  dont_initialize();
}

void DramTarget::transport(int priority, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  sc_core::wait(delay);
  delay = sc_core::SC_ZERO_TIME;
  DramRequest* req = nullptr;
  trans.get_extension(req);
  sc_core::sc_event resolved;
  m_pending.push_back({priority, &trans, req, &resolved});
  m_kick.notify(sc_core::sc_time(1, sc_core::SC_PS));
  sc_core::wait(resolved);
}

void DramTarget::arbitrate() {
  std::stable_sort(m_pending.begin(), m_pending.end(),
                   [](const Pending& a, const Pending& b) { return a.priority < b.priority; });
  for (Pending& p : m_pending) {
    const bool write = p.trans->is_write();
    const std::uint64_t addr = p.trans->get_address();
    p.req->result =
        m_timing.access(p.req->cycle, addr, p.req->rows, p.req->row_bytes, p.req->stride, write);
    if (m_ctx.functional) {
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

// ---------------------------------------------------------------- Controller

Controller::Controller(sc_core::sc_module_name name, RunContext& ctx)
    : sc_core::sc_module(name), m_ctx(ctx) {
  SC_THREAD(dispatcher);
}

const char* Controller::channel_name(int ch) {
  static const char* names[] = {"load->compute", "compute->load", "compute->store",
                                "store->compute"};
  return names[ch];
}

void Controller::prepare() {
  const std::size_t n = m_ctx.prog->size();
  for (int q = 0; q < 3; ++q) {
    m_pending[q].clear();
    m_members[q].clear();
    m_waiting[q].reset();
    m_last_complete[q] = m_busy_end[q] = 0;
  }
  m_started.assign(n, false);
  m_completed.assign(n, false);
  m_dispatch_done = false;
  m_end_of_dispatch = 0;
  for (int ch = 0; ch < kChannels; ++ch) {
    m_push_times[ch].clear();
    m_pops[ch] = 0;
  }
  m_finished = 0;
}

UnitStats& Controller::stats(isa::Queue q) {
  ChipRunResult& r = *m_ctx.result;
  return q == isa::Queue::Load ? r.load : q == isa::Queue::Compute ? r.compute : r.store;
}

void Controller::dispatcher() {
  for (;;) {
    sc_core::wait(m_ctx.start_run);
    m_ctx.guarded([this] { dispatch_all(); });
  }
}

void Controller::dispatch_all() {
  const auto& p = *m_ctx.prog;
  auto& timing = m_ctx.result->timing;
  std::uint64_t next_cycle = 0;  // earliest cycle of the next dispatch
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i].opcode == isa::Opcode::Halt) {
      timing[i].dispatch = next_cycle;
      m_end_of_dispatch = next_cycle + 1;
      m_started[i] = true;
      ++m_finished;
      break;
    }
    const auto q = std::size_t(isa::queue_of(p[i]));
    const std::size_t j = m_members[q].size();
    std::uint64_t d = next_cycle;
    if (j >= kQueueDepth) {  // the queue is full until its (j - D)-th instruction starts
      const std::size_t k = m_members[q][j - kQueueDepth];
      while (!m_started[k]) sc_core::wait(m_started_ev[q]);
      d = std::max(d, timing[k].start + 1);
    }
    m_ctx.wait_until(d);
    m_members[q].push_back(i);
    timing[i].queue = isa::Queue(q);
    timing[i].dispatch = d;
    m_pending[q].push_back(i);
    m_dispatched_ev[q].notify(sc_core::SC_ZERO_TIME);
    next_cycle = d + 1;
    m_end_of_dispatch = next_cycle;
  }
  m_dispatch_done = true;
  for (auto& ev : m_dispatched_ev) ev.notify(sc_core::SC_ZERO_TIME);
}

std::optional<std::pair<std::size_t, std::uint64_t>> Controller::next(
    isa::Queue queue, std::uint64_t ready, std::deque<std::size_t>* in_flight) {
  const auto q = std::size_t(queue);
  auto& timing = m_ctx.result->timing;
  while (m_pending[q].empty()) {
    if (m_dispatch_done) return std::nullopt;
    sc_core::wait(m_dispatched_ev[q]);
  }
  const std::size_t i = m_pending[q].front();
  const isa::Instruction& inst = (*m_ctx.prog)[i];
  std::uint64_t present = std::max(timing[i].dispatch + 1, ready);
  if (in_flight != nullptr && in_flight->size() >= kDmaInFlight) {
    const std::size_t k = in_flight->front();
    while (!m_completed[k]) sc_core::wait(m_completed_ev[q]);
    present = std::max(present, timing[k].complete);
  }
  const std::uint64_t before_tokens = present;
  const int pops_of[2] = {inst.deps.pop_prev ? pop_prev_channel(queue) : -1,
                          inst.deps.pop_next ? pop_next_channel(queue) : -1};
  for (int ch : pops_of) {
    if (ch < 0) continue;
    const std::uint64_t n = m_pops[ch] + 1;  // the n-th pop takes the n-th push
    while (m_push_times[ch].size() < n) {
      m_waiting[q] = std::make_pair(i, ch);
      sc_core::wait(m_token_ev[ch]);
    }
    m_waiting[q].reset();
    m_pops[ch] = n;
    present = std::max(present, m_push_times[ch][n - 1]);
  }
  stats(queue).token_stall += present - before_tokens;
  m_ctx.wait_until(present);
  m_pending[q].pop_front();
  return std::make_pair(i, present);
}

void Controller::started(std::size_t i, std::uint64_t start) {
  m_ctx.result->timing[i].start = start;
  m_started[i] = true;
  m_started_ev[std::size_t(m_ctx.result->timing[i].queue)].notify(sc_core::SC_ZERO_TIME);
}

void Controller::finish(std::size_t i, std::uint64_t start, std::uint64_t complete,
                        std::uint64_t memory_stall) {
  const isa::Instruction& inst = (*m_ctx.prog)[i];
  const isa::Queue queue = m_ctx.result->timing[i].queue;
  const auto q = std::size_t(queue);
  complete = std::max(complete, m_last_complete[q]);  // in-order completion per queue
  m_last_complete[q] = complete;
  m_ctx.result->timing[i].complete = complete;
  m_completed[i] = true;
  m_completed_ev[q].notify(sc_core::SC_ZERO_TIME);
  const int pushes_of[2] = {inst.deps.push_prev ? push_prev_channel(queue) : -1,
                            inst.deps.push_next ? push_next_channel(queue) : -1};
  for (int ch : pushes_of) {
    if (ch < 0) continue;
    m_push_times[ch].push_back(complete);
    m_token_ev[ch].notify(sc_core::SC_ZERO_TIME);
  }
  UnitStats& s = stats(queue);
  ++s.instructions;
  s.memory_stall += memory_stall;
  const std::uint64_t from = std::max(start, m_busy_end[q]);
  if (complete > from) s.busy += complete - from;
  m_busy_end[q] = std::max(m_busy_end[q], complete);
  ++m_finished;
}

bool Controller::all_issued(isa::Queue q) const {
  for (std::size_t k : m_members[std::size_t(q)]) {
    if (!m_started[k]) return false;
  }
  return true;
}

// ---------------------------------------------------------------- QueueUnit

QueueUnit::QueueUnit(sc_core::sc_module_name name, RunContext& ctx, Controller& ctl,
                     isa::Queue queue)
    : sc_core::sc_module(name), m_ctx(ctx), m_ctl(ctl), m_queue(queue) {
  SC_THREAD(thread);
}

void QueueUnit::thread() {
  for (;;) {
    sc_core::wait(m_ctx.start_run);
    m_ctx.guarded([this] { loop(); });
  }
}

void QueueUnit::loop() {
  const bool dma = m_queue != isa::Queue::Compute;
  std::uint64_t ready = 0;
  std::deque<std::size_t> in_flight;  // DMA: the latest requests (instruction indices)
  for (;;) {
    const auto head = m_ctl.next(m_queue, ready, dma ? &in_flight : nullptr);
    if (!head) return;
    const auto [i, present] = *head;
    const isa::Instruction& inst = (*m_ctx.prog)[i];
    // A load-queue sync goes through the load DMA too, so that it completes after the loads
    // before it (in-order completion; those complete in the load writer).
    const bool own_sync = inst.opcode == isa::Opcode::Sync && m_queue != isa::Queue::Load;
    const Executed e =
        own_sync ? Executed{present, present, present + 1, 0} : execute(i, inst, present);
    m_ctl.started(i, e.start);
    ready = e.ready;
    if (dma) {
      in_flight.push_back(i);
      if (in_flight.size() > kDmaInFlight) in_flight.pop_front();
    }
    if (!e.completes_later) m_ctl.finish(i, e.start, e.complete, e.memory_stall);
  }
}

// ---------------------------------------------------------------- LoadDma

LoadDma::LoadDma(sc_core::sc_module_name name, RunContext& ctx, Controller& ctl, OnChipMemory& mem,
                 DramTarget& dram)
    : QueueUnit(name, ctx, ctl, isa::Queue::Load),
      dram_socket("dram_socket"),
      sram_socket("sram_socket"),
      m_mem(mem),
      m_dram(dram) {
  SC_THREAD(writer);
}

// A load requests the DRAM in its start cycle; the writer then puts each row into its bank as
// its data arrives, and completes the load.
Executed LoadDma::execute(std::size_t i, const isa::Instruction& inst, std::uint64_t present) {
  if (inst.opcode == isa::Opcode::Sync) {  // completes in the writer, in order with the loads
    m_jobs.push_back({i, present, 0, dram::Transfer{}, {}});
    m_job_ev.notify(sc_core::SC_ZERO_TIME);
    Executed e{present, 0, present + 1, 0};
    e.completes_later = true;
    return e;
  }
  const std::size_t bytes = std::size_t(inst.rows) * inst.bytes;
  std::vector<unsigned char> buffer(m_ctx.functional ? bytes : 0);
  const dram::Transfer transfer = dram_transfer(dram_socket, present, inst, buffer, false);
  m_ctx.result->dram_read_bytes += bytes;
  m_ctx.result->sram_write_bytes[std::size_t(inst.mem)] += bytes;
  const std::uint64_t dram_wait = transfer.start > present ? transfer.start - present : 0;
  m_jobs.push_back({i, present, dram_wait, transfer, std::move(buffer)});
  m_job_ev.notify(sc_core::SC_ZERO_TIME);
  Executed e{present, 0, present + 1, 0};
  e.completes_later = true;
  return e;
}

void LoadDma::writer() {
  for (;;) {
    sc_core::wait(m_ctx.start_run);
    m_ctx.guarded([this] { write_loads(); });
  }
}

// Row j of a load arrives start + L + ceil((j + 1) * D / rows) (D: the transfer's data time,
// spread evenly over its rows). Rows are written in order, at most one per bank per cycle
// (several banks in one cycle; the parameter memory is one bank), each in the first cycle in
// which its bank's write port is free.
void LoadDma::write_loads() {
  std::uint64_t next_free = 0;  // rows go in order: none before the previous row's cycle
  // Per memory and bank: the next cycle its write port is free. The parameter memory is one bank
  // here: it takes one row a cycle (the matrix unit never writes it, so it never conflicts).
  std::vector<std::uint64_t> bank_next[4];
  for (int m = 0; m < 4; ++m) bank_next[m].assign(m_mem.banks(isa::Mem(m)), 0);
  for (;;) {
    while (m_jobs.empty()) {
      if (m_ctl.dispatch_done() && m_ctl.all_issued(isa::Queue::Load)) return;
      sc_core::wait(m_job_ev | m_ctl.dispatched_event(isa::Queue::Load));
    }
    PendingLoad job = std::move(m_jobs.front());
    m_jobs.pop_front();
    const isa::Instruction& inst = (*m_ctx.prog)[job.index];
    if (inst.opcode == isa::Opcode::Sync) {  // c = max(s, the previous load's c), in finish()
      m_ctl.finish(job.index, job.start, job.start, 0);
      continue;
    }
    const dram::Transfer& t = job.transfer;
    const std::uint64_t first = t.start + m_dram.latency_cycles();
    const std::uint64_t data_time = t.done > first ? t.done - first : 0;
    std::uint64_t conflicts = 0;
    const auto arrival = [&](std::uint32_t j) {
      return first + (std::uint64_t(j + 1) * data_time + inst.rows - 1) / inst.rows;
    };
    const std::uint64_t end = m_mem.place_rows(inst.mem, 1, inst.row, inst.rows, arrival,
                                               next_free, bank_next[std::size_t(inst.mem)],
                                               conflicts);
    if (m_ctx.functional) sram_transfer(sram_socket, job.index, inst, job.data, true);
    m_ctx.result->load.bank_conflict += conflicts;
    m_ctl.finish(job.index, job.start, end, job.memory_stall);
  }
}

// ---------------------------------------------------------------- StoreDma

StoreDma::StoreDma(sc_core::sc_module_name name, RunContext& ctx, Controller& ctl,
                   OnChipMemory& mem)
    : QueueUnit(name, ctx, ctl, isa::Queue::Store),
      dram_socket("dram_socket"),
      sram_socket("sram_socket"),
      m_mem(mem) {}

// A store reads its rows from their banks (in order, at most one per bank per cycle), then
// requests the DRAM write in the cycle after the last row; it completes when the DRAM is done.
Executed StoreDma::execute(std::size_t i, const isa::Instruction& inst, std::uint64_t present) {
  const std::size_t bytes = std::size_t(inst.rows) * inst.bytes;
  std::vector<unsigned char> buffer(m_ctx.functional ? bytes : 0);
  // The store leaves its queue now: tell the dispatcher before its rows are read (a dispatch
  // waiting for room in a full store queue is due in cycle present + 1).
  m_ctl.started(i, present);
  std::vector<std::uint64_t> bank_next(m_mem.banks(inst.mem), present + 1);
  std::uint64_t prev = present + 1, conflicts = 0;
  const std::uint64_t end = m_mem.place_rows(
      inst.mem, 0, inst.row, inst.rows, [present](std::uint32_t) { return present + 1; }, prev,
      bank_next, conflicts);
  m_ctx.wait_until(end);
  if (m_ctx.functional) sram_transfer(sram_socket, i, inst, buffer, false);
  const dram::Transfer transfer = dram_transfer(dram_socket, end, inst, buffer, true);
  m_ctx.result->dram_write_bytes += bytes;
  m_ctx.result->sram_read_bytes[std::size_t(inst.mem)] += bytes;
  m_ctx.result->store.bank_conflict += conflicts;
  const std::uint64_t dram_wait = transfer.start > end ? transfer.start - end : 0;
  return {present, transfer.done, end, dram_wait};  // its next rows are read after these
}

// ---------------------------------------------------------------- VectorUnit

VectorUnit::VectorUnit(sc_core::sc_module_name name, RunContext& ctx, OnChipMemory& mem)
    : sc_core::sc_module(name), socket("socket"), m_ctx(ctx), m_mem(mem) {
  socket.register_b_transport(this, &VectorUnit::b_transport);
}

// Waits for the matrix unit to be idle, then takes vec_cycles (docs/isa.md, "Timing": 2 + Q +
// rows x T_row); it holds every bank of each memory it uses, both ports, meanwhile. The data are
// golden::execute_vector_op's.
void VectorUnit::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  auto* txn = reinterpret_cast<VectorTransaction*>(trans.get_data_ptr());
  const isa::Instruction& inst = *txn->inst;
  const isa::VecOp op = inst.vec_op;
  const std::uint64_t W = m_ctx.W, C = m_ctx.C;
  const std::uint64_t t = std::max(txn->present, txn->array_idle);
  const std::uint64_t complete =
      t + isa::vec_cycles(inst, W, C, std::uint64_t(m_ctx.cfg.vector.lanes));
  isa::add_vec_sram_bytes(inst, W, C, m_ctx.result->sram_read_bytes,
                          m_ctx.result->sram_write_bytes);
  if (m_ctx.functional) {
    ArrayMemories& mem = m_mem.mem;
    golden::VectorMemories vm;
    vm.sp = mem.scratchpad.data();
    vm.sp_rows = mem.scratchpad.size() / W;
    vm.sp_width = W;
    vm.acc = mem.accumulator.data();
    vm.acc_rows = mem.accumulator.size() / C;
    vm.cols = C;
    vm.qp = mem.qp_bytes.data();
    vm.qp_rows = mem.qp_bytes.size() / (12 * C);
    try {
      golden::execute_vector_op(vector_args(inst), vm);
    } catch (const golden::VectorParamError& e) {
      throw ChipError(describe(*m_ctx.prog, txn->index) + ": " + e.what());
    }
  }
  for (const isa::Mem m : {isa::Mem::Sp, isa::Mem::Acc}) {
    const bool uses = m == isa::Mem::Acc
                          ? isa::vec_reads_acc(op) || isa::vec_writes_acc(op)
                          : isa::vec_reads_sp(op) || !isa::vec_writes_acc(op);
    if (!uses) continue;
    m_mem.reserve(m, 0, t, complete - t, 0, 0, true);
    m_mem.reserve(m, 1, t, complete - t, 0, 0, true);
  }
  txn->start = t;
  txn->complete = complete;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

// ---------------------------------------------------------------- ComputeUnit

ComputeUnit::ComputeUnit(sc_core::sc_module_name name, RunContext& ctx, Controller& ctl,
                         OnChipMemory& mem, IArrayUnit& array)
    : QueueUnit(name, ctx, ctl, isa::Queue::Compute),
      array_socket("array_socket"),
      vector_socket("vector_socket"),
      m_mem(mem),
      m_array(array) {}

Executed ComputeUnit::execute(std::size_t i, const isa::Instruction& inst, std::uint64_t present) {
  switch (inst.opcode) {
    case isa::Opcode::Preload:
    case isa::Opcode::Matmul:
    case isa::Opcode::Requant: return matrix(i, inst, present);
    case isa::Opcode::Vec: return vector(i, inst, present);
    default: break;
  }
  throw ChipError(describe(*m_ctx.prog, i) + ": not a compute instruction");
}

Executed ComputeUnit::matrix(std::size_t i, const isa::Instruction& inst,
                             std::uint64_t present) {
  ChipRunResult& result = *m_ctx.result;
  const std::uint64_t rows = inst.rows, R = m_ctx.R, C = m_ctx.C;
  auto* rd = result.sram_read_bytes;
  auto* wr = result.sram_write_bytes;
  constexpr auto sp = std::size_t(isa::Mem::Sp), wb = std::size_t(isa::Mem::Wb),
                 acc = std::size_t(isa::Mem::Acc), qp = std::size_t(isa::Mem::Qp);
  isa::ArrayCmd cmd;
  switch (inst.opcode) {
    case isa::Opcode::Preload:
      cmd = isa::ArrayCmd::preload(inst.wb_row, inst.rows);
      rd[wb] += rows * C;
      break;
    case isa::Opcode::Matmul:
      cmd = isa::ArrayCmd::stream(inst.sp_row, inst.rows, inst.acc_row, inst.accumulate);
      result.array_stream_rows += rows;
      rd[sp] += rows * R;
      wr[acc] += rows * 4 * C;
      if (inst.accumulate) rd[acc] += rows * 4 * C;
      break;
    default:
      if (m_ctx.functional) {  // the shifts of the row's channels, as loaded
        for (std::size_t ch = 0; ch < C; ++ch) {
          std::int32_t shift = 0;
          std::memcpy(&shift, &m_mem.mem.qp_bytes[(inst.qp_row * C + ch) * 12 + 8], 4);
          if (shift < -31 || shift > 31) {
            throw ChipError(fmt::format(
                "{}: channel {} of parameter row {} has shift {}, outside [-31, 31]",
                describe(*m_ctx.prog, i), ch, inst.qp_row, shift));
          }
        }
      }
      cmd = isa::ArrayCmd::requant(inst.acc_row, inst.rows, inst.sp_row, inst.qp_row,
                                   inst.zero_point, inst.act_min, inst.act_max);
      rd[acc] += rows * 4 * C;
      rd[qp] += 12 * C;
      wr[sp] += rows * C;
      break;
  }
  // A matmul does not read scratchpad rows that a requant before it is still writing: it issues
  // no earlier than that requant's done (the requant writes row m in t + m + 5).
  if (!m_rq_started || m_rq_origin != m_ctx.origin) {
    m_rq_started = true;
    m_rq_origin = m_ctx.origin;
    m_rq_lo = m_rq_hi = m_rq_done = 0;
  }
  if (inst.opcode == isa::Opcode::Matmul && present < m_rq_done && inst.sp_row < m_rq_hi &&
      m_rq_lo < std::uint64_t(inst.sp_row) + inst.rows) {
    present = m_rq_done;
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
      m_mem.reserve(isa::Mem::Wb, 0, t + 1, rows, std::int64_t(inst.wb_row + inst.rows) - 1, -1);
      break;
    case isa::Opcode::Matmul:  // activation row m read at t+1+m, written to acc at t+m+R+C+1
      result.array_macs += rows * txn.issued.k * C;
      m_mem.reserve(isa::Mem::Sp, 0, t + 1, rows, inst.sp_row, 1);
      if (m_ctx.cfg.array.dataflow == arch::Dataflow::OutputStationary) {
        // Chunk j (R rows from row jR) writes its row R-1-i at the end of cycle t+jR+2R+C+i
        // (docs/array-timing.md section 5); a last chunk of P < R rows uses its last P slots.
        const std::uint64_t full = rows / R, last = rows % R;
        m_mem.reserve(isa::Mem::Acc, 1, t + 2 * R + C, full * R, inst.acc_row, 0, false, R);
        m_mem.reserve(isa::Mem::Acc, 1, t + full * R + 3 * R + C - last, last,
                      std::int64_t(inst.acc_row + full * R + last) - 1, -1);
      } else {
        m_mem.reserve(isa::Mem::Acc, 1, t + R + C + 1, rows, inst.acc_row, 1);
      }
      break;
    default:  // accumulator row m read at t+1+m, int8 row written to the scratchpad at t+m+5
      m_mem.reserve(isa::Mem::Acc, 0, t + 1, rows, inst.acc_row, 1);
      m_mem.reserve(isa::Mem::Sp, 1, t + 5, rows, inst.sp_row, 1);
      if (t < m_rq_done) {
        m_rq_lo = std::min<std::uint64_t>(m_rq_lo, inst.sp_row);
        m_rq_hi = std::max<std::uint64_t>(m_rq_hi, std::uint64_t(inst.sp_row) + rows);
      } else {
        m_rq_lo = inst.sp_row;
        m_rq_hi = std::uint64_t(inst.sp_row) + rows;
      }
      m_rq_done = txn.issued.done;
      break;
  }
  return {t, txn.issued.done, t + 1, t - present};
}

Executed ComputeUnit::vector(std::size_t i, const isa::Instruction& inst,
                             std::uint64_t present) {
  VectorTransaction txn;
  txn.index = i;
  txn.inst = &inst;
  txn.present = present;
  txn.array_idle = m_array.idle_cycle();
  tlm::tlm_generic_payload trans;
  trans.set_command(tlm::TLM_WRITE_COMMAND);
  trans.set_data_ptr(reinterpret_cast<unsigned char*>(&txn));
  trans.set_data_length(sizeof(txn));
  trans.set_streaming_width(sizeof(txn));
  sc_core::sc_time ignored = sc_core::SC_ZERO_TIME;
  vector_socket->b_transport(trans, ignored);
  return {txn.start, txn.complete, txn.complete, txn.start - present};
}

}  // namespace serrano::model::chip
