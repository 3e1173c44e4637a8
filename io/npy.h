// SPDX-License-Identifier: Apache-2.0
// NumPy .npy files: the arrays (int8, int32, float32) that tests, workloads and reports exchange
// with Python. Reads format versions 1.0 and 2.0, writes 1.0 (2.0 only if the header needs it),
// byte for byte as numpy.save does. Every file is checked before anything is allocated for its
// data. Format and messages: io/npy.cpp and tests/io/npy_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace serrano::io {

// A bad or unreadable .npy file. what() is one line: "<name>: <message>", where name is the path
// (or the name given to parse_npy).
class NpyError : public std::runtime_error {
 public:
  NpyError(const std::string& name, const std::string& message);
};

enum class DType { I8, I32, F32 };  // '|i1', '<i4', '<f4'

constexpr std::size_t kNpyMaxRank = 8;                          // dimensions at most
constexpr std::uint64_t kNpyMaxDataBytes = 1ull << 31;          // resource limit: 2 GiB of data
constexpr std::size_t kNpyMaxHeaderBytes = std::size_t(65536);  // resource limit: 64 KiB

std::size_t item_size(DType t);  // 1, 4, 4
const char* descr(DType t);      // the numpy dtype string: "|i1", "<i4", "<f4"

struct NpyArray {
  DType dtype = DType::I8;
  std::vector<std::size_t> shape;  // empty: a scalar (one element)
  std::vector<std::uint8_t> data;  // little-endian, C order, elements() * item_size(dtype) bytes

  std::size_t elements() const;  // product of shape; 1 for a scalar, 0 if any dimension is 0
};

// Reads a file. Throws NpyError (an unreadable file included).
NpyArray read_npy(const std::string& path);
// Parses the bytes of a .npy file; `name` is used in messages.
NpyArray parse_npy(const std::vector<std::uint8_t>& bytes, const std::string& name);

// The bytes numpy.save would write for the array. Throws std::invalid_argument if the array is
// inconsistent (data size not matching the shape, rank above kNpyMaxRank, more than
// kNpyMaxDataBytes of data).
std::vector<std::uint8_t> serialize_npy(const NpyArray& a);
// Writes serialize_npy(a) to a file. Throws NpyError if the file cannot be written.
void write_npy(const std::string& path, const NpyArray& a);

// Arrays from values in C order, and the values of an array. The makers throw
// std::invalid_argument if values.size() is not the product of the shape; the readers throw it
// if the dtype differs.
NpyArray make_i8(std::vector<std::size_t> shape, const std::vector<std::int8_t>& values);
NpyArray make_i32(std::vector<std::size_t> shape, const std::vector<std::int32_t>& values);
NpyArray make_f32(std::vector<std::size_t> shape, const std::vector<float>& values);
std::vector<std::int8_t> as_i8(const NpyArray& a);
std::vector<std::int32_t> as_i32(const NpyArray& a);
std::vector<float> as_f32(const NpyArray& a);

}  // namespace serrano::io
