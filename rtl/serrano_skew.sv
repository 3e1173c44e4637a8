// SPDX-License-Identifier: Apache-2.0
//
// Triangular delay lines: lane i is delayed by i cycles (Reverse = 0) or by Lanes-1-i cycles
// (Reverse = 1). Used to skew activation rows into the array and to de-skew its outputs.

module serrano_skew #(
  parameter int Lanes   = 4,
  parameter int Width   = 8,
  parameter bit Reverse = 1'b0
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,
  input  logic [Lanes-1:0][Width-1:0] data_i,
  output logic [Lanes-1:0][Width-1:0] data_o
);

  for (genvar i = 0; i < Lanes; i++) begin : g_lane
    serrano_delay #(
      .Width (Width),
      .Depth (Reverse ? (Lanes - 1 - i) : i)
    ) u_delay (
      .clk_i,
      .rst_ni,
      .data_i (data_i[i]),
      .data_o (data_o[i])
    );
  end

endmodule
