// SPDX-License-Identifier: Apache-2.0
// The workload options that `serrano layer` and `serrano compare` share: --phase and --layers.
// Errors are arch::ConfigError "<command>: <option>: <message>".
#pragma once

#include <string>

#include "workloads/layer_ops.h"
#include "workloads/model_desc.h"

namespace serrano::cli {

// "prefill" or "decode".
workloads::Phase parse_phase(const std::string& command, const std::string& text);

// A number, or "all" for every layer of `m` (the range is checked by run_layer).
int parse_layers(const std::string& command, const std::string& text, const workloads::ModelDesc& m);

}  // namespace serrano::cli
