// SPDX-License-Identifier: Apache-2.0
//
// Per-output-channel requantization parameters: Depth rows of Lanes channels, each channel a
// (bias, multiplier, shift) triple. Written one channel at a time, read one row at a time
// (synchronous read, data one cycle after the address).

module serrano_qparam_mem
  import serrano_pkg::*;
#(
  parameter int Lanes = 4,
  parameter int Depth = QParamDepth,
  localparam int AddrW = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int LaneW = (Lanes > 1) ? $clog2(Lanes) : 1
) (
  input  logic                         clk_i,

  input  logic                         we_i,
  input  logic [AddrW-1:0]             waddr_i,
  input  logic [LaneW-1:0]             wlane_i,
  input  logic [AccW-1:0]              wbias_i,
  input  logic [AccW-1:0]              wmult_i,
  input  logic [ShiftW-1:0]            wshift_i,

  input  logic                         re_i,
  input  logic [AddrW-1:0]             raddr_i,
  output logic [Lanes-1:0][AccW-1:0]   bias_o,
  output logic [Lanes-1:0][AccW-1:0]   mult_o,
  output logic [Lanes-1:0][ShiftW-1:0] shift_o
);

  logic [Lanes-1:0][AccW-1:0]   bias_q  [Depth];
  logic [Lanes-1:0][AccW-1:0]   mult_q  [Depth];
  logic [Lanes-1:0][ShiftW-1:0] shift_q [Depth];
  logic [Lanes-1:0][AccW-1:0]   bias_rd_q, mult_rd_q;
  logic [Lanes-1:0][ShiftW-1:0] shift_rd_q;

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      bias_q[waddr_i][wlane_i]  <= wbias_i;
      mult_q[waddr_i][wlane_i]  <= wmult_i;
      shift_q[waddr_i][wlane_i] <= wshift_i;
    end
    if (re_i) begin
      bias_rd_q  <= bias_q[raddr_i];
      mult_rd_q  <= mult_q[raddr_i];
      shift_rd_q <= shift_q[raddr_i];
    end
  end

  assign bias_o  = bias_rd_q;
  assign mult_o  = mult_rd_q;
  assign shift_o = shift_rd_q;

endmodule
