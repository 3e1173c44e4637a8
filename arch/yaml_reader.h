// SPDX-License-Identifier: Apache-2.0
// The strict YAML reading every Serrano input file shares (chip configs, model descriptions, and
// the later technology tables and sweep specs): maps with known keys only, each given once;
// numbers that are really numbers (a quoted "16" is not); closed ranges; and one-line errors
// "<source>: <field>: <message>" (arch::ConfigError). docs/config.md gives the rules.
#pragma once

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "arch/arch_config.h"

namespace serrano::arch::yaml {

struct IntRule {
  std::int64_t lo;
  std::int64_t hi;
  bool power_of_two;
};

struct RealRule {
  double lo;
  double hi;
  bool lo_open;  // (lo, hi] when true, [lo, hi] when false
};

// Makes `s` printable on one line: control characters become C-style escapes.
std::string one_line(std::string_view s);
// A value as the user wrote it, short enough for a one-line message.
std::string clip(std::string_view s);
std::string in_quotes(std::string_view s);
// What a YAML node holds, for the "got ..." part of a message.
std::string describe(const YAML::Node& node);
bool is_power_of_two(std::int64_t v);
std::string expectation(const IntRule& rule);
std::string expectation(const RealRule& rule);
// Non-empty and only [a-z0-9._-] (and A-Z when allow_upper).
bool in_charset(const std::string& s, bool allow_upper);
bool looks_like_int(std::string_view s);
bool looks_like_real(std::string_view s);
// Shortest text that reads back as the same double; always shows it is a real ("1.0", not "1").
std::string format_real(double v);
// Double-quoted YAML scalar that yaml-cpp reads back byte for byte (for valid UTF-8 text).
std::string yaml_quote(std::string_view s);
// A name or word as a YAML scalar: plain when it reads back as the same string.
std::string yaml_word(const std::string& s);

[[noreturn]] void fail(const std::string& source, const std::string& field,
                       const std::string& message);

// YAML::LoadAll without its endless loop: yaml-cpp 0.7 (Debian 12) appends the same empty
// document forever when a document consumes no input, as a stray ',' at the top level does
// (jbeder/yaml-cpp#1040, found by fuzz/arch_yaml_fuzz). The documents are walked with the event
// parser first; one that starts where the previous one did throws YAML::ParserException
// "unexpected ..." at that place, and only a stream that passes is loaded.
std::vector<YAML::Node> load_all(const std::string& text);

// ---- Folders of named YAML files (configs/models, configs/tech, configs/gpus) ----

// The folder: the environment variable `env` when set and non-empty, else `fallback`.
std::string data_dir(const char* env, const std::string& fallback);
// The names (file stems) of the .yaml files in `dir`, sorted; none if it cannot be read.
std::vector<std::string> yaml_names(const std::string& dir);
// `name_or_path` is a path when it has a '/' or ends in .yaml; else it must be one of the names
// in `dir`, and the file is dir/NAME.yaml. An unknown name throws arch::ConfigError
// "<what>: <name>: unknown <kind>; known: a, b, ... (or give a path to <hint>)".
std::string resolve_named_file(const std::string& name_or_path, const std::string& dir,
                               const std::string& what, const std::string& kind,
                               const std::string& hint);
void check_int(const std::string& source, const std::string& field, std::int64_t v,
               const IntRule& rule);
void check_real(const std::string& source, const std::string& field, double v,
                const RealRule& rule);

class Reader {
 public:
  explicit Reader(const std::string& source) : m_source(source) {}

  // `node` (at dotted `path`, "" for the top level) must be a map whose keys are all known and
  // each given once. Keys are checked before any value, so a misspelt key is reported as such
  // rather than as the missing key it was meant to be.
  void expect_map(const YAML::Node& node, const std::string& path,
                  std::initializer_list<const char*> known) const {
    if (!node.IsMap()) {
      if (path.empty()) {
        fail(m_source, "(top)", fmt::format("must be a map of keys, got {}", describe(node)));
      }
      fail(m_source, path, fmt::format("must be a map, got {}", describe(node)));
    }
    std::set<std::string> seen;
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) {
        fail(m_source, path.empty() ? "(top)" : path,
             fmt::format("keys must be strings, got {} as a key", describe(kv.first)));
      }
      const std::string& key = kv.first.Scalar();
      const std::string field = join(path, key);
      bool is_known = false;
      for (const char* k : known) is_known = is_known || key == k;
      if (!is_known) fail(m_source, field, "unknown key");
      if (!seen.insert(key).second) fail(m_source, field, "duplicate key");
    }
  }

  YAML::Node child(const YAML::Node& map, const std::string& path, const char* key) const {
    YAML::Node v = map[key];
    if (!v.IsDefined()) fail(m_source, join(path, key), "missing");
    return v;
  }

  std::int64_t integer(const YAML::Node& node, const std::string& field,
                       const IntRule& rule) const {
    const std::int64_t v = raw_integer(node, field, expectation(rule));
    check_int(m_source, field, v, rule);
    return v;
  }

  double real(const YAML::Node& node, const std::string& field, const RealRule& rule) const {
    double v = 0.0;
    if (is_number_scalar(node, true)) {
      std::string_view s = node.Scalar();
      if (s.front() == '+') s.remove_prefix(1);
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && end == s.data() + s.size()) {
        check_real(m_source, field, v, rule);
        return v;
      }
    }
    fail(m_source, field, fmt::format("{}, got {}", expectation(rule), describe(node)));
  }

  // A string-valued key (name, technology, an enum). Any scalar counts; null and collections
  // do not.
  std::string text(const YAML::Node& node, const std::string& field,
                   const std::string& expected) const {
    if (!node.IsScalar()) {
      fail(m_source, field, fmt::format("{}, got {}", expected, describe(node)));
    }
    return node.Scalar();
  }

  const std::string& source() const { return m_source; }

  // An integer scalar, with `expected` naming the rule in the message when it is not one.
  std::int64_t raw_integer(const YAML::Node& node, const std::string& field,
                           const std::string& expected) const {
    if (is_number_scalar(node, false)) {
      std::string_view s = node.Scalar();
      if (s.front() == '+') s.remove_prefix(1);
      std::int64_t v = 0;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && end == s.data() + s.size()) return v;
    }
    fail(m_source, field, fmt::format("{}, got {}", expected, describe(node)));
  }

  // The value of `key` in `map` (at dotted `path`): a string with something besides blanks.
  std::string non_empty_text(const YAML::Node& map, const std::string& path,
                             const char* key) const {
    const std::string field = join(path, key);
    const std::string s = text(child(map, path, key), field, "must be a non-empty string");
    if (s.find_first_not_of(" \t") == std::string::npos) {
      fail(m_source, field, "must be a non-empty string");
    }
    return s;
  }

  // "path.key", or "key" at the top level: how fields are named in messages.
  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  // A plain (unquoted) scalar, or one explicitly tagged !!int (or !!float when reals are allowed),
  // whose text has the right shape.
  static bool is_number_scalar(const YAML::Node& node, bool real_ok) {
    if (!node.IsScalar()) return false;
    const std::string& tag = node.Tag();
    const bool tag_ok = tag == "?" || tag == "tag:yaml.org,2002:int" ||
                        (real_ok && tag == "tag:yaml.org,2002:float");
    if (!tag_ok) return false;
    return real_ok ? looks_like_real(node.Scalar()) : looks_like_int(node.Scalar());
  }

  std::string m_source;
};

}  // namespace serrano::arch::yaml
