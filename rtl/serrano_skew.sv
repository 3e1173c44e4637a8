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
    if (Delay == 0) begin : g_pass
      assign data_o[i] = data_i[i];
    end else begin : g_delay
      logic [Width-1:0] pipe_q [Delay];
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          for (int j = 0; j < Delay; j++) begin
            pipe_q[j] <= '0;
          end
        end else begin
          pipe_q[0] <= data_i[i];
          for (int j = 1; j < Delay; j++) begin
            pipe_q[j] <= pipe_q[j-1];
          end
        end
      end
      assign data_o[i] = pipe_q[Delay-1];
    end
  end

endmodule
