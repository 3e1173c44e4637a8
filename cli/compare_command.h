// SPDX-License-Identifier: Apache-2.0
// `serrano compare`: a transformer workload on a Serrano chip against GPU baselines, in time and
// energy (docs/compare.md).
#pragma once

#include <CLI/CLI.hpp>

namespace serrano::cli {

// Registers the subcommand; its callback sets `exit_code`.
void add_compare_command(CLI::App& app, int& exit_code);

}  // namespace serrano::cli
