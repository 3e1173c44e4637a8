// SPDX-License-Identifier: Apache-2.0
// `serrano layer`: one quantized transformer layer (or a stack of them) compiled to the chip and
// run on the SystemC model, with a per-kernel report (docs/layers.md).
#pragma once

#include <CLI/CLI.hpp>

namespace serrano::cli {

// Registers the subcommand; its callback sets `exit_code`.
void add_layer_command(CLI::App& app, int& exit_code);

}  // namespace serrano::cli
