// SPDX-License-Identifier: Apache-2.0
//
// Rows x Cols grid of serrano_pe. Activations enter at the left edge (already skewed: row r is
// r cycles behind row 0), partial sums leave at the bottom edge (column c is c cycles behind
// column 0), weights shift in from the top edge.

module serrano_systolic_array
  import serrano_pkg::*;
#(
  parameter int Rows = 4,
  parameter int Cols = 4
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,

  input  logic [Rows-1:0][DataW-1:0]         act_i,      // left edge, one lane per row
  input  logic [Rows-1:0]                    act_buf_i,  // weight buffer index per lane

  input  logic                               wgt_shift_i,
  input  logic                               wgt_buf_i,
  input  logic [Cols-1:0][DataW-1:0]         wgt_i,      // top edge, one lane per column

  output logic [Cols-1:0][AccW-1:0]          psum_o      // bottom edge, one lane per column
);

  // Horizontal (activation) and vertical (partial sum, weight) links. Index [r][c] is the input
  // of PE (r, c); the extra last column/row are the outputs leaving the grid.
  logic signed [DataW-1:0] act_h     [Rows][Cols+1];
  logic                    act_buf_h [Rows][Cols+1];
  logic signed [AccW-1:0]  psum_v    [Rows+1][Cols];
  logic signed [DataW-1:0] wgt_v     [Rows+1][Cols];

  for (genvar r = 0; r < Rows; r++) begin : g_left
    assign act_h[r][0]     = act_i[r];
    assign act_buf_h[r][0] = act_buf_i[r];
  end

  for (genvar c = 0; c < Cols; c++) begin : g_top
    assign psum_v[0][c] = '0;
    assign wgt_v[0][c]  = wgt_i[c];
    assign psum_o[c]    = psum_v[Rows][c];
  end

  for (genvar r = 0; r < Rows; r++) begin : g_row
    for (genvar c = 0; c < Cols; c++) begin : g_col
      serrano_pe u_pe (
        .clk_i,
        .rst_ni,
        .act_i       (act_h[r][c]),
        .act_buf_i   (act_buf_h[r][c]),
        .act_o       (act_h[r][c+1]),
        .act_buf_o   (act_buf_h[r][c+1]),
        .psum_i      (psum_v[r][c]),
        .psum_o      (psum_v[r+1][c]),
        .wgt_shift_i,
        .wgt_buf_i,
        .wgt_i       (wgt_v[r][c]),
        .wgt_o       (wgt_v[r+1][c])
      );
    end
  end

endmodule
