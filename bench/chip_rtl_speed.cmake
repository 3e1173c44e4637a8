# SPDX-License-Identifier: Apache-2.0
# Verilated whole-chip RTL vs the chip model on the same programs (docs/performance.md); included
# from bench/CMakeLists.txt.
add_executable(chip_rtl_speed_bench ${CMAKE_CURRENT_LIST_DIR}/chip_rtl_speed_bench.cpp)
target_link_libraries(chip_rtl_speed_bench PRIVATE
  serrano_rtl_chip serrano_workloads serrano_model serrano_arch serrano_sc_entry serrano_warnings)
target_compile_definitions(chip_rtl_speed_bench PRIVATE SERRANO_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# Smoke test: it runs, and RTL and model agree in cycles and data; no speed asserted.
add_test(NAME bench.chip_rtl_speed_smoke COMMAND chip_rtl_speed_bench --quick)
set_tests_properties(bench.chip_rtl_speed_smoke PROPERTIES LABELS bench
  ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
