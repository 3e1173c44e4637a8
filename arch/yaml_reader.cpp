// SPDX-License-Identifier: Apache-2.0
// The strict YAML reading shared by every Serrano input file (arch/yaml_reader.h).
#include "arch/yaml_reader.h"

#include <fmt/core.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace serrano::arch::yaml {

// Makes `s` printable on one line: control characters become C-style escapes.
std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += ch;
    }
  }
  return out;
}

// A value as the user wrote it, short enough for a one-line message.
std::string clip(std::string_view s) {
  constexpr std::size_t kMax = 48;
  if (s.size() <= kMax) return one_line(s);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;  // UTF-8 boundary
  return one_line(s.substr(0, cut)) + "...";
}

std::string in_quotes(std::string_view s) { return "\"" + clip(s) + "\""; }

// What a YAML node holds, for the "got ..." part of a message. Quoted scalars keep their quotes so
// that `rows: "16"` reads as the string it is.
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined: return "nothing";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Scalar:
      return node.Tag() == "!" ? in_quotes(node.Scalar()) : clip(node.Scalar());
  }
  return "an unknown node";
}

namespace {

// Notes where each document starts, and stops the walk at one that starts where the previous one
// did (it would be the same empty document again, forever).
class DocumentStarts : public YAML::EventHandler {
 public:
  explicit DocumentStarts(const std::string& text) : m_text(text) {}
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (m_count > 0 && mark.pos == m_last.pos) {
      std::string what = "text";
      if (mark.pos >= 0 && std::size_t(mark.pos) < m_text.size()) {
        what = in_quotes(std::string_view(m_text).substr(std::size_t(mark.pos), 1));
      }
      throw YAML::ParserException(mark, "unexpected " + what + " where a value should start");
    }
    m_last = mark;
    ++m_count;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  const std::string& m_text;
  YAML::Mark m_last;
  std::size_t m_count = 0;
};

}  // namespace

std::vector<YAML::Node> load_all(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts(text);
  while (parser.HandleNextDocument(starts)) {
  }
  return YAML::LoadAll(text);
}

bool is_power_of_two(std::int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

std::string expectation(const IntRule& rule) {
  return fmt::format("must be {} in [{}, {}]", rule.power_of_two ? "a power of two" : "an integer",
                     rule.lo, rule.hi);
}

std::string expectation(const RealRule& rule) {
  return fmt::format("must be a number in {}{}, {}]", rule.lo_open ? "(" : "[", rule.lo, rule.hi);
}

bool in_charset(const std::string& s, bool allow_upper) {
  if (s.empty()) return false;
  for (char ch : s) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                    ch == '_' || ch == '-' || (allow_upper && ch >= 'A' && ch <= 'Z');
    if (!ok) return false;
  }
  return true;
}

// YAML 1.2 core-schema decimal integer: [-+]?[0-9]+
bool looks_like_int(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// YAML 1.2 core-schema float without .inf/.nan: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool looks_like_real(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const std::size_t int_digits = digits();
  std::size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    frac_digits = digits();
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// Shortest text that reads back as the same double; always shows it is a real ("1.0", not "1").
std::string format_real(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

// Double-quoted YAML scalar that yaml-cpp reads back byte for byte (for valid UTF-8 text).
std::string yaml_quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"') {
      out += "\\\"";
    } else if (ch == '\\') {
      out += "\\\\";
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

// A name or technology as a YAML scalar: plain when it reads back as the same string.
std::string yaml_word(const std::string& s) {
  const bool plain = in_charset(s, true) && s != "-" && s != "null" && s != "Null" && s != "NULL";
  return plain ? s : yaml_quote(s);
}

[[noreturn]] void fail(const std::string& source, const std::string& field,
                       const std::string& message) {
  throw ConfigError(source, field, message);
}

void check_int(const std::string& source, const std::string& field, std::int64_t v,
               const IntRule& rule) {
  if (v < rule.lo || v > rule.hi || (rule.power_of_two && !is_power_of_two(v))) {
    fail(source, field, fmt::format("{}, got {}", expectation(rule), v));
  }
}

void check_real(const std::string& source, const std::string& field, double v,
                const RealRule& rule) {
  const bool above_lo = rule.lo_open ? v > rule.lo : v >= rule.lo;
  if (!(above_lo && v <= rule.hi)) {  // also catches NaN
    fail(source, field, fmt::format("{}, got {}", expectation(rule), v));
  }
}

std::string data_dir(const char* env, const std::string& fallback) {
  if (const char* v = std::getenv(env); v != nullptr && *v != '\0') return v;
  return fallback;
}

std::vector<std::string> yaml_names(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string resolve_named_file(const std::string& name_or_path, const std::string& dir,
                               const std::string& what, const std::string& kind,
                               const std::string& hint) {
  const std::string& s = name_or_path;
  const bool is_path = s.find('/') != std::string::npos ||
                       (s.size() > 5 && s.compare(s.size() - 5, 5, ".yaml") == 0);
  if (is_path) return s;
  const std::vector<std::string> known = yaml_names(dir);
  if (std::find(known.begin(), known.end(), s) == known.end()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw ConfigError(what, s.empty() ? "(name)" : one_line(s),
                      fmt::format("unknown {}; known: {} (or give a path to {})", kind,
                                  list.empty() ? "none in " + dir : list, hint));
  }
  return dir + "/" + s + ".yaml";
}

}  // namespace serrano::arch::yaml
