// SPDX-License-Identifier: Apache-2.0
//
// Rows x Cols grid of serrano_pe_os. Activations enter at the left edge (row r one cycle behind
// row r-1, one k step per cycle), weights and drain tokens at the top edge (column c delayed c
// cycles); finished sums leave at the bottom edge through the drain chain, bottom row first.

module serrano_systolic_array_os
  import serrano_pkg::*;
#(
  parameter int Rows = 4,
  parameter int Cols = 4
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,

  input  logic [Rows-1:0][DataW-1:0]  act_i,    // left edge, one lane per row
  input  logic [Rows-1:0]             first_i,
  input  logic [Rows-1:0]             last_i,

  input  logic [Cols-1:0][DataW-1:0]  wgt_i,    // top edge, one lane per column
  input  logic [Cols-1:0]             tok_i,
  input  logic [Cols-1:0]             start_i,  // a token enters column c in the next cycle

  output logic [Cols-1:0][AccW-1:0]   out_o     // bottom edge: output register of row Rows-1
);

  // Index [r][c] is the input of PE (r, c); the extra last column/row are the links leaving the
  // grid.
  logic signed [DataW-1:0] act_h   [Rows][Cols+1];
  logic                    first_h [Rows][Cols+1];
  logic                    last_h  [Rows][Cols+1];
  logic signed [DataW-1:0] wgt_v   [Rows+1][Cols];
  logic                    tok_v   [Rows+1][Cols];
  logic signed [AccW-1:0]  out_v   [Rows+1][Cols];

  for (genvar r = 0; r < Rows; r++) begin : g_left
    assign act_h[r][0]   = act_i[r];
    assign first_h[r][0] = first_i[r];
    assign last_h[r][0]  = last_i[r];
  end

  for (genvar c = 0; c < Cols; c++) begin : g_top
    assign wgt_v[0][c]   = wgt_i[c];
    assign tok_v[0][c]   = tok_i[c];
    assign out_v[0][c]   = '0;
    assign out_o[c]      = out_v[Rows][c];
  end

  // Links that leave the grid on the right and at the bottom are not used.
  logic unused_edges;
  always_comb begin
    unused_edges = 1'b0;
    for (int r = 0; r < Rows; r++) begin
      unused_edges ^= ^{act_h[r][Cols], first_h[r][Cols], last_h[r][Cols]};
    end
    for (int c = 0; c < Cols; c++) begin
      unused_edges ^= ^{wgt_v[Rows][c], tok_v[Rows][c]};
    end
  end

  for (genvar r = 0; r < Rows; r++) begin : g_row
    for (genvar c = 0; c < Cols; c++) begin : g_col
      serrano_pe_os u_pe (
        .clk_i,
        .rst_ni,
        .act_i   (act_h[r][c]),
        .first_i (first_h[r][c]),
        .last_i  (last_h[r][c]),
        .act_o   (act_h[r][c+1]),
        .first_o (first_h[r][c+1]),
        .last_o  (last_h[r][c+1]),
        .wgt_i   (wgt_v[r][c]),
        .tok_i   (tok_v[r][c]),
        .wgt_o   (wgt_v[r+1][c]),
        .tok_o   (tok_v[r+1][c]),
        .start_i (start_i[c]),
        .out_i   (out_v[r][c]),
        .out_o   (out_v[r+1][c])
      );
    end
  end

endmodule
