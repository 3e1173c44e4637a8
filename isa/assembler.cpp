// SPDX-License-Identifier: Apache-2.0
#include "isa/assembler.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <utility>

namespace serrano::isa {

namespace {

constexpr std::size_t kMagicBytes = 8;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t b = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > b) words.push_back(s.substr(b, i - b));
  }
  return words;
}

// Letters, digits, '_', '.'; not empty, not starting with a digit.
bool is_name(const std::string& s) {
  if (s.empty() || is_digit(s[0])) return false;
  for (char c : s) {
    if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '.') return false;
  }
  return true;
}

// Decimal, 0x hexadecimal, or negative decimal, within int64. nullopt if malformed.
std::optional<std::int64_t> parse_number(const std::string& s) {
  bool negative = false;
  std::size_t i = 0;
  unsigned base = 10;
  if (i < s.size() && s[i] == '-') {
    negative = true;
    ++i;
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  }
  if (i == s.size()) return std::nullopt;
  // Magnitude up to 2^63 (the magnitude of int64's minimum).
  const std::uint64_t limit = std::uint64_t(1) << 63;
  std::uint64_t mag = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    unsigned d = 0;
    if (is_digit(c)) {
      d = unsigned(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = unsigned(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = unsigned(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (mag > (limit - d) / base) return std::nullopt;
    mag = mag * base + d;
  }
  if (negative) return mag == limit ? std::numeric_limits<std::int64_t>::min() : -std::int64_t(mag);
  if (mag == limit) return std::nullopt;
  return std::int64_t(mag);
}

class Assembler {
 public:
  Assembler(const std::string& filename, const AsmOptions& options)
      : m_file(filename), m_options(options) {}

  Program run(const std::string& text) {
    std::size_t begin = 0;
    while (begin <= text.size()) {
      std::size_t end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      ++m_line;
      line(text.substr(begin, end - begin));
      begin = end + 1;
    }
    if (m_pending) {
      throw AsmError(m_file, m_pending->second,
                     fmt::format("label '{}' names no instruction", m_pending->first));
    }
    return std::move(m_program);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw AsmError(m_file, m_line, message);
  }

  void line(const std::string& raw) {
    std::string s = raw;
    const std::size_t comment = s.find_first_of("#;");
    if (comment != std::string::npos) s.resize(comment);
    s = trim(s);
    // Labels: operands never contain ':'.
    for (std::size_t colon = s.find(':'); colon != std::string::npos; colon = s.find(':')) {
      label(trim(s.substr(0, colon)));
      s = trim(s.substr(colon + 1));
    }
    if (s.empty()) return;
    const std::vector<std::string> words = split_words(s);
    if (words[0][0] == '.') {
      directive(words);
    } else {
      instruction(words);
    }
  }

  void label(const std::string& name) {
    if (name.empty()) fail("missing label name before ':'");
    if (!is_name(name)) fail(fmt::format("invalid label name '{}'", name));
    const auto [it, inserted] = m_label_lines.emplace(name, m_line);
    if (!inserted) {
      fail(fmt::format("duplicate label '{}' (first defined at line {})", name, it->second));
    }
    if (m_pending) {
      fail(fmt::format("label '{}' names the same instruction as label '{}' (line {})", name,
                       m_pending->first, m_pending->second));
    }
    m_pending = std::make_pair(name, m_line);
  }

  void directive(const std::vector<std::string>& words) {
    if (words[0] != ".equ") fail(fmt::format("unknown directive '{}'", words[0]));
    if (m_pending) {
      fail(fmt::format("label '{}' must name an instruction, not .equ", m_pending->first));
    }
    if (words.size() != 3) fail(".equ: expected '.equ NAME VALUE'");
    const std::string& name = words[1];
    if (!is_name(name)) fail(fmt::format(".equ: invalid name '{}'", name));
    const auto it = m_symbols.find(name);
    if (it != m_symbols.end()) {
      fail(fmt::format(".equ: symbol '{}' already defined at line {}", name, it->second.second));
    }
    const std::int64_t value = evaluate(words[2], fmt::format(".equ {} {}", name, words[2]));
    m_symbols.emplace(name, std::make_pair(value, m_line));
  }

  // A number or a symbol defined before; `context` starts the message of an error.
  std::int64_t evaluate(const std::string& token, const std::string& context) const {
    if (is_name(token)) {
      const auto it = m_symbols.find(token);
      if (it == m_symbols.end()) fail(fmt::format("{}: undefined symbol '{}'", context, token));
      return it->second.first;
    }
    const std::optional<std::int64_t> v = parse_number(token);
    if (!v) fail(fmt::format("{}: malformed number '{}'", context, token));
    return *v;
  }

  void instruction(const std::vector<std::string>& words) {
    const Form* form = find_form(words[0]);
    if (form == nullptr) fail(fmt::format("unknown mnemonic '{}'", words[0]));
    const char* mn = form->mnemonic;
    Instruction inst = make_instruction(*form);
    bool given[kOperandCount] = {};
    std::set<std::string> flags;
    auto operand_of = [&](const std::string& key) -> const OperandField* {
      for (const OperandField& f : form->fields) {
        if (key == info(f.operand).key) return &f;
      }
      return nullptr;
    };
    for (std::size_t i = 1; i < words.size(); ++i) {
      const std::string& w = words[i];
      const std::size_t eq = w.find('=');
      if (eq != std::string::npos) {
        const std::string key = w.substr(0, eq), value = w.substr(eq + 1);
        if (key.empty()) fail(fmt::format("{}: malformed operand '{}'", mn, w));
        const OperandField* f = operand_of(key);
        if (f == nullptr) fail(fmt::format("{}: unknown operand '{}='", mn, key));
        const auto index = static_cast<std::size_t>(f->operand);
        if (given[index]) fail(fmt::format("{}: duplicate operand {}=", mn, key));
        given[index] = true;
        if (value.empty()) fail(fmt::format("{}: {}=: missing value", mn, key));
        const std::int64_t v = evaluate(value, fmt::format("{}: {}", mn, w));
        const std::string problem = check_operand(*form, f->operand, v);
        if (!problem.empty()) fail(problem);
        set_operand(inst, f->operand, v);
        continue;
      }
      bool* flag = w == "pop_prev"                               ? &inst.deps.pop_prev
                   : w == "pop_next"                             ? &inst.deps.pop_next
                   : w == "push_prev"                            ? &inst.deps.push_prev
                   : w == "push_next"                            ? &inst.deps.push_next
                   : (w == "accumulate" && form->has_accumulate) ? &inst.accumulate
                                                                 : nullptr;
      if (flag == nullptr) {
        if (operand_of(w) != nullptr) fail(fmt::format("{}: operand {}= needs a value", mn, w));
        fail(fmt::format("{}: unknown flag '{}'", mn, w));
      }
      if (!flags.insert(w).second) fail(fmt::format("{}: duplicate flag {}", mn, w));
      *flag = true;
    }
    for (const OperandField& f : form->fields) {
      if (!given[static_cast<std::size_t>(f.operand)]) {
        fail(fmt::format("{}: missing operand {}=", mn, info(f.operand).key));
      }
    }
    try {
      validate(inst);
    } catch (const EncodeError& e) {
      fail(e.what());
    }
    if (m_program.code.size() >= m_options.max_instructions) {
      fail(fmt::format("more than {} instructions (the limit of a program)",
                       m_options.max_instructions));
    }
    if (m_pending) {
      m_program.labels.emplace(m_program.code.size(), m_pending->first);
      m_pending.reset();
    }
    m_program.code.push_back(inst);
  }

  std::string m_file;
  AsmOptions m_options;
  std::size_t m_line = 0;
  Program m_program;
  std::map<std::string, std::pair<std::int64_t, std::size_t>> m_symbols;  // value, line
  std::map<std::string, std::size_t> m_label_lines;
  std::optional<std::pair<std::string, std::size_t>> m_pending;  // label waiting for its line
};

void put_le(std::vector<std::uint8_t>& out, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out[at + std::size_t(i)] = std::uint8_t(v >> (8 * i));
}
std::uint64_t get_le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

AsmError::AsmError(const std::string& file, std::size_t line, const std::string& message)
    : std::runtime_error(fmt::format("{}:{}: {}", file, line, message)),
      m_file(file),
      m_line(line),
      m_message(message) {}

bool operator==(const Program& x, const Program& y) {
  return x.code == y.code && x.labels == y.labels;
}
bool operator!=(const Program& x, const Program& y) { return !(x == y); }

Program assemble(const std::string& text, const std::string& filename, const AsmOptions& options) {
  return Assembler(filename, options).run(text);
}

std::string disassemble(const Program& program) {
  std::set<std::string> names;
  for (const auto& [index, name] : program.labels) {
    if (!is_name(name)) throw EncodeError(fmt::format("invalid label name '{}'", name));
    if (index >= program.code.size()) {
      throw EncodeError(fmt::format("label '{}' names instruction {}, the program has {}", name,
                                    index, program.code.size()));
    }
    if (!names.insert(name).second) throw EncodeError(fmt::format("duplicate label '{}'", name));
  }
  constexpr std::size_t kIndent = 8;
  std::string out;
  for (std::size_t i = 0; i < program.code.size(); ++i) {
    std::string prefix(kIndent, ' ');
    const auto it = program.labels.find(i);
    if (it != program.labels.end()) {
      const std::string label = it->second + ":";
      if (label.size() < kIndent) {
        prefix = label + std::string(kIndent - label.size(), ' ');
      } else {
        out += label + "\n";
      }
    }
    try {
      out += prefix + to_text(program.code[i]) + "\n";
    } catch (const EncodeError& e) {
      throw EncodeError(fmt::format("instruction {}: {}", i, e.what()));
    }
  }
  return out;
}

std::vector<std::uint8_t> write_binary(const Program& program) {
  const std::size_t n = program.code.size();
  if (n > kMaxInstructions) {
    throw EncodeError(
        fmt::format("{} instructions, more than the limit of {}", n, kMaxInstructions));
  }
  std::vector<std::uint8_t> out(kBinaryHeaderBytes + n * kInstructionBytes, 0);
  for (std::size_t i = 0; i < kMagicBytes; ++i) out[i] = std::uint8_t(kBinaryMagic[i]);
  put_le(out, kMagicBytes, n, 4);  // bytes 12-15 stay zero
  for (std::size_t i = 0; i < n; ++i) {
    try {
      const auto w = encode(program.code[i]);
      const std::size_t at = kBinaryHeaderBytes + i * kInstructionBytes;
      put_le(out, at, w[0], 8);
      put_le(out, at + 8, w[1], 8);
    } catch (const EncodeError& e) {
      throw EncodeError(fmt::format("instruction {}: {}", i, e.what()));
    }
  }
  return out;
}

Program read_binary(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  if (bytes.size() < kBinaryHeaderBytes) {
    throw DecodeError(fmt::format("{}: {} bytes, too short for the {}-byte header", name,
                                  bytes.size(), kBinaryHeaderBytes));
  }
  if (std::memcmp(bytes.data(), kBinaryMagic, kMagicBytes) != 0) {
    throw DecodeError(fmt::format("{}: bad magic (not a Serrano ISA v1 program file)", name));
  }
  if (get_le(bytes.data() + 12, 4) != 0) {
    throw DecodeError(fmt::format("{}: header bytes 12-15 are not zero", name));
  }
  const std::uint64_t count = get_le(bytes.data() + 8, 4);
  if (count > kMaxInstructions) {
    throw DecodeError(fmt::format("{}: header claims {} instructions, more than the limit of {}",
                                  name, count, kMaxInstructions));
  }
  const std::uint64_t expected = kBinaryHeaderBytes + count * kInstructionBytes;
  if (bytes.size() != expected) {
    throw DecodeError(
        fmt::format("{}: size mismatch: header claims {} instructions ({} bytes), "
                    "the file has {} bytes",
                    name, count, expected, bytes.size()));
  }
  Program program;
  program.code.reserve(std::size_t(count));
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* p = bytes.data() + kBinaryHeaderBytes + i * kInstructionBytes;
    try {
      program.code.push_back(decode(get_le(p, 8), get_le(p + 8, 8)));
    } catch (const DecodeError& e) {
      throw DecodeError(fmt::format("{}: instruction {}: {}", name, i, e.what()));
    }
  }
  return program;
}

}  // namespace serrano::isa
