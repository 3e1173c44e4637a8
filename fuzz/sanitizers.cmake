# SPDX-License-Identifier: Apache-2.0
# Included by the top CMakeLists.txt before any target when SERRANO_FUZZ is ON: every library a
# fuzzer links is compiled with libFuzzer's coverage hooks and with ASan and UBSan, so a bug deep in
# a parser is caught where it happens. UBSan does not recover: a report ends the run, as libFuzzer
# needs to see a finding. The fuzz executables add -fsanitize=fuzzer (libFuzzer's main) themselves.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "SERRANO_FUZZ needs clang (libFuzzer): configure with CXX=clang++")
endif()
set(SERRANO_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=undefined)
add_compile_options(-fsanitize=fuzzer-no-link ${SERRANO_SANITIZERS} -fno-omit-frame-pointer)
add_link_options(${SERRANO_SANITIZERS})
