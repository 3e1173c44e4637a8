// SPDX-License-Identifier: Apache-2.0
// Writes the binary seeds of the fuzz corpora (fuzz/corpus/{sbin,npy,safetensors}/), which are
// committed; run it again only to regenerate them:
//   make_seeds <source dir>
// The .sbin seeds are the example programs and corpus/asm/every-form.sasm assembled; the .npy and
// .safetensors seeds come from the library's writers (every dtype, a scalar, an empty array, a
// rank-8 shape) plus a few files written as other tools write them (numpy's version 2.0 header,
// unpadded safetensors headers).
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "io/npy.h"
#include "io/safetensors.h"
#include "isa/assembler.h"

namespace {

using namespace serrano;
using Bytes = std::vector<std::uint8_t>;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void put(const std::string& path, const Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

io::SafetensorsTensor raw(io::TensorDType t, std::vector<std::size_t> shape, const std::string& d) {
  io::SafetensorsTensor x;
  x.dtype = t;
  x.shape = std::move(shape);
  x.data = bytes(d);
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds <source dir>\n";
    return 2;
  }
  const std::string src = argv[1];
  const std::string out = src + "/fuzz/corpus/";
  for (const char* name : {"gemm_serial", "gemm_double_buffered", "tile16"}) {
    const isa::Program p = isa::assemble(slurp(src + "/examples/" + name + ".sasm"), name);
    put(out + "sbin/" + name + ".sbin", isa::write_binary(p));
  }
  put(out + "sbin/every-form.sbin",
      isa::write_binary(isa::assemble(slurp(out + "asm/every-form.sasm"), "every-form.sasm")));
  put(out + "sbin/empty.sbin", isa::write_binary(isa::Program{}));

  put(out + "npy/i8-2x3.npy", io::serialize_npy(io::make_i8({2, 3}, {1, -2, 3, -4, 5, 127})));
  put(out + "npy/i32-3.npy", io::serialize_npy(io::make_i32({3}, {7, -1, 65536})));
  put(out + "npy/f32-scalar.npy", io::serialize_npy(io::make_f32({}, {1.5f})));
  put(out + "npy/i8-empty.npy", io::serialize_npy(io::make_i8({0}, {})));
  io::NpyArray rank8;
  rank8.dtype = io::DType::I32;
  rank8.shape = {1, 0, 100000, 100000, 100000, 100000, 100000, 100000};
  put(out + "npy/i32-rank8.npy", io::serialize_npy(rank8));
  // numpy.lib.format.write_array(..., version=(2, 0)) of int32 [1, -2, 3].
  using namespace std::string_literals;
  put(out + "npy/v2.npy",
      bytes("\x93NUMPY\x02\x00\x74\x00\x00\x00"s
            "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"s +
            std::string(58, ' ') + "\n"s + "\x01\x00\x00\x00\xfe\xff\xff\xff\x03\x00\x00\x00"s));

  io::SafetensorsFile f;
  f.metadata = {{"format", "pt"}};
  f.tensors["w"] = io::make_tensor_f32({2, 2}, {1.0f, 2.0f, -0.5f, 0.0f});
  f.tensors["b"] = raw(io::TensorDType::I8, {3}, "\x01\xff\x7f");
  put(out + "safetensors/f32-i8.safetensors", io::serialize_safetensors(f));
  io::SafetensorsFile g;
  g.tensors["scalar"] = raw(io::TensorDType::F64, {}, "\x00\x00\x00\x00\x00\x00\xf0\x3f"s);
  g.tensors["h"] = raw(io::TensorDType::F16, {2}, "\x00\x3c\x00\xc0"s);
  g.tensors["bf"] = raw(io::TensorDType::BF16, {2, 1}, "\x80\x3f\x40\xc0"s);
  g.tensors["empty"] = raw(io::TensorDType::U8, {0, 4}, "");
  g.tensors["u64"] = raw(io::TensorDType::U64, {1}, "\x01\x02\x03\x04\x05\x06\x07\x08");
  put(out + "safetensors/mixed.safetensors", io::serialize_safetensors(g));
  put(out + "safetensors/empty.safetensors", io::serialize_safetensors(io::SafetensorsFile{}));
  // Another writer's layout: no padding, tensors out of name order, whitespace in the JSON.
  const std::string header =
      "{ \"b\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [4, 6]},\n"
      "  \"a\": {\"dtype\": \"I16\", \"shape\": [2], \"data_offsets\": [0, 4]},"
      " \"__metadata__\": {\"k\": \"v\"} }";
  std::string len(8, '\0');
  for (int i = 0; i < 8; ++i) len[std::size_t(i)] = char((header.size() >> (8 * i)) & 0xff);
  put(out + "safetensors/unpadded.safetensors", bytes(len + header + "\x01\x00\x02\x00\x05\x06"s));
  return 0;
}
