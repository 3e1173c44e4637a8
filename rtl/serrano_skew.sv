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
    localparam int Delay = Reverse ? (Lanes - 1 - i) : i;
    // stage_q[0] is the input, stage_q[j] the value j cycles ago.
    logic [Width-1:0] stage_q [Delay+1];
    assign stage_q[0] = data_i[i];
    for (genvar j = 0; j < Delay; j++) begin : g_stage
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          stage_q[j+1] <= '0;
        end else begin
          stage_q[j+1] <= stage_q[j];
        end
      end
    end
    assign data_o[i] = stage_q[Delay];
  end

  if (Lanes == 1) begin : g_no_registers
    // A single lane needs no delay at all.
    logic unused_clk_rst;
    assign unused_clk_rst = ^{clk_i, rst_ni};
  end

endmodule
