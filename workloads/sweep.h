// SPDX-License-Identifier: Apache-2.0
// Design-space sweeps (docs/sweep.md): a spec file names chip parameters to vary (array size,
// dataflow, clock, SRAM sizes, DRAM bandwidth, technology) and workloads (model, phase, lengths,
// batch, layers); the points are their product (a grid) or a seeded sample of it. Each point is
// compiled and simulated in timing-only mode and priced for energy and area; a point that cannot
// run is recorded with its reason. One point gives one JSON line; `serrano sweep` runs them in
// parallel, appends each line as it finishes, resumes, shards and merges.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "workloads/layer_ops.h"

namespace serrano::workloads::sweep {

struct Workload {
  std::string model;  // built-in name or .yaml path
  Phase phase = Phase::Prefill;
  int seq = 128, kv = 0, batch = 1, layers = 1;
};

// Every axis holds the values to try; an empty axis keeps the base config's value.
struct ChipAxes {
  std::string base;  // the base config file (resolved path)
  std::vector<int> array;  // square arrays: rows = cols = the value (vector lanes follow)
  std::vector<std::string> dataflow;  // ws | os
  std::vector<double> clock_ghz;
  std::vector<std::int64_t> scratchpad_kib, weight_buffer_kib, accumulator_kib;
  std::vector<double> dram_bandwidth_gbps;
  std::vector<std::string> technology;
};

struct Spec {
  std::string name;
  std::string source;  // the file it came from
  std::string hash;    // FNV-1a 64 of the file's bytes, hex: names the sweep in result lines
  bool random = false;  // a seeded sample of the grid instead of the whole grid
  std::uint64_t samples = 0, seed = 1;
  ChipAxes chip;
  std::vector<Workload> workloads;  // each list-valued workload field already expanded
};

// The most grid points a spec may have (chip combinations x workloads): each is a simulation, and
// points() lists the grid.
inline constexpr std::size_t kMaxGridPoints = 1000000;

// Strict like the other YAML readers: unknown keys, wrong types and empty lists are refused with
// arch::ConfigError "<file>: <field>: <message>". Relative paths (chip.base, a model .yaml) are
// relative to the spec file's folder.
Spec parse_spec(const std::string& text, const std::string& source,
                const std::string& base_dir = ".");
Spec load_spec(const std::string& path);

struct Point {
  std::size_t index = 0;  // position in the grid
  std::size_t chip = 0;   // index of the chip combination
  std::size_t workload = 0;
};

std::size_t grid_size(const Spec& s);
// The points of the sweep in index order: the whole grid, or `samples` distinct grid points
// drawn with the seed (sorted).
std::vector<Point> points(const Spec& s);

// The chip config of a point (name "<spec>-<chip index>"); throws arch::ConfigError when the
// combination is not a valid config.
arch::ArchConfig point_config(const Spec& s, const Point& p);

// Runs one point: timing-only simulation of the workload on the point's chip, energy and area
// from its technology table. Never throws for a point that cannot run: the line has status
// "infeasible" and the reason. Must run in a process that has not elaborated a SystemC model yet
// (`serrano sweep` forks one per point).
nlohmann::ordered_json evaluate(const Spec& s, const Point& p);

// Lines of a results file that belong to `s` (other sweeps' lines throw std::runtime_error); a
// last line cut short by a kill is dropped, and `valid_bytes` says where the good lines end.
std::vector<nlohmann::ordered_json> read_results(const Spec& s, const std::string& path,
                                                 std::uint64_t* valid_bytes = nullptr);

// The Pareto front (minimal latency, energy, area) of the "ok" lines of one workload.
std::vector<nlohmann::ordered_json> pareto_front(const std::vector<nlohmann::ordered_json>& lines);

}  // namespace serrano::workloads::sweep
