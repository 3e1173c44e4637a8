// SPDX-License-Identifier: Apache-2.0
// The whole chip: the units of model/chip/chip_units.h joined by TLM-2.0 sockets.
#include "model/chip/chip_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "model/chip/chip_units.h"

namespace serrano::model {

using chip::describe;

struct ChipModel::Top : sc_core::sc_module {
  std::unique_ptr<IArrayUnit> make_array(const arch::ArchConfig& cfg, bool functional,
                                         const ArrayUnitFactory& factory) {
    if (!factory) {
      return std::make_unique<ArrayUnit>("array_unit", cfg.array.rows, cfg.array.cols,
                                         sc_core::sc_time(1, sc_core::SC_NS), &memory.mem,
                                         functional, cfg.array.dataflow);
    }
    ArrayUnitContext c;
    c.name = "array_unit";
    c.rows = cfg.array.rows;
    c.cols = cfg.array.cols;
    c.dataflow = cfg.array.dataflow;
    c.memories = &memory.mem;
    c.functional = functional;
    c.origin = [this] { return ctx.origin; };
    return factory(c);
  }

  chip::RunContext ctx;
  chip::OnChipMemory memory;
  std::unique_ptr<IArrayUnit> array;
  chip::DramTarget dram;
  chip::Controller controller;
  chip::VectorUnit vector;
  chip::LoadDma load;
  chip::ComputeUnit compute;
  chip::StoreDma store;

  Top(sc_core::sc_module_name name, const arch::ArchConfig& cfg, bool functional,
      const ArrayUnitFactory& factory)
      : sc_core::sc_module(name),
        ctx(cfg, functional),
        memory("memory", ctx),
        array(make_array(cfg, functional, factory)),
        dram("dram", ctx),
        controller("controller", ctx),
        vector("vector_unit", ctx, memory),
        load("load_dma", ctx, controller, memory, dram),
        compute("compute_unit", ctx, controller, memory, *array),
        store("store_dma", ctx, controller, memory) {
    load.dram_socket.bind(dram.load_socket);
    load.sram_socket.bind(memory.load_socket);
    store.dram_socket.bind(dram.store_socket);
    store.sram_socket.bind(memory.store_socket);
    compute.array_socket.bind(array->target());
    compute.vector_socket.bind(vector.socket);
  }
};

ChipModel::ChipModel(const arch::ArchConfig& cfg, Mode mode) : ChipModel(cfg, mode, {}) {}

std::string ChipModel::name() const {
  const std::string base = m_mode == Mode::Functional ? "model" : "model-timing";
  const std::string array = m_top->array->impl_name();
  return array == "model" ? base : base + "+" + array + " array";
}

ChipModel::ChipModel(const arch::ArchConfig& cfg, Mode mode, const ArrayUnitFactory& array)
    : m_cfg(cfg), m_mode(mode) {
  arch::validate(cfg, cfg.name);
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
          "row per cycle",
          cfg.name, mem, port, row, what));
    }
  }
  const auto status = sc_core::sc_get_status();
  if (status != sc_core::SC_UNITIALIZED && status != sc_core::SC_ELABORATION) {
    throw std::logic_error("ChipModel must be constructed before the simulation starts");
  }
  static int instance = 0;
  const std::string name = "chip_" + std::to_string(instance++);
  m_top = std::make_unique<Top>(name.c_str(), cfg, mode == Mode::Functional, array);
}

ChipModel::~ChipModel() = default;

std::uint32_t ChipModel::row_bytes(isa::Mem mem) const { return m_top->memory.width(mem); }
std::uint64_t ChipModel::rows(isa::Mem mem) const { return m_top->memory.capacity(mem); }

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
  const Top& top = *m_top;  // for the checks below
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
        check_rows(program, i, mem_name, in.row, in.rows, top.memory.capacity(in.mem));
        if (in.bytes > top.memory.width(in.mem)) {
          throw ChipError(fmt::format("{}: bytes={} exceed the {} row of {} bytes",
                                      describe(program, i), in.bytes, mem_name,
                                      top.memory.width(in.mem)));
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
        if (in.rows > top.ctx.R) {
          throw ChipError(fmt::format("{}: a weight tile has at most {} rows (the array's rows)",
                                      describe(program, i), top.ctx.R));
        }
        check_rows(program, i, "weight buffer", in.wb_row, in.rows,
                   top.memory.capacity(isa::Mem::Wb));
        break;
      case isa::Opcode::Matmul:
        check_rows(program, i, "scratchpad", in.sp_row, in.rows, top.memory.capacity(isa::Mem::Sp));
        check_rows(program, i, "accumulator", in.acc_row, in.rows,
                   top.memory.capacity(isa::Mem::Acc));
        break;
      case isa::Opcode::Requant:
        check_rows(program, i, "accumulator", in.acc_row, in.rows,
                   top.memory.capacity(isa::Mem::Acc));
        check_rows(program, i, "scratchpad", in.sp_row, in.rows, top.memory.capacity(isa::Mem::Sp));
        if (in.act_min > in.act_max) {
          throw ChipError(describe(program, i) + ": min must not exceed max");
        }
        break;
      case isa::Opcode::Vec: {
        if (unsigned(in.vec_op) >= unsigned(isa::VecOp::Softmax)) {
          golden::VectorMemories vm;  // sizes only: the checks need no data
          vm.sp_rows = top.memory.capacity(isa::Mem::Sp);
          vm.sp_width = top.ctx.W;
          vm.acc_rows = top.memory.capacity(isa::Mem::Acc);
          vm.cols = top.ctx.C;
          vm.qp_rows = top.memory.capacity(isa::Mem::Qp);
          const std::string why = golden::check_vector_op(chip::vector_args(in), vm);
          if (!why.empty()) throw ChipError(describe(program, i) + ": " + why);
          break;
        }
        const bool acc = isa::vec_writes_acc(in.vec_op);
        const char* name = acc ? "accumulator" : "scratchpad";
        const std::uint64_t cap = top.memory.capacity(acc ? isa::Mem::Acc : isa::Mem::Sp);
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
  Top& t = *m_top;
  t.ctx.prog = &program;
  t.ctx.result = &result;
  t.ctx.error = nullptr;
  result.timing.assign(program.size(), InstructionTiming{});
  t.controller.prepare();
  t.array->reset();
  t.dram.reset();
  t.memory.reset();
  t.load.reset();
  t.dram.image = std::move(dram);
  if (sc_core::sc_get_status() == sc_core::SC_ELABORATION) sc_core::sc_start(sc_core::SC_ZERO_TIME);
  // Each run starts on a fresh whole nanosecond (= cycle) after everything before it.
  const double ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  t.ctx.origin = chip::at_cycle(std::uint64_t(ns) + 1);
  t.ctx.start_run.notify(t.ctx.origin - sc_core::sc_time_stamp());
  sc_core::sc_start();
  if (t.ctx.error) std::rethrow_exception(t.ctx.error);
  if (const std::exception_ptr e = t.array->error()) std::rethrow_exception(e);

  if (t.controller.finished() < program.size()) {
    // Nothing left to simulate, yet instructions remain: some queue waits for a token nobody
    // will push. Name the first such queue (load, compute, store order).
    for (int q = 0; q < 3; ++q) {
      if (!t.controller.waiting(q)) continue;
      const auto [i, ch] = *t.controller.waiting(q);
      throw ChipError(fmt::format(
          "deadlock: the {} queue waits at {} for a token on channel {} that no remaining "
          "instruction pushes",
          isa::to_string(isa::Queue(q)), describe(program, i), chip::Controller::channel_name(ch)));
    }
    throw ChipError("deadlock: instructions remain but no queue can make progress");
  }

  std::uint64_t total = t.controller.end_of_dispatch();
  for (const auto& it : result.timing) total = std::max(total, it.complete);
  result.total_cycles = total;
  for (UnitStats* s : {&result.load, &result.compute, &result.store}) s->idle = total - s->busy;
  if (m_mode == Mode::Functional) result.dram = std::move(t.dram.image);
  return result;
}

}  // namespace serrano::model
