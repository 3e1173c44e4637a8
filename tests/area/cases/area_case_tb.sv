// SPDX-License-Identifier: Apache-2.0
//
// Drives area_case with random inputs and prints every output; the original and the rewritten
// module must print the same.

module area_case_tb;
  logic [95:0] x; logic [1:0] i, j;
  logic [63:0] y; logic [7:0] z; logic [5:0] e; logic [8:0] s; logic [1:0] p; logic [15:0] q;
  area_case u (.x_i(x), .i_i(i), .j_i(j), .y_o(y), .z_o(z), .e_o(e), .s_o(s), .p_o(p), .q_o(q));
  initial begin
    for (int n = 0; n < 300; n++) begin
      x = {$urandom, $urandom, $urandom}; i = 2'($urandom % 3); j = 2'($urandom);
      #1 $display("%h %h %h %h %h %h %h %h %h %h", x, i, j, y, z, e, s, p, q, u.mem[i]);
    end
    $finish;
  end
endmodule
