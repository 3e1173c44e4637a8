// SPDX-License-Identifier: Apache-2.0
//
// One processing element of the weight-stationary array.
//
// Each PE holds two weights (a double buffer). An activation travels left to right together with
// the index of the buffer it must be multiplied with, so a new weight tile can be shifted into the
// idle buffer while the previous tile's activations are still in flight. Partial sums travel top
// to bottom. Weights shift top to bottom during a preload.

module serrano_pe
  import serrano_pkg::*;
(
  input  logic                    clk_i,
  input  logic                    rst_ni,

  // Activation from the left neighbour and the weight buffer it uses.
  input  logic signed [DataW-1:0] act_i,
  input  logic                    act_buf_i,
  output logic signed [DataW-1:0] act_o,
  output logic                    act_buf_o,

  // Partial sum from the PE above.
  input  logic signed [AccW-1:0]  psum_i,
  output logic signed [AccW-1:0]  psum_o,

  // Weight preload: when wgt_shift_i is set, buffer wgt_buf_i takes wgt_i (from the PE above)
  // and passes its old value down through wgt_o.
  input  logic                    wgt_shift_i,
  input  logic                    wgt_buf_i,
  input  logic signed [DataW-1:0] wgt_i,
  output logic signed [DataW-1:0] wgt_o
);

  logic signed [DataW-1:0]   wgt_q [2];
  logic signed [DataW-1:0]   act_q;
  logic                      act_buf_q;
  logic signed [AccW-1:0]    psum_q;
  logic signed [2*DataW-1:0] product;

`ifdef SERRANO_BUG_PE
  // Injected bug (tests/crosscheck): an activation of -128 is treated as -127.
  logic signed [DataW-1:0] act_bug;
  assign act_bug = (act_i == -8'sd128) ? -8'sd127 : act_i;
  assign product = act_bug * wgt_q[act_buf_i];
`else
  assign product = act_i * wgt_q[act_buf_i];
`endif

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wgt_q[0]  <= '0;
      wgt_q[1]  <= '0;
      act_q     <= '0;
      act_buf_q <= 1'b0;
      psum_q    <= '0;
    end else begin
      act_q     <= act_i;
      act_buf_q <= act_buf_i;
      psum_q    <= psum_i + AccW'(product);
      if (wgt_shift_i) begin
        wgt_q[wgt_buf_i] <= wgt_i;
      end
    end
  end

  assign act_o     = act_q;
  assign act_buf_o = act_buf_q;
  assign psum_o    = psum_q;
  assign wgt_o     = wgt_q[wgt_buf_i];

endmodule
