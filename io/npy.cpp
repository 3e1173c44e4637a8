// SPDX-License-Identifier: Apache-2.0
// NumPy .npy files (the format of numpy.lib.format).
//
// A file is: the magic string "\x93NUMPY"; the format version as two bytes (major, minor); the
// header length, little-endian, 2 bytes in version 1.0 and 4 bytes in version 2.0; the header, a
// Python dictionary literal in ASCII such as
//     {'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ended by '\n' so that the data starts at a multiple of 64 bytes; then the
// data. Reading parses the dictionary here (no Python): keys in any order, either quote, any
// whitespace, trailing commas, Python 2's "3L" integers. Everything about the array is checked
// (dtype, order, rank, size against the resource limit, data length) before its data is
// allocated or read.
#include "io/npy.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <string_view>
#include <system_error>
#include <utility>

namespace serrano::io {

namespace {

constexpr std::array<std::uint8_t, 6> kMagic = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr std::size_t kAlign = 64;             // numpy's ARRAY_ALIGN
constexpr std::size_t kGrowthAxisDigits = 21;  // numpy's GROWTH_AXIS_MAX_DIGITS
constexpr std::size_t kShownChars = 48;        // longest piece of input quoted in a message
constexpr const char* kSupported = "supported: '|i1', '<i4', '<f4'";

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

// Python's repr of a tuple of integers: (), (3,), (2, 3).
std::string shape_repr(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// The product of the dimensions, or false if it does not fit in 64 bits.
bool checked_elements(const std::vector<std::size_t>& shape, std::uint64_t& out) {
  for (const std::size_t d : shape) {
    if (d == 0) {
      out = 0;
      return true;
    }
  }
  std::uint64_t n = 1;
  for (const std::size_t d : shape) {
    if (n > std::numeric_limits<std::uint64_t>::max() / d) return false;
    n *= d;
  }
  out = n;
  return true;
}

// The data size of an array, checked against the resource limit. Returns the message on failure.
std::string check_size(const std::vector<std::size_t>& shape, DType t, const std::string& dstr,
                       std::uint64_t& bytes) {
  std::uint64_t n = 0;
  const std::uint64_t item = item_size(t);
  if (!checked_elements(shape, n) || n > std::numeric_limits<std::uint64_t>::max() / item) {
    return fmt::format(
        "array of shape {} and dtype '{}' needs more than 2^64 bytes, more than the limit of {} "
        "bytes (2 GiB)",
        printable(shape_repr(shape), 200), dstr, kNpyMaxDataBytes);
  }
  bytes = n * item;
  if (bytes > kNpyMaxDataBytes) {
    return fmt::format(
        "array of shape {} and dtype '{}' needs {} bytes, more than the limit of {} bytes (2 GiB)",
        printable(shape_repr(shape), 200), dstr, bytes, kNpyMaxDataBytes);
  }
  return {};
}

std::uint32_t read_le(const std::uint8_t* p, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint32_t(p[i]) << (8 * i);
  return v;
}

// ---------------------------------------------------------------------------------------------
// The fixed part: magic, version, header length.

struct Preamble {
  std::size_t header_at = 0;   // offset of the header text: 10 (v1.0) or 12 (v2.0)
  std::size_t header_len = 0;  // its length
  std::size_t data_at() const { return header_at + header_len; }
};

// `p` holds the first `n` bytes of the input (all of it if it is shorter than 12 bytes).
Preamble parse_preamble(const std::uint8_t* p, std::size_t n, const std::string& name) {
  if (n > 0 && std::memcmp(p, kMagic.data(), std::min(n, kMagic.size())) != 0) {
    throw NpyError(name, "not a .npy file: it does not start with the magic string \\x93NUMPY");
  }
  if (n < kMagic.size() + 2) {
    throw NpyError(name, fmt::format("truncated header: {} bytes, too short for the magic string "
                                     "and version (8 bytes)",
                                     n));
  }
  const unsigned major = p[6];
  const unsigned minor = p[7];
  if ((major != 1 && major != 2) || minor != 0) {
    throw NpyError(name, fmt::format("unsupported .npy format version {}.{} (supported: 1.0, 2.0)",
                                     major, minor));
  }
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  Preamble pre;
  pre.header_at = 8 + len_bytes;
  if (n < pre.header_at) {
    throw NpyError(name, fmt::format("truncated header: {} bytes, too short for the preamble of "
                                     "format version {}.0 ({} bytes)",
                                     n, major, pre.header_at));
  }
  pre.header_len = read_le(p + 8, len_bytes);
  if (pre.header_len > kNpyMaxHeaderBytes) {
    throw NpyError(name, fmt::format("header of {} bytes is longer than the limit of {} bytes "
                                     "(64 KiB)",
                                     pre.header_len, kNpyMaxHeaderBytes));
  }
  return pre;
}

// ---------------------------------------------------------------------------------------------
// The header dictionary.

struct Header {
  DType dtype = DType::I8;
  std::string descr;  // as written
  std::vector<std::size_t> shape;
  std::uint64_t data_bytes = 0;
};

class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::size_t base, const std::string& name)
      : m_text(text), m_base(base), m_name(name) {}

  Header parse() {
    skip_space();
    expect('{', "'{' at the start of the dictionary");
    bool have_descr = false, have_order = false, have_shape = false;
    std::string descr;
    bool fortran = false;
    std::vector<std::size_t> shape;
    skip_space();
    while (peek() != '}') {
      const std::size_t key_at = m_pos;
      if (peek() != '\'' && peek() != '"') fail("expected a string key or '}'");
      const std::string key = parse_string("key");
      skip_space();
      expect(':', fmt::format("':' after the key '{}'", printable(key)));
      skip_space();
      if (key == "descr") {
        mark(have_descr, key, key_at);
        if (peek() != '\'' && peek() != '"') {
          fail("'descr' must be a string (structured dtypes are not supported)");
        }
        descr = parse_string("'descr'");
      } else if (key == "fortran_order") {
        mark(have_order, key, key_at);
        fortran = parse_bool();
      } else if (key == "shape") {
        mark(have_shape, key, key_at);
        shape = parse_shape();
      } else {
        m_pos = key_at;
        fail(fmt::format("unexpected key '{}'", printable(key)));
      }
      skip_space();
      if (peek() == ',') {
        ++m_pos;
        skip_space();
      } else if (peek() != '}') {
        fail("expected ',' or '}' after a value");
      }
    }
    ++m_pos;
    skip_space();
    if (m_pos != m_text.size()) fail("unexpected text after the dictionary");
    for (const auto& [have, key] :
         {std::pair{have_descr, "descr"}, std::pair{have_order, "fortran_order"},
          std::pair{have_shape, "shape"}}) {
      if (!have) throw NpyError(m_name, fmt::format("malformed header: missing key '{}'", key));
    }

    Header h;
    h.descr = descr;
    h.dtype = parse_descr(descr);
    if (fortran) throw NpyError(m_name, "fortran_order arrays are not supported");
    if (shape.size() > kNpyMaxRank) {
      throw NpyError(m_name, fmt::format("shape has {} dimensions, more than the {} supported",
                                         shape.size(), kNpyMaxRank));
    }
    h.shape = std::move(shape);
    const std::string err = check_size(h.shape, h.dtype, printable(descr), h.data_bytes);
    if (!err.empty()) throw NpyError(m_name, err);
    return h;
  }

 private:
  static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_ident(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || is_digit(c);
  }

  char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
  bool at_end() const { return m_pos >= m_text.size(); }
  void skip_space() {
    while (!at_end() && is_space(m_text[m_pos])) ++m_pos;
  }

  // What stands at the current position, for messages.
  std::string found() const {
    if (at_end()) return "the end of the header";
    return "'" + printable(m_text.substr(m_pos, 1)) + "'";
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw NpyError(m_name, fmt::format("malformed header: {} at byte {}, found {}", what,
                                       m_base + m_pos, found()));
  }

  void expect(char c, const std::string& what) {
    if (peek() != c || at_end()) fail("expected " + what);
    ++m_pos;
  }

  void mark(bool& have, const std::string& key, std::size_t key_at) {
    if (have) {
      m_pos = key_at;
      fail(fmt::format("duplicate key '{}'", key));
    }
    have = true;
  }

  // A Python string literal in single or double quotes; \\, \' and \" are the escapes allowed.
  std::string parse_string(const char* what) {
    const char quote = m_text[m_pos];
    const std::size_t open = m_pos;
    ++m_pos;
    std::string s;
    while (true) {
      if (at_end() || peek() == '\n') {
        m_pos = open;
        fail(fmt::format("unterminated string ({})", what));
      }
      char c = m_text[m_pos];
      if (c == quote) break;
      if (c == '\\') {
        ++m_pos;
        c = peek();
        if (c != '\\' && c != '\'' && c != '"') fail("unsupported escape sequence in a string");
      }
      s += c;
      ++m_pos;
    }
    ++m_pos;
    return s;
  }

  bool parse_bool() {
    const std::size_t start = m_pos;
    while (!at_end() && is_ident(m_text[m_pos])) ++m_pos;
    const std::string_view word = m_text.substr(start, m_pos - start);
    if (word == "True") return true;
    if (word == "False") return false;
    m_pos = start;
    fail("'fortran_order' must be True or False");
  }

  std::vector<std::size_t> parse_shape() {
    if (peek() != '(') fail("'shape' must be a tuple of integers");
    ++m_pos;
    skip_space();
    std::vector<std::size_t> dims;
    bool comma = false;  // a comma follows the last dimension
    while (peek() != ')') {
      dims.push_back(parse_dim());
      skip_space();
      comma = peek() == ',';
      if (comma) {
        ++m_pos;
        skip_space();
      } else if (peek() != ')') {
        fail("expected ',' or ')' in 'shape'");
      }
    }
    if (dims.size() == 1 && !comma) {
      fail("'shape' must be a tuple of integers: one dimension is written (n,), not (n)");
    }
    ++m_pos;
    return dims;
  }

  std::size_t parse_dim() {
    const std::size_t start = m_pos;
    if (peek() == '-') {
      ++m_pos;
      while (!at_end() && is_digit(m_text[m_pos])) ++m_pos;
      const std::string_view num = m_text.substr(start, m_pos - start);
      m_pos = start;
      fail(fmt::format("negative dimension {} in 'shape'", printable(num)));
    }
    if (!is_digit(peek())) fail("expected an integer in 'shape'");
    std::uint64_t v = 0;
    bool overflow = false;
    while (!at_end() && is_digit(m_text[m_pos])) {
      const auto digit = std::uint64_t(m_text[m_pos] - '0');
      if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) overflow = true;
      v = v * 10 + digit;
      ++m_pos;
    }
    if (overflow || v > std::numeric_limits<std::size_t>::max()) {
      const std::string_view num = m_text.substr(start, m_pos - start);
      m_pos = start;
      fail(fmt::format("dimension {} in 'shape' does not fit in 64 bits", printable(num)));
    }
    if (peek() == 'L') ++m_pos;  // Python 2 long
    if (is_ident(peek())) fail("expected an integer in 'shape'");
    return std::size_t(v);
  }

  DType parse_descr(const std::string& d) const {
    if (d == "|i1" || d == "<i1") return DType::I8;
    if (d == "<i4") return DType::I32;
    if (d == "<f4") return DType::F32;
    const std::string shown = printable(d);
    if (!d.empty() && d[0] == '>') {
      throw NpyError(m_name, fmt::format("unsupported dtype '{}': big-endian data is not "
                                         "supported ({})",
                                         shown, kSupported));
    }
    if (d.size() >= 2 && (d[0] == '<' || d[0] == '|' || d[0] == '=') && d[1] == 'u') {
      throw NpyError(m_name, fmt::format("unsupported dtype '{}': unsigned integers are not "
                                         "supported ({})",
                                         shown, kSupported));
    }
    throw NpyError(m_name, fmt::format("unsupported dtype '{}' ({})", shown, kSupported));
  }

  std::string_view m_text;
  std::size_t m_base;  // file offset of m_text[0], for messages
  const std::string& m_name;
  std::size_t m_pos = 0;
};

Header parse_header(const std::uint8_t* p, const Preamble& pre, const std::string& name) {
  const std::string_view text(reinterpret_cast<const char*>(p + pre.header_at), pre.header_len);
  return HeaderParser(text, pre.header_at, name).parse();
}

void check_data_length(std::uint64_t have, const Header& h, const std::string& name) {
  if (have != h.data_bytes) {
    throw NpyError(name, fmt::format("data is {} bytes, but shape {} of dtype '{}' needs {}", have,
                                     shape_repr(h.shape), printable(h.descr), h.data_bytes));
  }
}

void check_array(const NpyArray& a, const char* who) {
  if (a.shape.size() > kNpyMaxRank) {
    throw std::invalid_argument(
        fmt::format("{}: shape has {} dimensions, more than the {} "
                    "supported",
                    who, a.shape.size(), kNpyMaxRank));
  }
  std::uint64_t bytes = 0;
  const std::string err = check_size(a.shape, a.dtype, descr(a.dtype), bytes);
  if (!err.empty()) throw std::invalid_argument(fmt::format("{}: {}", who, err));
  if (a.data.size() != bytes) {
    throw std::invalid_argument(
        fmt::format("{}: data is {} bytes, but shape {} of dtype '{}' "
                    "needs {}",
                    who, a.data.size(), shape_repr(a.shape), descr(a.dtype), bytes));
  }
}

template <typename T>
NpyArray make(const char* who, DType t, std::vector<std::size_t> shape,
              const std::vector<T>& values) {
  std::uint64_t n = 0;
  if (!checked_elements(shape, n) || n != values.size()) {
    throw std::invalid_argument(
        fmt::format("{}: {} values for shape {}", who, values.size(), shape_repr(shape)));
  }
  NpyArray a;
  a.dtype = t;
  a.shape = std::move(shape);
  a.data.resize(values.size() * sizeof(T));
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint32_t bits = 0;  // the value's bits, written out least significant byte first
    if constexpr (sizeof(T) == 1) {
      bits = static_cast<std::uint8_t>(values[i]);
    } else {
      std::memcpy(&bits, &values[i], sizeof(T));
    }
    for (std::size_t b = 0; b < sizeof(T); ++b) {
      a.data[i * sizeof(T) + b] = std::uint8_t(bits >> (8 * b));
    }
  }
  return a;
}

template <typename T>
std::vector<T> values_of(const char* who, DType t, const NpyArray& a) {
  if (a.dtype != t) {
    throw std::invalid_argument(
        fmt::format("{}: the array's dtype is '{}', not '{}'", who, descr(a.dtype), descr(t)));
  }
  check_array(a, who);
  std::vector<T> out(a.data.size() / sizeof(T));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::uint32_t bits = read_le(&a.data[i * sizeof(T)], sizeof(T));
    if constexpr (sizeof(T) == 1) {
      out[i] = static_cast<T>(static_cast<std::uint8_t>(bits));
    } else {
      std::memcpy(&out[i], &bits, sizeof(T));
    }
  }
  return out;
}

}  // namespace

NpyError::NpyError(const std::string& name, const std::string& message)
    : std::runtime_error(printable(name, 4096) + ": " + message) {}

std::size_t item_size(DType t) { return t == DType::I8 ? 1 : 4; }

const char* descr(DType t) {
  switch (t) {
    case DType::I8: return "|i1";
    case DType::I32: return "<i4";
    case DType::F32: return "<f4";
  }
  return "?";
}

std::size_t NpyArray::elements() const {
  std::uint64_t n = 0;
  if (!checked_elements(shape, n)) {
    throw std::overflow_error(
        fmt::format("npy: shape {} has more than 2^64 elements", shape_repr(shape)));
  }
  return std::size_t(n);
}

NpyArray parse_npy(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  const Preamble pre = parse_preamble(bytes.data(), bytes.size(), name);
  if (bytes.size() < pre.data_at()) {
    throw NpyError(name, fmt::format("truncated header: the header is {} bytes, but only {} "
                                     "follow the preamble",
                                     pre.header_len, bytes.size() - pre.header_at));
  }
  Header h = parse_header(bytes.data(), pre, name);
  check_data_length(bytes.size() - pre.data_at(), h, name);
  NpyArray a;
  a.dtype = h.dtype;
  a.shape = std::move(h.shape);
  a.data.assign(bytes.begin() + std::ptrdiff_t(pre.data_at()), bytes.end());
  return a;
}

NpyArray read_npy(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) throw NpyError(path, "cannot read file");

  // The preamble, then the header (at most 64 KiB), then, once every check has passed, the data.
  std::vector<std::uint8_t> head(std::size_t(std::min<std::uintmax_t>(size, 12)));
  if (!in.read(reinterpret_cast<char*>(head.data()), std::streamsize(head.size()))) {
    throw NpyError(path, "cannot read file");
  }
  const Preamble pre = parse_preamble(head.data(), head.size(), path);
  if (size < pre.data_at()) {
    throw NpyError(path, fmt::format("truncated header: the header is {} bytes, but only {} "
                                     "follow the preamble",
                                     pre.header_len, size - pre.header_at));
  }
  head.resize(pre.data_at());
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(head.data()), std::streamsize(head.size()))) {
    throw NpyError(path, "cannot read file");
  }
  Header h = parse_header(head.data(), pre, path);
  check_data_length(size - pre.data_at(), h, path);

  NpyArray a;
  a.dtype = h.dtype;
  a.shape = std::move(h.shape);
  a.data.resize(std::size_t(h.data_bytes));
  if (!in.read(reinterpret_cast<char*>(a.data.data()), std::streamsize(a.data.size()))) {
    throw NpyError(path, "cannot read file");
  }
  return a;
}

std::vector<std::uint8_t> serialize_npy(const NpyArray& a) {
  check_array(a, "serialize_npy");
  // As numpy.save: the dictionary with sorted keys, room for the first dimension to grow to 21
  // digits, then spaces and '\n' up to a multiple of 64 bytes (a whole 64 more if already there).
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                   descr(a.dtype), shape_repr(a.shape));
  if (!a.shape.empty()) {
    const std::size_t digits = std::to_string(a.shape[0]).size();
    header.append(kGrowthAxisDigits - std::min(digits, kGrowthAxisDigits), ' ');
  }
  const std::size_t hlen = header.size() + 1;
  const bool v2 = kAlign - (10 + hlen) % kAlign + hlen > 0xffff;
  const std::size_t prefix = v2 ? 12 : 10;
  const std::size_t pad = kAlign - (prefix + hlen) % kAlign;
  const std::size_t header_len = hlen + pad;
  header.append(pad, ' ');
  header += '\n';

  // Sized once and filled by index (GCC 12 misreads a chain of inserts as an overflow).
  std::vector<std::uint8_t> out(prefix + header_len + a.data.size());
  std::copy(kMagic.begin(), kMagic.end(), out.begin());
  out[6] = v2 ? 2 : 1;
  out[7] = 0;
  for (std::size_t b = 0; b < prefix - 8; ++b) out[8 + b] = std::uint8_t(header_len >> (8 * b));
  std::copy(header.begin(), header.end(), out.begin() + std::ptrdiff_t(prefix));
  std::copy(a.data.begin(), a.data.end(), out.begin() + std::ptrdiff_t(prefix + header_len));
  return out;
}

void write_npy(const std::string& path, const NpyArray& a) {
  const std::vector<std::uint8_t> bytes = serialize_npy(a);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  out.close();
  if (!out) throw NpyError(path, "cannot write file");
}

NpyArray make_i8(std::vector<std::size_t> shape, const std::vector<std::int8_t>& values) {
  return make("make_i8", DType::I8, std::move(shape), values);
}
NpyArray make_i32(std::vector<std::size_t> shape, const std::vector<std::int32_t>& values) {
  return make("make_i32", DType::I32, std::move(shape), values);
}
NpyArray make_f32(std::vector<std::size_t> shape, const std::vector<float>& values) {
  return make("make_f32", DType::F32, std::move(shape), values);
}
std::vector<std::int8_t> as_i8(const NpyArray& a) {
  return values_of<std::int8_t>("as_i8", DType::I8, a);
}
std::vector<std::int32_t> as_i32(const NpyArray& a) {
  return values_of<std::int32_t>("as_i32", DType::I32, a);
}
std::vector<float> as_f32(const NpyArray& a) { return values_of<float>("as_f32", DType::F32, a); }

}  // namespace serrano::io
