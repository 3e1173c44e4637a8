// SPDX-License-Identifier: Apache-2.0
#include "workloads/gpu/calibration.h"

#include <fmt/core.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace serrano::workloads::gpu {

namespace {

CalibrationPoint evaluate(const GpuSpec& spec, Precision p, std::uint64_t count, std::uint64_t m,
                          std::uint64_t k, std::uint64_t n, double overhead_us) {
  CalibrationPoint c;
  c.precision = p;
  c.count = count;
  c.m = m;
  c.k = k;
  c.n = n;
  const GemmEstimate e = estimate_gemm(spec, p, count, m, k, n);
  c.model_us = e.time_s * 1e6 + overhead_us;
  c.model_w = e.power_w;
  c.bound = e.bound;
  return c;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw arch::ConfigError(path, "(file)", "cannot read the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return (v[n / 2] + v[(n - 1) / 2]) / 2.0;
}

double CalibrationSet::median_abs_error() const {
  std::vector<double> e;
  for (const auto& p : points) e.push_back(std::abs(p.error()));
  return median(e);
}

double CalibrationSet::worst_abs_error() const {
  double w = 0.0;
  for (const auto& p : points) w = std::max(w, std::abs(p.error()));
  return w;
}

double CalibrationSet::median_abs_power_error() const {
  std::vector<double> e;
  for (const auto& p : points) {
    if (p.measured_w > 0.0) e.push_back(std::abs(p.power_error()));
  }
  return median(e);
}

std::vector<CalibrationSet> load_gemm_json(const GpuSpec& spec, const std::string& path,
                                           const std::string& suffix, bool fitted) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(read_all(path));
  } catch (const nlohmann::json::exception& e) {
    throw arch::ConfigError(path, "(json)", e.what());
  }
  std::vector<CalibrationSet> sets;
  try {
    for (const auto& r : doc.at("results")) {
      if (r.at("status").get<std::string>() != "ok") continue;
      const Precision p = parse_precision(r.at("precision").get<std::string>());
      const std::string name = fmt::format("{} {}{}", spec.name, to_string(p), suffix);
      auto it = std::find_if(sets.begin(), sets.end(),
                             [&](const CalibrationSet& s) { return s.name == name; });
      if (it == sets.end()) {
        CalibrationSet s;
        s.name = name;
        s.gpu = spec.name;
        s.source = path;
        s.fitted = fitted;
        sets.push_back(s);
        it = sets.end() - 1;
      }
      CalibrationPoint c =
          evaluate(spec, p, r.at("batch").get<std::uint64_t>(), r.at("M").get<std::uint64_t>(),
                   r.at("K").get<std::uint64_t>(), r.at("N").get<std::uint64_t>(), 0.0);
      c.label = fmt::format("{} {} {}", r.at("model").get<std::string>(),
                            r.at("phase").get<std::string>(), r.at("layer").get<std::string>());
      c.measured_us = r.at("time_us").at("median").get<double>();
      if (r.contains("power") && r.at("power").contains("avg_w")) {
        c.measured_w = r.at("power").at("avg_w").get<double>();
      }
      it->points.push_back(std::move(c));
    }
  } catch (const nlohmann::json::exception& e) {
    throw arch::ConfigError(path, "results", e.what());
  }
  return sets;
}

CalibrationSet load_gemm_csv(const GpuSpec& spec, Precision p, const std::string& path,
                             const std::string& name, bool fitted) {
  CalibrationSet s;
  s.name = name;
  s.gpu = spec.name;
  s.source = path;
  s.fitted = fitted;
  std::istringstream in(read_all(path));
  std::string line;
  int lineno = 0;
  bool header = true;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    if (header) {  // M,K,N,latency_ms,TFLOPS
      header = false;
      continue;
    }
    std::uint64_t m = 0, k = 0, n = 0;
    double ms = 0.0;
    if (std::sscanf(line.c_str(), "%" SCNu64 ",%" SCNu64 ",%" SCNu64 ",%lf", &m, &k, &n, &ms) !=
            4 ||
        m == 0 || k == 0 || n == 0 || !(ms > 0.0)) {
      throw arch::ConfigError(path, fmt::format("line {}", lineno),
                              "expected M,K,N,latency_ms,TFLOPS with positive values");
    }
    CalibrationPoint c = evaluate(spec, p, 1, m, k, n, spec.calibration_overhead_us.value);
    c.label = fmt::format("M={} K={} N={}", m, k, n);
    c.measured_us = ms * 1000.0;
    s.points.push_back(std::move(c));
  }
  return s;
}

std::vector<CalibrationSet> default_calibration(const std::string& source_dir) {
  const std::string measured = source_dir + "/workloads/baselines/measured/";
  const GpuSpec h100 = find_gpu("h100-sxm");
  const GpuSpec a100 = find_gpu("a100-sxm");
  std::vector<CalibrationSet> sets =
      load_gemm_json(h100, measured + "h100-sxm-2026-11-23.json", "", true);
  for (auto& s :
       load_gemm_json(h100, measured + "h100-sxm-2026-11-23-repeat.json", " (repeat)", false)) {
    sets.push_back(std::move(s));
  }
  sets.push_back(
      load_gemm_csv(a100, Precision::Fp16,
                    source_dir + "/workloads/gpu/fit/a100_fp16_gemm_llmcompass_measured.csv",
                    "a100-sxm fp16 (LLMCompass)", true));
  return sets;
}

}  // namespace serrano::workloads::gpu
