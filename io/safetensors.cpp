// SPDX-License-Identifier: Apache-2.0
// safetensors files (the format of huggingface/safetensors).
//
// A file is: the header length N, 8 bytes little-endian; N bytes of JSON such as
//     {"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}
// (the reference writer pads it with spaces to a multiple of 8 bytes); then the data buffer, which
// the tensors' [begin, end) offsets tile in order. Reading checks the header length against
// kSafetensorsMaxHeaderBytes and the file, the data buffer against kSafetensorsMaxDataBytes, then
// parses the JSON with a callback that refuses, as they arrive, what no safetensors header holds
// (nesting below an entry's arrays, arrays of more than kSafetensorsMaxRank elements, duplicate
// names and keys) and turns each entry into a small record as soon as it is complete, so the JSON
// of the whole header is never held: a header costs at most about ten times its length in memory
// (1 GB for 100 MiB of the smallest metadata entries; real headers are kilobytes). Tensor data are
// allocated and read only once every entry and the tiling of the buffer have been checked.
#include "io/safetensors.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>

namespace serrano::io {

namespace {

using json = nlohmann::json;

constexpr std::size_t kLengthBytes = 8;  // the header length field
constexpr std::size_t kShownChars = 48;  // longest piece of input quoted in a message

struct DTypeInfo {
  TensorDType dtype;
  const char* name;
  std::size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {TensorDType::BOOL, "BOOL", 1},       {TensorDType::U8, "U8", 1},
    {TensorDType::I8, "I8", 1},           {TensorDType::F8_E4M3, "F8_E4M3", 1},
    {TensorDType::F8_E5M2, "F8_E5M2", 1}, {TensorDType::I16, "I16", 2},
    {TensorDType::U16, "U16", 2},         {TensorDType::F16, "F16", 2},
    {TensorDType::BF16, "BF16", 2},       {TensorDType::I32, "I32", 4},
    {TensorDType::U32, "U32", 4},         {TensorDType::F32, "F32", 4},
    {TensorDType::I64, "I64", 8},         {TensorDType::U64, "U64", 8},
    {TensorDType::F64, "F64", 8}};

const DTypeInfo& info(TensorDType t) {
  for (const auto& d : kDTypes) {
    if (d.dtype == t) return d;
  }
  throw std::invalid_argument("safetensors: unknown TensorDType value");
}

std::string known_dtypes() {
  std::string s;
  for (const auto& d : kDTypes) s += (s.empty() ? "" : ", ") + std::string(d.name);
  return s;
}

// Makes `s` printable on one line: control and non-ASCII bytes become \xNN; cut to `max` bytes.
std::string printable(std::string_view s, std::size_t max = kShownChars) {
  std::string out;
  const bool cut = s.size() > max;
  if (cut) s = s.substr(0, max);
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u >= 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += ch;
    }
  }
  if (cut) out += "...";
  return out;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  }
  return s + "]";
}

// A JSON value as it was written, short enough for a message.
std::string shown(const json& j) { return printable(j.dump()); }

// "an array", "an object", "a number", ...: what a value is, for "got ..." in messages.
std::string kind(const json& j) {
  switch (j.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::null: return "null";
    default: return "a number";
  }
}

// The byte size of a tensor, or false if it does not fit in 64 bits.
bool checked_bytes(const std::vector<std::size_t>& shape, std::size_t item, std::uint64_t& out) {
  std::uint64_t n = item;
  for (const std::size_t d : shape) {
    if (d == 0) {
      out = 0;
      return true;
    }
  }
  for (const std::size_t d : shape) {
    if (n > std::numeric_limits<std::uint64_t>::max() / d) return false;
    n *= d;
  }
  out = n;
  return true;
}

std::uint64_t read_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t(p[i]) << (8 * i);
  return v;
}

// ---------------------------------------------------------------------------------------------
// The fixed part and the limits, checked from the sizes alone.

struct Layout {
  std::uint64_t header_len = 0;
  std::uint64_t data_at() const { return kLengthBytes + header_len; }
};

// `p` holds the first min(size, 8) bytes of a file of `size` bytes.
Layout check_layout(const std::uint8_t* p, std::uint64_t size, const std::string& name) {
  if (size < kLengthBytes) {
    throw SafetensorsError(
        name, fmt::format("truncated: {} bytes, too short for the 8-byte header length", size));
  }
  Layout l;
  l.header_len = read_u64(p);
  if (l.header_len > kSafetensorsMaxHeaderBytes) {
    throw SafetensorsError(name, fmt::format("header length {} is more than the limit of {} bytes "
                                             "(100 MiB)",
                                             l.header_len, kSafetensorsMaxHeaderBytes));
  }
  if (l.header_len > size - kLengthBytes) {
    throw SafetensorsError(name, fmt::format("truncated: the header length is {} bytes, but only "
                                             "{} follow it",
                                             l.header_len, size - kLengthBytes));
  }
  const std::uint64_t buffer = size - l.data_at();
  if (buffer > kSafetensorsMaxDataBytes) {
    throw SafetensorsError(name, fmt::format("data buffer of {} bytes is more than the limit of {} "
                                             "bytes (2 GiB)",
                                             buffer, kSafetensorsMaxDataBytes));
  }
  return l;
}

// ---------------------------------------------------------------------------------------------
// The header.

struct Entry {
  TensorDType dtype = TensorDType::F32;
  std::vector<std::size_t> shape;
  std::uint64_t begin = 0, end = 0;  // in the data buffer
};

struct Header {
  std::map<std::string, std::string> metadata;
  std::map<std::string, Entry> entries;
};

constexpr const char* kMetadata = "__metadata__";

class HeaderParser {
 public:
  HeaderParser(const std::string& name, std::uint64_t buffer) : m_name(name), m_buffer(buffer) {}

  Header parse(std::string_view text) {
    json top;
    try {
      top = json::parse(text.begin(), text.end(),
                        [this](int depth, json::parse_event_t event, json& parsed) {
                          return on_event(depth, event, parsed);
                        });
    } catch (const json::parse_error& e) {
      // e.byte counts from 1; it points just past the end when the text stops early.
      throw SafetensorsError(m_name, fmt::format("malformed header: not valid JSON at byte {}",
                                                 kLengthBytes + e.byte - 1));
    } catch (const json::out_of_range&) {
      // A number beyond the range of a double (1e400): nlohmann::json reports no position.
      throw SafetensorsError(m_name, "malformed header: a number is out of range");
    }
    if (!top.is_object()) {
      fail(fmt::format("malformed header: must be a JSON object, got {}", kind(top)));
    }
    check_tiling();
    return std::move(m_header);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw SafetensorsError(m_name, message);
  }
  // The start of a message about the entry being parsed.
  std::string where() const {
    return m_in_metadata ? std::string(kMetadata) : "tensor '" + printable(m_tensor) + "'";
  }
  [[noreturn]] void not_an_object(const std::string& got) const {
    if (m_in_metadata) fail(fmt::format("{} must be an object of strings, got {}", kMetadata, got));
    fail(fmt::format("{}: must be an object with keys dtype, shape and data_offsets, got {}",
                     where(), got));
  }

  bool on_event(int depth, json::parse_event_t event, json& parsed) {
    using E = json::parse_event_t;
    switch (event) {
      case E::key:
        if (depth == 1) {
          m_tensor = parsed.get<std::string>();
          m_in_metadata = m_tensor == kMetadata;
          m_keys.clear();
          const bool fresh = m_in_metadata ? !std::exchange(m_have_metadata, true)
                                           : m_header.entries.emplace(m_tensor, Entry{}).second;
          if (!fresh) {
            fail(fmt::format("malformed header: duplicate entry '{}'", printable(m_tensor)));
          }
        } else if (depth == 2) {
          m_field = parsed.get<std::string>();
          const bool fresh =
              m_in_metadata ? m_header.metadata.count(m_field) == 0 : m_keys.insert(m_field).second;
          if (!fresh) {
            fail(fmt::format("{}: duplicate key '{}'", where(), printable(m_field)));
          }
          return !m_in_metadata;  // metadata go straight to the map (at their value), not the JSON
        }
        return true;
      case E::object_start:
      case E::array_start: {
        const bool array = event == E::array_start;
        if (depth == 0 && array) fail("malformed header: must be a JSON object, got an array");
        if (depth == 1 && array) not_an_object("an array");
        if (depth == 2) {
          if (m_in_metadata) {
            fail(fmt::format("{}: '{}' must be a string, got {}", kMetadata, printable(m_field),
                             array ? "an array" : "an object"));
          }
          m_elements = 0;
        }
        if (depth >= 3) {
          fail(fmt::format("{}: '{}' holds nested arrays or objects", where(), printable(m_field)));
        }
        return true;
      }
      case E::value:
        if (depth == 1) not_an_object(kind(parsed));
        if (depth == 2 && m_in_metadata) {
          if (!parsed.is_string()) {
            fail(fmt::format("{}: '{}' must be a string, got {}", kMetadata, printable(m_field),
                             kind(parsed)));
          }
          m_header.metadata.emplace(m_field, std::move(parsed.get_ref<std::string&>()));
          return false;  // kept in the map, not in the JSON
        }
        if (depth == 3 && ++m_elements > kSafetensorsMaxRank) {
          fail(fmt::format("{}: '{}' has more than {} elements", where(), printable(m_field),
                           kSafetensorsMaxRank));
        }
        return true;
      case E::object_end:
        if (depth != 1) return true;
        if (!m_in_metadata) m_header.entries[m_tensor] = entry(parsed);
        return false;  // keep the record, not the JSON
      case E::array_end: return true;
    }
    return true;
  }

  // A tensor entry, every field checked.
  Entry entry(const json& obj) const {
    for (const auto& item : obj.items()) {
      const std::string& k = item.key();
      if (k != "dtype" && k != "shape" && k != "data_offsets") {
        fail(fmt::format("{}: unknown key '{}' (the keys are dtype, shape and data_offsets)",
                         where(), printable(k)));
      }
    }
    for (const char* k : {"dtype", "shape", "data_offsets"}) {
      if (!obj.contains(k)) fail(fmt::format("{}: missing key '{}'", where(), k));
    }
    Entry e;
    const json& dtype = obj.at("dtype");
    if (!dtype.is_string()) {
      fail(fmt::format("{}: 'dtype' must be a string, got {}", where(), kind(dtype)));
    }
    const std::string& word = dtype.get_ref<const std::string&>();
    const DTypeInfo* found = nullptr;
    for (const auto& d : kDTypes) {
      if (word == d.name) found = &d;
    }
    if (found == nullptr) {
      fail(fmt::format("{}: unknown dtype '{}' (known: {})", where(), printable(word),
                       known_dtypes()));
    }
    e.dtype = found->dtype;

    const json& shape = obj.at("shape");
    if (!shape.is_array()) {
      fail(fmt::format("{}: 'shape' must be an array of non-negative integers, got {}", where(),
                       kind(shape)));
    }
    for (const json& d : shape) {
      if (!d.is_number_unsigned() ||
          d.get<std::uint64_t>() > std::numeric_limits<std::size_t>::max()) {
        fail(fmt::format("{}: 'shape' must be an array of non-negative integers, got {}", where(),
                         shown(d)));
      }
      e.shape.push_back(std::size_t(d.get<std::uint64_t>()));
    }

    const json& offsets = obj.at("data_offsets");
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      fail(
          fmt::format("{}: 'data_offsets' must be [begin, end], two non-negative integers, got "
                      "{}",
                      where(), shown(offsets)));
    }
    e.begin = offsets[0].get<std::uint64_t>();
    e.end = offsets[1].get<std::uint64_t>();
    const std::string span = fmt::format("data_offsets [{}, {}]", e.begin, e.end);
    if (e.end < e.begin) fail(fmt::format("{}: {} end before they begin", where(), span));
    if (e.end > m_buffer) {
      fail(fmt::format("{}: {} run past the end of the data buffer ({} bytes)", where(), span,
                       m_buffer));
    }
    std::uint64_t bytes = 0;
    if (!checked_bytes(e.shape, found->size, bytes)) {
      fail(fmt::format("{}: shape {} of dtype {} needs more than 2^64 bytes", where(),
                       shape_text(e.shape), found->name));
    }
    if (bytes != e.end - e.begin) {
      fail(fmt::format("{}: shape {} of dtype {} needs {} bytes, but {} hold {}", where(),
                       shape_text(e.shape), found->name, bytes, span, e.end - e.begin));
    }
    return e;
  }

  // The tensors, in the order of their data, fill the buffer exactly.
  void check_tiling() const {
    std::vector<std::pair<const std::string*, const Entry*>> order;
    for (const auto& [n, e] : m_header.entries) order.emplace_back(&n, &e);
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return std::pair(a.second->begin, a.second->end) < std::pair(b.second->begin, b.second->end);
    });
    std::uint64_t at = 0;
    for (const auto& [n, e] : order) {
      if (e->begin != at) {
        fail(
            fmt::format("tensor '{}': data_offsets [{}, {}] should begin at {}: the tensors must "
                        "fill the data buffer in order, without gaps or overlaps",
                        printable(*n), e->begin, e->end, at));
      }
      at = e->end;
    }
    if (at != m_buffer) {
      fail(fmt::format("the tensors' data end at byte {} of the data buffer, but it is {} bytes",
                       at, m_buffer));
    }
  }

  const std::string& m_name;
  std::uint64_t m_buffer;  // data buffer size
  Header m_header;
  std::string m_tensor;  // the entry being parsed (a key at depth 1)
  std::string m_field;   // its key being parsed (depth 2)
  bool m_in_metadata = false, m_have_metadata = false;
  std::set<std::string> m_keys;  // the keys of the tensor entry so far
  std::size_t m_elements = 0;    // elements of the array being parsed (depth 3)
};

Header parse_header(const std::uint8_t* p, const Layout& l, std::uint64_t size,
                    const std::string& name) {
  const std::string_view text(reinterpret_cast<const char*>(p), std::size_t(l.header_len));
  return HeaderParser(name, size - l.data_at()).parse(text);
}

// The file the header describes, its records moved over one at a time (so that the header and the
// file are not both held whole), `fill(entry, data)` reading each tensor's data.
template <typename Fill>
SafetensorsFile assemble(Header h, Fill&& fill) {
  SafetensorsFile f;
  f.metadata = std::move(h.metadata);
  while (!h.entries.empty()) {
    auto node = h.entries.extract(h.entries.begin());
    Entry& e = node.mapped();
    SafetensorsTensor t;
    t.dtype = e.dtype;
    t.shape = std::move(e.shape);
    fill(e, t.data);
    f.tensors.emplace_hint(f.tensors.end(), std::move(node.key()), std::move(t));
  }
  return f;
}

void check_tensor(const std::string& name, const SafetensorsTensor& t, std::uint64_t& bytes) {
  if (name.empty() || name == kMetadata) {
    throw std::invalid_argument(
        fmt::format("serialize_safetensors: '{}' is not a tensor name", printable(name)));
  }
  if (t.shape.size() > kSafetensorsMaxRank) {
    throw std::invalid_argument(fmt::format(
        "serialize_safetensors: tensor '{}': shape has {} dimensions, more than the {} supported",
        printable(name), t.shape.size(), kSafetensorsMaxRank));
  }
  if (!checked_bytes(t.shape, item_size(t.dtype), bytes) || bytes != t.data.size()) {
    throw std::invalid_argument(fmt::format(
        "serialize_safetensors: tensor '{}': data is {} bytes, but shape {} of dtype {} needs {}",
        printable(name), t.data.size(), shape_text(t.shape), dtype_name(t.dtype),
        checked_bytes(t.shape, item_size(t.dtype), bytes) ? std::to_string(bytes)
                                                          : "more than 2^64"));
  }
}

std::uint32_t read_le(const std::uint8_t* p, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint32_t(p[i]) << (8 * i);
  return v;
}

float float_of(std::uint32_t bits) {
  float f = 0.0f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace

SafetensorsError::SafetensorsError(const std::string& name, const std::string& message)
    : std::runtime_error(printable(name, 4096) + ": " + message) {}

std::size_t item_size(TensorDType t) { return info(t).size; }
const char* dtype_name(TensorDType t) { return info(t).name; }

SafetensorsFile parse_safetensors(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  const Layout l = check_layout(bytes.data(), bytes.size(), name);
  const std::uint8_t* buffer = bytes.data() + l.data_at();
  return assemble(parse_header(bytes.data() + kLengthBytes, l, bytes.size(), name),
                  [&](const Entry& e, std::vector<std::uint8_t>& data) {
                    data.assign(buffer + e.begin, buffer + e.end);
                  });
}

SafetensorsFile read_safetensors(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw SafetensorsError(path, "is a directory");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) throw SafetensorsError(path, "cannot read file");
  auto read = [&](std::uint64_t at, std::uint8_t* to, std::uint64_t n) {
    in.seekg(std::streamoff(at));
    if (!in.read(reinterpret_cast<char*>(to), std::streamsize(n))) {
      throw SafetensorsError(path, "cannot read file");
    }
  };

  // The length, then the header (at most 100 MiB), then, once every check has passed, the data.
  std::vector<std::uint8_t> head(std::size_t(std::min<std::uintmax_t>(size, kLengthBytes)));
  read(0, head.data(), head.size());
  const Layout l = check_layout(head.data(), size, path);
  head.resize(std::size_t(l.header_len));
  read(kLengthBytes, head.data(), head.size());
  Header h = parse_header(head.data(), l, size, path);
  head = {};
  return assemble(std::move(h), [&](const Entry& e, std::vector<std::uint8_t>& data) {
    data.resize(std::size_t(e.end - e.begin));
    read(l.data_at() + e.begin, data.data(), data.size());
  });
}

std::vector<std::uint8_t> serialize_safetensors(const SafetensorsFile& f) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!f.metadata.empty()) header[kMetadata] = f.metadata;
  std::uint64_t at = 0;
  for (const auto& [n, t] : f.tensors) {
    std::uint64_t bytes = 0;
    check_tensor(n, t, bytes);
    if (bytes > kSafetensorsMaxDataBytes - at) {
      throw std::invalid_argument(fmt::format(
          "serialize_safetensors: the tensors need more than the limit of {} bytes (2 GiB)",
          kSafetensorsMaxDataBytes));
    }
    header[n] = {
        {"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {at, at + bytes}}};
    at += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::ordered_json::type_error&) {
    throw std::invalid_argument("serialize_safetensors: a name or metadata string is not UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');

  // Sized once and filled by index.
  std::vector<std::uint8_t> out(kLengthBytes + text.size() + at);
  for (std::size_t b = 0; b < kLengthBytes; ++b) {
    out[b] = std::uint8_t(std::uint64_t(text.size()) >> (8 * b));
  }
  std::copy(text.begin(), text.end(), out.begin() + std::ptrdiff_t(kLengthBytes));
  std::size_t pos = kLengthBytes + text.size();
  for (const auto& [n, t] : f.tensors) {
    std::copy(t.data.begin(), t.data.end(), out.begin() + std::ptrdiff_t(pos));
    pos += t.data.size();
  }
  return out;
}

void write_safetensors(const std::string& path, const SafetensorsFile& f) {
  const std::vector<std::uint8_t> bytes = serialize_safetensors(f);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  out.close();
  if (!out) throw SafetensorsError(path, "cannot write file");
}

float f16_to_float(std::uint16_t bits) {
  const std::uint32_t sign = std::uint32_t(bits >> 15) << 31;
  const std::uint32_t exponent = (bits >> 10) & 0x1fu;
  const std::uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa x 2^-24, exact in float
    const float magnitude = std::ldexp(float(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1f) return float_of(sign | 0x7f800000u | (mantissa << 13));  // inf, NaN
  return float_of(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

float bf16_to_float(std::uint16_t bits) { return float_of(std::uint32_t(bits) << 16); }

SafetensorsTensor make_tensor_f32(std::vector<std::size_t> shape,
                                  const std::vector<float>& values) {
  std::uint64_t bytes = 0;
  if (!checked_bytes(shape, 4, bytes) || bytes != std::uint64_t(values.size()) * 4) {
    throw std::invalid_argument(
        fmt::format("make_tensor_f32: {} values for shape {}", values.size(), shape_text(shape)));
  }
  SafetensorsTensor t;
  t.dtype = TensorDType::F32;
  t.shape = std::move(shape);
  t.data.resize(values.size() * 4);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &values[i], 4);
    for (std::size_t b = 0; b < 4; ++b) t.data[i * 4 + b] = std::uint8_t(bits >> (8 * b));
  }
  return t;
}

std::vector<float> to_float(const SafetensorsTensor& t) {
  if (t.dtype != TensorDType::F32 && t.dtype != TensorDType::F16 && t.dtype != TensorDType::BF16) {
    throw std::invalid_argument(
        fmt::format("to_float: dtype {}, not F32, F16 or BF16", dtype_name(t.dtype)));
  }
  const std::size_t item = item_size(t.dtype);
  std::uint64_t bytes = 0;
  if (!checked_bytes(t.shape, item, bytes) || bytes != t.data.size()) {
    throw std::invalid_argument(
        fmt::format("to_float: data is {} bytes, not what shape {} of "
                    "dtype {} needs",
                    t.data.size(), shape_text(t.shape), dtype_name(t.dtype)));
  }
  std::vector<float> out(t.data.size() / item);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::uint32_t bits = read_le(&t.data[i * item], item);
    switch (t.dtype) {
      case TensorDType::F16: out[i] = f16_to_float(std::uint16_t(bits)); break;
      case TensorDType::BF16: out[i] = bf16_to_float(std::uint16_t(bits)); break;
      default: out[i] = float_of(bits); break;
    }
  }
  return out;
}

}  // namespace serrano::io
