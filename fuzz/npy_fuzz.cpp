// SPDX-License-Identifier: Apache-2.0
// The .npy reader (io::parse_npy): parse or io::NpyError. An accepted array must round-trip
// through serialize_npy (the writer may not refuse what the reader accepted).
#include "fuzz/fuzz_common.h"
#include "io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace serrano;
  io::NpyArray a;
  try {
    a = io::parse_npy(fuzz::as_bytes(data, size), "fuzz.npy");
  } catch (const io::NpyError&) {
    return 0;
  }
  if (a.data.size() != a.elements() * io::item_size(a.dtype)) {
    fuzz::broken("data size does not match the shape");
  }
  const io::NpyArray b = io::parse_npy(io::serialize_npy(a), "round-trip.npy");
  if (b.dtype != a.dtype || b.shape != a.shape || b.data != a.data) {
    fuzz::broken("parse_npy(serialize_npy(a)) differs from a");
  }
  return 0;
}
