// SPDX-License-Identifier: Apache-2.0
// serrano_gpu_gemm: measures int8 and fp16 cuBLASLt GEMMs of transformer-layer shapes on an NVIDIA
// GPU (time per GEMM with CUDA events, board power and energy with NVML) and writes one JSON file.
// See docs/gpu-measured.md for the method and the measured results.
#include <sys/utsname.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gemm_bench.h"
#include "json_writer.h"
#include "nvml_power.h"
#include "shapes.h"

using namespace serrano::gpubench;

namespace {

const char* kUsage = R"(usage: serrano_gpu_gemm [options]
  --out FILE          JSON output (default serrano_gpu_gemm.json)
  --set NAME          default shape set: all (default), models, square, skinny, smoke, none
  --shapes FILE       add shapes from FILE: `model phase layer M K N [batch [count]]` per line
  --shape M,K,N[,B]   add one shape (repeatable)
  --precisions LIST   comma-separated, from int8,fp16 (default int8,fp16)
  --list              print the selected shapes in the --shapes format and exit
  --algos N           cuBLASLt heuristic results to time, keep the fastest (default 12)
  --budget-ms T       least time of each timed loop (default 100)
  --settle-ms T       loaded time before each power window opens (default 150)
  --power-ms T        least length of each power window; 0 = no power (default 500)
  --select-us T       length of each algorithm's timed trial (default 1000)
  --warmup-ms T       warm-up before each timed loop (default 20)
  --sample-us T       target length of one timed sample, a graph of G GEMMs (default 500)
  --rotate-mib S      cycle copies of A and W adding up to at least S MiB (default 256)
  --idle-ms T         idle power measurement before the runs; 0 = none (default 1000)
  --copy-mib S        device-to-device copy of S MiB for the DRAM ceiling; 0 = none (default 1024)
  --device I          CUDA device (default 0)
)";

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string version_string(int v) {  // 13000 -> "13.0"
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

struct Idle {
  bool measured = false, energy_ok = false, aligned = false;
  double window_s = 0, energy_j = 0, avg_w = 0, sampled_avg_w = 0;
  int samples = 0, sm_mhz = -1, mem_mhz = -1, temp_c = -1;
  double energy_read_ms = 0;
  int energy_updates = 0;  // energy-counter updates inside the window (polled every 1 ms)
};

Idle measure_idle(const Nvml& nvml, double ms, int period_ms) {
  Idle idle;
  if (!nvml.ok() || ms <= 0) return idle;
  PowerMonitor monitor(&nvml);
  monitor.start(0.0, ms, period_ms);
  while (!monitor.done()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  monitor.stop();
  const EnergyWindow& window = monitor.window();
  idle.measured = true;
  idle.energy_ok = window.ok();
  idle.aligned = window.aligned();
  idle.window_s = window.seconds();
  idle.energy_j = window.joules();
  idle.energy_updates = window.updates();
  if (idle.energy_ok) idle.avg_w = idle.energy_j / idle.window_s;
  idle.samples = monitor.samples();
  idle.sampled_avg_w = monitor.mean_w();
  idle.energy_read_ms = monitor.energy_read_mean_ms();
  unsigned v = 0;
  if (nvml.clock_mhz(1, &v)) idle.sm_mhz = int(v);
  if (nvml.clock_mhz(2, &v)) idle.mem_mhz = int(v);
  if (nvml.temperature_c(&v)) idle.temp_c = int(v);
  return idle;
}

void write_algo(JsonWriter& j, const AlgoTrial& t) {
  j.begin_object();
  j.integer("heuristic_rank", t.rank).integer("algo_id", t.algo_id).integer("tile_id", t.tile);
  j.integer("stages_id", t.stages).integer("splitk", t.splitk).integer("reduction", t.reduction);
  j.integer("swizzle", t.swizzle).integer("custom", t.custom).integer("cluster_id", t.cluster);
  j.uinteger("workspace_bytes", t.workspace).number("waves", t.waves, 4);
  j.boolean("ran", t.ok);
  if (t.ok)
    j.number("median_us", t.median_us, 5);
  else
    j.str("error", t.error);
  j.end_object();
}

void write_result(JsonWriter& j, const RunResult& r) {
  const GemmShape& s = r.shape;
  const bool i8 = r.precision == Precision::kInt8;
  const double ops = 2.0 * double(s.m) * double(s.k) * double(s.n) * double(s.batch);
  const double bytes = double(s.batch) * ((i8 ? 1.0 : 2.0) * double(s.m * s.k + s.n * s.k) +
                                          (i8 ? 4.0 : 2.0) * double(s.m * s.n));
  j.begin_object();
  j.str("model", s.model).str("phase", s.phase).str("layer", s.layer);
  j.integer("M", s.m).integer("K", s.k).integer("N", s.n).integer("batch", s.batch);
  j.integer("count_per_layer", s.count);
  j.str("precision", precision_name(r.precision));
  j.number("ops", ops, 12).number("bytes_min", bytes, 12).number("ops_per_byte", ops / bytes, 5);
  j.str("status", r.status);
  if (!r.reason.empty()) j.str("reason", r.reason);
  if (r.status == "ok" || !r.timing_method.empty()) {
    j.begin_object("time_us");
    j.number("median", r.median_us, 6).number("min", r.min_us, 6).number("mean", r.mean_us, 6);
    j.number("p90", r.p90_us, 6);
    j.end_object();
    j.number("tops_median", ops / (r.median_us * 1e6), 6);
    j.number("tops_best", ops / (r.min_us * 1e6), 6);
    j.number("eff_bandwidth_gbs_median", bytes / (r.median_us * 1e3), 6);
    j.begin_object("timing");
    j.str("method", r.timing_method).integer("gemms_per_sample", r.graph_gemms);
    j.integer("samples", r.samples).integer("gemms_timed", r.gemms_timed);
    j.integer("operand_sets", r.sets).number("busy_fraction", r.busy_fraction, 4);
    j.end_object();
  } else {
    j.integer("operand_sets", r.sets);
  }
  if (r.verify_checked > 0) {
    j.begin_object("verify");
    j.integer("elements_checked", r.verify_checked).boolean("pass", r.verify_pass);
    j.number("max_abs_err", r.verify_max_abs, 4).number("rel_l2_err", r.verify_rel_l2, 4);
    j.end_object();
  }
  if (r.power_measured) {
    const PowerResult& p = r.power;
    j.begin_object("power");
    j.str("method", p.energy_ok ? "energy_counter" : "sampled");
    j.boolean("aligned", p.aligned).number("window_s", p.window_s, 5);
    j.integer("counter_updates", p.counter_updates);
    const double w = p.energy_ok ? p.avg_w : p.sampled_avg_w;
    if (p.energy_ok)
      j.number("energy_j", p.energy_j, 6);
    else
      j.null("energy_j");
    j.number("avg_w", w, 5);
    // Energy of one GEMM at the measured rate: power * median time / ops (static power included).
    j.number("pj_per_op", w * r.median_us * 1e-6 / ops * 1e12, 5);
    j.integer("samples", p.samples).number("sampled_avg_w", p.sampled_avg_w, 5);
    j.number("sampled_max_w", p.sampled_max_w, 5).number("sm_mhz_avg", p.sm_mhz_avg, 5);
    j.integer("sm_mhz_after", p.sm_mhz).integer("mem_mhz_after", p.mem_mhz);
    j.integer("temp_c_after", p.temp_c).number("energy_read_ms", p.energy_read_ms, 4);
    if (p.reasons_ok)
      j.uinteger("clock_event_reasons", p.clock_event_reasons);
    else
      j.null("clock_event_reasons");
    j.end_object();
  }
  if (!r.algos.empty()) {
    j.integer("chosen_algo", r.chosen);
    j.begin_array("algos");
    for (const auto& t : r.algos) write_algo(j, t);
    j.end_array();
  }
  j.end_object();
}

bool read_file(const std::string& path, std::string* text) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *text = s.str();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions opt;
  std::string out_path = "serrano_gpu_gemm.json", set = "all";
  std::vector<GemmShape> extra;
  std::vector<Precision> precisions = {Precision::kInt8, Precision::kFp16};
  bool list = false;
  double idle_ms = 1000.0;
  int64_t copy_mib = 1024;
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  auto need = [&](int& i) -> std::string {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n%s", argv[i], kUsage);
      std::exit(2);
    }
    return argv[++i];
  };
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      std::string err;
      if (a == "--out")
        out_path = need(i);
      else if (a == "--set")
        set = need(i);
      else if (a == "--shapes") {
        const std::string path = need(i);
        std::string text;
        if (!read_file(path, &text) || !parse_shapes_text(text, &extra, &err)) {
          std::fprintf(stderr, "%s: %s\n", path.c_str(), err.empty() ? "cannot read" : err.c_str());
          return 2;
        }
      } else if (a == "--shape") {
        GemmShape s;
        if (!parse_shape_arg(need(i), &s, &err)) {
          std::fprintf(stderr, "%s\n", err.c_str());
          return 2;
        }
        extra.push_back(s);
      } else if (a == "--precisions") {
        precisions.clear();
        std::istringstream in(need(i));
        std::string tok;
        while (std::getline(in, tok, ',')) {
          Precision p;
          if (!parse_precision(tok, &p)) {
            std::fprintf(stderr, "unknown precision '%s' (int8, fp16)\n", tok.c_str());
            return 2;
          }
          precisions.push_back(p);
        }
      } else if (a == "--list")
        list = true;
      else if (a == "--algos")
        opt.algo_count = std::stoi(need(i));
      else if (a == "--budget-ms")
        opt.budget_ms = std::stod(need(i));
      else if (a == "--settle-ms")
        opt.settle_ms = std::stod(need(i));
      else if (a == "--select-us")
        opt.select_us = std::stod(need(i));
      else if (a == "--power-ms")
        opt.power_ms = std::stod(need(i));
      else if (a == "--warmup-ms")
        opt.warmup_ms = std::stod(need(i));
      else if (a == "--sample-us")
        opt.sample_us = std::stod(need(i));
      else if (a == "--rotate-mib")
        opt.rotate_bytes = std::stoll(need(i)) << 20;
      else if (a == "--idle-ms")
        idle_ms = std::stod(need(i));
      else if (a == "--copy-mib")
        copy_mib = std::stoll(need(i));
      else if (a == "--device")
        opt.device = std::stoi(need(i));
      else if (a == "-h" || a == "--help") {
        std::fputs(kUsage, stdout);
        return 0;
      } else {
        std::fprintf(stderr, "unknown option %s\n%s", a.c_str(), kUsage);
        return 2;
      }
    }
  } catch (const std::exception&) {
    std::fprintf(stderr, "bad numeric option value\n%s", kUsage);
    return 2;
  }

  std::vector<GemmShape> shapes;
  if (set != "none") {
    shapes = default_shapes(set);
    if (shapes.empty()) {
      std::fprintf(stderr, "unknown --set %s\n", set.c_str());
      return 2;
    }
  }
  shapes.insert(shapes.end(), extra.begin(), extra.end());
  if (list) {
    std::printf("# model phase layer M K N batch count\n");
    for (const auto& s : shapes) std::printf("%s\n", format_shape(s).c_str());
    return 0;
  }

  const std::string date = utc_now();
  const auto wall0 = std::chrono::steady_clock::now();
  Nvml nvml;
  GemmBench bench(opt, &nvml);
  if (!bench.init()) {
    std::fprintf(stderr, "CUDA setup failed: %s\n", bench.error().c_str());
    return 1;
  }
  const DeviceInfo& dev = bench.device();
  if (!nvml.open(dev.pci_bus_id))
    std::fprintf(stderr, "NVML unavailable (%s): no power figures\n", nvml.error().c_str());
  std::printf("device %s (%s), %d SMs, driver %s, CUDA runtime %s, cuBLASLt %llu\n",
              dev.name.c_str(), dev.pci_bus_id.c_str(), dev.sm_count, nvml.driver_version().c_str(),
              version_string(dev.runtime).c_str(), (unsigned long long)dev.cublaslt_version);
  const Idle idle = measure_idle(nvml, idle_ms, opt.power_period_ms);
  if (idle.measured)
    std::printf(
        "idle: %.1f W (energy counter, %d updates in %.2f s), %.1f W (sampled), SM %d MHz, "
        "%d C\n",
        idle.avg_w, idle.energy_updates, idle.window_s, idle.sampled_avg_w, idle.sm_mhz,
        idle.temp_c);

  double copy_median = 0, copy_best = 0;
  const bool copied =
      copy_mib > 0 && bench.copy_bandwidth(size_t(copy_mib) << 20, 20, &copy_median, &copy_best);
  if (copied)
    std::printf("device-to-device copy of %lld MiB: %.0f GB/s median, %.0f best (read + write)\n",
                (long long)copy_mib, copy_median, copy_best);

  std::vector<RunResult> results;
  // The JSON is rewritten after every shape, so a run cut short still leaves its results.
  auto write_json = [&](bool complete) {
    const double wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

    JsonWriter j;
    j.begin_object();
    j.str("schema", "serrano-gpu-gemm/1");
    j.str("tool", "workloads/baselines/gpu serrano_gpu_gemm");
    j.str("date_utc", date);
    j.boolean("complete", complete);
    j.integer("runs_planned", int64_t(shapes.size() * precisions.size()));
    j.str("command", command_line);
    j.number("run_wall_s", wall_s, 5);
    utsname un{};
    if (uname(&un) == 0) j.str("host_kernel", std::string(un.sysname) + " " + un.release);
    j.begin_object("device");
    j.str("name", dev.name).str("nvml_name", nvml.name()).str("pci_bus_id", dev.pci_bus_id);
    j.str("compute_capability", std::to_string(dev.cc_major) + "." + std::to_string(dev.cc_minor));
    j.integer("sm_count", dev.sm_count).integer("memory_bytes", dev.total_mem);
    j.integer("l2_bytes", dev.l2_bytes).integer("memory_bus_bits", dev.mem_bus_bits);
    j.integer("attr_clock_khz", dev.sm_clock_khz_attr);
    j.integer("attr_memory_clock_khz", dev.mem_clock_khz_attr);
    unsigned v = 0;
    if (nvml.max_clock_mhz(1, &v))
      j.integer("max_sm_clock_mhz", v);
    else
      j.null("max_sm_clock_mhz");
    if (nvml.max_clock_mhz(2, &v))
      j.integer("max_mem_clock_mhz", v);
    else
      j.null("max_mem_clock_mhz");
    if (nvml.power_limit_mw(&v))
      j.number("power_limit_w", v / 1000.0, 5);
    else
      j.null("power_limit_w");
    j.end_object();
    j.begin_object("software");
    j.str("driver", nvml.driver_version());
    j.str("cuda_driver_api", version_string(dev.driver_api));
    j.str("cuda_runtime", version_string(dev.runtime));
    j.uinteger("cublaslt_version", dev.cublaslt_version);
    j.uinteger("cublaslt_cudart_version", dev.cublaslt_cudart);
    j.str("nvml", nvml.ok() ? "dlopen " + nvml.library() : "unavailable: " + nvml.error());
    j.end_object();
    j.begin_object("settings");
    j.integer("algos_requested", opt.algo_count).number("budget_ms", opt.budget_ms);
    j.number("settle_ms", opt.settle_ms).number("select_us", opt.select_us);
    j.number("power_ms", opt.power_ms).number("warmup_ms", opt.warmup_ms);
    j.number("sample_us", opt.sample_us).integer("min_samples", opt.min_samples);
    j.integer("rotate_bytes", opt.rotate_bytes).integer("max_operand_sets", opt.max_sets);
    j.integer("workspace_bytes", opt.workspace_bytes).integer("verify_samples", opt.verify_samples);
    j.integer("power_sample_period_ms", opt.power_period_ms);
    j.end_object();
    j.begin_object("conventions");
    j.str("gemm",
          "C[M][N] = A[M][K] * W[K][N]; W stored N x K row-major; batch = independent GEMMs");
    j.str("cublaslt",
          "TN: op(W)=T, op(A)=N, column-major descriptors; int8: CUBLAS_COMPUTE_32I, "
          "int32 C, alpha 1 beta 0; fp16: CUBLAS_COMPUTE_32F, fp16 C");
    j.str("ops", "2*M*K*N*batch; tops = ops / time / 1e12");
    j.str("bytes_min", "A and W read once, C written once (int8: 1/1/4 bytes, fp16: 2/2/2)");
    j.str("time",
          "per GEMM: CUDA events recorded right before and after each CUDA-graph replay of G "
          "back-to-back GEMMs, / G; median and min over all samples of the loop, power-capped "
          "clocks included");
    j.str("power",
          "board power: nvmlDeviceGetTotalEnergyConsumption delta over a window of at least "
          "power_ms that opens settle_ms into the loop and starts and ends on counter updates; "
          "includes idle/static power; pj_per_op = avg_w * median time / ops");
    j.end_object();
    j.begin_object("idle_power");
    j.boolean("measured", idle.measured);
    if (idle.measured) {
      j.str("method", idle.energy_ok ? "energy_counter" : "sampled");
      j.number("window_s", idle.window_s, 5);
      if (idle.energy_ok)
        j.number("avg_w", idle.avg_w, 5);
      else
        j.number("avg_w", idle.sampled_avg_w, 5);
      j.integer("samples", idle.samples).number("sampled_avg_w", idle.sampled_avg_w, 5);
      j.boolean("aligned", idle.aligned).integer("counter_updates", idle.energy_updates);
      j.number("energy_read_ms", idle.energy_read_ms, 4);
      j.integer("sm_mhz", idle.sm_mhz)
          .integer("mem_mhz", idle.mem_mhz)
          .integer("temp_c", idle.temp_c);
    }
    j.end_object();
    j.begin_object("memcpy_d2d");
    j.boolean("measured", copied);
    if (copied) {
      j.integer("bytes", copy_mib << 20).integer("iterations", 20);
      j.number("median_gbs", copy_median, 5).number("best_gbs", copy_best, 5);
      j.str("counts", "bytes read + bytes written");
    }
    j.end_object();
    j.begin_array("results");
    for (const auto& r : results) write_result(j, r);
    j.end_array();
    j.end_object();
    std::ofstream out(out_path);
    out << j.str();
    return bool(out);
  };
  std::printf("%-12s %-18s %-12s %6s %6s %6s %4s %-4s %-11s %10s %9s %8s %7s\n", "model", "phase",
              "layer", "M", "K", "N", "B", "prec", "status", "median_us", "TOPS", "GB/s", "W");
  for (const auto& s : shapes) {
    for (Precision p : precisions) {
      RunResult r = bench.run(s, p);
      const double ops = 2.0 * double(s.m) * double(s.k) * double(s.n) * double(s.batch);
      const bool i8 = p == Precision::kInt8;
      const double bytes = double(s.batch) * ((i8 ? 1.0 : 2.0) * double(s.m * s.k + s.n * s.k) +
                                              (i8 ? 4.0 : 2.0) * double(s.m * s.n));
      if (r.status == "ok") {
        std::printf(
            "%-12s %-18s %-12s %6lld %6lld %6lld %4lld %-4s %-11s %10.2f %9.2f %8.0f %7.1f\n",
            s.model.c_str(), s.phase.c_str(), s.layer.c_str(), (long long)s.m, (long long)s.k,
            (long long)s.n, (long long)s.batch, precision_name(p), "ok", r.median_us,
            ops / (r.median_us * 1e6), bytes / (r.median_us * 1e3),
            r.power.energy_ok ? r.power.avg_w : r.power.sampled_avg_w);
      } else {
        std::printf("%-12s %-18s %-12s %6lld %6lld %6lld %4lld %-4s %-11s %s\n", s.model.c_str(),
                    s.phase.c_str(), s.layer.c_str(), (long long)s.m, (long long)s.k,
                    (long long)s.n, (long long)s.batch, precision_name(p), r.status.c_str(),
                    r.reason.c_str());
      }
      std::fflush(stdout);
      results.push_back(std::move(r));
    }
    write_json(false);
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  if (!write_json(true)) {
    std::fprintf(stderr, "cannot write %s\n", out_path.c_str());
    return 1;
  }
  int ok = 0;
  for (const auto& r : results) ok += r.status == "ok";
  std::printf("%d of %zu runs ok, %.1f s; wrote %s\n", ok, results.size(), wall_s,
              out_path.c_str());
  return 0;
}
