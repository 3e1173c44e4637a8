// SPDX-License-Identifier: Apache-2.0
// The constrained-random program generator of `serrano verify` (docs/verification.md).
//
// A program mixes DMA loads into all four memories, stores of the scratchpad and accumulators,
// preloads, matmuls, requants, the six vector ops and syncs, with random shapes within the chip,
// choices biased toward edges (row 0 and the last rows of each memory, rows=1, whole memories, full
// and partial rows, bank-aligned rows, rows reused by the other queues, DRAM ends, strides of 0 and
// below the row size) and random dependency tokens. Every pop takes a token that an earlier
// instruction pushed, and every hazard between queues (RAW, WAR, WAW on on-chip rows and DRAM
// bytes) is ordered by tokens in program order, so the program cannot deadlock and its result is
// that of in-order execution (hazards.h checks it independently).
//
// Each campaign also runs the GEMM programs of workloads/gemm_program.h on random small shapes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "isa/instruction.h"

namespace serrano::verify {

struct GenOptions {
  std::uint32_t min_instructions = 8;   // random programs: instructions before the halt
  std::uint32_t max_instructions = 96;  // (syncs the token discipline adds count too)
  // Relative weights of the instruction kinds.
  unsigned w_load = 26, w_store = 12, w_preload = 8, w_matmul = 14, w_requant = 8, w_vec = 14,
           w_sync = 4, w_burst = 2;
  unsigned token_percent = 20;       // chance of each extra (not hazard-driven) push or pop
  unsigned max_pending = 8;          // extra pushes only while fewer tokens wait on the channel
  unsigned typical_rows = 24;        // most row counts are at most this (edges aside)
  std::uint64_t dram_bytes = 16384;  // DRAM of a random program
  unsigned gemm_every = 8;           // program k is a GEMM when k % gemm_every == gemm_every - 1
  // Most store-queue instructions in a random program (0: no limit, the default). At most 16 means
  // the store queue is never full. Until the model's store DMA reported its start before reading
  // its rows, a dispatch that waited for a full store queue was stamped in the past
  // (docs/verification.md, "Known gaps"); the knob stays for campaigns against such a model.
  unsigned store_queue_limit = 0;
  // Syncs in the load queue (random ones, and ones that drain extra compute->load tokens), and
  // extra compute->load pushes. On by default; off for a model that completes a load-queue sync
  // before the loads ahead of it (the chip model did until 309e4d6).
  bool load_queue_syncs = true;
};

struct TestProgram {
  std::string kind;                    // "random" or "gemm MxKxN slots=S"
  std::uint64_t seed = 0;              // regenerates it: generate_program(cfg, kind, seed)
  std::vector<isa::Instruction> code;  // ends with halt
  std::vector<std::uint8_t> dram;      // the initial DRAM image; its size is the DRAM size
};

// A random program for the chip from `seed`; the same seed gives the same program everywhere.
TestProgram random_program(const arch::ArchConfig& cfg, std::uint64_t seed,
                           const GenOptions& options = {});

// A GEMM of a random small shape (at most three tiles a dimension), its operands in DRAM.
TestProgram gemm_test_program(const arch::ArchConfig& cfg, std::uint64_t seed);

// Program `index` of a campaign with `seed`: a GEMM every options.gemm_every programs, otherwise
// random.
TestProgram campaign_program(const arch::ArchConfig& cfg, std::uint64_t seed, std::uint64_t index,
                             const GenOptions& options = {});

}  // namespace serrano::verify
