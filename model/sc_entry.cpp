// SPDX-License-Identifier: Apache-2.0
// Process entry point for every Serrano program that links SystemC (the CLI, the SystemC test
// binaries, the benchmarks). They define sc_main; this main() runs before it because SystemC prints
// its banner from sc_elab_and_sim, before sc_main, unless SC_COPYRIGHT_MESSAGE is set.
#include <cstdlib>
#include <systemc>

int main(int argc, char** argv) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
