// SPDX-License-Identifier: Apache-2.0
// GoogleTest entry point for tests that link SystemC: SystemC's library owns main() and calls
// sc_main, so gtest_main cannot be used. CTest runs each test case in its own process, which
// SystemC needs (one elaboration per process). main() comes from model/sc_entry.cpp.
#include <gtest/gtest.h>

#include <systemc>

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
