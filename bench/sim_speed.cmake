# SPDX-License-Identifier: Apache-2.0
# Simulator speed: the verilated RTL against the SystemC model (functional and timing-only) on the
# same GEMM programs; included from bench/CMakeLists.txt. Not a Google Benchmark: SystemC allows
# one elaboration per process, so the bench builds all its models up front and times runs itself.
# Run it from a Release build (docs/performance.md):  ./build/bench/sim_speed_bench --json perf.json
add_executable(sim_speed_bench ${CMAKE_CURRENT_LIST_DIR}/sim_speed_bench.cpp)
target_link_libraries(sim_speed_bench PRIVATE
  serrano_workloads serrano_rtl_models serrano_model serrano_arch serrano_sc_entry
  fmt::fmt nlohmann_json::nlohmann_json serrano_warnings)
target_compile_definitions(sim_speed_bench PRIVATE SERRANO_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# Smoke test: one small GEMM per config. It proves the bench runs and that the simulators it times
# agree (cycles and data); it asserts nothing about speed.
add_test(NAME bench.sim_speed_smoke COMMAND sim_speed_bench --quick)
set_tests_properties(bench.sim_speed_smoke PROPERTIES LABELS bench)
