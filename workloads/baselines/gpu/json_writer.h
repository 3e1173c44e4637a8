// SPDX-License-Identifier: Apache-2.0
// A small streaming JSON writer: objects, arrays, strings, integers and doubles (NaN and infinity
// are written as null). Enough for the harness's one output file without a JSON library.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace serrano::gpubench {

class JsonWriter {
 public:
  const std::string& str() const { return out_; }

  JsonWriter& begin_object(const char* key = nullptr) { return open(key, '{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array(const char* key = nullptr) { return open(key, '['); }
  JsonWriter& end_array() { return close(']'); }

  JsonWriter& str(const char* key, const std::string& v) {
    prefix(key);
    quote(v);
    return *this;
  }
  JsonWriter& boolean(const char* key, bool v) { return raw(key, v ? "true" : "false"); }
  JsonWriter& null(const char* key) { return raw(key, "null"); }
  JsonWriter& integer(const char* key, int64_t v) { return raw(key, std::to_string(v)); }
  JsonWriter& uinteger(const char* key, uint64_t v) { return raw(key, std::to_string(v)); }
  // Doubles with `digits` significant digits.
  JsonWriter& number(const char* key, double v, int digits = 6) {
    if (!std::isfinite(v)) return raw(key, "null");
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
    return raw(key, buf);
  }

 private:
  JsonWriter& open(const char* key, char c) {
    prefix(key);
    out_ += c;
    first_.push_back(true);
    return *this;
  }
  JsonWriter& close(char c) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) newline();
    out_ += c;
    if (first_.empty()) out_ += '\n';
    return *this;
  }
  JsonWriter& raw(const char* key, const std::string& v) {
    prefix(key);
    out_ += v;
    return *this;
  }
  void newline() {
    out_ += '\n';
    out_.append(2 * first_.size(), ' ');
  }
  void prefix(const char* key) {
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
      newline();
    }
    if (key != nullptr) {
      quote(key);
      out_ += ": ";
    }
  }
  void quote(const std::string& s) {
    out_ += '"';
    for (unsigned char ch : s) {
      switch (ch) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\t': out_ += "\\t"; break;
        case '\r': out_ += "\\r"; break;
        default:
          if (ch < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", ch);
            out_ += buf;
          } else {
            out_ += static_cast<char>(ch);
          }
      }
    }
    out_ += '"';
  }

  std::string out_;
  std::vector<bool> first_;
};

}  // namespace serrano::gpubench
