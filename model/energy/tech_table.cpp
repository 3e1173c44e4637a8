// SPDX-License-Identifier: Apache-2.0
#include "model/energy/tech_table.h"

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "arch/yaml_reader.h"

namespace serrano::energy {

namespace {

using arch::yaml::fail;
using arch::yaml::Reader;
using arch::yaml::RealRule;

// Ranges. An energy or an area may be zero (an action the table treats as free) but not negative;
// the upper bounds only catch unit slips (a value in fJ or um^2).
constexpr RealRule kEnergy{0.0, 1e6, false};
constexpr RealRule kArea{0.0, 1e4, false};
constexpr RealRule kFactor{0.0, 1e3, true};
constexpr RealRule kKib{0.0, 1048576.0, true};  // up to 1 GiB, the SRAM size limit of a config
constexpr arch::yaml::IntRule kNode{1, 1000, false};

constexpr const char* kDramKeys[4] = {"hbm3", "lpddr5", "ddr3", "ddr4"};

std::string read_source(const Reader& r, const YAML::Node& map, const std::string& path) {
  const std::string field = Reader::join(path, "source");
  const std::string s = r.text(r.child(map, path, "source"), field, "must be a non-empty string");
  if (s.find_first_not_of(" \t") == std::string::npos) {
    fail(r.source(), field, "must be a non-empty string naming where the value comes from");
  }
  return s;
}

// key: {value: <number>, source: "<text>"}
Entry read_entry(const Reader& r, const YAML::Node& map, const std::string& path, const char* key,
                 const RealRule& rule) {
  const std::string field = Reader::join(path, key);
  const YAML::Node node = r.child(map, path, key);
  r.expect_map(node, field, {"value", "source"});
  Entry e;
  e.value = r.real(r.child(node, field, "value"), field + ".value", rule);
  e.source = read_source(r, node, field);
  return e;
}

// key: {source: "<text>", points: [{kib: <number>, pj: <number>}, ...]}
SramCurve read_curve(const Reader& r, const YAML::Node& map, const std::string& path,
                     const char* key) {
  const std::string field = Reader::join(path, key);
  const YAML::Node node = r.child(map, path, key);
  r.expect_map(node, field, {"source", "points"});
  SramCurve c;
  c.source = read_source(r, node, field);
  const std::string pf = field + ".points";
  const YAML::Node points = r.child(node, field, "points");
  if (!points.IsSequence() || points.size() == 0) {
    fail(r.source(), pf,
         fmt::format("must be a non-empty list of {{kib, pj}} points, got {}",
                     arch::yaml::describe(points)));
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::string at = fmt::format("{}[{}]", pf, i);
    r.expect_map(points[i], at, {"kib", "pj"});
    SramCurve::Point p;
    p.kib = r.real(r.child(points[i], at, "kib"), at + ".kib", kKib);
    p.pj = r.real(r.child(points[i], at, "pj"), at + ".pj", kEnergy);
    if (!c.points.empty() && p.kib <= c.points.back().kib) {
      fail(r.source(), at + ".kib",
           fmt::format("must be greater than the previous point's kib ({}), got {}",
                       c.points.back().kib, p.kib));
    }
    c.points.push_back(p);
  }
  return c;
}

TechTable read_table(const Reader& r, const YAML::Node& top) {
  r.expect_map(top, "",
               {"name", "node_nm", "convention", "scaling", "energy", "static_mw_per_mm2", "area",
                "sensitivity"});
  TechTable t;
  t.name = r.non_empty_text(top, "", "name");
  if (!arch::yaml::in_charset(t.name, true)) {
    fail(r.source(), "name",
         fmt::format("must match [A-Za-z0-9._-]+, got {}", arch::yaml::in_quotes(t.name)));
  }
  t.node_nm = int(r.integer(r.child(top, "", "node_nm"), "node_nm", kNode));
  t.convention = r.non_empty_text(top, "", "convention");

  if (const YAML::Node s = top["scaling"]; s.IsDefined()) {
    r.expect_map(s, "scaling", {"base", "energy_factor", "area_factor"});
    t.scaled = true;
    t.scaling_base = r.non_empty_text(s, "scaling", "base");
    t.energy_factor = read_entry(r, s, "scaling", "energy_factor", kFactor);
    t.area_factor = read_entry(r, s, "scaling", "area_factor", kFactor);
  }

  const YAML::Node e = r.child(top, "", "energy");
  r.expect_map(e, "energy",
               {"mac_int8_pj", "pe_register_pj_per_bit", "acc_add_pj", "requant_pj",
                "vector_int32_op_pj", "vector_int8_op_pj", "dma_pj_per_byte", "instruction_pj",
                "sram_read_pj_per_byte", "sram_write_pj_per_byte", "dram_pj_per_bit"});
  t.mac_int8_pj = read_entry(r, e, "energy", "mac_int8_pj", kEnergy);
  t.pe_register_pj_per_bit = read_entry(r, e, "energy", "pe_register_pj_per_bit", kEnergy);
  t.acc_add_pj = read_entry(r, e, "energy", "acc_add_pj", kEnergy);
  t.requant_pj = read_entry(r, e, "energy", "requant_pj", kEnergy);
  t.vector_int32_op_pj = read_entry(r, e, "energy", "vector_int32_op_pj", kEnergy);
  t.vector_int8_op_pj = read_entry(r, e, "energy", "vector_int8_op_pj", kEnergy);
  t.dma_pj_per_byte = read_entry(r, e, "energy", "dma_pj_per_byte", kEnergy);
  t.instruction_pj = read_entry(r, e, "energy", "instruction_pj", kEnergy);
  t.sram_read = read_curve(r, e, "energy", "sram_read_pj_per_byte");
  t.sram_write = read_curve(r, e, "energy", "sram_write_pj_per_byte");
  const YAML::Node d = r.child(e, "energy", "dram_pj_per_bit");
  r.expect_map(d, "energy.dram_pj_per_bit", {"hbm3", "lpddr5", "ddr3", "ddr4"});
  for (int k = 0; k < 4; ++k) {
    t.dram_pj_per_bit[k] = read_entry(r, d, "energy.dram_pj_per_bit", kDramKeys[k], kEnergy);
  }

  t.static_mw_per_mm2 = read_entry(r, top, "", "static_mw_per_mm2", kEnergy);

  const YAML::Node a = r.child(top, "", "area");
  r.expect_map(
      a, "area",
      {"sram_mm2_per_mib", "pe_mm2", "vector_lane_mm2", "requant_lane_mm2", "controller_mm2"});
  t.sram_mm2_per_mib = read_entry(r, a, "area", "sram_mm2_per_mib", kArea);
  t.pe_mm2 = read_entry(r, a, "area", "pe_mm2", kArea);
  t.vector_lane_mm2 = read_entry(r, a, "area", "vector_lane_mm2", kArea);
  t.requant_lane_mm2 = read_entry(r, a, "area", "requant_lane_mm2", kArea);
  t.controller_mm2 = read_entry(r, a, "area", "controller_mm2", kArea);

  if (const YAML::Node s = top["sensitivity"]; s.IsDefined()) {
    if (!s.IsSequence()) {
      fail(r.source(), "sensitivity",
           fmt::format("must be a list of alternative conventions, got {}",
                       arch::yaml::describe(s)));
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
      const std::string at = fmt::format("sensitivity[{}]", i);
      r.expect_map(s[i], at, {"name", "source", "logic_factor", "sram_pj_per_byte"});
      Sensitivity alt;
      alt.name = r.non_empty_text(s[i], at, "name");
      for (const auto& other : t.sensitivity) {
        if (other.name == alt.name) {
          fail(r.source(), at + ".name",
               fmt::format("duplicate alternative {}", arch::yaml::in_quotes(alt.name)));
        }
      }
      alt.source = read_source(r, s[i], at);
      alt.logic_factor = read_entry(r, s[i], at, "logic_factor", kFactor);
      alt.sram = read_curve(r, s[i], at, "sram_pj_per_byte");
      t.sensitivity.push_back(std::move(alt));
    }
  }
  return t;
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "(file)", "cannot read file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "(file)", "cannot read file");
  constexpr std::uintmax_t kMaxBytes = 1 << 20;  // a table is a few KiB
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxBytes) {
    fail(path, "(file)", fmt::format("is {} bytes; a technology table is at most 1 MiB", size));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(path, "(file)", "cannot read file");
  return text.str();
}

}  // namespace

double SramCurve::pj_per_byte(double bank_bytes) const {
  if (points.empty()) return 0.0;
  const double kib = bank_bytes / 1024.0;
  if (points.size() == 1 || kib <= points.front().kib) return points.front().pj;
  std::size_t i = 0;  // segment [i, i+1]: the one holding kib, or the last one
  while (i + 2 < points.size() && kib > points[i + 1].kib) ++i;
  const Point& a = points[i];
  const Point& b = points[i + 1];
  const double t = std::log2(kib / a.kib) / std::log2(b.kib / a.kib);
  return std::max(0.0, a.pj + t * (b.pj - a.pj));
}

std::vector<std::pair<std::string, std::string>> TechTable::sources() const {
  std::vector<std::pair<std::string, std::string>> s;
  if (scaled) {
    s.emplace_back("scaling.energy_factor", energy_factor.source);
    s.emplace_back("scaling.area_factor", area_factor.source);
  }
  const std::pair<const char*, const Entry*> energies[] = {
      {"energy.mac_int8_pj", &mac_int8_pj},
      {"energy.pe_register_pj_per_bit", &pe_register_pj_per_bit},
      {"energy.acc_add_pj", &acc_add_pj},
      {"energy.requant_pj", &requant_pj},
      {"energy.vector_int32_op_pj", &vector_int32_op_pj},
      {"energy.vector_int8_op_pj", &vector_int8_op_pj},
      {"energy.dma_pj_per_byte", &dma_pj_per_byte},
      {"energy.instruction_pj", &instruction_pj}};
  for (const auto& [k, e] : energies) s.emplace_back(k, e->source);
  s.emplace_back("energy.sram_read_pj_per_byte", sram_read.source);
  s.emplace_back("energy.sram_write_pj_per_byte", sram_write.source);
  for (int k = 0; k < 4; ++k) {
    s.emplace_back(std::string("energy.dram_pj_per_bit.") + kDramKeys[k],
                   dram_pj_per_bit[k].source);
  }
  s.emplace_back("static_mw_per_mm2", static_mw_per_mm2.source);
  const std::pair<const char*, const Entry*> areas[] = {
      {"area.sram_mm2_per_mib", &sram_mm2_per_mib},
      {"area.pe_mm2", &pe_mm2},
      {"area.vector_lane_mm2", &vector_lane_mm2},
      {"area.requant_lane_mm2", &requant_lane_mm2},
      {"area.controller_mm2", &controller_mm2}};
  for (const auto& [k, e] : areas) s.emplace_back(k, e->source);
  for (std::size_t i = 0; i < sensitivity.size(); ++i) {
    const std::string at = fmt::format("sensitivity[{}]", i);
    s.emplace_back(at, sensitivity[i].source);
    s.emplace_back(at + ".logic_factor", sensitivity[i].logic_factor.source);
    s.emplace_back(at + ".sram_pj_per_byte", sensitivity[i].sram.source);
  }
  return s;
}

TechTable parse_tech_yaml(const std::string& text, const std::string& source) {
  const Reader reader(source);
  try {
    const std::vector<YAML::Node> docs = arch::yaml::load_all(text);
    if (docs.empty()) fail(source, "(top)", "must be a map of keys, got an empty document");
    if (docs.size() > 1) {
      fail(source, "(yaml)", fmt::format("expected one YAML document, got {}", docs.size()));
    }
    return read_table(reader, docs.front());
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) fail(source, "(yaml)", e.msg);
    fail(source, "(yaml)",
         fmt::format("line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

TechTable load_tech_file(const std::string& path) { return parse_tech_yaml(read_file(path), path); }

std::string tech_dir() { return arch::yaml::data_dir("SERRANO_TECH_DIR", SERRANO_TECH_DIR); }

std::vector<std::string> builtin_techs() { return arch::yaml::yaml_names(tech_dir()); }

TechTable find_tech(const std::string& name_or_path) {
  const std::string& s = name_or_path;
  const std::string path =
      arch::yaml::resolve_named_file(s, tech_dir(), "tech", "technology table", "a .yaml table");
  const bool is_path = path == s;
  if (is_path) return load_tech_file(s);
  TechTable t = load_tech_file(path);
  if (t.name != s) {
    fail(path, "name",
         fmt::format("must be the file's name {}, got {}", arch::yaml::in_quotes(s),
                     arch::yaml::in_quotes(t.name)));
  }
  return t;
}

}  // namespace serrano::energy
