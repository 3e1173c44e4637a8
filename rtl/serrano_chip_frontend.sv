// SPDX-License-Identifier: Apache-2.0
//
// Instruction memory, fetch and dispatch, and the three instruction queues (docs/chip-timing.md,
// "Dispatch"). Instructions are dispatched in program order, one per cycle, into the queue of
// their class; each queue holds QueueDepth instructions. An instruction dispatched in cycle d is
// at its queue's head from d + 1 at the earliest; an entry freed by a start in cycle s takes a
// new instruction from s + 1. halt (or the end of the program) stops dispatch.
//
// The instruction memory is synchronous and always reads the next pc, so the instruction at pc
// is ready in the fetch register each cycle. The harness fills it through imem_we_i before a run,
// with run_i low, and raises run_i for cycle 0.

module serrano_chip_frontend
  import serrano_chip_pkg::*;
#(
  parameter int ImemDepth = 1024,
  localparam int ImemAddrW = $clog2(ImemDepth),
  localparam int QCntW = $clog2(QueueDepth + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,

  input  logic                 imem_we_i,
  input  logic [ImemAddrW-1:0] imem_waddr_i,
  input  logic [127:0]         imem_wdata_i,
  input  logic [IdxW:0]        prog_len_i,
  input  logic                 run_i,

  output logic [2:0]           head_valid_o,
  output entry_t [2:0]         head_o,
  input  logic [2:0]           pop_i,

  output logic                 ev_dispatch_o,
  output logic [IdxW-1:0]      ev_dispatch_idx_o,
  output logic                 dispatch_done_o
);

  // ---------------------------------------------------------------- instruction memory
  logic [127:0]         imem_q [ImemDepth];
  logic [127:0]         fetch_q;
  logic [IdxW:0]        pc_q, pc_d;
  logic                 halted_q, halted_d;

  always_ff @(posedge clk_i) begin
    if (imem_we_i) begin
      imem_q[imem_waddr_i] <= imem_wdata_i;
    end
    fetch_q <= imem_q[pc_d[ImemAddrW-1:0]];
  end

  logic unused_pc_bits;
  assign unused_pc_bits = ^pc_d[IdxW:ImemAddrW];

  // ---------------------------------------------------------------- dispatch
  logic [63:0]           w0;
  logic [1:0]            q;
  logic                  is_halt, more, dispatch;
  logic [2:0][QCntW-1:0] count;
  logic [2:0]            push;

  assign w0       = fetch_q[63:0];
  assign q        = queue_of(w0);
  assign is_halt  = op_of(w0) == OpHalt;
  assign more     = run_i && !halted_q && (pc_q < prog_len_i);
  assign dispatch = more && (is_halt || (count[q] < QCntW'(QueueDepth)));

  always_comb begin
    pc_d     = pc_q;
    halted_d = halted_q;
    if (dispatch) begin
      pc_d = pc_q + 1'b1;
      if (is_halt) begin
        halted_d = 1'b1;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pc_q     <= '0;
      halted_q <= 1'b0;
    end else begin
      pc_q     <= pc_d;
      halted_q <= halted_d;
    end
  end

  assign ev_dispatch_o     = dispatch;
  assign ev_dispatch_idx_o = pc_q[IdxW-1:0];
  assign dispatch_done_o   = halted_q || (pc_q >= prog_len_i);

  // ---------------------------------------------------------------- queues
  for (genvar i = 0; i < 3; i++) begin : g_queue
    assign push[i] = dispatch && !is_halt && (q == 2'(i));

    serrano_fifo #(
      .Width ($bits(entry_t)),
      .Depth (QueueDepth)
    ) u_queue (
      .clk_i,
      .rst_ni,
      .push_i  (push[i]),
      .wdata_i ({pc_q[IdxW-1:0], fetch_q}),
      .pop_i   (pop_i[i]),
      .head_o  (head_o[i]),
      .count_o (count[i])
    );

    assign head_valid_o[i] = count[i] != '0;
  end

endmodule
