// SPDX-License-Identifier: Apache-2.0
// `serrano gemm`: one int8 GEMM on a chip config, through the SystemC model (and the verilated RTL
// with --rtl), checked against the golden library.
#pragma once

#include <CLI/CLI.hpp>

namespace serrano::cli {

// Registers the subcommand; its callback sets `exit_code`.
void add_gemm_command(CLI::App& app, int& exit_code);

}  // namespace serrano::cli
