// SPDX-License-Identifier: Apache-2.0
//
// Serrano package: data widths, command encoding and fixed latencies shared by every RTL block.
// The C++ side mirrors these values in isa/array_cmd.h; tests/rtl/pkg_sync_test checks that both agree.
// The array shape (Rows, Cols) and memory depths are top-level parameters passed when Verilator
// compiles a build; they come from the architecture config (docs/config.md).

package serrano_pkg;

  // Element widths.
  parameter int DataW = 8;    // int8 activations and weights
  parameter int AccW  = 32;   // int32 partial sums, accumulators and bias
  parameter int ShiftW = 6;   // signed requant shift, range [-31, 31]

  // Command fields.
  parameter int CmdRowsW = 16;  // rows per command (K for preload, M for stream and requant)
  parameter int CmdAddrW = 32;  // row addresses

  // Fixed latencies (cycles). docs/array-timing.md derives every timing rule from these.
  parameter int SramReadLatency = 1;  // synchronous read: address in cycle t, data in t+1
  parameter int RequantStages   = 3;  // bias+shift, high multiply, divide+clamp

  // Dataflow of the matrix unit (the `Dataflow` parameter; array.dataflow in the config).
  parameter int DataflowWs = 0;  // weight-stationary: weights held in the PEs, sums flow down
  parameter int DataflowOs = 1;  // output-stationary: sums held in the PEs, weights flow down

  // Depth of the per-channel requant parameter memory (rows of Cols channels).
  parameter int QParamDepth = 256;

  typedef enum logic [1:0] {
    CmdPreload = 2'd0,  // shift a K x Cols weight tile into the idle weight buffer
    CmdStream  = 2'd1,  // stream M activation rows through the array into the accumulators
    CmdRequant = 2'd2   // requantize M accumulator rows to int8 and emit them
  } cmd_op_e;

endpackage
