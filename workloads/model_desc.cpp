// SPDX-License-Identifier: Apache-2.0
// Reading and checking transformer model descriptions (docs/models.md).
#include "workloads/model_desc.h"

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "arch/yaml_reader.h"

namespace serrano::workloads {

namespace {

using arch::yaml::fail;
using arch::yaml::in_quotes;
using arch::yaml::IntRule;
using arch::yaml::Reader;
using arch::yaml::RealRule;

// Closed ranges: every size is far above today's largest models and far below anything that
// could overflow a 64-bit product of three of them.
constexpr IntRule kLayers{1, 1024, false};
constexpr IntRule kHidden{1, 65536, false};
constexpr IntRule kHeads{1, 1024, false};
constexpr IntRule kHeadDim{1, 1024, false};
constexpr IntRule kFfnSize{1, 262144, false};
constexpr IntRule kVocab{1, 4194304, false};
constexpr IntRule kContext{1, 1048576, false};
constexpr RealRule kEps{0.0, 1.0, true};
constexpr RealRule kTheta{0.0, 1e9, true};

template <class E>
struct Choice {
  const char* word;
  E value;
};

constexpr Choice<FfnType> kFfnTypes[] = {{"gelu_erf", FfnType::GeluErf},
                                         {"gelu_tanh", FfnType::GeluTanh},
                                         {"swiglu", FfnType::SwiGlu},
                                         {"relu", FfnType::Relu}};
constexpr Choice<NormType> kNormTypes[] = {{"layernorm", NormType::LayerNorm},
                                           {"rmsnorm", NormType::RmsNorm}};
constexpr Choice<NormPlacement> kPlacements[] = {{"pre", NormPlacement::Pre},
                                                 {"post", NormPlacement::Post}};
constexpr Choice<Position> kPositions[] = {{"learned", Position::Learned},
                                           {"rope", Position::Rope}};

template <class E, std::size_t N>
std::string choices(const Choice<E> (&table)[N]) {
  std::string s;
  for (const auto& c : table) s += (s.empty() ? "" : ", ") + std::string(c.word);
  return s;
}

template <class E, std::size_t N>
E choose(const Reader& r, const YAML::Node& node, const std::string& field,
         const Choice<E> (&table)[N]) {
  const std::string expected = "must be one of " + choices(table);
  const std::string word = r.text(node, field, expected);
  for (const auto& c : table) {
    if (word == c.word) return c.value;
  }
  fail(r.source(), field, fmt::format("{}, got {}", expected, in_quotes(word)));
}

template <class E, std::size_t N>
const char* word_of(E v, const Choice<E> (&table)[N]) {
  for (const auto& c : table) {
    if (c.value == v) return c.word;
  }
  return "?";
}

int integer(const Reader& r, const YAML::Node& map, const std::string& path, const char* key,
            const IntRule& rule) {
  const std::string field = path.empty() ? key : path + "." + key;
  return int(r.integer(r.child(map, path, key), field, rule));
}

// Rules that relate several keys; shared by the parser and validate().
void check_shapes(const std::string& source, const ModelDesc& m) {
  using arch::yaml::check_int;
  using arch::yaml::check_real;
  check_int(source, "layers", m.layers, kLayers);
  check_int(source, "hidden", m.hidden, kHidden);
  check_int(source, "heads", m.heads, kHeads);
  check_int(source, "kv_heads", m.kv_heads, kHeads);
  check_int(source, "head_dim", m.head_dim, kHeadDim);
  check_int(source, "ffn.size", m.ffn_size, kFfnSize);
  check_real(source, "norm.eps", m.norm_eps, kEps);
  check_int(source, "vocab", m.vocab, kVocab);
  check_int(source, "max_context", m.max_context, kContext);
  if (m.kv_heads > m.heads || m.heads % m.kv_heads != 0) {
    fail(source, "kv_heads",
         fmt::format("must divide heads = {} (multi-head, grouped-query or multi-query "
                     "attention), got {}",
                     m.heads, m.kv_heads));
  }
  if (m.position == Position::Rope) {
    check_real(source, "position.theta", m.rope_theta, kTheta);
    if (m.head_dim % 2 != 0) {
      fail(source, "head_dim",
           fmt::format("must be even for rope (rotation pairs), got {}", m.head_dim));
    }
  }
  if (m.source.empty()) {
    fail(source, "source", "must say where the shapes come from (a paper, a config file)");
  }
}

ModelDesc read_model(const Reader& r, const YAML::Node& top) {
  r.expect_map(top, "",
               {"name", "description", "source", "layers", "hidden", "heads", "kv_heads",
                "head_dim", "ffn", "norm", "position", "attention", "vocab", "max_context"});
  ModelDesc m;
  m.name = r.text(r.child(top, "", "name"), "name", "must be a non-empty string");
  if (!arch::yaml::in_charset(m.name, false)) {
    fail(
        r.source(), "name",
        fmt::format("must be a non-empty string matching [a-z0-9._-]+, got {}", in_quotes(m.name)));
  }
  const YAML::Node description = top["description"];
  if (description.IsDefined() && !description.IsNull()) {
    m.description = r.text(description, "description", "must be a string");
  }
  m.source = r.text(r.child(top, "", "source"), "source", "must be a string");
  m.layers = integer(r, top, "", "layers", kLayers);
  m.hidden = integer(r, top, "", "hidden", kHidden);
  m.heads = integer(r, top, "", "heads", kHeads);
  m.kv_heads = integer(r, top, "", "kv_heads", kHeads);
  m.head_dim = integer(r, top, "", "head_dim", kHeadDim);

  const YAML::Node ffn = r.child(top, "", "ffn");
  r.expect_map(ffn, "ffn", {"size", "type"});
  m.ffn_size = integer(r, ffn, "ffn", "size", kFfnSize);
  m.ffn = choose(r, r.child(ffn, "ffn", "type"), "ffn.type", kFfnTypes);

  const YAML::Node norm = r.child(top, "", "norm");
  r.expect_map(norm, "norm", {"type", "placement", "eps"});
  m.norm = choose(r, r.child(norm, "norm", "type"), "norm.type", kNormTypes);
  m.placement = choose(r, r.child(norm, "norm", "placement"), "norm.placement", kPlacements);
  m.norm_eps = r.real(r.child(norm, "norm", "eps"), "norm.eps", kEps);

  const YAML::Node position = r.child(top, "", "position");
  r.expect_map(position, "position", {"type", "theta"});
  m.position = choose(r, r.child(position, "position", "type"), "position.type", kPositions);
  if (m.position == Position::Rope) {
    m.rope_theta = r.real(r.child(position, "position", "theta"), "position.theta", kTheta);
  } else if (position["theta"].IsDefined()) {
    fail(r.source(), "position.theta", "only for position type rope");
  }

  const YAML::Node attention = r.child(top, "", "attention");
  r.expect_map(attention, "attention", {"causal"});
  const std::string causal = r.text(r.child(attention, "attention", "causal"), "attention.causal",
                                    "must be true or false");
  if (causal != "true" && causal != "false") {
    fail(r.source(), "attention.causal",
         fmt::format("must be true or false, got {}", in_quotes(causal)));
  }
  m.causal = causal == "true";

  m.vocab = integer(r, top, "", "vocab", kVocab);
  m.max_context = integer(r, top, "", "max_context", kContext);
  check_shapes(r.source(), m);
  return m;
}

}  // namespace

ModelDesc parse_model_yaml(const std::string& text, const std::string& source) {
  YAML::Node top;
  try {
    top = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(source, "(yaml)",
         fmt::format("line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return read_model(Reader(source), top);
}

ModelDesc load_model_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "(file)", "is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "(file)", "cannot open");
  constexpr std::uintmax_t kMaxBytes = 1 << 20;  // a description is a few hundred bytes
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxBytes) {
    fail(path, "(file)", fmt::format("is {} bytes; a model description is at most 1 MiB", size));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_model_yaml(text.str(), path);
}

void validate(const ModelDesc& m, const std::string& source) {
  if (!arch::yaml::in_charset(m.name, false)) {
    fail(
        source, "name",
        fmt::format("must be a non-empty string matching [a-z0-9._-]+, got {}", in_quotes(m.name)));
  }
  check_shapes(source, m);
}

std::string models_dir() { return arch::yaml::data_dir("SERRANO_MODELS_DIR", SERRANO_MODELS_DIR); }

std::vector<std::string> builtin_models() { return arch::yaml::yaml_names(models_dir()); }

ModelDesc find_model(const std::string& name_or_path) {
  return load_model_file(arch::yaml::resolve_named_file(name_or_path, models_dir(), "model",
                                                        "model", "a .yaml description"));
}

const char* to_string(FfnType t) { return word_of(t, kFfnTypes); }
const char* to_string(NormType t) { return word_of(t, kNormTypes); }
const char* to_string(NormPlacement p) { return word_of(p, kPlacements); }
const char* to_string(Position p) { return word_of(p, kPositions); }

}  // namespace serrano::workloads
