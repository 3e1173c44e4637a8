// SPDX-License-Identifier: Apache-2.0
// Tests for the .npy reader and writer: round trips of every dtype and shape, files byte for byte
// as numpy writes them, headers written in unusual but valid ways, every error with its exact
// message, and the resource limit enforced before anything large is allocated.
#include "io/npy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <string>
#include <vector>

// Every allocation of this test program goes through here, so that a test can see the largest
// one made while it parses a file. Not inlined, so that the compiler does not pair a new
// expression with free().
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

// A version 1.0 file with this header text (no padding added) and data.
std::vector<std::uint8_t> v1(const std::string& header, const std::string& data = "") {
  std::string s = "\x93NUMPY\x01\x00"s;
  s += char(header.size() & 0xff);
  s += char(header.size() >> 8);
  return bytes(s + header + data);
}

// The what() of the NpyError that parsing `b` throws, or a marker if it throws none.
std::string error_of(const std::vector<std::uint8_t>& b) {
  try {
    parse_npy(b, "t.npy");
  } catch (const NpyError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "message is not one line";
    return e.what();
  }
  return "(no error)";
}

std::string header_error(const std::string& header, const std::string& data = "") {
  return error_of(v1(header, data));
}

// A file of its own for each test, removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& tag) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_path = (fs::temp_directory_path() / ("serrano_npy_" + std::string(info->name()) + "_" + tag +
                                           "_" + std::to_string(::getpid()) + ".npy"))
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

// Far below any array the limit is about, above the file buffer and the largest header (64 KiB).
constexpr std::size_t kSmall = std::size_t(1) << 20;

// The what() of the NpyError that reading `path` throws, or a marker if it throws none.
std::string read_error(const std::string& path) {
  try {
    read_npy(path);
  } catch (const NpyError& e) {
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

// ---------------------------------------------------------------------------------------------
// Files as numpy writes them.

// np.save(f, np.array([[1, 2, 3], [-4, -5, -6]], dtype=np.int8)): the header is padded with
// spaces so that the data starts at byte 128 (0x76 = 118 header bytes after the 10-byte
// preamble).
const std::string kNumpyI8 =
    "\x93NUMPY\x01\x00\x76\x00"s
    "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }"s +
    std::string(58, ' ') + "\n"s + "\x01\x02\x03\xfc\xfb\xfa"s;

TEST(Npy, ReadsNumpyVersion1File) {
  ASSERT_EQ(kNumpyI8.size(), 128u + 6u);
  const NpyArray a = parse_npy(bytes(kNumpyI8), "a.npy");
  EXPECT_EQ(a.dtype, DType::I8);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.elements(), 6u);
  EXPECT_EQ(as_i8(a), (std::vector<std::int8_t>{1, 2, 3, -4, -5, -6}));
}

TEST(Npy, WritesWhatNumpyWrites) {
  const NpyArray a = make_i8({2, 3}, {1, 2, 3, -4, -5, -6});
  EXPECT_EQ(serialize_npy(a), bytes(kNumpyI8));

  // np.save(f, np.array([7, -1, 65536], dtype=np.int32))
  const std::string i32 =
      "\x93NUMPY\x01\x00\x76\x00"s
      "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"s +
      std::string(60, ' ') + "\n"s + "\x07\x00\x00\x00\xff\xff\xff\xff\x00\x00\x01\x00"s;
  EXPECT_EQ(serialize_npy(make_i32({3}, {7, -1, 65536})), bytes(i32));

  // np.save(f, np.float32(1.5)): a scalar, shape ().
  const std::string f32 =
      "\x93NUMPY\x01\x00\x76\x00"s
      "{'descr': '<f4', 'fortran_order': False, 'shape': (), }"s +
      std::string(62, ' ') + "\n"s + "\x00\x00\xc0\x3f"s;
  EXPECT_EQ(serialize_npy(make_f32({}, {1.5f})), bytes(f32));
  const NpyArray s = parse_npy(bytes(f32), "s.npy");
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(s.elements(), 1u);
  EXPECT_EQ(as_f32(s), std::vector<float>{1.5f});

  // np.save(f, np.zeros((0,), dtype=np.int8)): empty.
  const std::string empty =
      "\x93NUMPY\x01\x00\x76\x00"s
      "{'descr': '|i1', 'fortran_order': False, 'shape': (0,), }"s +
      std::string(60, ' ') + "\n"s;
  EXPECT_EQ(serialize_npy(make_i8({0}, {})), bytes(empty));
  const NpyArray e = parse_npy(bytes(empty), "e.npy");
  EXPECT_EQ(e.shape, std::vector<std::size_t>{0});
  EXPECT_EQ(e.elements(), 0u);
  EXPECT_TRUE(e.data.empty());
}

// numpy (since 1.25) leaves room for shape[0] to grow to 21 digits, which pushes a long header
// into the next 64-byte block; older numpy did not. Both are read.
TEST(Npy, GrowthPaddingOfLongHeaders) {
  const std::vector<std::size_t> shape = {1, 0, 100000, 100000, 100000, 100000, 100000, 100000};
  const std::string text =
      "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 0, 100000, "
      "100000, 100000, 100000, 100000, 100000), }";
  ASSERT_EQ(text.size(), 107u);
  // 107 + 20 growth spaces + 54 padding + '\n' = 182 = 0xb6; 10 + 182 = 192.
  const std::string modern = "\x93NUMPY\x01\x00\xb6\x00"s + text + std::string(20 + 54, ' ') + "\n";
  // Older numpy: 107 + 10 + '\n' = 118; 10 + 118 = 128.
  const std::string old = "\x93NUMPY\x01\x00\x76\x00"s + text + std::string(10, ' ') + "\n";
  NpyArray a;
  a.dtype = DType::I32;
  a.shape = shape;
  EXPECT_EQ(serialize_npy(a), bytes(modern));
  for (const std::string& file : {modern, old}) {
    const NpyArray b = parse_npy(bytes(file), "g.npy");
    EXPECT_EQ(b.shape, shape);
    EXPECT_EQ(b.dtype, DType::I32);
    EXPECT_TRUE(b.data.empty());
  }
}

TEST(Npy, ReadsVersion2File) {
  // numpy.lib.format.write_array(f, np.array([1, -2, 3], dtype=np.int32), version=(2, 0)):
  // a 4-byte header length (0x74 = 116) after the 8-byte magic and version.
  const std::string v2 =
      "\x93NUMPY\x02\x00\x74\x00\x00\x00"s
      "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"s +
      std::string(58, ' ') + "\n"s + "\x01\x00\x00\x00\xfe\xff\xff\xff\x03\x00\x00\x00"s;
  ASSERT_EQ(v2.size(), 128u + 12u);
  const NpyArray a = parse_npy(bytes(v2), "v2.npy");
  EXPECT_EQ(a.dtype, DType::I32);
  EXPECT_EQ(a.shape, std::vector<std::size_t>{3});
  EXPECT_EQ(as_i32(a), (std::vector<std::int32_t>{1, -2, 3}));
}

TEST(Npy, ReadsHeadersWrittenOtherwise) {
  // Keys in any order, double quotes, odd whitespace, no trailing comma, Python 2 longs, '<i1',
  // no padding and no final newline.
  const NpyArray a = parse_npy(
      v1("{\"shape\" :( 2L ,2L ),'descr':'<i1' ,\t'fortran_order' : False}", "\x01\x02\x03\x04"),
      "odd.npy");
  EXPECT_EQ(a.dtype, DType::I8);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 2}));
  EXPECT_EQ(as_i8(a), (std::vector<std::int8_t>{1, 2, 3, 4}));
  // Old numpy aligned to 16 bytes: 10 + 70 = 80.
  const std::string h16 = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, ), }";
  const NpyArray b = parse_npy(
      v1(h16 + std::string(80 - 10 - h16.size() - 1, ' ') + "\n", "\x00\x00\x80\xbf"s), "old.npy");
  EXPECT_EQ(b.shape, (std::vector<std::size_t>{1, 1, 1}));
  EXPECT_EQ(as_f32(b), std::vector<float>{-1.0f});
  // Leading whitespace, escaped quotes in a key that is then rejected are covered below; an empty
  // tuple with spaces is a scalar.
  const NpyArray c =
      parse_npy(v1(" { 'descr' : '<i4' , 'fortran_order' : False , 'shape' : ( ) , } \r\n",
                   "\x2a\x00\x00\x00"s),
                "c.npy");
  EXPECT_TRUE(c.shape.empty());
  EXPECT_EQ(as_i32(c), std::vector<std::int32_t>{42});
}

// ---------------------------------------------------------------------------------------------
// Round trips.

TEST(Npy, RoundTripsEveryDtypeAndShape) {
  const std::vector<std::vector<std::size_t>> shapes = {{},
                                                        {0},
                                                        {1},
                                                        {7},
                                                        {2, 3},
                                                        {2, 0, 3},
                                                        {3, 4, 5},
                                                        {1, 1, 1, 1, 1, 1, 1, 1},
                                                        {2, 1, 2, 1, 2, 1, 2, 2}};
  int file = 0;
  for (const auto& shape : shapes) {
    std::size_t n = 1;
    for (const std::size_t d : shape) n *= d;
    std::vector<std::int8_t> i8(n);
    std::vector<std::int32_t> i32(n);
    std::vector<float> f32(n);
    for (std::size_t i = 0; i < n; ++i) {
      i8[i] = std::int8_t(int(i * 37) % 256 - 128);
      i32[i] = std::int32_t(i * 2654435761u);
      f32[i] = float(i) * -0.37f + 1e-3f;
    }
    if (n >= 3) {
      i32[0] = std::numeric_limits<std::int32_t>::min();
      i32[1] = std::numeric_limits<std::int32_t>::max();
      f32[0] = std::numeric_limits<float>::infinity();
      f32[1] = -0.0f;
      f32[2] = std::numeric_limits<float>::denorm_min();
    }
    for (const NpyArray& a : {make_i8(shape, i8), make_i32(shape, i32), make_f32(shape, f32)}) {
      const std::vector<std::uint8_t> b = serialize_npy(a);
      // The data starts at a multiple of 64 bytes, after a header ending in '\n'.
      const std::size_t data_at = b.size() - a.data.size();
      EXPECT_EQ(data_at % 64, 0u);
      EXPECT_EQ(b[data_at - 1], '\n');
      const NpyArray back = parse_npy(b, "rt.npy");
      EXPECT_EQ(back.dtype, a.dtype);
      EXPECT_EQ(back.shape, shape);
      EXPECT_EQ(back.data, a.data);
      TempFile tmp(std::to_string(file++));
      write_npy(tmp.path(), a);
      const NpyArray disk = read_npy(tmp.path());
      EXPECT_EQ(disk.dtype, a.dtype);
      EXPECT_EQ(disk.shape, shape);
      EXPECT_EQ(disk.data, a.data);
    }
    EXPECT_EQ(as_i8(parse_npy(serialize_npy(make_i8(shape, i8)), "x")), i8);
    EXPECT_EQ(as_i32(parse_npy(serialize_npy(make_i32(shape, i32)), "x")), i32);
    const std::vector<float> f = as_f32(parse_npy(serialize_npy(make_f32(shape, f32)), "x"));
    ASSERT_EQ(f.size(), f32.size());
    // memcmp of empty vectors would pass null pointers (undefined behaviour, UBSan says).
    if (!f.empty()) {
      EXPECT_EQ(std::memcmp(f.data(), f32.data(), f.size() * sizeof(float)), 0);
    }
  }
}

TEST(Npy, LittleEndianData) {
  const NpyArray a = make_i32({2}, {0x01020304, -2});
  EXPECT_EQ(a.data, (std::vector<std::uint8_t>{4, 3, 2, 1, 0xfe, 0xff, 0xff, 0xff}));
  const NpyArray f = make_f32({1}, {-2.0f});  // 0xc0000000
  EXPECT_EQ(f.data, (std::vector<std::uint8_t>{0, 0, 0, 0xc0}));
  EXPECT_EQ(std::isnan(as_f32(make_f32({1}, {std::nanf("")}))[0]), true);
}

// ---------------------------------------------------------------------------------------------
// Errors in the file.

TEST(Npy, PreambleErrors) {
  EXPECT_EQ(error_of(bytes("\x93NUMPZ\x01\x00\x00\x00"s)),
            "t.npy: not a .npy file: it does not start with the magic string \\x93NUMPY");
  EXPECT_EQ(error_of(bytes("PK\x03\x04"s)),
            "t.npy: not a .npy file: it does not start with the magic string \\x93NUMPY");
  EXPECT_EQ(error_of({}),
            "t.npy: truncated header: 0 bytes, too short for the magic string and version (8 "
            "bytes)");
  EXPECT_EQ(error_of(bytes("\x93NUMPY\x01"s)),
            "t.npy: truncated header: 7 bytes, too short for the magic string and version (8 "
            "bytes)");
  EXPECT_EQ(error_of(bytes("\x93NUMPY\x01\x00\x10"s)),
            "t.npy: truncated header: 9 bytes, too short for the preamble of format version 1.0 "
            "(10 bytes)");
  EXPECT_EQ(error_of(bytes("\x93NUMPY\x02\x00\x10\x00\x00"s)),
            "t.npy: truncated header: 11 bytes, too short for the preamble of format version 2.0 "
            "(12 bytes)");
  EXPECT_EQ(error_of(bytes("\x93NUMPY\x03\x00\x10\x00\x00\x00"s)),
            "t.npy: unsupported .npy format version 3.0 (supported: 1.0, 2.0)");
  EXPECT_EQ(error_of(bytes("\x93NUMPY\x01\x01\x10\x00"s)),
            "t.npy: unsupported .npy format version 1.1 (supported: 1.0, 2.0)");
  EXPECT_EQ(error_of(bytes("\x93NUMPY\x02\x00\x01\x00\x01\x00"s)),
            "t.npy: header of 65537 bytes is longer than the limit of 65536 bytes (64 KiB)");
  EXPECT_EQ(error_of(bytes("\x93NUMPY\x02\x00\xff\xff\xff\xff"s)),
            "t.npy: header of 4294967295 bytes is longer than the limit of 65536 bytes (64 KiB)");
  EXPECT_EQ(error_of(bytes("\x93NUMPY\x01\x00\x76\x00{'descr': '|i1', "s)),
            "t.npy: truncated header: the header is 118 bytes, but only 17 follow the preamble");
}

TEST(Npy, MalformedDictionaries) {
  EXPECT_EQ(header_error("[1, 2]\n"),
            "t.npy: malformed header: expected '{' at the start of the dictionary at byte 10, "
            "found '['");
  EXPECT_EQ(header_error(""),
            "t.npy: malformed header: expected '{' at the start of the dictionary at byte 10, "
            "found the end of the header");
  EXPECT_EQ(header_error("{'descr' '|i1'}"),
            "t.npy: malformed header: expected ':' after the key 'descr' at byte 19, found '''");
  EXPECT_EQ(header_error("{'descr': '|i1}\n"),
            "t.npy: malformed header: unterminated string ('descr') at byte 20, found '''");
  EXPECT_EQ(header_error("{descr: '|i1'}"),
            "t.npy: malformed header: expected a string key or '}' at byte 11, found 'd'");
  EXPECT_EQ(header_error("{'descr': '|i1' 'shape': (2,)}"),
            "t.npy: malformed header: expected ',' or '}' after a value at byte 26, found '''");
  EXPECT_EQ(header_error("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), "),
            "t.npy: malformed header: expected a string key or '}' at byte 66, found the end of "
            "the header");
  EXPECT_EQ(header_error("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), } x"),
            "t.npy: malformed header: unexpected text after the dictionary at byte 68, found 'x'");
  EXPECT_EQ(header_error("{'descr': '|i1', 'fortran_order': False, }"),
            "t.npy: malformed header: missing key 'shape'");
  EXPECT_EQ(header_error("{'fortran_order': False, 'shape': (2,)}"),
            "t.npy: malformed header: missing key 'descr'");
  EXPECT_EQ(header_error("{'descr': '|i1', 'order': 'C', 'shape': (2,)}"),
            "t.npy: malformed header: unexpected key 'order' at byte 27, found '''");
  EXPECT_EQ(header_error("{'descr': '|i1', 'descr': '|i1'}"),
            "t.npy: malformed header: duplicate key 'descr' at byte 27, found '''");
  EXPECT_EQ(header_error("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,)}"),
            "t.npy: malformed header: 'descr' must be a string (structured dtypes are not "
            "supported) at byte 20, found '['");
  EXPECT_EQ(header_error("{'descr': 'a\\nb'}"),
            "t.npy: malformed header: unsupported escape sequence in a string at byte 23, found "
            "'n'");
  EXPECT_EQ(header_error("{'fortran_order': false}"),
            "t.npy: malformed header: 'fortran_order' must be True or False at byte 28, found 'f'");
  EXPECT_EQ(header_error("{'fortran_order': 0}"),
            "t.npy: malformed header: 'fortran_order' must be True or False at byte 28, found '0'");
  EXPECT_EQ(header_error("{'shape': (3)}"),
            "t.npy: malformed header: 'shape' must be a tuple of integers: one dimension is "
            "written (n,), not (n) at byte 22, found ')'");
  EXPECT_EQ(header_error("{'shape': [2, 3]}"),
            "t.npy: malformed header: 'shape' must be a tuple of integers at byte 20, found '['");
  EXPECT_EQ(header_error("{'shape': (2, 3.5)}"),
            "t.npy: malformed header: expected ',' or ')' in 'shape' at byte 25, found '.'");
  EXPECT_EQ(header_error("{'shape': (2, x)}"),
            "t.npy: malformed header: expected an integer in 'shape' at byte 24, found 'x'");
  EXPECT_EQ(header_error("{'shape': (0x10,)}"),
            "t.npy: malformed header: expected an integer in 'shape' at byte 22, found 'x'");
  EXPECT_EQ(header_error("{'shape': (2, -3)}"),
            "t.npy: malformed header: negative dimension -3 in 'shape' at byte 24, found '-'");
  EXPECT_EQ(header_error("{'shape': (99999999999999999999,)}"),
            "t.npy: malformed header: dimension 99999999999999999999 in 'shape' does not fit in "
            "64 bits at byte 21, found '9'");
  // A control character is shown escaped, so the message stays on one line.
  EXPECT_EQ(header_error("{\x01}"),
            "t.npy: malformed header: expected a string key or '}' at byte 11, found '\\x01'");
}

TEST(Npy, UnsupportedArrays) {
  const std::string tail = ", 'fortran_order': False, 'shape': (2,), }";
  EXPECT_EQ(header_error("{'descr': '<f8'" + tail),
            "t.npy: unsupported dtype '<f8' (supported: '|i1', '<i4', '<f4')");
  EXPECT_EQ(header_error("{'descr': '|u1'" + tail),
            "t.npy: unsupported dtype '|u1': unsigned integers are not supported (supported: "
            "'|i1', '<i4', '<f4')");
  EXPECT_EQ(header_error("{'descr': '<u4'" + tail),
            "t.npy: unsupported dtype '<u4': unsigned integers are not supported (supported: "
            "'|i1', '<i4', '<f4')");
  EXPECT_EQ(header_error("{'descr': '>i4'" + tail),
            "t.npy: unsupported dtype '>i4': big-endian data is not supported (supported: "
            "'|i1', '<i4', '<f4')");
  EXPECT_EQ(header_error("{'descr': '>f4'" + tail),
            "t.npy: unsupported dtype '>f4': big-endian data is not supported (supported: "
            "'|i1', '<i4', '<f4')");
  EXPECT_EQ(header_error("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }"),
            "t.npy: fortran_order arrays are not supported");
  EXPECT_EQ(header_error("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, "
                         "1, 1, 1), }",
                         "\x07"),
            "t.npy: shape has 9 dimensions, more than the 8 supported");
}

TEST(Npy, DataSizeMustMatchShape) {
  const std::string h = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }\n";
  EXPECT_EQ(header_error(h, std::string(23, '\0')),
            "t.npy: data is 23 bytes, but shape (2, 3) of dtype '<i4' needs 24");
  EXPECT_EQ(header_error(h, std::string(25, '\0')),
            "t.npy: data is 25 bytes, but shape (2, 3) of dtype '<i4' needs 24");
  EXPECT_EQ(header_error(h), "t.npy: data is 0 bytes, but shape (2, 3) of dtype '<i4' needs 24");
  EXPECT_EQ(header_error(h, std::string(24, '\0')), "(no error)");
  EXPECT_EQ(header_error("{'descr': '<i1', 'fortran_order': False, 'shape': (), }", ""),
            "t.npy: data is 0 bytes, but shape () of dtype '<i1' needs 1");
}

// ---------------------------------------------------------------------------------------------
// The resource limit: checked on the header, before the data is allocated or read.

TEST(Npy, HugeArraysRefusedBeforeAllocating) {
  const std::string huge = "{'descr': '|i1', 'fortran_order': False, 'shape': (1000000000000,), }";
  const std::string message =
      "t.npy: array of shape (1000000000000,) and dtype '|i1' needs 1000000000000 bytes, more "
      "than the limit of 2147483648 bytes (2 GiB)";
  const std::vector<std::uint8_t> file = v1(huge + "\n", "\x01\x02\x03"s);
  std::string got;
  // The measurement works: reading a 4 MiB array allocates 4 MiB.
  const std::vector<std::uint8_t> big =
      serialize_npy(make_i8({4u << 20}, std::vector<std::int8_t>(4u << 20)));
  EXPECT_GE(largest_allocation_in([&] { parse_npy(big, "big.npy"); }), 4u << 20);

  EXPECT_LT(largest_allocation_in([&] { got = error_of(file); }), kSmall);
  EXPECT_EQ(got, message);

  // The same from a file on disk: neither the data nor the file is read into memory.
  TempFile tmp("huge");
  tmp.write(file);
  EXPECT_LT(largest_allocation_in([&] { got = read_error(tmp.path()); }), kSmall);
  EXPECT_EQ(got, tmp.path() + message.substr(5));

  // Exactly at the limit (2^31 bytes) the header is accepted, but a file without the data is
  // refused by its length, still without allocating the array.
  const std::vector<std::uint8_t> at_limit =
      v1("{'descr': '<i4', 'fortran_order': False, 'shape': (536870912,), }");
  EXPECT_LT(largest_allocation_in([&] { got = error_of(at_limit); }), kSmall);
  EXPECT_EQ(got, "t.npy: data is 0 bytes, but shape (536870912,) of dtype '<i4' needs 2147483648");
  TempFile tmp2("limit");
  tmp2.write(at_limit);
  EXPECT_LT(largest_allocation_in([&] { got = read_error(tmp2.path()); }), kSmall);
  EXPECT_EQ(got, tmp2.path() +
                     ": data is 0 bytes, but shape (536870912,) of dtype '<i4' needs 2147483648");

  EXPECT_EQ(header_error("{'descr': '<i4', 'fortran_order': False, 'shape': (536870913,), }"),
            "t.npy: array of shape (536870913,) and dtype '<i4' needs 2147483652 bytes, more "
            "than the limit of 2147483648 bytes (2 GiB)");
  EXPECT_EQ(header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }"),
            "t.npy: array of shape (65536, 65536) and dtype '<f4' needs 17179869184 bytes, more "
            "than the limit of 2147483648 bytes (2 GiB)");
  // The product would overflow 64 bits.
  EXPECT_EQ(header_error("{'descr': '<i4', 'fortran_order': False, 'shape': (4294967296, "
                         "4294967296, 4294967296), }"),
            "t.npy: array of shape (4294967296, 4294967296, 4294967296) and dtype '<i4' needs "
            "more than 2^64 bytes, more than the limit of 2147483648 bytes (2 GiB)");
  EXPECT_EQ(header_error("{'descr': '<i4', 'fortran_order': False, 'shape': (4611686018427387904,"
                         "), }"),
            "t.npy: array of shape (4611686018427387904,) and dtype '<i4' needs more than 2^64 "
            "bytes, more than the limit of 2147483648 bytes (2 GiB)");
  // A zero dimension makes the array empty, whatever the others are.
  const NpyArray z = parse_npy(
      v1("{'descr': '<i4', 'fortran_order': False, 'shape': (4294967296, 0, 4294967296), }"),
      "z.npy");
  EXPECT_EQ(z.elements(), 0u);
  EXPECT_EQ(z.shape, (std::vector<std::size_t>{4294967296, 0, 4294967296}));
}

// ---------------------------------------------------------------------------------------------
// Files and in-memory arrays.

TEST(Npy, FileErrors) {
  const std::string missing = (fs::temp_directory_path() / "serrano_npy_no_such_file.npy").string();
  try {
    read_npy(missing);
    ADD_FAILURE() << "no error";
  } catch (const NpyError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot read file");
  }
  const std::string dir = fs::temp_directory_path().string();
  try {
    read_npy(dir);
    ADD_FAILURE() << "no error";
  } catch (const NpyError& e) {
    EXPECT_EQ(std::string(e.what()), dir + ": cannot read file");
  }
  const std::string bad_dir =
      (fs::temp_directory_path() / "serrano_npy_no_such_dir" / "x.npy").string();
  try {
    write_npy(bad_dir, make_i8({1}, {1}));
    ADD_FAILURE() << "no error";
  } catch (const NpyError& e) {
    EXPECT_EQ(std::string(e.what()), bad_dir + ": cannot write file");
  }
  // A truncated file on disk gives the same message as the same bytes in memory.
  TempFile tmp("short");
  tmp.write(bytes(kNumpyI8.substr(0, 50)));
  try {
    read_npy(tmp.path());
    ADD_FAILURE() << "no error";
  } catch (const NpyError& e) {
    EXPECT_EQ(std::string(e.what()),
              tmp.path() +
                  ": truncated header: the header is 118 bytes, but only 40 follow the "
                  "preamble");
  }
  TempFile tiny("tiny");
  tiny.write(bytes("\x93NU"s));
  try {
    read_npy(tiny.path());
    ADD_FAILURE() << "no error";
  } catch (const NpyError& e) {
    EXPECT_EQ(std::string(e.what()),
              tiny.path() +
                  ": truncated header: 3 bytes, too short for the magic string and "
                  "version (8 bytes)");
  }
}

TEST(Npy, InconsistentArraysRejected) {
  auto what = [](auto&& f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(what([] { make_i8({2, 3}, {1, 2, 3}); }), "make_i8: 3 values for shape (2, 3)");
  EXPECT_EQ(what([] { make_i32({2}, {1, 2, 3}); }), "make_i32: 3 values for shape (2,)");
  EXPECT_EQ(what([] { make_f32({}, {}); }), "make_f32: 0 values for shape ()");
  EXPECT_EQ(what([] { as_i32(make_i8({1}, {1})); }),
            "as_i32: the array's dtype is '|i1', not '<i4'");
  EXPECT_EQ(what([] { as_f32(make_i32({1}, {1})); }),
            "as_f32: the array's dtype is '<i4', not '<f4'");
  NpyArray a = make_i32({2}, {1, 2});
  a.data.pop_back();
  EXPECT_EQ(what([&] { serialize_npy(a); }),
            "serialize_npy: data is 7 bytes, but shape (2,) of dtype '<i4' needs 8");
  EXPECT_EQ(what([&] { as_i32(a); }),
            "as_i32: data is 7 bytes, but shape (2,) of dtype '<i4' needs 8");
  NpyArray deep;
  deep.shape.assign(9, 1);
  deep.data.assign(1, 0);
  EXPECT_EQ(what([&] { serialize_npy(deep); }),
            "serialize_npy: shape has 9 dimensions, more than the 8 supported");
  NpyArray big;
  big.shape = {std::size_t(1) << 31, 2};
  EXPECT_EQ(what([&] { serialize_npy(big); }),
            "serialize_npy: array of shape (2147483648, 2) and dtype '|i1' needs 4294967296 "
            "bytes, more than the limit of 2147483648 bytes (2 GiB)");
}

TEST(Npy, ErrorsAreNpyErrors) {
  try {
    parse_npy({}, "name with\nnewline");
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(dynamic_cast<const NpyError*>(&e), nullptr);
    EXPECT_EQ(std::string(e.what()),
              "name with\\x0anewline: truncated header: 0 bytes, too short for the magic string "
              "and version (8 bytes)");
  }
  EXPECT_EQ(item_size(DType::I8), 1u);
  EXPECT_EQ(item_size(DType::I32), 4u);
  EXPECT_EQ(item_size(DType::F32), 4u);
  EXPECT_STREQ(descr(DType::F32), "<f4");
  NpyArray s;
  EXPECT_EQ(s.elements(), 1u);
}

}  // namespace
}  // namespace serrano::io
