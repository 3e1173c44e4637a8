// SPDX-License-Identifier: Apache-2.0
#include "cli/asm_command.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "isa/assembler.h"

namespace serrano::cli {

namespace {

struct AsmFiles {
  std::string input;
  std::string output;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": cannot read file");
  return text;
}

// The bytes of a program file, refusing one larger than the largest program before reading it.
std::vector<std::uint8_t> read_program_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path + ": cannot read file");
  const std::streamoff size = in.tellg();
  if (size < 0) throw std::runtime_error(path + ": cannot read file");
  if (std::uint64_t(size) > isa::kMaxBinaryBytes) {
    throw std::runtime_error(
        fmt::format("{}: {} bytes, larger than the largest program ({} instructions, {} bytes)",
                    path, size, isa::kMaxInstructions, isa::kMaxBinaryBytes));
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw std::runtime_error(path + ": cannot read file");
  }
  return bytes;
}

void write_file(const std::string& path, const char* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path + ": cannot write file");
  out.write(data, std::streamsize(size));
  out.close();
  if (!out) throw std::runtime_error(path + ": cannot write file");
}

void run_asm(const AsmFiles& o) {
  const isa::Program program = isa::assemble(read_text(o.input), o.input);
  const std::vector<std::uint8_t> bytes = isa::write_binary(program);
  write_file(o.output, reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void run_disasm(const AsmFiles& o) {
  const isa::Program program = isa::read_binary(read_program_file(o.input), o.input);
  const std::string text = isa::disassemble(program);
  if (o.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  } else {
    write_file(o.output, text.data(), text.size());
  }
}

}  // namespace

void add_asm_commands(CLI::App& app, int& exit_code) {
  auto asm_opts = std::make_shared<AsmFiles>();
  CLI::App* as = app.add_subcommand(
      "asm", "Assemble a Serrano ISA v1 program (.sasm text) into a program file (.sbin)");
  as->add_option("input", asm_opts->input, "Assembly text (.sasm)")->required();
  as->add_option("-o,--output", asm_opts->output, "Program file to write (.sbin)")->required();
  as->callback([asm_opts, &exit_code] {
    run_asm(*asm_opts);
    exit_code = 0;
  });

  auto dis_opts = std::make_shared<AsmFiles>();
  CLI::App* dis = app.add_subcommand(
      "disasm", "Disassemble a program file (.sbin) into canonical assembly text");
  dis->add_option("input", dis_opts->input, "Program file (.sbin)")->required();
  dis->add_option("-o,--output", dis_opts->output,
                  "Assembly text to write (.sasm); standard output if not given");
  dis->callback([dis_opts, &exit_code] {
    run_disasm(*dis_opts);
    exit_code = 0;
  });
}

}  // namespace serrano::cli
