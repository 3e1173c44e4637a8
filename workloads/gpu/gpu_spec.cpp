// SPDX-License-Identifier: Apache-2.0
#include "workloads/gpu/gpu_spec.h"

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "arch/yaml_reader.h"

namespace serrano::workloads::gpu {

namespace {

using arch::yaml::fail;
using arch::yaml::IntRule;
using arch::yaml::Reader;
using arch::yaml::RealRule;

// Upper bounds only catch unit slips (a bandwidth in B/s, a power in mW).
constexpr RealRule kPositive{0.0, 1e6, true};
constexpr RealRule kFraction{0.0, 1.0, true};
constexpr RealRule kHalf{0.0, 1e6, false};
constexpr RealRule kMicroseconds{0.0, 1e4, false};
constexpr IntRule kElementBytes{1, 8, false};

// key: {value: <number>, source: "<text>"[, unconfirmed: true|false]}
Figure read_figure(const Reader& r, const YAML::Node& map, const std::string& path, const char* key,
                   const RealRule& rule) {
  const std::string field = Reader::join(path, key);
  const YAML::Node node = r.child(map, path, key);
  r.expect_map(node, field, {"value", "source", "unconfirmed"});
  Figure f;
  f.value = r.real(r.child(node, field, "value"), field + ".value", rule);
  f.source = r.non_empty_text(node, field, "source");
  if (const YAML::Node u = node["unconfirmed"]; u.IsDefined()) {
    const std::string t = r.text(u, field + ".unconfirmed", "must be true or false");
    if (t != "true" && t != "false") {
      fail(r.source(), field + ".unconfirmed",
           fmt::format("must be true or false, got {}", arch::yaml::describe(u)));
    }
    f.unconfirmed = t == "true";
  }
  return f;
}

PrecisionModel read_precision(const Reader& r, const YAML::Node& map, const std::string& path,
                              const char* key) {
  const std::string field = Reader::join(path, key);
  const YAML::Node node = r.child(map, path, key);
  r.expect_map(node, field,
               {"source", "efficiency_max", "half_mn", "half_k", "bandwidth_fraction", "launch_us",
                "bytes_a", "bytes_w", "bytes_c", "bytes_vector"});
  PrecisionModel m;
  m.source = r.non_empty_text(node, field, "source");
  auto real = [&](const char* k, const RealRule& rule) {
    return r.real(r.child(node, field, k), Reader::join(field, k), rule);
  };
  auto bytes = [&](const char* k) {
    return static_cast<int>(
        r.integer(r.child(node, field, k), Reader::join(field, k), kElementBytes));
  };
  m.efficiency_max = real("efficiency_max", kFraction);
  m.half_mn = real("half_mn", kHalf);
  m.half_k = real("half_k", kHalf);
  m.bandwidth_fraction = real("bandwidth_fraction", kFraction);
  m.launch_us = real("launch_us", kMicroseconds);
  m.bytes_a = bytes("bytes_a");
  m.bytes_w = bytes("bytes_w");
  m.bytes_c = bytes("bytes_c");
  m.bytes_vector = bytes("bytes_vector");
  return m;
}

}  // namespace

double GpuSpec::peak_ops(Precision p) const {
  return (p == Precision::Int8 ? int8_tops.value : fp16_tflops.value) * 1e12;
}

GpuSpec parse_gpu_yaml(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(source, "(yaml)", arch::yaml::one_line(e.what()));
  }
  const Reader r(source);
  r.expect_map(root, "", {"name", "description", "datasheet", "power", "model", "calibration"});
  GpuSpec g;
  g.file = source;
  g.name = r.non_empty_text(root, "", "name");
  if (!arch::yaml::in_charset(g.name, false)) {
    fail(source, "name",
         fmt::format("must be [a-z0-9._-]+, got {}", arch::yaml::in_quotes(g.name)));
  }
  g.description = r.non_empty_text(root, "", "description");

  const YAML::Node ds = r.child(root, "", "datasheet");
  r.expect_map(ds, "datasheet",
               {"int8_dense_tops", "fp16_dense_tflops", "memory_bandwidth_gbs", "memory_gb",
                "tdp_w", "sms", "clock_mhz", "l2_mb"});
  g.int8_tops = read_figure(r, ds, "datasheet", "int8_dense_tops", kPositive);
  g.fp16_tflops = read_figure(r, ds, "datasheet", "fp16_dense_tflops", kPositive);
  g.bandwidth_gbs = read_figure(r, ds, "datasheet", "memory_bandwidth_gbs", kPositive);
  g.memory_gb = read_figure(r, ds, "datasheet", "memory_gb", kPositive);
  g.tdp_w = read_figure(r, ds, "datasheet", "tdp_w", kPositive);
  g.sms = read_figure(r, ds, "datasheet", "sms", RealRule{1.0, 4096.0, false});
  if (g.sms.value != static_cast<double>(static_cast<long>(g.sms.value))) {
    fail(source, "datasheet.sms.value",
         fmt::format("must be a whole number, got {}", arch::yaml::format_real(g.sms.value)));
  }
  // Zero means "not known" for the informational figures (then marked unconfirmed).
  g.clock_mhz = read_figure(r, ds, "datasheet", "clock_mhz", RealRule{0.0, 1e5, false});
  g.l2_mb = read_figure(r, ds, "datasheet", "l2_mb", RealRule{0.0, 1e5, false});

  const YAML::Node pw = r.child(root, "", "power");
  r.expect_map(pw, "power", {"idle_w"});
  g.idle_w = read_figure(r, pw, "power", "idle_w", RealRule{0.0, 1e6, false});
  if (g.idle_w.value >= g.tdp_w.value) {
    fail(source, "power.idle_w.value",
         fmt::format("must be below datasheet.tdp_w ({}), got {}",
                     arch::yaml::format_real(g.tdp_w.value),
                     arch::yaml::format_real(g.idle_w.value)));
  }

  const YAML::Node md = r.child(root, "", "model");
  r.expect_map(md, "model", {"tile", "int8", "fp16"});
  g.tile = read_figure(r, md, "model", "tile", RealRule{1.0, 4096.0, false});
  g.int8 = read_precision(r, md, "model", "int8");
  g.fp16 = read_precision(r, md, "model", "fp16");

  if (const YAML::Node cal = root["calibration"]; cal.IsDefined()) {
    r.expect_map(cal, "calibration", {"overhead_us"});
    g.calibration_overhead_us = read_figure(r, cal, "calibration", "overhead_us", kMicroseconds);
  } else {
    g.calibration_overhead_us = Figure{0.0, "none: timed without a framework", false};
  }
  return g;
}

GpuSpec load_gpu_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path, "(file)", "cannot read the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_gpu_yaml(ss.str(), path);
}

std::string gpus_dir() { return arch::yaml::data_dir("SERRANO_GPUS_DIR", SERRANO_GPUS_DIR); }

std::vector<std::string> builtin_gpus() { return arch::yaml::yaml_names(gpus_dir()); }

GpuSpec find_gpu(const std::string& name_or_path) {
  return load_gpu_file(
      arch::yaml::resolve_named_file(name_or_path, gpus_dir(), "gpu", "GPU", "a .yaml file"));
}

const char* to_string(Precision p) { return p == Precision::Int8 ? "int8" : "fp16"; }

Precision parse_precision(const std::string& text) {
  if (text == "int8") return Precision::Int8;
  if (text == "fp16") return Precision::Fp16;
  throw arch::ConfigError("precision", text.empty() ? "(empty)" : arch::yaml::one_line(text),
                          "must be int8 or fp16");
}

}  // namespace serrano::workloads::gpu
