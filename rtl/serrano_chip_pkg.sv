// SPDX-License-Identifier: Apache-2.0
//
// Whole-chip constants and the ISA v1 field layout (docs/isa.md): one 128-bit instruction is
// two 64-bit words, w0 then w1. The chip keeps instructions encoded in its queues and reads the
// fields where it needs them with the functions below. The harness checks every instruction
// (isa::validate and the chip's range checks) before a run, so nothing here re-validates.

package serrano_chip_pkg;

  parameter int QueueDepth  = 16;  // instructions per queue (docs/chip-timing.md, "Dispatch")
  parameter int DmaInFlight = 8;   // loads / stores in flight (docs/chip-timing.md, "Units")
  parameter int DmaTagW     = 3;   // $clog2(DmaInFlight)
  parameter int IdxW        = 24;  // instruction index: at most 2^24 instructions (docs/isa.md)
  parameter int CycleW      = 48;  // cycle counter
  parameter int TokW        = 32;  // token counters
  parameter int DramAddrW   = 40;
  parameter int DramStrideW = 24;
  parameter int RowAddrW    = 20;

  typedef enum logic [3:0] {
    OpSync    = 4'd0,
    OpLoad    = 4'd1,
    OpStore   = 4'd2,
    OpPreload = 4'd3,
    OpMatmul  = 4'd4,
    OpRequant = 4'd5,
    OpVec     = 4'd6,
    OpHalt    = 4'd15
  } opcode_e;

  typedef enum logic [1:0] {
    MemSp  = 2'd0,
    MemWb  = 2'd1,
    MemAcc = 2'd2,
    MemQp  = 2'd3
  } mem_e;

  // Token channels between neighbouring queues.
  typedef enum logic [1:0] {
    ChLoadToCompute  = 2'd0,
    ChComputeToLoad  = 2'd1,
    ChComputeToStore = 2'd2,
    ChStoreToCompute = 2'd3
  } channel_e;

  // An instruction as it waits in a queue: its index in the program and its two words.
  typedef struct packed {
    logic [IdxW-1:0] idx;
    logic [63:0]     w1;
    logic [63:0]     w0;
  } entry_t;

  // ---- w0 fields common to every instruction
  function automatic opcode_e op_of(logic [63:0] w0);
    return opcode_e'(w0[3:0]);
  endfunction
  function automatic logic pop_prev_of(logic [63:0] w0);
    return w0[4];
  endfunction
  function automatic logic pop_next_of(logic [63:0] w0);
    return w0[5];
  endfunction
  function automatic logic push_prev_of(logic [63:0] w0);
    return w0[6];
  endfunction
  function automatic logic push_next_of(logic [63:0] w0);
    return w0[7];
  endfunction
  function automatic logic [3:0] func_of(logic [63:0] w0);
    return w0[11:8];
  endfunction
  function automatic logic [RowAddrW-1:0] a_of(logic [63:0] w0);
    return w0[31:12];
  endfunction
  function automatic logic [15:0] rows_of(logic [63:0] w0);
    return w0[47:32];
  endfunction
  function automatic logic [15:0] b_of(logic [63:0] w0);
    return w0[63:48];
  endfunction

  // The queue an instruction runs in: 0 load, 1 compute, 2 store (sync: its func field).
  function automatic logic [1:0] queue_of(logic [63:0] w0);
    unique case (op_of(w0))
      OpSync:  return w0[9:8];
      OpLoad:  return 2'd0;
      OpStore: return 2'd2;
      default: return 2'd1;
    endcase
  endfunction

  // ---- w1 fields
  function automatic logic [DramAddrW-1:0] dram_addr_of(logic [63:0] w1);
    return w1[39:0];
  endfunction
  function automatic logic [DramStrideW-1:0] dram_stride_of(logic [63:0] w1);
    return w1[63:40];
  endfunction
  function automatic logic [RowAddrW-1:0] w1_row_of(logic [63:0] w1);  // matmul acc, requant sp
    return w1[19:0];
  endfunction
  function automatic logic [RowAddrW-1:0] src_b_of(logic [63:0] w1);  // vec operand b
    return w1[39:20];
  endfunction

endpackage
