// SPDX-License-Identifier: Apache-2.0
// safetensors files (Hugging Face's tensor format): named tensors with a JSON header, read without
// any Python. A file is an 8-byte little-endian header length N, N bytes of JSON, then the data
// buffer. The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
// (offsets into the data buffer) and may hold "__metadata__", a map of strings. Everything the
// header says is checked before any tensor data is allocated or read: the header length against a
// limit and the file, each entry's keys, dtype, shape and byte size (product of the shape times
// the dtype's size, overflow-safe), and the offsets, which must tile the data buffer in order
// without gaps or overlaps (as the reference implementation requires). Format and messages:
// io/safetensors.cpp and tests/io/safetensors_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace serrano::io {

// A bad or unreadable safetensors file. what() is one line: "<name>: <message>", where name is
// the path (or the name given to parse_safetensors).
class SafetensorsError : public std::runtime_error {
 public:
  SafetensorsError(const std::string& name, const std::string& message);
};

// The dtypes of the format (the names are the header's); all little-endian.
enum class TensorDType {
  BOOL,
  U8,
  I8,
  F8_E4M3,
  F8_E5M2,
  I16,
  U16,
  F16,
  BF16,
  I32,
  U32,
  F32,
  I64,
  U64,
  F64
};

constexpr std::uint64_t kSafetensorsMaxHeaderBytes = 100ull << 20;  // limit: 100 MiB of JSON
constexpr std::uint64_t kSafetensorsMaxDataBytes = 1ull << 31;      // limit: a 2 GiB data buffer
constexpr std::size_t kSafetensorsMaxRank = 8;                      // dimensions at most

std::size_t item_size(TensorDType t);   // bytes per element: 1, 2, 4 or 8
const char* dtype_name(TensorDType t);  // as in the header: "F32", "BF16", ...

struct SafetensorsTensor {
  TensorDType dtype = TensorDType::F32;
  std::vector<std::size_t> shape;  // empty: a scalar (one element)
  std::vector<std::uint8_t> data;  // little-endian, C order, elements * item_size(dtype) bytes
};

struct SafetensorsFile {
  std::map<std::string, std::string> metadata;       // "__metadata__"; empty if absent
  std::map<std::string, SafetensorsTensor> tensors;  // by name
};

// Reads a file; only the header is held in memory until every check has passed. Throws
// SafetensorsError (an unreadable file included).
SafetensorsFile read_safetensors(const std::string& path);
// Parses the bytes of a safetensors file; `name` is used in messages.
SafetensorsFile parse_safetensors(const std::vector<std::uint8_t>& bytes, const std::string& name);

// The bytes of a file holding `f`: the header in compact JSON with the tensors in name order,
// their data packed in the same order, the header padded with spaces to a multiple of 8 bytes (as
// the reference writer does). Throws std::invalid_argument if a tensor is inconsistent (data size
// not matching its shape and dtype, rank above kSafetensorsMaxRank), a name is empty or
// "__metadata__", or the data exceed kSafetensorsMaxDataBytes.
std::vector<std::uint8_t> serialize_safetensors(const SafetensorsFile& f);
// Writes serialize_safetensors(f) to a file. Throws SafetensorsError if it cannot be written.
void write_safetensors(const std::string& path, const SafetensorsFile& f);

// Half-precision values: IEEE 754 binary16 and bfloat16 (the top half of a binary32), as bits.
// Both convert to float exactly (subnormals, infinities and NaN included).
float f16_to_float(std::uint16_t bits);
float bf16_to_float(std::uint16_t bits);

// A float32 tensor from values in C order. Throws std::invalid_argument if values.size() is not
// the product of the shape.
SafetensorsTensor make_tensor_f32(std::vector<std::size_t> shape, const std::vector<float>& values);
// The values of an F32, F16 or BF16 tensor as floats. Throws std::invalid_argument for any other
// dtype or a data size not matching the shape.
std::vector<float> to_float(const SafetensorsTensor& t);

}  // namespace serrano::io
