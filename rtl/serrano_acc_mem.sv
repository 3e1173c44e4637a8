// SPDX-License-Identifier: Apache-2.0
//
// Accumulator memory: rows of Lanes int32 values. The write port either overwrites a row or adds
// to it (read-modify-write within the cycle, so back-to-back accumulations into the same row need
// no forwarding). The read port is synchronous (data one cycle after the address); a read and a
// write of the same row in the same cycle return the old data.

module serrano_acc_mem
  import serrano_pkg::*;
#(
  parameter int Lanes = 4,
  parameter int Depth = 64,
  localparam int AddrW = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic                        clk_i,

  input  logic                        we_i,
  input  logic                        accumulate_i,
  input  logic [AddrW-1:0]            waddr_i,
  input  logic [Lanes-1:0][AccW-1:0]  wdata_i,

  input  logic                        re_i,
  input  logic [AddrW-1:0]            raddr_i,
  output logic [Lanes-1:0][AccW-1:0]  rdata_o
);

  logic [Lanes-1:0][AccW-1:0] mem_q [Depth];
  logic [Lanes-1:0][AccW-1:0] rdata_q;
  logic [Lanes-1:0][AccW-1:0] sum;

  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    assign sum[l] = accumulate_i ? (mem_q[waddr_i][l] + wdata_i[l]) : wdata_i[l];
  end

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      mem_q[waddr_i] <= sum;
    end
    if (re_i) begin
      rdata_q <= mem_q[raddr_i];
    end
  end

  assign rdata_o = rdata_q;

endmodule
