// SPDX-License-Identifier: Apache-2.0
//
// Constructs the area flow's rewrite (scripts/area/sv_for_yosys.py) must keep exact: 3-D packed
// ports, selects of every kind on inner dimensions, packed memories, enum arrays, casts, a struct
// pattern with members out of order, $bits of a struct, returns inside a case, a packed array of
// structs with member selects, an always_comb temporary.

package area_case_pkg;
  parameter int W = 8;
  typedef enum logic [1:0] { A = 2'd0, B = 2'd1, C = 2'd2 } e_t;
  typedef struct packed { logic v; logic [5:0] a; e_t k; } s_t;
  function automatic logic [1:0] pick(logic [3:0] x);
    unique case (x[1:0])
      2'd0: return x[3:2];
      2'd1: return 2'd3;
      default: return 2'd1;
    endcase
  endfunction
endpackage

module area_case import area_case_pkg::*; (
  input  logic [2:0][3:0][W-1:0] x_i,
  input  logic [1:0]             i_i,
  input  logic [1:0]             j_i,
  output logic [63:0]            y_o,
  output logic [W-1:0]           z_o,
  output e_t [2:0]               e_o,
  output s_t                     s_o,
  output logic [1:0]             p_o,
  output logic [15:0]            q_o
);
  // A packed array of structs and its members; an always_comb temporary written on one path.
  s_t [1:0] sa;
  assign sa = {x_i[1][1], x_i[1][0], x_i[2][0][1:0]};
  always_comb begin
    logic [3:0] t;
    q_o = {sa[j_i[0]].a, sa[1].k, sa[i_i[0]].a[3:1], 5'(sa[0].v)};
    if (i_i == 2'd1) begin
      t = x_i[0][1][3:0];
      q_o[3:0] = t ^ q_o[7:4];
    end
  end
  logic [3:0][W-1:0] row;
  logic [1:0][2:0][3:0] mem [4];
  assign row = x_i[i_i];
  assign y_o = {x_i[2][1:0], x_i[1][j_i][5:2], x_i[0][3][W-1 -: 4], x_i[2][i_i +: 2], row[3:2], 4'(x_i[1][2][7])};
  assign z_o = x_i[i_i][j_i] ^ row[j_i];
  for (genvar g = 0; g < 3; g++) begin : g_e
    assign e_o[g] = e_t'(x_i[g][0][1:0]);
  end
  always_comb begin
    for (int a = 0; a < 4; a++) mem[a] = {x_i[a % 3][1], x_i[a % 3][2][3:0]} ^ 12'(a);
  end
  assign s_o = '{k: e_t'(j_i), a: mem[i_i][j_i[0]][1], v: ^x_i};
  assign p_o = pick(x_i[0][0][3:0]) ^ $bits(s_t);
endmodule
