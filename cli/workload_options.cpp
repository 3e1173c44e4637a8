// SPDX-License-Identifier: Apache-2.0
#include "cli/workload_options.h"

#include <fmt/format.h>

#include <stdexcept>

#include "arch/arch_config.h"

namespace serrano::cli {

workloads::Phase parse_phase(const std::string& command, const std::string& text) {
  if (text == "prefill") return workloads::Phase::Prefill;
  if (text == "decode") return workloads::Phase::Decode;
  throw arch::ConfigError(command, "phase", fmt::format("must be prefill or decode, got {}", text));
}

int parse_layers(const std::string& command, const std::string& text,
                 const workloads::ModelDesc& m) {
  if (text == "all") return m.layers;
  try {
    std::size_t used = 0;
    const int n = std::stoi(text, &used);
    if (used == text.size()) return n;
  } catch (const std::exception&) {
  }
  throw arch::ConfigError(command, "layers", fmt::format("must be a number or all, got {}", text));
}

}  // namespace serrano::cli
