# SPDX-License-Identifier: Apache-2.0
# Benchmark of the model's int8 matrix kernel; included from bench/CMakeLists.txt.
add_executable(kernel_bench ${CMAKE_CURRENT_LIST_DIR}/kernel_bench.cpp)
target_link_libraries(kernel_bench PRIVATE serrano_kernels serrano_warnings benchmark::benchmark)
