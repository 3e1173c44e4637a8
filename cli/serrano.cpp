// SPDX-License-Identifier: Apache-2.0
// The `serrano` command line. Every user error ends as one line on stderr,
// "serrano: error: <what>", and a non-zero exit status: 2 for bad input, 1 for a failed check.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <systemc>

#include "cli/asm_command.h"
#include "cli/compare_command.h"
#include "cli/gemm_command.h"
#include "cli/layer_command.h"
#include "cli/run_command.h"
#include "cli/sweep_command.h"
#include "cli/verify_command.h"

int sc_main(int argc, char** argv) {
  CLI::App app{"Serrano: an open design kit for an int8 inference accelerator"};
  app.require_subcommand(1);
  int exit_code = 0;
  serrano::cli::add_gemm_command(app, exit_code);
  serrano::cli::add_layer_command(app, exit_code);
  serrano::cli::add_compare_command(app, exit_code);
  serrano::cli::add_sweep_command(app, exit_code);
  serrano::cli::add_asm_commands(app, exit_code);
  serrano::cli::add_run_command(app, exit_code);
  serrano::cli::add_verify_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "serrano: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serrano: error: %s\n", e.what());
    return 2;
  }
  return exit_code;
}
