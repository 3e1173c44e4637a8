// SPDX-License-Identifier: Apache-2.0
#include "isa/array_cmd.h"

#include <fmt/format.h>

namespace serrano::isa {

ArrayCmd ArrayCmd::preload(std::uint32_t wb_row, std::uint32_t k) {
  ArrayCmd c;
  c.op = ArrayOp::Preload;
  c.src = wb_row;
  c.rows = k;
  return c;
}

ArrayCmd ArrayCmd::stream(std::uint32_t sp_row, std::uint32_t m, std::uint32_t acc_row,
                          bool accumulate) {
  ArrayCmd c;
  c.op = ArrayOp::Stream;
  c.src = sp_row;
  c.rows = m;
  c.dst = acc_row;
  c.accumulate = accumulate;
  return c;
}

ArrayCmd ArrayCmd::requant(std::uint32_t acc_row, std::uint32_t m, std::uint32_t out_row,
                           std::uint32_t qp_row, std::int8_t zero_point, std::int8_t act_min,
                           std::int8_t act_max) {
  ArrayCmd c;
  c.op = ArrayOp::Requant;
  c.src = acc_row;
  c.rows = m;
  c.dst = out_row;
  c.qp_row = qp_row;
  c.zero_point = zero_point;
  c.act_min = act_min;
  c.act_max = act_max;
  return c;
}

const char* to_string(ArrayOp op) {
  switch (op) {
    case ArrayOp::Preload: return "preload";
    case ArrayOp::Stream: return "stream";
    case ArrayOp::Requant: return "requant";
  }
  return "invalid";
}

std::string to_string(const ArrayCmd& c) {
  switch (c.op) {
    case ArrayOp::Preload: return fmt::format("preload wb={} rows={}", c.src, c.rows);
    case ArrayOp::Stream:
      return fmt::format("stream sp={} rows={} acc={} {}", c.src, c.rows, c.dst,
                         c.accumulate ? "+=" : "=");
    case ArrayOp::Requant:
      return fmt::format("requant acc={} rows={} out={} qp={} zp={} min={} max={}", c.src, c.rows,
                         c.dst, c.qp_row, c.zero_point, c.act_min, c.act_max);
  }
  return fmt::format("invalid opcode {}", static_cast<int>(c.op));
}

namespace {

void check_range(const ArrayCmd& c, std::size_t index, const char* what, std::uint64_t first,
                 std::uint64_t count, std::uint64_t capacity) {
  if (first + count > capacity) {
    throw CommandError(fmt::format("command {} ({}): {} rows [{}, {}) exceed its {} rows", index,
                                   to_string(c), what, first, first + count, capacity));
  }
}

}  // namespace

void validate_command(const ArrayCmd& c, std::size_t index, const ArrayLimits& lim) {
  auto fail = [&](const std::string& msg) {
    throw CommandError(fmt::format("command {} ({}): {}", index, to_string(c), msg));
  };
  if (c.rows == 0) fail("rows must be at least 1");
  if (c.rows > kMaxCmdRows) fail(fmt::format("rows must be at most {}", kMaxCmdRows));
  switch (c.op) {
    case ArrayOp::Preload:
      if (c.rows > static_cast<std::uint32_t>(lim.rows)) {
        fail(fmt::format("a weight tile has at most {} rows (the array's rows)", lim.rows));
      }
      check_range(c, index, "weight buffer", c.src, c.rows, lim.weight_rows);
      break;
    case ArrayOp::Stream:
      check_range(c, index, "scratchpad", c.src, c.rows, lim.scratchpad_rows);
      check_range(c, index, "accumulator", c.dst, c.rows, lim.accumulator_rows);
      break;
    case ArrayOp::Requant:
      check_range(c, index, "accumulator", c.src, c.rows, lim.accumulator_rows);
      check_range(c, index, "output", c.dst, c.rows, lim.output_rows);
      check_range(c, index, "parameter memory", c.qp_row, 1, lim.qparam_rows);
      if (c.act_min > c.act_max) fail("act_min must not exceed act_max");
      break;
    default: fail("invalid opcode");
  }
}

void validate_program(const ArrayProgram& p, const ArrayLimits& lim) {
  auto image_fail = [](const std::string& msg) { throw CommandError("program: " + msg); };
  if (p.scratchpad.size() % std::size_t(lim.rows) != 0 ||
      p.scratchpad.size() / std::size_t(lim.rows) > lim.scratchpad_rows) {
    image_fail(fmt::format("scratchpad image of {} bytes does not fit {} rows of {} bytes",
                           p.scratchpad.size(), lim.scratchpad_rows, lim.rows));
  }
  if (p.weights.size() % std::size_t(lim.cols) != 0 ||
      p.weights.size() / std::size_t(lim.cols) > lim.weight_rows) {
    image_fail(fmt::format("weight image of {} bytes does not fit {} rows of {} bytes",
                           p.weights.size(), lim.weight_rows, lim.cols));
  }
  if (p.qparams.size() % std::size_t(lim.cols) != 0 ||
      p.qparams.size() / std::size_t(lim.cols) > lim.qparam_rows) {
    image_fail(fmt::format("parameter image of {} channels does not fit {} rows of {}",
                           p.qparams.size(), lim.qparam_rows, lim.cols));
  }
  for (const QParam& q : p.qparams) {
    if (q.shift < -31 || q.shift > 31) {
      image_fail(fmt::format("requant shift {} outside [-31, 31]", q.shift));
    }
  }
  if (p.output_rows > lim.output_rows) {
    image_fail(
        fmt::format("{} output rows exceed the limit of {}", p.output_rows, lim.output_rows));
  }
  for (std::size_t i = 0; i < p.cmds.size(); ++i) validate_command(p.cmds[i], i, lim);
}

}  // namespace serrano::isa
