// SPDX-License-Identifier: Apache-2.0
// `serrano sweep`: design-space sweeps (docs/sweep.md), and `serrano sweep merge`.
#pragma once

#include <CLI/CLI.hpp>

namespace serrano::cli {

// Registers the subcommand; its callback sets `exit_code`.
void add_sweep_command(CLI::App& app, int& exit_code);

}  // namespace serrano::cli
