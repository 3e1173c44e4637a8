// SPDX-License-Identifier: Apache-2.0
//
// The vector unit: the six element-wise ops of ISA v1 over accumulator rows (Cols int32) or
// scratchpad rows (SpBytes int8). A vec started in cycle t completes in
// c = t + 2 + rows x P, with P = ceil(elements / Lanes) cycles a row (docs/chip-timing.md,
// "Units"); it is busy (busy_o) in t+1 .. c-1. Row r reads operand a in t+1+rP, operand b in
// t+2+rP and writes the result in t+3+rP; with P = 2 that write shares its cycle with the read
// of the next row's a, which then takes the written data (forwarding), so rows behave as if done
// one after the other. The whole row is computed in its write cycle; Lanes sets the row time.
// Requires P >= 2 (one read port per bank: a and b of one row are read in different cycles).
//
// hold_o tells the DMA engines that the unit holds every bank of its memory: from t + 1, or from
// t when the op had to wait for the matrix unit (started_waiting_i), until c - 1.

module serrano_vector_unit
  import serrano_pkg::*;
  import serrano_chip_pkg::*;
#(
  parameter int Cols    = 4,
  parameter int SpBytes = 4,
  parameter int Lanes   = 2,
  localparam int PAcc   = (Cols + Lanes - 1) / Lanes,
  localparam int PSp    = (SpBytes + Lanes - 1) / Lanes
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,

  input  logic                        start_i,
  input  logic                        started_waiting_i,
  input  logic [63:0]                 w0_i,
  input  logic [63:0]                 w1_i,
  output logic                        busy_o,
  output logic                        hold_sp_o,
  output logic                        hold_acc_o,

  output logic                        sp_re_o,
  output logic                        sp_we_o,
  output logic                        acc_re_o,
  output logic                        acc_we_o,
  output logic [CmdAddrW-1:0]         raddr_o,
  output logic [CmdAddrW-1:0]         waddr_o,
  input  logic [SpBytes*8-1:0]        sp_rdata_i,
  input  logic [Cols*32-1:0]          acc_rdata_i,
  output logic [SpBytes*8-1:0]        sp_wdata_o,
  output logic [Cols*32-1:0]          acc_wdata_o
);

  localparam int VecOpAddAcc = 0;
  localparam int VecOpMaxAcc = 1;
  localparam int VecOpAddSp  = 3;
  localparam int VecOpMaxSp  = 4;
  localparam int VecOpReluSp = 5;
  localparam int RowW = (Cols * 32 > SpBytes * 8) ? Cols * 32 : SpBytes * 8;

  logic [2:0]          op_q;
  logic                on_acc_q, two_q;
  logic [RowAddrW-1:0] dst_q, a_q, b_q;
  logic [15:0]         rows_q, r_q, wr_r_q;
  logic [7:0]          imm_q;
  logic [3:0]          ph_q;
  logic [3:0]          plast_q;  // P - 1
  logic [31:0]         left_q;
  logic                wr_pend_q, fwd_q;
  logic [RowW-1:0]     opa_q, fwd_data_q;

  logic [2:0] start_op;
  logic       start_acc;
  assign start_op  = w0_i[10:8];
  assign start_acc = start_op <= 3'd2;

  // ---------------------------------------------------------------- schedule
  logic            active, rd_a, rd_b, wr;
  logic [RowW-1:0] rdata, wdata, opa;

  assign active = left_q != '0;
  assign rd_a   = active && (r_q < rows_q) && (ph_q == 4'd0);
  assign rd_b   = active && (r_q < rows_q) && (ph_q == 4'd1) && two_q;
  assign wr     = wr_pend_q;
  assign rdata  = on_acc_q ? RowW'(acc_rdata_i) : RowW'(sp_rdata_i);

  assign raddr_o  = (rd_b ? CmdAddrW'(b_q) : CmdAddrW'(a_q)) + CmdAddrW'(r_q);
  assign waddr_o  = CmdAddrW'(dst_q) + CmdAddrW'(wr_r_q);
  assign acc_re_o = on_acc_q && (rd_a || rd_b);
  assign sp_re_o  = !on_acc_q && (rd_a || rd_b);
  assign acc_we_o = on_acc_q && wr;
  assign sp_we_o  = !on_acc_q && wr;

  // Operand a of the row whose a data arrives now (ph 1); operand b is the read data in the
  // write cycle.
  assign opa = fwd_q ? fwd_data_q : rdata;

  // ---------------------------------------------------------------- the ALU
  always_comb begin
    logic signed [31:0] x, y;
    logic signed [8:0]  s;
    wdata = '0;
    if (on_acc_q) begin
      for (int e = 0; e < Cols; e++) begin
        x = opa_q[e*32 +: 32];
        y = rdata[e*32 +: 32];
        unique case (32'(op_q))
          VecOpAddAcc: wdata[e*32 +: 32] = x + y;
          VecOpMaxAcc: wdata[e*32 +: 32] = (x > y) ? x : y;
          default:     wdata[e*32 +: 32] = (x > 0) ? x : '0;
        endcase
      end
    end else begin
      for (int e = 0; e < SpBytes; e++) begin
        x = 32'(signed'(opa_q[e*8 +: 8]));
        y = 32'(signed'(rdata[e*8 +: 8]));
        s = 9'(x + y);
        unique case (32'(op_q))
          VecOpAddSp:  wdata[e*8 +: 8] = (s > 9'sd127) ? 8'h7f : (s < -9'sd128) ? 8'h80 : s[7:0];
          VecOpMaxSp:  wdata[e*8 +: 8] = (x > y) ? x[7:0] : y[7:0];
          VecOpReluSp: wdata[e*8 +: 8] = (x > 32'(signed'(imm_q))) ? x[7:0] : imm_q;
          default:     wdata[e*8 +: 8] = x[7:0];
        endcase
      end
    end
  end

  assign acc_wdata_o = wdata[Cols*32-1:0];
  assign sp_wdata_o  = wdata[SpBytes*8-1:0];

  // ---------------------------------------------------------------- state
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      op_q       <= '0;
      on_acc_q   <= 1'b0;
      two_q      <= 1'b0;
      dst_q      <= '0;
      a_q        <= '0;
      b_q        <= '0;
      rows_q     <= '0;
      imm_q      <= '0;
      r_q        <= '0;
      wr_r_q     <= '0;
      ph_q       <= '0;
      plast_q    <= '0;
      left_q     <= '0;
      wr_pend_q  <= 1'b0;
      fwd_q      <= 1'b0;
      fwd_data_q <= '0;
      opa_q      <= '0;
    end else if (start_i) begin
      op_q      <= start_op;
      on_acc_q  <= start_acc;
      two_q     <= (start_op != 3'd2) && (start_op != 3'd5);
      dst_q     <= a_of(w0_i);
      a_q       <= w1_row_of(w1_i);
      b_q       <= src_b_of(w1_i);
      rows_q    <= rows_of(w0_i);
      imm_q     <= w0_i[55:48];
      r_q       <= '0;
      ph_q      <= '0;
      plast_q   <= start_acc ? 4'(PAcc - 1) : 4'(PSp - 1);
      left_q    <= 32'(rows_of(w0_i)) * (start_acc ? 32'(PAcc) : 32'(PSp)) + 32'd1;
      wr_pend_q <= 1'b0;
      fwd_q     <= 1'b0;
    end else if (active) begin
      left_q    <= left_q - 32'd1;
      wr_pend_q <= active && (ph_q == 4'd1) && (r_q < rows_q);
      if (ph_q == 4'd1) begin
        opa_q  <= opa;
        wr_r_q <= r_q;
      end
      fwd_q      <= rd_a && wr && (raddr_o == waddr_o);
      fwd_data_q <= wdata;
      if (ph_q == plast_q) begin
        ph_q <= '0;
        r_q  <= r_q + 16'd1;
      end else begin
        ph_q <= ph_q + 4'd1;
      end
    end else begin
      wr_pend_q <= 1'b0;
    end
  end

  logic hold;
  assign hold       = active || (start_i && started_waiting_i);
  assign hold_acc_o = hold && (start_i ? start_acc : on_acc_q);
  assign hold_sp_o  = hold && !(start_i ? start_acc : on_acc_q);
  assign busy_o     = active;

  logic unused;
  assign unused = ^{w0_i[63:56], w1_i[63:40]};

endmodule
