// SPDX-License-Identifier: Apache-2.0
// Simulator speed: how fast the verilated RTL, the SystemC model (functional, with data) and the
// SystemC model (timing only, commands without data) run the same GEMM programs.
//
//   sim_speed_bench [--quick] [--json FILE]
//
// For each test config (16x16, 32x32) and GEMM size, it first runs the program once on every
// simulator and checks that they agree (total cycles and every command's issue cycle identical,
// functional output equal to the golden answer, RTL output equal to the model's) and stops with
// exit status 1 otherwise: a benchmark of a wrong simulator is worthless. Then it times
// sim.run(program) only (programs and their memory images are built beforehand): a sample is a
// batch of runs lasting at least the minimum sample time, the result is the best sample's time per
// run over at least three samples. docs/performance.md describes the output and the JSON schema.
//
// Not a Google Benchmark: SystemC allows one elaboration per process, so every ArrayModel is
// constructed before the first run and the bench times the runs itself.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <systemc>  // declares sc_main (extern "C"), which SystemC's main() calls
#include <thread>
#include <vector>

#include "arch/arch_config.h"
#include "model/array_model.h"
#include "model/array_sim.h"
#include "testbench/rtl_array_sim.h"
#include "workloads/gemm.h"

namespace serrano {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  bool quick = false;
  std::string json_path;
};

struct GemmSize {
  int m = 0, k = 0, n = 0;
};

// How long one timed sample lasts at least, and how many samples are taken at least.
struct TimingPolicy {
  double min_sample_s = 0.2;
  int min_samples = 3;
};

// The benchmark cases of one config and the simulators that run them.
struct ConfigBench {
  std::string name;  // config file stem, e.g. "test-32x32"
  arch::ArchConfig cfg;
  std::unique_ptr<model::IArraySim> rtl;
  std::unique_ptr<model::ArrayModel> functional;
  std::unique_ptr<model::ArrayModel> timing_only;
  std::vector<GemmSize> sizes;
};

struct SimTiming {
  std::string sim;                    // "rtl" | "model_functional" | "model_timing_only"
  double seconds_per_run = 0.0;       // best sample
  double mean_seconds_per_run = 0.0;  // over all samples
  int runs_per_sample = 0;
  int samples = 0;
};

struct CaseResult {
  std::string config;
  int rows = 0, cols = 0;
  GemmSize size;
  std::uint64_t macs = 0;
  std::uint64_t cycles = 0;
  std::size_t commands = 0;
  std::vector<SimTiming> timings;  // rtl first
};

class BenchFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void print_usage(std::FILE* to) {
  std::fprintf(to,
               "usage: sim_speed_bench [--quick] [--json FILE]\n"
               "  Times the verilated RTL and the SystemC model (functional and timing-only) on\n"
               "  GEMM programs for the test-16x16 and test-32x32 configs, after checking that\n"
               "  they agree with each other and with the golden library.\n"
               "  --quick      one small GEMM per config and short samples (a smoke test)\n"
               "  --json FILE  also write the results as JSON (docs/performance.md)\n");
}

Options parse_options(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      opt.quick = true;
    } else if (arg == "--json") {
      if (i + 1 >= argc) throw std::invalid_argument("--json needs a file name");
      opt.json_path = argv[++i];
    } else if (arg.rfind("--json=", 0) == 0 && arg.size() > 7) {
      opt.json_path = arg.substr(7);
    } else if (arg == "--help" || arg == "-h") {
      print_usage(stdout);
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown argument '" + arg + "'");
    }
  }
  return opt;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0, five = 0, fifteen = 0;
  if (!(in >> one >> five >> fifteen)) return "unknown";
  return fmt::format("{:.2f} {:.2f} {:.2f}", one, five, fifteen);
}

std::string compiler() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

std::string gemm_name(const GemmSize& s) { return fmt::format("{}x{}x{}", s.m, s.k, s.n); }

// Runs the program `runs` times; returns the wall time of the batch in seconds. Every run must
// report `cycles` (a simulator that drifts between runs is as wrong as one that disagrees).
double timed_batch(model::IArraySim& sim, const isa::ArrayProgram& prog, int runs,
                   std::uint64_t cycles) {
  std::uint64_t last_cycles = 0;
  const auto start = Clock::now();
  for (int i = 0; i < runs; ++i) last_cycles = sim.run(prog).total_cycles;
  const auto stop = Clock::now();
  if (last_cycles != cycles) {
    throw BenchFailure(fmt::format("{}: a repeated run took {} cycles, the first {}", sim.name(),
                                   last_cycles, cycles));
  }
  return std::chrono::duration<double>(stop - start).count();
}

// Best of at least policy.min_samples samples, each a batch of runs lasting at least
// policy.min_sample_s. `first_run_s` (the checking run) sizes the batch.
SimTiming time_sim(const std::string& label, model::IArraySim& sim, const isa::ArrayProgram& prog,
                   std::uint64_t cycles, double first_run_s, const TimingPolicy& policy) {
  SimTiming t;
  t.sim = label;
  double per_run = std::max(first_run_s, 1e-7);
  int runs = std::max(1, int(std::ceil(policy.min_sample_s / per_run)));
  // Calibration batches (not recorded) grow the batch until one lasts min_sample_s; they also
  // warm up whatever the checking run left cold.
  for (int attempt = 0; attempt < 4; ++attempt) {
    const double s = timed_batch(sim, prog, runs, cycles);
    if (s >= policy.min_sample_s) break;
    per_run = std::max(s / runs, 1e-7);
    runs = std::max(runs + 1, int(std::ceil(1.1 * policy.min_sample_s / per_run)));
  }
  t.runs_per_sample = runs;
  double best = 1e300, total = 0.0;
  for (int i = 0; i < policy.min_samples; ++i) {
    const double s = timed_batch(sim, prog, runs, cycles) / runs;
    best = std::min(best, s);
    total += s;
    ++t.samples;
  }
  t.seconds_per_run = best;
  t.mean_seconds_per_run = total / t.samples;
  return t;
}

double time_one_run(model::IArraySim& sim, const isa::ArrayProgram& prog,
                    model::ArrayRunResult& result) {
  const auto start = Clock::now();
  result = sim.run(prog);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void check_same_timing(const std::string& what, const model::ArrayRunResult& ref,
                       const model::ArrayRunResult& other, const isa::ArrayProgram& prog) {
  if (other.total_cycles != ref.total_cycles) {
    throw BenchFailure(fmt::format("{}: {} total cycles, the functional model {}", what,
                                   other.total_cycles, ref.total_cycles));
  }
  if (other.issue_cycles != ref.issue_cycles) {
    std::size_t i = 0;
    while (i < ref.issue_cycles.size() && i < other.issue_cycles.size() &&
           ref.issue_cycles[i] == other.issue_cycles[i]) {
      ++i;
    }
    const std::string cmd = i < prog.cmds.size() ? isa::to_string(prog.cmds[i]) : "?";
    const auto cycle = [i](const model::ArrayRunResult& r) {
      return i < r.issue_cycles.size() ? std::to_string(r.issue_cycles[i]) : "never";
    };
    throw BenchFailure(
        fmt::format("{}: command #{} ({}) issued in cycle {}, in the functional "
                    "model in cycle {}",
                    what, i, cmd, cycle(other), cycle(ref)));
  }
}

void check_output(const std::string& what, const workloads::GemmTiling& tiling,
                  const workloads::GemmProblem& problem, const std::vector<std::int8_t>& golden,
                  const model::ArrayRunResult& r) {
  const auto got = workloads::gemm_result(tiling, problem.m, problem.n, r.output);
  for (std::size_t i = 0; i < golden.size(); ++i) {
    if (got[i] != golden[i]) {
      throw BenchFailure(fmt::format(
          "{}: output differs from gemm_golden at row {}, column {}: "
          "golden {}, got {}",
          what, i / std::size_t(problem.n), i % std::size_t(problem.n), golden[i], got[i]));
    }
  }
}

CaseResult bench_case(ConfigBench& cb, const GemmSize& size, const TimingPolicy& policy) {
  const auto tiling = workloads::plan_gemm_tiling(size.m, size.k, size.n, cb.functional->limits());
  const std::uint64_t seed =
      (std::uint64_t(size.m) << 40) ^ (std::uint64_t(size.k) << 20) ^ std::uint64_t(size.n);
  const auto problem = workloads::random_gemm_problem(size.m, size.k, size.n, seed);
  // Programs and golden answer are built before any timing.
  const isa::ArrayProgram full = workloads::build_gemm_program(problem, tiling);
  isa::ArrayProgram cmds_only;
  cmds_only.cmds = workloads::gemm_commands(tiling, size.m, size.k, size.n, problem.out);
  cmds_only.output_rows = std::uint64_t(tiling.n_blocks) * std::uint64_t(size.m);
  const std::vector<std::int8_t> golden = workloads::gemm_golden(problem);

  // The checking runs (which also warm up every simulator).
  const std::string where = fmt::format("{} gemm {}", cb.name, gemm_name(size));
  model::ArrayRunResult rtl_r, fun_r, tim_r;
  const double rtl_first = time_one_run(*cb.rtl, full, rtl_r);
  const double fun_first = time_one_run(*cb.functional, full, fun_r);
  const double tim_first = time_one_run(*cb.timing_only, cmds_only, tim_r);
  check_output(where + ": functional model", tiling, problem, golden, fun_r);
  check_output(where + ": RTL", tiling, problem, golden, rtl_r);
  if (rtl_r.output != fun_r.output) {
    throw BenchFailure(where + ": RTL and model output rows differ outside the M x N result");
  }
  check_same_timing(where + ": RTL", fun_r, rtl_r, full);
  check_same_timing(where + ": timing-only model", fun_r, tim_r, full);

  CaseResult c;
  c.config = cb.name;
  c.rows = cb.cfg.array.rows;
  c.cols = cb.cfg.array.cols;
  c.size = size;
  c.macs = std::uint64_t(size.m) * std::uint64_t(size.k) * std::uint64_t(size.n);
  c.cycles = fun_r.total_cycles;
  c.commands = full.cmds.size();
  c.timings.push_back(time_sim("rtl", *cb.rtl, full, c.cycles, rtl_first, policy));
  c.timings.push_back(
      time_sim("model_functional", *cb.functional, full, c.cycles, fun_first, policy));
  c.timings.push_back(
      time_sim("model_timing_only", *cb.timing_only, cmds_only, c.cycles, tim_first, policy));
  return c;
}

std::string si(double v) {
  if (v >= 1e9) return fmt::format("{:.3g} G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.3g} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.3g} k", v / 1e3);
  return fmt::format("{:.3g} ", v);
}

std::string seconds(double s) {
  if (s >= 1.0) return fmt::format("{:.3g} s", s);
  if (s >= 1e-3) return fmt::format("{:.3g} ms", s * 1e3);
  return fmt::format("{:.3g} us", s * 1e6);
}

void print_header() {
  std::printf("%-11s %-12s %-18s %9s %9s %10s %6s %11s %11s %9s\n", "config", "gemm", "simulator",
              "cycles", "MACs", "time/run", "runs", "cycles/s", "MAC/s", "vs RTL");
}

void print_case(const CaseResult& c) {
  const double rtl_s = c.timings.front().seconds_per_run;
  for (const auto& t : c.timings) {
    const double speedup = rtl_s / t.seconds_per_run;
    const std::string ratio = fmt::format(speedup < 100 ? "{:.1f}" : "{:.0f}", speedup);
    std::printf("%-11s %-12s %-18s %9llu %9s %10s %6d %11s %11s %8sx\n", c.config.c_str(),
                gemm_name(c.size).c_str(), t.sim.c_str(), static_cast<unsigned long long>(c.cycles),
                si(double(c.macs)).c_str(), seconds(t.seconds_per_run).c_str(),
                t.runs_per_sample * t.samples, si(double(c.cycles) / t.seconds_per_run).c_str(),
                si(double(c.macs) / t.seconds_per_run).c_str(), ratio.c_str());
  }
  std::fflush(stdout);
}

nlohmann::json to_json(const CaseResult& c) {
  nlohmann::json j;
  j["config"] = c.config;
  j["array"] = {{"rows", c.rows}, {"cols", c.cols}};
  j["gemm"] = {{"m", c.size.m}, {"k", c.size.k}, {"n", c.size.n}};
  j["macs"] = c.macs;
  j["cycles"] = c.cycles;
  j["commands"] = c.commands;
  j["pe_utilization"] = double(c.macs) / (double(c.cycles) * c.rows * c.cols);
  const double rtl_s = c.timings.front().seconds_per_run;
  nlohmann::json sims = nlohmann::json::object();
  for (const auto& t : c.timings) {
    sims[t.sim] = {
        {"seconds_per_run", t.seconds_per_run},
        {"mean_seconds_per_run", t.mean_seconds_per_run},
        {"runs_per_sample", t.runs_per_sample},
        {"samples", t.samples},
        {"cycles_per_second", double(c.cycles) / t.seconds_per_run},
        {"macs_per_second", double(c.macs) / t.seconds_per_run},
        {"speedup_vs_rtl", rtl_s / t.seconds_per_run},
    };
  }
  j["sims"] = sims;
  return j;
}

arch::ArchConfig test_config(const std::string& name) {
  return arch::load_arch_file(std::string(SERRANO_SOURCE_DIR) + "/configs/" + name + ".yaml");
}

int run_bench(const Options& opt) {
  TimingPolicy policy;
  if (opt.quick) policy.min_sample_s = 0.02;

  // Every simulator is constructed before the first run: one SystemC elaboration per process.
  std::vector<ConfigBench> benches;
  // The operands must fit on chip (no DMA tiling yet): with 64 KiB scratchpad and weight buffer
  // M*K and K*N are at most 64 Ki, so 256^3 is the largest cube and 512^3 is listed to say so.
  const std::vector<GemmSize> full_sizes = {
      {64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {512, 128, 512}, {512, 512, 512}};
  for (const char* name : {"test-16x16", "test-32x32"}) {
    ConfigBench cb;
    cb.name = name;
    cb.cfg = test_config(name);
    cb.rtl = testbench::make_rtl_array_sim(cb.cfg.array.rows, cb.cfg.array.cols);
    cb.functional =
        std::make_unique<model::ArrayModel>(cb.cfg, model::ArrayModel::Mode::Functional);
    cb.timing_only =
        std::make_unique<model::ArrayModel>(cb.cfg, model::ArrayModel::Mode::TimingOnly);
    if (opt.quick) {
      cb.sizes = {{64, 64, 64}};
    } else {
      cb.sizes = full_sizes;
    }
    benches.push_back(std::move(cb));
  }

  const std::string load_before = load_average();
  std::printf("sim_speed_bench: %s, %u hardware threads, %s; load average %s\n",
              cpu_model().c_str(), std::thread::hardware_concurrency(), compiler().c_str(),
              load_before.c_str());
  std::printf(
      "time/run: best of %d samples, each a batch of runs lasting >= %.2f s; each "
      "GEMM checked first (cycles equal, output == golden)\n\n",
      policy.min_samples, policy.min_sample_s);
  print_header();

  std::vector<CaseResult> results;
  nlohmann::json skipped = nlohmann::json::array();
  for (auto& cb : benches) {
    for (const auto& size : cb.sizes) {
      try {
        results.push_back(bench_case(cb, size, policy));
        print_case(results.back());
      } catch (const workloads::PlanError& e) {
        std::printf("%-11s %-12s does not fit: %s\n", cb.name.c_str(), gemm_name(size).c_str(),
                    e.what());
        skipped.push_back({{"config", cb.name},
                           {"gemm", {{"m", size.m}, {"k", size.k}, {"n", size.n}}},
                           {"reason", e.what()}});
      }
    }
  }
  const std::string load_after = load_average();
  std::printf("\nload average after: %s\n", load_after.c_str());

  if (!opt.json_path.empty()) {
    nlohmann::json j;
    j["bench"] = "sim_speed";
    j["schema_version"] = 1;
    j["quick"] = opt.quick;
    j["machine"] = {{"cpu", cpu_model()},
                    {"hardware_threads", std::thread::hardware_concurrency()},
                    {"compiler", compiler()},
                    {"load_average_before", load_before},
                    {"load_average_after", load_after}};
    j["timing"] = {{"min_sample_seconds", policy.min_sample_s},
                   {"min_samples", policy.min_samples},
                   {"statistic", "best sample, seconds per run"}};
    j["results"] = nlohmann::json::array();
    for (const auto& c : results) j["results"].push_back(to_json(c));
    j["skipped"] = skipped;
    std::ofstream out(opt.json_path);
    out << j.dump(2) << '\n';
    if (!out) throw std::runtime_error("cannot write " + opt.json_path);
    std::printf("wrote %s\n", opt.json_path.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace serrano

int sc_main(int argc, char** argv) {
  serrano::Options opt;
  try {
    opt = serrano::parse_options(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "sim_speed_bench: %s\n", e.what());
    serrano::print_usage(stderr);
    return 2;
  }
  try {
    return serrano::run_bench(opt);
  } catch (const serrano::BenchFailure& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "\nsim_speed_bench: SIMULATORS DISAGREE, stopping: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "\nsim_speed_bench: error: %s\n", e.what());
  }
  return 1;
}
