// SPDX-License-Identifier: Apache-2.0
// Tests for the safetensors reader and writer: round trips in memory and on disk, a file in the
// reference writer's form, the F16 and BF16 conversions, every malformed header with its exact
// message, and the limits enforced before anything large is allocated.
#include "io/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <string>
#include <vector>

// Every allocation of this test program goes through here, so that a test can see the largest
// one made while it reads a file (as in npy_test.cpp).
namespace {
std::atomic<std::size_t> g_largest_allocation{0};
}  // namespace

[[gnu::noinline]] void* operator new(std::size_t n) {
  std::size_t seen = g_largest_allocation.load();
  while (n > seen && !g_largest_allocation.compare_exchange_weak(seen, n)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace serrano::io {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

// A file: the 8-byte length of `header`, the header as given (no padding), then `data`.
std::vector<std::uint8_t> file(const std::string& header, const std::string& data = "") {
  std::string s;
  for (int b = 0; b < 8; ++b) s += char(std::uint64_t(header.size()) >> (8 * b));
  return bytes(s + header + data);
}

// A file whose length field says `length`, followed by `rest`.
std::vector<std::uint8_t> with_length(std::uint64_t length, const std::string& rest) {
  std::string s;
  for (int b = 0; b < 8; ++b) s += char(length >> (8 * b));
  return bytes(s + rest);
}

// The what() of the SafetensorsError that parsing `b` throws, or a marker if it throws none.
std::string error_of(const std::vector<std::uint8_t>& b) {
  try {
    parse_safetensors(b, "t.safetensors");
  } catch (const SafetensorsError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "message is not one line";
    return e.what();
  }
  return "(no error)";
}

std::string header_error(const std::string& header, const std::string& data = "") {
  return error_of(file(header, data));
}

// One tensor entry, as JSON.
std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":" + offsets + "}";
}

// A file of its own for each test, removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& tag) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_path = (fs::temp_directory_path() / ("serrano_st_" + std::string(info->name()) + "_" + tag +
                                           "_" + std::to_string(::getpid()) + ".safetensors"))
                 .string();
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(m_path, ec);
  }
  const std::string& path() const { return m_path; }
  void write(const std::vector<std::uint8_t>& b) const {
    std::ofstream out(m_path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
  }

 private:
  std::string m_path;
};

std::string read_error(const std::string& path) {
  try {
    read_safetensors(path);
  } catch (const SafetensorsError& e) {
    return e.what();
  }
  return "(no error)";
}

template <typename F>
std::size_t largest_allocation_in(F&& f) {
  g_largest_allocation = 0;
  f();
  return g_largest_allocation.load();
}

constexpr std::size_t kSmall = std::size_t(1) << 20;

SafetensorsTensor raw(TensorDType t, std::vector<std::size_t> shape, const std::string& data) {
  SafetensorsTensor x;
  x.dtype = t;
  x.shape = std::move(shape);
  x.data = bytes(data);
  return x;
}

bool same(const SafetensorsFile& a, const SafetensorsFile& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (const auto& [n, t] : a.tensors) {
    const auto it = b.tensors.find(n);
    if (it == b.tensors.end() || it->second.dtype != t.dtype || it->second.shape != t.shape ||
        it->second.data != t.data) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Round trips and the file layout.

// save_file({"a": np.array([1.0, 2.0], dtype=np.float32)}) in the reference writer's form: the
// entry's keys in the order dtype, shape, data_offsets, the header padded with spaces to a
// multiple of 8 bytes (54 + 2).
const std::string kReference =
    "\x38\x00\x00\x00\x00\x00\x00\x00"s
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  "s
    "\x00\x00\x80\x3f\x00\x00\x00\x40"s;

TEST(Safetensors, ReadsAndWritesTheReferenceLayout) {
  const SafetensorsFile f = parse_safetensors(bytes(kReference), "a.safetensors");
  ASSERT_EQ(f.tensors.size(), 1u);
  EXPECT_TRUE(f.metadata.empty());
  const SafetensorsTensor& a = f.tensors.at("a");
  EXPECT_EQ(a.dtype, TensorDType::F32);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2}));
  EXPECT_EQ(to_float(a), (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(serialize_safetensors(f), bytes(kReference));
}

TEST(Safetensors, RoundTripsEveryKindOfTensor) {
  SafetensorsFile f;
  f.metadata = {{"format", "pt"}, {"note", "tab\tand \"quotes\" and \xc3\xa9"}};
  f.tensors["w"] = make_tensor_f32({2, 3}, {1.5f, -2.0f, 0.0f, 1e-30f, -7.25f, 3e20f});
  f.tensors["b.bias"] = raw(TensorDType::I8, {3}, "\x01\xff\x7f");
  f.tensors["scalar"] = raw(TensorDType::F64, {}, "\x00\x00\x00\x00\x00\x00\xf0\x3f"s);
  f.tensors["empty"] = raw(TensorDType::BF16, {0, 4}, "");
  f.tensors["h"] = raw(TensorDType::F16, {2}, "\x00\x3c\x00\xc0"s);
  f.tensors["\xe6\x9d\x83\xe9\x87\x8d"] =
      raw(TensorDType::U64, {1}, "\x01\x02\x03\x04\x05\x06\x07\x08");

  const std::vector<std::uint8_t> b = serialize_safetensors(f);
  const std::uint64_t header_len = std::uint64_t(b[0]) | std::uint64_t(b[1]) << 8;
  EXPECT_EQ(header_len % 8, 0u);
  EXPECT_EQ(b.size(), 8 + header_len + 24 + 3 + 8 + 0 + 4 + 8);
  EXPECT_TRUE(same(parse_safetensors(b, "x"), f));

  // On disk too.
  TempFile tmp("rt");
  write_safetensors(tmp.path(), f);
  EXPECT_TRUE(same(read_safetensors(tmp.path()), f));

  // An empty file: "{}" and no data.
  EXPECT_EQ(serialize_safetensors(SafetensorsFile{}), file("{}      "));
  EXPECT_TRUE(parse_safetensors(file("{}"), "e").tensors.empty());
}

TEST(Safetensors, AcceptsAnyTensorOrderAndWhitespace) {
  // Entries in any order in the header, the data in another; whitespace anywhere.
  const std::string header = " {\n  " + entry("b", "U8", "[2]", "[4, 6]") + ",\n  " +
                             entry("a", "I16", "[ 2 ]", "[0,4]") +
                             ", \"__metadata__\": {\"k\": \"v\"}\n}\n  ";
  const SafetensorsFile f = parse_safetensors(file(header, "\x01\x00\x02\x00\x05\x06"s), "x");
  EXPECT_EQ(f.metadata, (std::map<std::string, std::string>{{"k", "v"}}));
  EXPECT_EQ(f.tensors.at("a").data, bytes("\x01\x00\x02\x00"s));
  EXPECT_EQ(f.tensors.at("b").data, bytes("\x05\x06"));
  // Zero-size tensors may sit anywhere, at the same offset as others.
  const std::string zeros = "{" + entry("z1", "F32", "[0]", "[2,2]") + "," +
                            entry("x", "U8", "[2]", "[0,2]") + "," +
                            entry("z2", "F16", "[3,0]", "[2,2]") + "}";
  EXPECT_EQ(parse_safetensors(file(zeros, "ab"), "x").tensors.size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// Half-precision conversions.

TEST(Safetensors, ConvertsF16Exactly) {
  EXPECT_EQ(f16_to_float(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_float(0xc000), -2.0f);
  EXPECT_EQ(f16_to_float(0x3555), 0.333251953125f);
  EXPECT_EQ(f16_to_float(0x7bff), 65504.0f);                  // largest
  EXPECT_EQ(f16_to_float(0x0400), std::ldexp(1.0f, -14));     // smallest normal
  EXPECT_EQ(f16_to_float(0x03ff), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(f16_to_float(0x0001), std::ldexp(1.0f, -24));     // smallest subnormal
  EXPECT_EQ(f16_to_float(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(f16_to_float(0x0000), 0.0f);
  EXPECT_FALSE(std::signbit(f16_to_float(0x0000)));
  EXPECT_TRUE(std::signbit(f16_to_float(0x8000)));
  EXPECT_EQ(f16_to_float(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(f16_to_float(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f16_to_float(0x7e00)));
  EXPECT_TRUE(std::isnan(f16_to_float(0xfc01)));
}

TEST(Safetensors, ConvertsBF16Exactly) {
  EXPECT_EQ(bf16_to_float(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_float(0xc040), -3.0f);
  EXPECT_EQ(bf16_to_float(0x3eab), 0.333984375f);
  EXPECT_EQ(bf16_to_float(0x7f7f), 3.38953139e38f);          // largest
  EXPECT_EQ(bf16_to_float(0x0001), std::ldexp(1.0f, -133));  // smallest subnormal
  EXPECT_EQ(bf16_to_float(0xff80), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(bf16_to_float(0x7fc0)));
}

TEST(Safetensors, ToFloatReadsF32F16AndBF16Only) {
  // Little-endian: 0x3c00 is stored 00 3c.
  EXPECT_EQ(to_float(raw(TensorDType::F16, {3}, "\x00\x3c\x00\xc0\xff\x7b"s)),
            (std::vector<float>{1.0f, -2.0f, 65504.0f}));
  EXPECT_EQ(to_float(raw(TensorDType::BF16, {2, 1}, "\x80\x3f\x40\xc0"s)),
            (std::vector<float>{1.0f, -3.0f}));
  EXPECT_EQ(to_float(raw(TensorDType::F32, {1}, "\x00\x00\xc0\x3f"s)), (std::vector<float>{1.5f}));
  try {
    to_float(raw(TensorDType::I32, {1}, "\x01\x00\x00\x00"s));
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "to_float: dtype I32, not F32, F16 or BF16");
  }
  EXPECT_THROW(to_float(raw(TensorDType::F16, {3}, "\x00\x3c"s)), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Malformed files: each refused with a one-line message naming the file.

TEST(Safetensors, RefusesBadLengthFields) {
  EXPECT_EQ(error_of(bytes("\x05\x00\x00"s)),
            "t.safetensors: truncated: 3 bytes, too short for the 8-byte header length");
  EXPECT_EQ(error_of({}),
            "t.safetensors: truncated: 0 bytes, too short for the 8-byte header length");
  EXPECT_EQ(error_of(with_length(std::uint64_t(1) << 40, "{}")),
            "t.safetensors: header length 1099511627776 is more than the limit of 104857600 bytes "
            "(100 MiB)");
  EXPECT_EQ(error_of(with_length(std::uint64_t(-1), "{}")),
            "t.safetensors: header length 18446744073709551615 is more than the limit of "
            "104857600 bytes (100 MiB)");
  EXPECT_EQ(error_of(with_length(100, "{\"a\": 1}")),
            "t.safetensors: truncated: the header length is 100 bytes, but only 8 follow it");
}

TEST(Safetensors, RefusesMalformedJson) {
  EXPECT_EQ(header_error(""), "t.safetensors: malformed header: not valid JSON at byte 8");
  EXPECT_EQ(header_error("{\"a\":"), "t.safetensors: malformed header: not valid JSON at byte 13");
  EXPECT_EQ(header_error("{\"a\" 1}"),
            "t.safetensors: malformed header: not valid JSON at byte 13");
  EXPECT_EQ(header_error("{} x"), "t.safetensors: malformed header: not valid JSON at byte 11");
  EXPECT_EQ(header_error("{\"\xff\": 1}"),  // not UTF-8
            "t.safetensors: malformed header: not valid JSON at byte 10");
  EXPECT_EQ(header_error("[1, 2]"),
            "t.safetensors: malformed header: must be a JSON object, got an array");
  EXPECT_EQ(header_error("\"x\""),
            "t.safetensors: malformed header: must be a JSON object, got a string");
  EXPECT_EQ(header_error("{\"a\": 5}"),
            "t.safetensors: tensor 'a': must be an object with keys dtype, shape and "
            "data_offsets, got a number");
  EXPECT_EQ(header_error("{\"a\": [1]}"),
            "t.safetensors: tensor 'a': must be an object with keys dtype, shape and "
            "data_offsets, got an array");
  EXPECT_EQ(header_error("{" + entry("a", "U8", "[0]", "[0,0]") + "," +
                         entry("a", "U8", "[0]", "[0,0]") + "}"),
            "t.safetensors: malformed header: duplicate entry 'a'");
  EXPECT_EQ(header_error("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"U8\"}}"),
            "t.safetensors: tensor 'a': duplicate key 'dtype'");
}

// Found by fuzz/safetensors_fuzz (docs/reliability.md): a number beyond the range of a double
// escaped as nlohmann::json's out_of_range instead of a SafetensorsError.
TEST(Safetensors, RefusesNumbersOutOfRange) {
  // The fuzzer's input: a 6-byte header "1e630\r".
  EXPECT_EQ(error_of(bytes("\x06\x00\x00\x00\x00\x00\x00\x00" "1e630\r\x0e{!\x1d\x00"s)),
            "t.safetensors: malformed header: a number is out of range");
  EXPECT_EQ(header_error("{\"a\":{\"dtype\":\"U8\",\"shape\":[1e400],\"data_offsets\":[0,0]}}"),
            "t.safetensors: malformed header: a number is out of range");
  EXPECT_EQ(header_error("{\"__metadata__\":{\"k\":\"v\"},\"a\":-1e999}"),
            "t.safetensors: malformed header: a number is out of range");
}

TEST(Safetensors, RefusesBadEntries) {
  EXPECT_EQ(header_error("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],"
                         "\"extra\":1}}"),
            "t.safetensors: tensor 'a': unknown key 'extra' (the keys are dtype, shape and "
            "data_offsets)");
  EXPECT_EQ(header_error("{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,0]}}"),
            "t.safetensors: tensor 'a': missing key 'shape'");
  EXPECT_EQ(header_error("{\"a\":{\"dtype\":8,\"shape\":[0],\"data_offsets\":[0,0]}}"),
            "t.safetensors: tensor 'a': 'dtype' must be a string, got a number");
  EXPECT_EQ(header_error("{" + entry("a", "F4", "[1]", "[0,1]") + "}", "x"),
            "t.safetensors: tensor 'a': unknown dtype 'F4' (known: BOOL, U8, I8, F8_E4M3, "
            "F8_E5M2, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64)");
  EXPECT_EQ(header_error("{" + entry("a", "F32", "[2,-3]", "[0,24]") + "}"),
            "t.safetensors: tensor 'a': 'shape' must be an array of non-negative integers, got -3");
  EXPECT_EQ(header_error("{" + entry("a", "F32", "[2.0]", "[0,8]") + "}"),
            "t.safetensors: tensor 'a': 'shape' must be an array of non-negative integers, got "
            "2.0");
  EXPECT_EQ(header_error("{" + entry("a", "F32", "\"2\"", "[0,8]") + "}"),
            "t.safetensors: tensor 'a': 'shape' must be an array of non-negative integers, got a "
            "string");
  EXPECT_EQ(header_error("{" + entry("a", "F32", "[1,1,1,1,1,1,1,1,1]", "[0,4]") + "}"),
            "t.safetensors: tensor 'a': 'shape' has more than 8 elements");
  EXPECT_EQ(header_error("{" + entry("a", "F32", "[[2]]", "[0,8]") + "}"),
            "t.safetensors: tensor 'a': 'shape' holds nested arrays or objects");
  EXPECT_EQ(header_error("{" + entry("a", "F32", "[2]", "[0]") + "}"),
            "t.safetensors: tensor 'a': 'data_offsets' must be [begin, end], two non-negative "
            "integers, got [0]");
  EXPECT_EQ(header_error("{" + entry("a", "F32", "[2]", "[8,0]") + "}", "12345678"),
            "t.safetensors: tensor 'a': data_offsets [8, 0] end before they begin");
  EXPECT_EQ(header_error("{" + entry("a", "F32", "[2]", "[0,8]") + "}", "1234"),
            "t.safetensors: tensor 'a': data_offsets [0, 8] run past the end of the data buffer "
            "(4 bytes)");
  EXPECT_EQ(header_error("{" + entry("a", "F32", "[2,3]", "[0,20]") + "}", std::string(20, 'x')),
            "t.safetensors: tensor 'a': shape [2, 3] of dtype F32 needs 24 bytes, but "
            "data_offsets [0, 20] hold 20");
  EXPECT_EQ(header_error("{" + entry("a", "BF16", "[4294967296,4294967296]", "[0,0]") + "}"),
            "t.safetensors: tensor 'a': shape [4294967296, 4294967296] of dtype BF16 needs more "
            "than 2^64 bytes");
  EXPECT_EQ(header_error("{\"__metadata__\":{\"k\":1}}"),
            "t.safetensors: __metadata__: 'k' must be a string, got a number");
  EXPECT_EQ(header_error("{\"__metadata__\":{\"k\":[\"v\"]}}"),
            "t.safetensors: __metadata__: 'k' must be a string, got an array");
  EXPECT_EQ(header_error("{\"__metadata__\":null}"),
            "t.safetensors: __metadata__ must be an object of strings, got null");
  // Names are shown on one line.
  EXPECT_EQ(header_error("{\"a\\nb\": 1}"),
            "t.safetensors: tensor 'a\\x0ab': must be an object with keys dtype, shape and "
            "data_offsets, got a number");
}

TEST(Safetensors, RefusesGapsOverlapsAndSpareBytes) {
  EXPECT_EQ(header_error("{" + entry("a", "U8", "[4]", "[0,4]") + "," +
                             entry("b", "U8", "[4]", "[2,6]") + "}",
                         "123456"),
            "t.safetensors: tensor 'b': data_offsets [2, 6] should begin at 4: the tensors must "
            "fill the data buffer in order, without gaps or overlaps");
  EXPECT_EQ(header_error("{" + entry("a", "U8", "[4]", "[0,4]") + "," +
                             entry("b", "U8", "[2]", "[6,8]") + "}",
                         "12345678"),
            "t.safetensors: tensor 'b': data_offsets [6, 8] should begin at 4: the tensors must "
            "fill the data buffer in order, without gaps or overlaps");
  EXPECT_EQ(header_error("{" + entry("a", "U8", "[2]", "[2,4]") + "}", "1234"),
            "t.safetensors: tensor 'a': data_offsets [2, 4] should begin at 0: the tensors must "
            "fill the data buffer in order, without gaps or overlaps");
  EXPECT_EQ(header_error("{" + entry("a", "U8", "[2]", "[0,2]") + "}", "1234"),
            "t.safetensors: the tensors' data end at byte 2 of the data buffer, but it is 4 bytes");
  EXPECT_EQ(header_error("{}", "1"),
            "t.safetensors: the tensors' data end at byte 0 of the data buffer, but it is 1 bytes");
}

// ---------------------------------------------------------------------------------------------
// Files on disk, and the limits checked before anything large is allocated.

TEST(Safetensors, ReadErrorsNameThePath) {
  TempFile tmp("short");
  tmp.write(with_length(64, "{}"));
  EXPECT_EQ(read_error(tmp.path()),
            tmp.path() + ": truncated: the header length is 64 bytes, but only 2 follow it");
  tmp.write(bytes("\x01\x02"));
  EXPECT_EQ(read_error(tmp.path()),
            tmp.path() + ": truncated: 2 bytes, too short for the 8-byte header length");
  EXPECT_EQ(read_error(tmp.path() + ".none"), tmp.path() + ".none: cannot read file");
  EXPECT_EQ(read_error(fs::temp_directory_path().string()),
            fs::temp_directory_path().string() + ": is a directory");
  // The same checks as in memory.
  tmp.write(file("{" + entry("a", "U8", "[2]", "[0,2]") + "}", "123"));
  EXPECT_EQ(read_error(tmp.path()),
            tmp.path() + ": the tensors' data end at byte 2 of the data buffer, but it is 3 bytes");
}

TEST(Safetensors, HugeTensorsRefusedBeforeAllocating) {
  // The measurement works: reading a 4 MiB tensor allocates 4 MiB.
  SafetensorsFile big;
  big.tensors["a"] = raw(TensorDType::U8, {4u << 20}, std::string(4u << 20, 'x'));
  const std::vector<std::uint8_t> big_bytes = serialize_safetensors(big);
  EXPECT_GE(largest_allocation_in([&] { parse_safetensors(big_bytes, "big"); }), 4u << 20);
  TempFile tmp("big");
  tmp.write(big_bytes);
  EXPECT_GE(largest_allocation_in([&] { read_safetensors(tmp.path()); }), 4u << 20);

  // A header promising 1 GiB in a small file: refused on the header alone.
  const std::vector<std::uint8_t> liar =
      file("{" + entry("a", "F32", "[268435456]", "[0,1073741824]") + "}", "x");
  std::string got;
  EXPECT_LT(largest_allocation_in([&] { got = error_of(liar); }), kSmall);
  EXPECT_EQ(got,
            "t.safetensors: tensor 'a': data_offsets [0, 1073741824] run past the end of "
            "the data buffer (1 bytes)");
  tmp.write(liar);
  EXPECT_LT(largest_allocation_in([&] { got = read_error(tmp.path()); }), kSmall);
  EXPECT_EQ(got, tmp.path() +
                     ": tensor 'a': data_offsets [0, 1073741824] run past the end of the "
                     "data buffer (1 bytes)");

  // A header length at the limit in a short file, and a file with more than 2 GiB of data (sparse
  // on disk): refused from the sizes alone, before the header is read.
  tmp.write(with_length(kSafetensorsMaxHeaderBytes, "{}"));
  EXPECT_LT(largest_allocation_in([&] { got = read_error(tmp.path()); }), kSmall);
  EXPECT_EQ(got, tmp.path() +
                     ": truncated: the header length is 104857600 bytes, but only 2 "
                     "follow it");
  tmp.write(file("{}"));
  fs::resize_file(tmp.path(), 8 + 2 + kSafetensorsMaxDataBytes + 1);
  EXPECT_LT(largest_allocation_in([&] { got = read_error(tmp.path()); }), kSmall);
  EXPECT_EQ(got, tmp.path() +
                     ": data buffer of 2147483649 bytes is more than the limit of "
                     "2147483648 bytes (2 GiB)");
}

// ---------------------------------------------------------------------------------------------
// The writer's own checks.

TEST(Safetensors, WriterRefusesInconsistentTensors) {
  auto message = [](const SafetensorsFile& f) -> std::string {
    try {
      serialize_safetensors(f);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no error)";
  };
  SafetensorsFile f;
  f.tensors["a"] = raw(TensorDType::F16, {3}, "1234");
  EXPECT_EQ(message(f),
            "serialize_safetensors: tensor 'a': data is 4 bytes, but shape [3] of dtype F16 "
            "needs 6");
  f.tensors.clear();
  f.tensors["__metadata__"] = raw(TensorDType::U8, {0}, "");
  EXPECT_EQ(message(f), "serialize_safetensors: '__metadata__' is not a tensor name");
  f.tensors.clear();
  f.tensors["a"] = raw(TensorDType::U8, std::vector<std::size_t>(9, 1), "x");
  EXPECT_EQ(message(f),
            "serialize_safetensors: tensor 'a': shape has 9 dimensions, more than the 8 "
            "supported");
  f.tensors.clear();
  f.tensors["\xff"] = raw(TensorDType::U8, {0}, "");
  EXPECT_EQ(message(f), "serialize_safetensors: a name or metadata string is not UTF-8");
  EXPECT_THROW(make_tensor_f32({2, 2}, {1.0f}), std::invalid_argument);
}

}  // namespace
}  // namespace serrano::io
