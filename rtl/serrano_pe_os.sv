// SPDX-License-Identifier: Apache-2.0
//
// One processing element of the output-stationary array (docs/array-timing.md, section 5).
//
// The PE keeps one output element: activations arrive from the left and weights from above, one
// k step per cycle, and the PE accumulates their products in place (the first step of a chunk
// overwrites the sum). The step tagged `last` leaves the finished sum in the output register.
// Output registers of a column form a shift chain that drains the finished sums downwards: a
// drain token travels down the column with the weights, and every PE below the token moves the
// sum of the PE above into its own output register. A PE loads its output register when its last
// step or the token reaches it (the token arrives when the next chunk's last step would). The
// PE knows a token is above it from `start_i`, broadcast to the column one cycle before the
// token enters the column's top PE; it keeps that in drain_q until the token reaches it.

module serrano_pe_os
  import serrano_pkg::*;
(
  input  logic                    clk_i,
  input  logic                    rst_ni,

  // Activation from the left neighbour, tagged with the first and last k step of the chunk.
  input  logic signed [DataW-1:0] act_i,
  input  logic                    first_i,
  input  logic                    last_i,
  output logic signed [DataW-1:0] act_o,
  output logic                    first_o,
  output logic                    last_o,

  // Weight and drain token from the PE above.
  input  logic signed [DataW-1:0] wgt_i,
  input  logic                    tok_i,
  output logic signed [DataW-1:0] wgt_o,
  output logic                    tok_o,

  // Drain chain: start_i announces a token (column broadcast); out_i is the output register of
  // the PE above.
  input  logic                    start_i,
  input  logic signed [AccW-1:0]  out_i,
  output logic signed [AccW-1:0]  out_o
);

  logic signed [DataW-1:0]   act_q, wgt_q;
  logic                      first_q, last_q, tok_q, drain_q;
  logic signed [AccW-1:0]    acc_q, acc_d, out_q;
  logic signed [2*DataW-1:0] product;

  assign product = act_i * wgt_i;
  assign acc_d   = first_i ? AccW'(product) : acc_q + AccW'(product);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_q   <= '0;
      first_q <= 1'b0;
      last_q  <= 1'b0;
      wgt_q   <= '0;
      tok_q   <= 1'b0;
      drain_q <= 1'b0;
      acc_q   <= '0;
      out_q   <= '0;
    end else begin
      act_q   <= act_i;
      first_q <= first_i;
      last_q  <= last_i;
      wgt_q   <= wgt_i;
      tok_q   <= tok_i;
      acc_q   <= acc_d;
      drain_q <= start_i || (drain_q && !tok_i);
      if (last_i || tok_i) begin
        out_q <= acc_d;
      end else if (drain_q) begin
        out_q <= out_i;
      end
    end
  end

  assign act_o   = act_q;
  assign first_o = first_q;
  assign last_o  = last_q;
  assign wgt_o   = wgt_q;
  assign tok_o   = tok_q;
  assign out_o   = out_q;

endmodule
