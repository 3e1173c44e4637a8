// SPDX-License-Identifier: Apache-2.0
// `serrano run`: an ISA program on the whole-chip model, tensors in and out as .npy files.
#pragma once

#include <CLI/CLI.hpp>

namespace serrano::cli {

void add_run_command(CLI::App& app, int& exit_code);

}  // namespace serrano::cli
