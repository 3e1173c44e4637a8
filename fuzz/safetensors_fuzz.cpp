// SPDX-License-Identifier: Apache-2.0
// The safetensors reader (io::parse_safetensors): parse or io::SafetensorsError. An accepted file
// must round-trip through serialize_safetensors (the writer may not refuse what the reader
// accepted).
#include "fuzz/fuzz_common.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace serrano;
  io::SafetensorsFile f;
  try {
    f = io::parse_safetensors(fuzz::as_bytes(data, size), "fuzz.safetensors");
  } catch (const io::SafetensorsError&) {
    return 0;
  }
  const io::SafetensorsFile g =
      io::parse_safetensors(io::serialize_safetensors(f), "round-trip.safetensors");
  if (g.metadata != f.metadata || g.tensors.size() != f.tensors.size()) {
    fuzz::broken("parse_safetensors(serialize_safetensors(f)) differs from f");
  }
  for (const auto& [name, t] : f.tensors) {
    const auto it = g.tensors.find(name);
    if (it == g.tensors.end() || it->second.dtype != t.dtype || it->second.shape != t.shape ||
        it->second.data != t.data) {
      fuzz::broken("a tensor differs after serialize_safetensors and parse_safetensors");
    }
  }
  return 0;
}
