// SPDX-License-Identifier: Apache-2.0
#include "workloads/sweep.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "model/chip/chip_model.h"
#include "model/energy/energy_model.h"
#include "model/energy/tech_table.h"
#include "workloads/compare.h"
#include "workloads/layer_compiler.h"
#include "workloads/layer_ref.h"
#include "workloads/layer_run.h"
#include "workloads/model_desc.h"

namespace serrano::workloads::sweep {

namespace {

[[noreturn]] void bad(const std::string& source, const std::string& field, const std::string& m) {
  throw arch::ConfigError(source, field, m);
}

std::string fnv1a(const std::string& bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

void check_keys(const YAML::Node& n, const std::string& source, const std::string& where,
                const std::set<std::string>& known) {
  if (!n.IsMap()) bad(source, where, "must be a mapping");
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) bad(source, where.empty() ? "(top)" : where, "keys must be strings");
    const std::string k = kv.first.Scalar();
    if (!known.count(k)) {
      std::string list;
      for (const auto& x : known) list += (list.empty() ? "" : ", ") + x;
      bad(source, where.empty() ? k : where + "." + k, "unknown key (known: " + list + ")");
    }
  }
}

// A scalar or a non-empty list of scalars of type T.
template <class T>
std::vector<T> values(const YAML::Node& n, const std::string& source, const std::string& field) {
  std::vector<T> out;
  try {
    if (n.IsSequence()) {
      if (n.size() == 0) bad(source, field, "must not be an empty list");
      for (const auto& v : n) out.push_back(v.as<T>());
    } else if (n.IsScalar()) {
      out.push_back(n.as<T>());
    } else {
      bad(source, field, "must be a value or a list of values");
    }
  } catch (const YAML::BadConversion&) {
    bad(source, field, "has a value of the wrong type");
  }
  return out;
}

// A string-valued key: any scalar (null and collections are not).
std::string text_of(const YAML::Node& n, const std::string& source, const std::string& field,
                    const std::string& expected) {
  if (!n.IsScalar()) bad(source, field, expected);
  return n.Scalar();
}

// a * b, or `limit` + 1 when that is more than `limit` (no overflow).
std::size_t capped_product(std::size_t a, std::size_t b, std::size_t limit) {
  if (a != 0 && b > limit / a) return limit + 1;
  return std::min(a * b, limit + 1);
}

Phase phase_of(const std::string& text, const std::string& source, const std::string& field) {
  if (text == "prefill") return Phase::Prefill;
  if (text == "decode") return Phase::Decode;
  bad(source, field, "must be prefill or decode, got " + text);
}

std::size_t chip_combinations(const ChipAxes& a) {
  auto n = [](std::size_t v) { return std::max<std::size_t>(v, 1); };
  return n(a.array.size()) * n(a.dataflow.size()) * n(a.clock_ghz.size()) *
         n(a.scratchpad_kib.size()) * n(a.weight_buffer_kib.size()) *
         n(a.accumulator_kib.size()) * n(a.dram_bandwidth_gbps.size()) * n(a.technology.size());
}

// Picks the value of one axis for chip combination `c` (mixed radix, the last axis fastest).
template <class T>
bool pick(const std::vector<T>& axis, std::size_t& c, T& out) {
  if (axis.empty()) return false;
  out = axis[c % axis.size()];
  c /= axis.size();
  return true;
}

}  // namespace

Spec parse_spec(const std::string& text, const std::string& source, const std::string& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    bad(source, "yaml", fmt::format("malformed YAML at line {}: {}", e.mark.line + 1, e.msg));
  }
  Spec s;
  s.source = source;
  s.hash = fnv1a(text);
  check_keys(root, source, "", {"name", "sample", "chip", "workloads"});
  if (!root["name"] || !root["name"].IsScalar()) bad(source, "name", "is required");
  s.name = root["name"].as<std::string>();
  if (s.name.empty() || s.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") !=
                            std::string::npos) {
    bad(source, "name", "must be [a-z0-9._-]+, got '" + s.name + "'");
  }
  if (const auto sample = root["sample"]) {
    check_keys(sample, source, "sample", {"mode", "points", "seed"});
    const std::string mode =
        sample["mode"] ? text_of(sample["mode"], source, "sample.mode", "must be grid or random")
                       : "grid";
    if (mode == "random") {
      s.random = true;
      if (!sample["points"]) bad(source, "sample.points", "is required for mode random");
      const auto v = values<std::int64_t>(sample["points"], source, "sample.points");
      if (v.size() != 1 || v[0] < 1) bad(source, "sample.points", "must be one number >= 1");
      s.samples = std::uint64_t(v[0]);
      if (sample["seed"]) s.seed = values<std::uint64_t>(sample["seed"], source, "sample.seed")[0];
    } else if (mode != "grid") {
      bad(source, "sample.mode", "must be grid or random, got " + mode);
    }
  }
  if (!root["chip"]) bad(source, "chip", "is required");
  const YAML::Node chip = root["chip"];
  check_keys(chip, source, "chip",
             {"base", "array", "dataflow", "clock_ghz", "scratchpad_kib", "weight_buffer_kib",
              "accumulator_kib", "dram_bandwidth_gbps", "technology"});
  if (!chip["base"]) bad(source, "chip.base", "is required (a chip config file)");
  const std::filesystem::path base =
      text_of(chip["base"], source, "chip.base", "must be a file name (a chip config)");
  s.chip.base = (base.is_absolute() ? base : std::filesystem::path(base_dir) / base).string();
  std::error_code ec;  // a name the system refuses (too long, say) is no file either
  if (!std::filesystem::exists(s.chip.base, ec)) {
    bad(source, "chip.base", "no such file: " + s.chip.base);
  }
  auto axis = [&](const char* key, auto& out) {
    using T = typename std::decay_t<decltype(out)>::value_type;
    if (chip[key]) out = values<T>(chip[key], source, std::string("chip.") + key);
  };
  axis("array", s.chip.array);
  axis("dataflow", s.chip.dataflow);
  axis("clock_ghz", s.chip.clock_ghz);
  axis("scratchpad_kib", s.chip.scratchpad_kib);
  axis("weight_buffer_kib", s.chip.weight_buffer_kib);
  axis("accumulator_kib", s.chip.accumulator_kib);
  axis("dram_bandwidth_gbps", s.chip.dram_bandwidth_gbps);
  axis("technology", s.chip.technology);
  for (const auto& d : s.chip.dataflow) {
    if (d != "ws" && d != "os") bad(source, "chip.dataflow", "must be ws or os, got " + d);
  }
  if (!root["workloads"] || !root["workloads"].IsSequence() || root["workloads"].size() == 0) {
    bad(source, "workloads", "must be a non-empty list");
  }
  // Lists multiply: the grid size is checked before each workload entry is expanded.
  std::size_t chips = 1;
  for (std::size_t k : {s.chip.array.size(), s.chip.dataflow.size(), s.chip.clock_ghz.size(),
                        s.chip.scratchpad_kib.size(), s.chip.weight_buffer_kib.size(),
                        s.chip.accumulator_kib.size(), s.chip.dram_bandwidth_gbps.size(),
                        s.chip.technology.size()}) {
    chips = capped_product(chips, std::max<std::size_t>(k, 1), kMaxGridPoints);
  }
  if (chips > kMaxGridPoints) {
    bad(source, "chip",
        fmt::format("the grid has more than {} points (the limit)", kMaxGridPoints));
  }
  std::size_t wi = 0;
  for (const auto& w : root["workloads"]) {
    const std::string where = fmt::format("workloads[{}]", wi++);
    check_keys(w, source, where, {"model", "phase", "seq", "kv", "batch", "layers"});
    if (!w["model"]) bad(source, where + ".model", "is required");
    std::vector<std::string> models = values<std::string>(w["model"], source, where + ".model");
    for (auto& m : models) {
      if (m.find('/') != std::string::npos || (m.size() > 5 && m.substr(m.size() - 5) == ".yaml")) {
        const std::filesystem::path mp = m;
        if (!mp.is_absolute()) m = (std::filesystem::path(base_dir) / mp).string();
      }
    }
    const auto phases = w["phase"] ? values<std::string>(w["phase"], source, where + ".phase")
                                   : std::vector<std::string>{"prefill"};
    const auto seqs = w["seq"] ? values<int>(w["seq"], source, where + ".seq") : std::vector<int>{128};
    const auto kvs = w["kv"] ? values<int>(w["kv"], source, where + ".kv") : std::vector<int>{0};
    const auto batches =
        w["batch"] ? values<int>(w["batch"], source, where + ".batch") : std::vector<int>{1};
    const auto layers =
        w["layers"] ? values<int>(w["layers"], source, where + ".layers") : std::vector<int>{1};
    std::size_t n = 1;
    for (std::size_t k :
         {models.size(), phases.size(), seqs.size(), kvs.size(), batches.size(), layers.size()}) {
      n = capped_product(n, k, kMaxGridPoints);
    }
    if (capped_product(chips, s.workloads.size() + n, kMaxGridPoints) > kMaxGridPoints) {
      bad(source, where,
          fmt::format("the grid has more than {} points (the limit)", kMaxGridPoints));
    }
    for (const auto& m : models) {
      for (const auto& ph : phases) {
        for (int seq : seqs) {
          for (int kv : kvs) {
            for (int b : batches) {
              for (int l : layers) {
                Workload x;
                x.model = m;
                x.phase = phase_of(ph, source, where + ".phase");
                x.seq = seq;
                x.kv = kv;
                x.batch = b;
                x.layers = l;
                s.workloads.push_back(x);
              }
            }
          }
        }
      }
    }
  }
  if (s.random && s.samples > grid_size(s)) {
    bad(source, "sample.points",
        fmt::format("{} points asked of a grid of {}", s.samples, grid_size(s)));
  }
  return s;
}

Spec load_spec(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) bad(path, "file", "cannot be read");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::filesystem::path p = path;
  return parse_spec(ss.str(), path, p.has_parent_path() ? p.parent_path().string() : ".");
}

std::size_t grid_size(const Spec& s) { return chip_combinations(s.chip) * s.workloads.size(); }

std::vector<Point> points(const Spec& s) {
  const std::size_t n = grid_size(s), nw = s.workloads.size();
  std::vector<std::size_t> chosen;
  if (!s.random) {
    for (std::size_t i = 0; i < n; ++i) chosen.push_back(i);
  } else {
    // A partial Fisher-Yates shuffle with the sweep's seed, then sorted.
    std::vector<std::size_t> all(n);
    for (std::size_t i = 0; i < n; ++i) all[i] = i;
    Random rng(s.seed);
    for (std::size_t i = 0; i < s.samples; ++i) {
      const std::size_t j = i + std::size_t(rng.below(n - i));
      std::swap(all[i], all[j]);
    }
    chosen.assign(all.begin(), all.begin() + long(s.samples));
    std::sort(chosen.begin(), chosen.end());
  }
  std::vector<Point> out;
  for (std::size_t i : chosen) out.push_back({i, i / nw, i % nw});
  return out;
}

arch::ArchConfig point_config(const Spec& s, const Point& p) {
  arch::ArchConfig cfg = arch::load_arch_file(s.chip.base);
  std::size_t c = p.chip;
  int array = 0;
  std::string dataflow, tech;
  double clock = 0, bw = 0;
  std::int64_t sp = 0, wb = 0, acc = 0;
  // The order fixes how a chip index maps to values: the last axis picked varies slowest.
  if (pick(s.chip.array, c, array)) {
    cfg.array.rows = cfg.array.cols = array;
    cfg.vector.lanes = array;
    cfg.scratchpad.port_bytes = array;
    cfg.weight_buffer.port_bytes = array;
    cfg.accumulator.port_bytes = 4 * array;
  }
  if (pick(s.chip.dataflow, c, dataflow)) {
    cfg.array.dataflow =
        dataflow == "os" ? arch::Dataflow::OutputStationary : arch::Dataflow::WeightStationary;
  }
  if (pick(s.chip.clock_ghz, c, clock)) cfg.clock_ghz = clock;
  if (pick(s.chip.scratchpad_kib, c, sp)) cfg.scratchpad.size_bytes = std::uint64_t(sp) * 1024;
  if (pick(s.chip.weight_buffer_kib, c, wb)) cfg.weight_buffer.size_bytes = std::uint64_t(wb) * 1024;
  if (pick(s.chip.accumulator_kib, c, acc)) cfg.accumulator.size_bytes = std::uint64_t(acc) * 1024;
  if (pick(s.chip.dram_bandwidth_gbps, c, bw)) cfg.dram.bandwidth_gbps = bw;
  if (pick(s.chip.technology, c, tech)) cfg.technology = tech;
  cfg.name = fmt::format("{}-{}", s.name, p.chip);
  arch::validate(cfg, cfg.name);
  return cfg;
}

nlohmann::ordered_json evaluate(const Spec& s, const Point& p) {
  nlohmann::ordered_json j;
  j["sweep"] = s.name;
  j["spec"] = s.hash;
  j["index"] = p.index;
  const Workload& w = s.workloads[p.workload];
  // The point's parameters, from the base config and the axes (valid or not).
  const arch::ArchConfig base = arch::load_arch_file(s.chip.base);
  std::size_t c = p.chip;
  int array = base.array.rows;
  std::string dataflow = arch::to_string(base.array.dataflow), tech = base.technology;
  double clock = base.clock_ghz, bw = base.dram.bandwidth_gbps;
  std::int64_t sp = std::int64_t(base.scratchpad.size_bytes / 1024);
  std::int64_t wb = std::int64_t(base.weight_buffer.size_bytes / 1024);
  std::int64_t acc = std::int64_t(base.accumulator.size_bytes / 1024);
  pick(s.chip.array, c, array);
  pick(s.chip.dataflow, c, dataflow);
  pick(s.chip.clock_ghz, c, clock);
  pick(s.chip.scratchpad_kib, c, sp);
  pick(s.chip.weight_buffer_kib, c, wb);
  pick(s.chip.accumulator_kib, c, acc);
  pick(s.chip.dram_bandwidth_gbps, c, bw);
  pick(s.chip.technology, c, tech);
  j["chip"] = {{"array", array},          {"dataflow", dataflow},         {"clock_ghz", clock},
               {"scratchpad_kib", sp},    {"weight_buffer_kib", wb},      {"accumulator_kib", acc},
               {"dram_bandwidth_gbps", bw}, {"technology", tech}};
  j["workload"] = {{"model", std::filesystem::path(w.model).stem().string()},
                   {"phase", to_string(w.phase)},
                   {"seq", w.seq},
                   {"kv", w.kv},
                   {"batch", w.batch},
                   {"layers", w.layers}};
  try {
    const arch::ArchConfig cfg = point_config(s, p);
    const ModelDesc m = find_model(w.model);
    const energy::TechTable tt = energy::find_tech(cfg.technology);
    LayerRunOptions o;
    o.shape.phase = w.phase;
    o.shape.seq = w.seq;
    o.shape.kv = w.kv;
    o.shape.batch = w.batch;
    o.layers = w.layers;
    o.timing_only = true;
    model::ChipModel sim(cfg, model::ChipModel::Mode::TimingOnly);
    const LayerRunResult r = run_layer(m, sim, o);
    const energy::EnergyReport e = layer_energy(cfg, tt, r);
    const double seconds = double(r.stack_cycles) / (cfg.clock_ghz * 1e9);
    const double energy_j = e.total_pj * 1e-12 * w.layers;
    const double ops = 2.0 * double(r.macs) * w.layers;
    j["status"] = "ok";
    j["cycles"] = r.stack_cycles;
    j["latency_s"] = seconds;
    j["energy_j"] = energy_j;
    j["area_mm2"] = e.area.total_mm2;
    j["tops"] = ops / seconds / 1e12;
    j["tops_per_w"] = ops / energy_j / 1e12;
    j["tops_per_mm2"] = ops / seconds / 1e12 / e.area.total_mm2;
    j["utilization"] = r.utilization;
    j["energy_per_item_j"] = energy_j / w.batch;
  } catch (const std::exception& ex) {
    j["status"] = "infeasible";
    j["reason"] = ex.what();
  }
  return j;
}

std::vector<nlohmann::ordered_json> read_results(const Spec& s, const std::string& path,
                                                 std::uint64_t* valid_bytes) {
  std::vector<nlohmann::ordered_json> out;
  std::uint64_t good = 0;
  std::ifstream f(path, std::ios::binary);
  if (f) {
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string text = ss.str();
    std::size_t at = 0, line_no = 0;
    while (at < text.size()) {
      const std::size_t nl = text.find('\n', at);
      if (nl == std::string::npos) break;  // cut short: dropped, recomputed
      ++line_no;
      const std::string line = text.substr(at, nl - at);
      nlohmann::ordered_json j;
      try {
        j = nlohmann::ordered_json::parse(line);
      } catch (const nlohmann::json::exception&) {
        throw std::runtime_error(fmt::format("{}:{}: not a JSON line", path, line_no));
      }
      if (!j.contains("spec") || j["spec"] != s.hash) {
        throw std::runtime_error(fmt::format(
            "{}:{}: a line of another sweep (spec {}); this sweep is {} ({}): use another --out",
            path, line_no, j.value("spec", std::string("?")), s.hash, s.name));
      }
      out.push_back(std::move(j));
      at = nl + 1;
      good = at;
    }
  }
  if (valid_bytes != nullptr) *valid_bytes = good;
  return out;
}

std::vector<nlohmann::ordered_json> pareto_front(const std::vector<nlohmann::ordered_json>& lines) {
  std::vector<const nlohmann::ordered_json*> ok;
  for (const auto& l : lines) {
    if (l.value("status", "") == "ok") ok.push_back(&l);
  }
  auto dominates = [](const nlohmann::ordered_json& a, const nlohmann::ordered_json& b) {
    const double al = a["latency_s"], ae = a["energy_j"], aa = a["area_mm2"];
    const double bl = b["latency_s"], be = b["energy_j"], ba = b["area_mm2"];
    return al <= bl && ae <= be && aa <= ba && (al < bl || ae < be || aa < ba);
  };
  std::vector<nlohmann::ordered_json> front;
  for (const auto* p : ok) {
    bool dominated = false;
    for (const auto* q : ok) {
      if (q != p && dominates(*q, *p)) {
        dominated = true;
        break;
      }
    }
    if (!dominated) front.push_back(*p);
  }
  std::sort(front.begin(), front.end(), [](const auto& a, const auto& b) {
    return double(a["latency_s"]) < double(b["latency_s"]);
  });
  return front;
}

}  // namespace serrano::workloads::sweep
