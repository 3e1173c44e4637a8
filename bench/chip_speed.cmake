# SPDX-License-Identifier: Apache-2.0
# Whole-chip model speed on serrano-base (docs/performance.md); included from bench/CMakeLists.txt.
add_executable(chip_speed_bench ${CMAKE_CURRENT_LIST_DIR}/chip_speed_bench.cpp)
target_link_libraries(chip_speed_bench PRIVATE
  serrano_workloads serrano_model serrano_arch serrano_sc_entry serrano_warnings)
target_compile_definitions(chip_speed_bench PRIVATE SERRANO_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# Smoke test: it runs and its functional result equals the golden library; no speed asserted.
add_test(NAME bench.chip_speed_smoke COMMAND chip_speed_bench --quick)
set_tests_properties(bench.chip_speed_smoke PROPERTIES LABELS bench)
