// SPDX-License-Identifier: Apache-2.0
// The campaign's random numbers: splitmix64 and a small range function of our own, so that a seed
// gives the same programs on every platform and standard library (std::uniform_int_distribution's
// output is implementation-defined).
#pragma once

#include <cstdint>

namespace serrano::verify {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_state(seed) {}

  // splitmix64 (Steele, Lea, Flood 2014): a full-period 64-bit generator with good mixing.
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n) for n >= 1 (rejection sampling: no modulo bias). below(0) returns 0.
  std::uint64_t below(std::uint64_t n) {
    if (n <= 1) return 0;
    const std::uint64_t limit = ~std::uint64_t(0) - (~std::uint64_t(0) % n);
    std::uint64_t x = next();
    while (x >= limit) x = next();
    return x % n;
  }

  // Uniform in [lo, hi] (inclusive); lo <= hi.
  std::int64_t range(std::int64_t lo, std::int64_t hi) {
    return lo + std::int64_t(below(std::uint64_t(hi - lo) + 1));
  }

  // True with probability percent / 100.
  bool chance(unsigned percent) { return below(100) < percent; }

 private:
  std::uint64_t m_state;
};

// The seed of program `index` of a campaign with seed `seed` (a program can be regenerated alone).
inline std::uint64_t program_seed(std::uint64_t seed, std::uint64_t index) {
  Rng r(seed ^ (0xd1b54a32d192ed03ull * (index + 1)));
  return r.next();
}

}  // namespace serrano::verify
