// SPDX-License-Identifier: Apache-2.0
// GoogleTest entry point for tests that link SystemC: SystemC's library owns main() and calls
// sc_main, so gtest_main cannot be used. CTest runs each test case in its own process, which
// SystemC needs (one elaboration per process).
#include <gtest/gtest.h>

#include <cstdlib>

#include <systemc>

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// SystemC prints its banner from sc_elab_and_sim before sc_main runs, unless this variable is set.
int main(int argc, char** argv) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
