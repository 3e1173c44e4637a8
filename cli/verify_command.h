// SPDX-License-Identifier: Apache-2.0
// `serrano verify`: the program campaign, chip RTL (or the in-order interpreter) against the
// SystemC model on constrained-random and GEMM programs (docs/verification.md).
#pragma once

#include <CLI/CLI.hpp>

namespace serrano::cli {

void add_verify_command(CLI::App& app, int& exit_code);

}  // namespace serrano::cli
