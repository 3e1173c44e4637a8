// SPDX-License-Identifier: Apache-2.0
#include "cli/sweep_command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "arch/arch_config.h"
#include "workloads/sweep.h"

namespace serrano::cli {

namespace {

namespace sw = workloads::sweep;
namespace fs = std::filesystem;

struct SweepOptions {
  std::string spec, out, shard, emit_slurm, plot;
  int jobs = 0, tasks = 4;
  // merge
  std::string merge_spec, merge_out;
  std::vector<std::string> merge_in;
};

struct Shard {
  std::size_t index = 0, count = 1;
};

Shard parse_shard(const std::string& text) {
  Shard s;
  const auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    std::size_t a = 0, b = 0;
    s.index = std::stoul(text.substr(0, slash), &a);
    s.count = std::stoul(text.substr(slash + 1), &b);
    if (a != slash || b != text.size() - slash - 1) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw arch::ConfigError("sweep", "shard", "must be I/N, got " + text);
  }
  if (s.count < 1 || s.index >= s.count) {
    throw arch::ConfigError("sweep", "shard", fmt::format("needs 0 <= I < N, got {}", text));
  }
  return s;
}

std::string default_out(const sw::Spec& spec, const Shard& shard) {
  if (shard.count == 1) return fmt::format("reports/sweep-{}.jsonl", spec.name);
  return fmt::format("reports/sweep-{}.shard-{}-of-{}.jsonl", spec.name, shard.index, shard.count);
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Appends one line with a single write and syncs it: a kill leaves whole lines, or a last line
// cut short that the next run drops (sweep::read_results).
void append_line(int fd, const std::string& line, const std::string& path) {
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n <= 0) throw std::runtime_error("--out: cannot write " + path);
    done += std::size_t(n);
  }
  ::fsync(fd);
}

std::string one_line_json(const nlohmann::ordered_json& j) { return j.dump() + "\n"; }

void print_front(const sw::Spec& spec, const std::vector<nlohmann::ordered_json>& lines) {
  for (std::size_t w = 0; w < spec.workloads.size(); ++w) {
    std::vector<nlohmann::ordered_json> of;
    nlohmann::ordered_json desc;
    for (const auto& l : lines) {
      if (l["index"].get<std::size_t>() % spec.workloads.size() == w) {
        of.push_back(l);
        desc = l["workload"];
      }
    }
    if (of.empty()) continue;
    const auto front = sw::pareto_front(of);
    std::printf("\n  Pareto front (latency, energy, area), %s %s seq %d kv %d batch %d layers %d: "
                "%zu of %zu points\n",
                desc["model"].get<std::string>().c_str(), desc["phase"].get<std::string>().c_str(),
                desc["seq"].get<int>(), desc["kv"].get<int>(), desc["batch"].get<int>(),
                desc["layers"].get<int>(), front.size(), of.size());
    std::printf("  %6s %6s %6s %9s %10s %6s %14s %14s %10s %9s %9s\n", "index", "array", "flow",
                "clock GHz", "DRAM GB/s", "tech", "latency us", "energy uJ", "area mm2", "TOPS/W",
                "TOPS/mm2");
    for (const auto& p : front) {
      const auto& c = p["chip"];
      std::printf("  %6zu %6d %6s %9.2f %10.1f %6s %14.2f %14.2f %10.3f %9.3f %9.3f\n",
                  p["index"].get<std::size_t>(), c["array"].get<int>(),
                  c["dataflow"].get<std::string>().c_str(), c["clock_ghz"].get<double>(),
                  c["dram_bandwidth_gbps"].get<double>(), c["technology"].get<std::string>().c_str(),
                  p["latency_s"].get<double>() * 1e6, p["energy_j"].get<double>() * 1e6,
                  p["area_mm2"].get<double>(), p["tops_per_w"].get<double>(),
                  p["tops_per_mm2"].get<double>());
    }
  }
}

std::string python() {
  if (const char* p = std::getenv("SERRANO_PYTHON"); p != nullptr && *p != '\0') return p;
  if (fs::exists("/usr/bin/python3")) return "/usr/bin/python3";
  return "python3";
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

int emit_slurm(const SweepOptions& o, const sw::Spec& spec) {
  if (o.tasks < 1) throw arch::ConfigError("sweep", "tasks", "must be >= 1");
  const std::string self = fs::canonical("/proc/self/exe").string();
  const std::string spec_abs = fs::absolute(o.spec).string();
  const std::string dir = fs::absolute(o.out.empty() ? "reports" : fs::path(o.out)).string();
  std::ofstream f(o.emit_slurm);
  if (!f) throw std::runtime_error("--emit-slurm: cannot write " + o.emit_slurm);
  f << "#!/bin/bash\n"
    << "# Serrano sweep '" << spec.name << "' (spec " << spec.hash << ") as a Slurm job array:\n"
    << "# one task per shard; join the shards with\n"
    << "#   " << self << " sweep merge " << spec_abs << " --out " << dir << "/sweep-" << spec.name
    << ".jsonl " << dir << "/sweep-" << spec.name << ".shard-*-of-" << o.tasks << ".jsonl\n"
    << "#SBATCH --job-name=serrano-sweep-" << spec.name << "\n"
    << "#SBATCH --array=0-" << (o.tasks - 1) << "\n"
    << "#SBATCH --ntasks=1\n"
    << "#SBATCH --cpus-per-task=1\n"
    << "#SBATCH --output=" << dir << "/slurm-" << spec.name << "-%A_%a.log\n"
    << "set -euo pipefail\n"
    << "mkdir -p " << quote(dir) << "\n"
    << "cd " << quote(fs::current_path().string()) << "\n"
    << quote(self) << " sweep " << quote(spec_abs) << " --jobs 1 --shard \"${SLURM_ARRAY_TASK_ID}/"
    << o.tasks << "\" --out " << quote(dir) << "/sweep-" << spec.name
    << ".shard-\"${SLURM_ARRAY_TASK_ID}\"-of-" << o.tasks << ".jsonl\n";
  f.close();
  fs::permissions(o.emit_slurm, fs::perms::owner_exec | fs::perms::group_exec |
                                    fs::perms::others_exec,
                  fs::perm_options::add);
  std::printf("serrano sweep: wrote %s, a %d-task Slurm job array for sweep %s (%zu points)\n",
              o.emit_slurm.c_str(), o.tasks, spec.name.c_str(), sw::points(spec).size());
  return 0;
}

int run_sweep(const SweepOptions& o) {
  if (o.spec.empty()) throw arch::ConfigError("sweep", "spec", "a sweep spec (.yaml) is required");
  const sw::Spec spec = sw::load_spec(o.spec);
  if (!o.emit_slurm.empty()) return emit_slurm(o, spec);
  const Shard shard = o.shard.empty() ? Shard{} : parse_shard(o.shard);
  std::vector<sw::Point> mine;
  const auto all = sw::points(spec);
  for (std::size_t k = 0; k < all.size(); ++k) {
    if (k % shard.count == shard.index) mine.push_back(all[k]);
  }
  const std::string out = o.out.empty() ? default_out(spec, shard) : o.out;
  if (fs::path(out).has_parent_path()) fs::create_directories(fs::path(out).parent_path());
  std::uint64_t valid = 0;
  const auto before = sw::read_results(spec, out, &valid);
  if (fs::exists(out) && fs::file_size(out) > valid) fs::resize_file(out, valid);  // cut line
  std::set<std::size_t> done;
  for (const auto& l : before) done.insert(l["index"].get<std::size_t>());
  std::vector<sw::Point> pending;
  for (const auto& p : mine) {
    if (!done.count(p.index)) pending.push_back(p);
  }
  const int jobs = o.jobs > 0 ? o.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("serrano sweep %s: %zu points (grid of %zu)%s, %zu already in %s, %zu to run on %d "
              "job(s)\n",
              spec.name.c_str(), mine.size(), sw::grid_size(spec),
              shard.count > 1 ? fmt::format(", shard {}/{}", shard.index, shard.count).c_str() : "",
              mine.size() - pending.size(), out.c_str(), pending.size(), jobs);
  std::fflush(stdout);

  const int fd = ::open(out.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) throw std::runtime_error("--out: cannot open " + out);
  struct Running {
    sw::Point point;
    std::string tmp;
  };
  std::map<pid_t, Running> running;
  std::size_t next = 0, finished = 0;
  while (next < pending.size() || !running.empty()) {
    while (next < pending.size() && running.size() < std::size_t(jobs)) {
      const sw::Point p = pending[next++];
      const std::string tmp = fmt::format("{}.point-{}.tmp", out, p.index);
      std::fflush(stdout);
      std::fflush(stderr);
      const pid_t pid = ::fork();
      if (pid < 0) throw std::runtime_error("sweep: cannot fork a point's process");
      if (pid == 0) {  // the point's own process: one SystemC elaboration
        int rc = 0;
        try {
          std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
          f << one_line_json(sw::evaluate(spec, p));
          f.close();
          rc = f ? 0 : 3;
        } catch (...) {
          rc = 4;
        }
        ::_exit(rc);
      }
      running[pid] = {p, tmp};
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) break;
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const Running r = it->second;
    running.erase(it);
    std::string line = slurp(r.tmp);
    std::remove(r.tmp.c_str());
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) || line.empty() || line.back() != '\n') {
      // A point whose process died is recorded, not dropped.
      nlohmann::ordered_json j;
      j["sweep"] = spec.name;
      j["spec"] = spec.hash;
      j["index"] = r.point.index;
      j["status"] = "error";
      j["reason"] = WIFSIGNALED(status)
                        ? fmt::format("the point's process died of signal {}", WTERMSIG(status))
                        : fmt::format("the point's process exited with status {}",
                                      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
      line = one_line_json(j);
    }
    append_line(fd, line, out);
    ++finished;
    const auto j = nlohmann::ordered_json::parse(line);
    std::printf("  [%zu/%zu] point %zu: %s\n", finished + done.size(), mine.size(),
                r.point.index,
                j["status"] == "ok"
                    ? fmt::format("{:.2f} us, {:.2f} uJ", j["latency_s"].get<double>() * 1e6,
                                  j["energy_j"].get<double>() * 1e6)
                          .c_str()
                    : (j["status"].get<std::string>() + ": " + j.value("reason", "")).c_str());
    std::fflush(stdout);
  }
  ::close(fd);

  const auto lines = sw::read_results(spec, out);
  std::size_t ok = 0, infeasible = 0, errors = 0;
  for (const auto& l : lines) {
    const std::string st = l["status"];
    ok += st == "ok";
    infeasible += st == "infeasible";
    errors += st == "error";
  }
  std::printf("\n  %zu points in %s: %zu ok, %zu infeasible (recorded with their reason), %zu "
              "errors\n",
              lines.size(), out.c_str(), ok, infeasible, errors);
  print_front(spec, lines);
  if (!o.plot.empty()) {
    const std::string cmd = python() + " " +
                            quote(std::string(SERRANO_SCRIPTS_DIR) + "/plot_sweep.py") + " " +
                            quote(out) + " " + quote(o.plot);
    if (std::system(cmd.c_str()) != 0) {
      throw std::runtime_error("--plot: the plot script failed (it needs python3-matplotlib)");
    }
    std::printf("\n  plot: %s\n", o.plot.c_str());
  }
  return errors > 0 ? 1 : 0;
}

int run_merge(const SweepOptions& o) {
  const sw::Spec spec = sw::load_spec(o.merge_spec);
  std::map<std::size_t, std::string> by_index;
  for (const auto& in : o.merge_in) {
    if (!fs::exists(in)) throw std::runtime_error("sweep merge: no such file: " + in);
    for (const auto& l : sw::read_results(spec, in)) {
      const std::size_t i = l["index"];
      const std::string text = l.dump();
      const auto [it, fresh] = by_index.emplace(i, text);
      if (!fresh && it->second != text) {
        throw std::runtime_error(
            fmt::format("sweep merge: point {} differs between the inputs ({})", i, in));
      }
    }
  }
  std::ofstream f(o.merge_out, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error("--out: cannot write " + o.merge_out);
  for (const auto& [i, text] : by_index) f << text << '\n';
  f.close();
  const std::size_t total = sw::points(spec).size();
  std::printf("serrano sweep merge: %zu of %zu points of sweep %s from %zu file(s) into %s%s\n",
              by_index.size(), total, spec.name.c_str(), o.merge_in.size(), o.merge_out.c_str(),
              by_index.size() == total ? "" : " (incomplete)");
  return 0;
}

}  // namespace

void add_sweep_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<SweepOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Run a design-space sweep (docs/sweep.md): chip parameters x workloads, in parallel, "
      "resumable, with the Pareto front");
  cmd->add_option("spec", opts->spec, "Sweep spec (.yaml)");
  cmd->add_option("--out", opts->out,
                  "Results file, one JSON line a point (default reports/sweep-NAME.jsonl); an "
                  "existing file is resumed");
  cmd->add_option("--jobs", opts->jobs, "Points run at once (default: the cores)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--shard", opts->shard, "Run only slice I of N: I/N");
  cmd->add_option("--emit-slurm", opts->emit_slurm,
                  "Write a Slurm job-array script for the sweep (one task a shard) and stop");
  cmd->add_option("--tasks", opts->tasks, "Tasks of the --emit-slurm job array")
      ->capture_default_str();
  cmd->add_option("--plot", opts->plot,
                  "Write a PNG scatter of latency and energy with the Pareto front");
  cmd->require_subcommand(0, 1);
  CLI::App* merge = cmd->add_subcommand("merge", "Join shard results files into one, by point");
  merge->add_option("spec", opts->merge_spec, "Sweep spec (.yaml)")->required();
  merge->add_option("--out", opts->merge_out, "Merged results file")->required();
  merge->add_option("inputs", opts->merge_in, "Shard results files")->required();
  merge->callback([opts, &exit_code] { exit_code = run_merge(*opts); });
  cmd->callback([opts, cmd, &exit_code] {
    if (cmd->got_subcommand("merge")) return;
    exit_code = run_sweep(*opts);
  });
}

}  // namespace serrano::cli
