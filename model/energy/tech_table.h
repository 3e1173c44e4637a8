// SPDX-License-Identifier: Apache-2.0
// A technology table: the energy of every action the chip performs, static power and area per
// component at one process node, read from a data file (configs/tech/<name>.yaml) in which every
// entry cites its source. docs/energy.md describes the keys, their sources and the conventions.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "arch/arch_config.h"

namespace serrano::energy {

// One number of the table and where it comes from.
struct Entry {
  double value = 0.0;
  std::string source;
};

// SRAM energy per byte as a function of the size of one bank: linear in log2(size) between the
// points, the first point's value below the smallest size, the last segment extended above the
// largest (never below zero).
struct SramCurve {
  struct Point {
    double kib = 0.0;  // bank size, KiB
    double pj = 0.0;   // pJ per byte
  };
  std::string source;
  std::vector<Point> points;  // kib strictly increasing, at least one

  double pj_per_byte(double bank_bytes) const;
};

// Another scaling convention the report prices the same run with (e.g. the TPUv4i 7 nm table):
// every logic energy times logic_factor, every SRAM access on `sram` instead of the table's
// read and write curves; DRAM and static power unchanged.
struct Sensitivity {
  std::string name;
  std::string source;
  Entry logic_factor;
  SramCurve sram;
};

struct TechTable {
  std::string name;        // e.g. "7nm"; the name an ArchConfig's `technology` gives
  int node_nm = 0;         // feature size
  std::string convention;  // how the table was made (base values, scaling convention)

  // Present in a table derived from another (scaling.base): the factors its entries follow.
  bool scaled = false;
  std::string scaling_base;
  Entry energy_factor, area_factor;

  // Energies, pJ.
  Entry mac_int8_pj;                // one int8 x int8 multiply + int32 add in a PE
  Entry pe_register_pj_per_bit;     // a PE pipeline register bit written
  Entry acc_add_pj;                 // an int32 add into the accumulator memory (matmul accumulate)
  Entry requant_pj;                 // one int32 -> int8 requantization (per element)
  Entry vector_int32_op_pj;         // one vector-unit element op on int32 (vadd/vmax/vrelu.acc)
  Entry vector_int8_op_pj;          // one vector-unit element op on int8 (vadd/vmax/vrelu.sp)
  Entry dma_pj_per_byte;            // a byte through a DMA engine
  Entry instruction_pj;             // one instruction fetched and decoded
  SramCurve sram_read, sram_write;  // pJ per byte by bank size
  Entry dram_pj_per_bit[4];         // indexed by arch::DramKind
  Entry static_mw_per_mm2;          // leakage power density

  // Areas, mm^2.
  Entry sram_mm2_per_mib, pe_mm2, vector_lane_mm2, requant_lane_mm2, controller_mm2;

  std::vector<Sensitivity> sensitivity;

  const Entry& dram(arch::DramKind kind) const { return dram_pj_per_bit[int(kind)]; }
  // Every sourced item as (dotted key, source), in file order: entries, curves, sensitivities.
  std::vector<std::pair<std::string, std::string>> sources() const;
};

// Parses and checks a table. Throws arch::ConfigError "<source>: <field>: <message>" (one line)
// for malformed YAML, unknown or missing keys, a negative or non-numeric value, a missing or empty
// source, SRAM points out of order.
TechTable parse_tech_yaml(const std::string& text, const std::string& source = "<string>");
TechTable load_tech_file(const std::string& path);

// The folder of the built-in tables: $SERRANO_TECH_DIR if set, else configs/tech of the source
// tree. builtin_techs() lists the names found there (sorted).
std::string tech_dir();
std::vector<std::string> builtin_techs();

// A built-in table by name ("7nm"), or a file when the argument holds a '/' or ends in ".yaml".
// An unknown name throws ConfigError "tech: <name>: unknown technology table; known: ...". A
// built-in table must be named like its file.
TechTable find_tech(const std::string& name_or_path);

}  // namespace serrano::energy
