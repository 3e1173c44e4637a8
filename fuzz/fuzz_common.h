// SPDX-License-Identifier: Apache-2.0
// Shared by the fuzzers in this folder (docs/reliability.md, "Fuzzing"). Each fuzzer feeds
// libFuzzer's bytes to one parser of outside input and catches exactly the error type that parser
// documents; any other exception, a sanitizer report, a hang or an allocation past libFuzzer's
// -rss_limit_mb escapes and is a finding. Where the library documents a round trip (a writer whose
// output reads back as the same value), the fuzzer checks it on every accepted input, and a
// mismatch is a finding too (fuzz::broken aborts with a message).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace serrano::fuzz {

inline std::string as_text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

inline std::vector<std::uint8_t> as_bytes(const std::uint8_t* data, std::size_t size) {
  return std::vector<std::uint8_t>(data, data + size);
}

// A property the library promises does not hold for this input: report it and abort, so that
// libFuzzer saves the input as a crash.
[[noreturn]] inline void broken(const char* what) {
  std::fprintf(stderr, "serrano fuzz: property broken: %s\n", what);
  std::abort();
}

}  // namespace serrano::fuzz
