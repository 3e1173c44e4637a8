// SPDX-License-Identifier: Apache-2.0
// `serrano asm` and `serrano disasm`: Serrano ISA v1 programs between the text form (.sasm) and the
// program file (.sbin), as docs/isa.md specifies them.
#pragma once

#include <CLI/CLI.hpp>

namespace serrano::cli {

// Registers both subcommands; their callbacks set `exit_code` (errors are thrown).
void add_asm_commands(CLI::App& app, int& exit_code);

}  // namespace serrano::cli
