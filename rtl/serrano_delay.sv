// SPDX-License-Identifier: Apache-2.0
//
// A delay line: data_o is data_i from Depth cycles earlier (Depth = 0: a wire). One register
// stage per generate block, so long lines need no loop unrolling.

module serrano_delay #(
  parameter int Width = 1,
  parameter int Depth = 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic [Width-1:0] data_i,
  output logic [Width-1:0] data_o
);

  if (Depth == 0) begin : g_wire
    assign data_o = data_i;
    logic unused_clk_rst;
    assign unused_clk_rst = ^{clk_i, rst_ni};
  end else begin : g_stages
    // stage_q[0] is the input, stage_q[j] the value j cycles ago.
    logic [Width-1:0] stage_q [Depth+1];
    assign stage_q[0] = data_i;
    for (genvar j = 0; j < Depth; j++) begin : g_stage
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          stage_q[j+1] <= '0;
        end else begin
          stage_q[j+1] <= stage_q[j];
        end
      end
    end
    assign data_o = stage_q[Depth];
  end

endmodule
