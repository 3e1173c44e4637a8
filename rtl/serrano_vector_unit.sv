// SPDX-License-Identifier: Apache-2.0
//
// The vector unit: the vec ops of docs/isa.md over accumulator rows (Cols int32) and scratchpad
// rows (SpBytes int8), bit-exact with golden::execute_vector_op. A vec started in cycle t
// completes in c = t + 2 + Q + rows x T_row (vec_cycles in serrano_chip_pkg; P = ceil(elements /
// Lanes) cycles a memory row); it is busy (busy_o) in t+1 .. c-1.
//
// Parameter block. In t+1 .. t+Q the unit reads parameter rows qp .. qp+Q-1 (one a cycle, data
// the cycle after) into a local buffer of VecMaxBlockBytes bytes (whole rows); the norms read only
// their header row there and each channel row qp+1+s with segment s of the normalize pass.
//
// Element-wise ops (0 .. 5, 9 .. 14), from t0 = t+1+Q: row r reads operand a in t0+rP, operand b
// in t0+1+rP and writes the result in t0+2+rP; with P = 2 that write shares its cycle with the
// read of the next row's a, which then takes the written data (forwarding), so rows behave as if
// done one after the other. Requires P >= 2 (one read port per bank).
//
// Row ops (6 .. 8): logical row r (len memory rows from a + r len) starts in R = t0 + r T_row.
//   vsoftmax: pass A (row max) reads segment s in R+sP; pass B (exp and sum) in R+lenP+sP; then
//   8 cycles in which the reciprocal of the sum is formed (computed in the first); pass C reads
//   segment s in R+2lenP+8+sP again and writes sp row dst + r len + s the cycle after.
//   vlayernorm / vrmsnorm: pass A (sums) reads segment s in R+sP; 16 cycles for the square root
//   and reciprocal (computed in the first); pass C reads segment s and parameter row qp+1+s in
//   R+lenP+16+sP and writes the cycle after.
// Each pass accumulates the data of a read in the cycle it arrives. Destination and source rows
// are equal or disjoint (checked by the simulator), so the passes need no forwarding.
//
// The whole row is computed in its write (or accumulate) cycle; Lanes sets the row time. The
// reciprocal and square root are computed in one cycle and the unit is held for the fixed
// cycles, which stand for a multi-cycle unit of that latency.
//
// hold_sp_o / hold_acc_o tell the DMA engines that the unit holds every bank of a memory it
// uses: from t + 1, or from t when the op had to wait for the matrix unit (started_waiting_i),
// until c - 1.

module serrano_vector_unit
  import serrano_pkg::*;
  import serrano_chip_pkg::*;
  import serrano_vec_pkg::*;
#(
  parameter int Cols    = 4,
  parameter int SpBytes = 4,
  parameter int Lanes   = 2,
  localparam int PAcc    = (Cols + Lanes - 1) / Lanes,
  localparam int PSp     = (SpBytes + Lanes - 1) / Lanes,
  localparam int QpBytes = 12 * Cols
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,

  input  logic                        start_i,
  input  logic                        started_waiting_i,
  input  logic [63:0]                 w0_i,
  input  logic [63:0]                 w1_i,
  output logic                        busy_o,
  output logic                        hold_sp_o,
  output logic                        hold_acc_o,

  output logic                        sp_re_o,
  output logic                        sp_we_o,
  output logic                        acc_re_o,
  output logic                        acc_we_o,
  output logic [CmdAddrW-1:0]         raddr_o,
  output logic [CmdAddrW-1:0]         waddr_o,
  input  logic [SpBytes*8-1:0]        sp_rdata_i,
  input  logic [Cols*32-1:0]          acc_rdata_i,
  output logic [SpBytes*8-1:0]        sp_wdata_o,
  output logic [Cols*32-1:0]          acc_wdata_o,

  // Parameter memory read port (one bank; the matrix unit is idle while a vec runs).
  output logic                        qp_re_o,
  output logic [CmdAddrW-1:0]         qp_raddr_o,
  input  logic [QpBytes*8-1:0]        qp_rdata_i
);

  localparam int RowW   = (Cols * 32 > SpBytes * 8) ? Cols * 32 : SpBytes * 8;
  localparam int PbRows = (VecMaxBlockBytes + QpBytes - 1) / QpBytes;
  localparam int PbW    = PbRows * QpBytes * 8;
  // Elements of a row for vsoftmax, the norms and vrope (the chip RTL has SpBytes == Cols).
  localparam int Elems  = (SpBytes < Cols) ? SpBytes : Cols;

  typedef enum logic [2:0] {
    StElem  = 3'd0,  // element-wise rows
    StParam = 3'd1,  // reading the parameter block
    StPassA = 3'd2,  // row ops: row max (vsoftmax) or sums (norms)
    StPassB = 3'd3,  // vsoftmax: exp and sum
    StFixed = 3'd4,  // reciprocal / square root
    StPassC = 3'd5   // normalize and write
  } stage_e;

  vec_op_e             op_q;
  stage_e              stage_q;
  logic                two_q;
  logic [RowAddrW-1:0] dst_q, a_q, b_q;
  logic [15:0]         rows_q, r_q, wr_r_q, len_q, seg_q;
  logic [7:0]          imm_q, qp_q;
  logic [7:0]          ph_q, plast_q;  // plast: P - 1
  logic [CycleW-1:0]   left_q;
  logic                wr_pend_q, fwd_q;
  logic [RowW-1:0]     opa_q, fwd_data_q;
  logic                rd_acc_q;       // the read of the previous cycle was on the accumulators

  // Parameter block.
  logic [15:0]         pq_left_q, pq_k_q, pq_slot_q;  // cycles left, next row, row arriving
  logic                pq_dv_q;
  logic [PbW-1:0]      pb_q;

  // Row ops.
  logic [CmdAddrW-1:0] a_base_q, d_base_q, dv_waddr_q;
  logic [7:0]          fix_q;
  logic                dv_q, dv_first_q;
  stage_e              dv_stage_q;
  logic signed [31:0]  max_q;
  logic signed [63:0]  sum_q, sq_q, recip_q, nn_q;
  logic [63:0]         inv_q;
  logic [5:0]          zsh_q;

  vec_op_e start_op;
  logic    start_row_op;
  logic [15:0] start_q;
  assign start_op     = vec_op_of(w0_i);
  assign start_row_op = vec_is_row_op(start_op);
  assign start_q      = vec_param_rows(start_op, QpBytes);

  // ---------------------------------------------------------------- schedule
  logic            active, elem, rd_a, rd_b, rd_row, rd_on_acc, wr, last_seg, pass_end;
  logic [RowW-1:0] rdata, wdata, opa, elem_wdata, row_wdata;

  assign active   = left_q != '0;
  assign elem     = active && (stage_q == StElem);
  assign rd_a     = elem && (r_q < rows_q) && (ph_q == 8'd0);
  assign rd_b     = elem && (r_q < rows_q) && (ph_q == 8'd1) && two_q;
  assign rd_row   = active && (r_q < rows_q) && (ph_q == 8'd0) &&
                    ((stage_q == StPassA) || (stage_q == StPassB) || (stage_q == StPassC));
  assign last_seg = seg_q == len_q - 16'd1;
  assign pass_end = (ph_q == plast_q) && last_seg;
  assign wr       = wr_pend_q || (dv_q && (dv_stage_q == StPassC));
  assign rdata    = rd_acc_q ? RowW'(acc_rdata_i) : RowW'(sp_rdata_i);

  always_comb begin
    if (rd_row) begin
      rd_on_acc = vec_a_on_acc(op_q);
    end else if (rd_b) begin
      rd_on_acc = vec_b_on_acc(op_q);
    end else begin
      rd_on_acc = vec_a_on_acc(op_q);
    end
  end

  always_comb begin
    if (rd_row) begin
      raddr_o = a_base_q + CmdAddrW'(seg_q);
    end else if (rd_b) begin
      raddr_o = CmdAddrW'(b_q) + CmdAddrW'(r_q);
    end else begin
      raddr_o = CmdAddrW'(a_q) + CmdAddrW'(r_q);
    end
  end
  assign waddr_o  = wr_pend_q ? CmdAddrW'(dst_q) + CmdAddrW'(wr_r_q) : dv_waddr_q;
  assign acc_re_o = rd_on_acc && (rd_a || rd_b || rd_row);
  assign sp_re_o  = !rd_on_acc && (rd_a || rd_b || rd_row);
  assign acc_we_o = vec_dst_on_acc(op_q) && wr;
  assign sp_we_o  = !vec_dst_on_acc(op_q) && wr;

  assign qp_re_o    = (active && (stage_q == StParam)) ||
                      (rd_row && (stage_q == StPassC) && vec_is_norm(op_q));
  assign qp_raddr_o = (stage_q == StParam) ? CmdAddrW'(qp_q) + CmdAddrW'(pq_k_q)
                                           : CmdAddrW'(qp_q) + CmdAddrW'(1) + CmdAddrW'(seg_q);

  // Operand a of the row whose a data arrives now (ph 1); operand b is the read data in the
  // write cycle.
  assign opa = fwd_q ? fwd_data_q : rdata;

  // Word i of the parameter block: bytes 4i .. 4i+3; a shift is the low byte of its word.
  logic [31:0] pw [VecMaxBlockBytes / 4];
  for (genvar i = 0; i < VecMaxBlockBytes / 4; i++) begin : g_pw
    assign pw[i] = pb_q[32*i +: 32];
  end

  // ---------------------------------------------------------------- element-wise ALU
  always_comb begin
    logic signed [31:0] x, y;
    logic signed [8:0]  s;
    logic [7:0]         ea, eb;
    x          = '0;
    y          = '0;
    s          = '0;
    ea         = '0;
    eb         = '0;
    elem_wdata = '0;
    if (wr_pend_q) begin
      unique case (op_q)
        VecAddAcc, VecMaxAcc, VecReluAcc: begin
          for (int e = 0; e < Cols; e++) begin
            x = opa_q[e*32 +: 32];
            y = rdata[e*32 +: 32];
            if (op_q == VecAddAcc) begin
              elem_wdata[e*32 +: 32] = x + y;
            end else if (op_q == VecMaxAcc) begin
              elem_wdata[e*32 +: 32] = (x > y) ? x : y;
            end else begin
              elem_wdata[e*32 +: 32] = (x > 0) ? x : '0;
            end
          end
        end
        VecAddSp, VecMaxSp, VecReluSp: begin
          for (int e = 0; e < SpBytes; e++) begin
            x = 32'(signed'(opa_q[e*8 +: 8]));
            y = 32'(signed'(rdata[e*8 +: 8]));
            s = 9'(x + y);
            if (op_q == VecAddSp) begin
              elem_wdata[e*8 +: 8] = (s > 9'sd127) ? 8'h7f : (s < -9'sd128) ? 8'h80 : s[7:0];
            end else if (op_q == VecMaxSp) begin
              elem_wdata[e*8 +: 8] = (x > y) ? x[7:0] : y[7:0];
            end else begin
              elem_wdata[e*8 +: 8] = (x > 32'(signed'(imm_q))) ? x[7:0] : imm_q;
            end
          end
        end
        VecGelu: begin
          for (int e = 0; e < SpBytes; e++) begin
            // w0 input zero point, w1 x_scale_q16, w2 / w3 output multiplier / shift, w4 output
            // zero point.
            elem_wdata[e*8 +: 8] = vec_gelu(opa_q[e*8 +: 8], pw[0], pw[1], pw[2], pw[3][7:0],
                                            pw[4]);
          end
        end
        VecLut: begin
          for (int e = 0; e < SpBytes; e++) begin
            ea = opa_q[e*8 +: 8] ^ 8'h80;  // q + 128
            elem_wdata[e*8 +: 8] = pb_q[32'(ea)*8 +: 8];
          end
        end
        VecSwiglu: begin
          for (int e = 0; e < SpBytes; e++) begin
            // Bytes 0 .. 511 the int16 silu table; w128 up zero point, w129 / w130 output
            // multiplier / shift, w131 output zero point.
            ea = opa_q[e*8 +: 8] ^ 8'h80;
            elem_wdata[e*8 +: 8] = vec_swiglu(pb_q[32'(ea)*16 +: 16], rdata[e*8 +: 8], pw[128],
                                              pw[129], pw[130][7:0], pw[131]);
          end
        end
        VecQAdd: begin
          for (int e = 0; e < SpBytes; e++) begin
            // w0 .. w2 zero points of a, b, output; w3 .. w8 multiplier / shift of a, b, output.
            elem_wdata[e*8 +: 8] = vec_qadd(opa_q[e*8 +: 8], rdata[e*8 +: 8], pw[0], pw[1],
                                            pw[2], pw[3], pw[4][7:0], pw[5], pw[6][7:0], pw[7],
                                            pw[8][7:0]);
          end
        end
        VecQMul: begin
          for (int e = 0; e < SpBytes; e++) begin
            // w0 .. w2 zero points of a, b, output; w3 / w4 multiplier / shift.
            elem_wdata[e*8 +: 8] = vec_qmul(opa_q[e*8 +: 8], rdata[e*8 +: 8], pw[0], pw[1],
                                            pw[2], pw[3], pw[4][7:0]);
          end
        end
        VecRope: begin
          // Pair i: elements 2i, 2i+1 of a; cos = acc[2i][15:0], sin = acc[2i+1][15:0].
          for (int i = 0; i < Elems / 2; i++) begin
            ea = opa_q[(2*i)*8 +: 8];
            eb = opa_q[(2*i+1)*8 +: 8];
            elem_wdata[(2*i)*8 +: 8]   = vec_rope(ea, eb, rdata[(2*i)*32 +: 16],
                                                  rdata[(2*i+1)*32 +: 16], imm_q, 1'b0);
            elem_wdata[(2*i+1)*8 +: 8] = vec_rope(ea, eb, rdata[(2*i)*32 +: 16],
                                                  rdata[(2*i+1)*32 +: 16], imm_q, 1'b1);
          end
        end
        default: begin
          elem_wdata = '0;
        end
      endcase
    end
  end

  // ---------------------------------------------------------------- row-op datapath
  // What the data arriving now (dv_q) contributes: the row max, the exp sum (vsoftmax), the sum
  // and sum of squares (norms), or the output row (pass C).
  logic signed [31:0] row_max;
  logic signed [63:0] row_sum, row_sq;
  logic [63:0]        t_norm;
  logic [69:0]        k_inv;

  always_comb begin
    logic signed [63:0] q, d;
    logic signed [31:0] xq;
    logic [8:0]         sw;
    q         = '0;
    d         = '0;
    xq        = '0;
    sw        = '0;
    row_max   = max_q;
    row_sum   = '0;
    row_sq    = '0;
    row_wdata = '0;
    if (dv_q) begin
      unique case (op_q)
        VecSoftmax: begin
          if (dv_stage_q == StPassA) begin
            row_max = dv_first_q ? 32'sh80000000 : max_q;
            for (int e = 0; e < Cols; e++) begin
              if ($signed(rdata[e*32 +: 32]) > row_max) begin
                row_max = rdata[e*32 +: 32];
              end
            end
          end else begin
            for (int e = 0; e < Cols; e++) begin
              xq = vec_softmax_x(rdata[e*32 +: 32], max_q, pw[0], pw[1][7:0]);
              q  = vec_exp_q30(xq);
              if (dv_stage_q == StPassB) begin
                row_sum = row_sum + q;
              end else if (e < Elems) begin
                row_wdata[e*8 +: 8] = vec_softmax_out(q, recip_q);
              end
            end
          end
        end
        VecLayerNorm, VecRmsNorm: begin
          for (int e = 0; e < Elems; e++) begin
            q = vec_sx8(rdata[e*8 +: 8]);
            if (op_q == VecRmsNorm) begin
              q = q - vec_sx32(pw[2]);
            end
            if (dv_stage_q == StPassA) begin
              row_sum = row_sum + q;
              row_sq  = row_sq + q * q;
            end else begin
              d  = (op_q == VecRmsNorm) ? nn_q * q : nn_q * q - sum_q;
              sw = qp_rdata_i[(12*e+8)*8 +: 9];
              row_wdata[e*8 +: 8] = vec_norm_out(d, inv_q, zsh_q, qp_rdata_i[(12*e)*8 +: 32],
                                                 qp_rdata_i[(12*e+4)*8 +: 32], sw);
            end
          end
        end
        default: begin
          row_wdata = '0;
        end
      endcase
    end
  end

  // T = n^2 (var + eps) in input units^2, at least 1 (layernorm: n sum_sq - sum^2; rmsnorm:
  // n sum_sq of the zero-point-removed values), then k and inv of normalize_row.
  always_comb begin
    logic signed [63:0] v;
    logic [63:0]        eps;
    eps = {pw[1], pw[0]};
    v   = (op_q == VecRmsNorm) ? nn_q * sq_q : nn_q * sq_q - sum_q * sum_q;
    t_norm = 64'(v) + eps;
    t_norm = (t_norm == 64'd0) ? 64'd1 : t_norm;
    k_inv  = '0;
    if (active && (stage_q == StFixed) && (fix_q == 8'd0) && vec_is_norm(op_q)) begin
      k_inv = vec_norm_inv(t_norm);
    end
  end

  assign wdata       = wr_pend_q ? elem_wdata : row_wdata;
  assign acc_wdata_o = wdata[Cols*32-1:0];
  assign sp_wdata_o  = wdata[SpBytes*8-1:0];

  // ---------------------------------------------------------------- state
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      op_q       <= VecAddAcc;
      stage_q    <= StElem;
      two_q      <= 1'b0;
      dst_q      <= '0;
      a_q        <= '0;
      b_q        <= '0;
      rows_q     <= '0;
      len_q      <= '0;
      imm_q      <= '0;
      qp_q       <= '0;
      r_q        <= '0;
      wr_r_q     <= '0;
      seg_q      <= '0;
      ph_q       <= '0;
      plast_q    <= '0;
      left_q     <= '0;
      wr_pend_q  <= 1'b0;
      fwd_q      <= 1'b0;
      fwd_data_q <= '0;
      opa_q      <= '0;
      rd_acc_q   <= 1'b0;
      pq_left_q  <= '0;
      pq_k_q     <= '0;
      pq_slot_q  <= '0;
      pq_dv_q    <= 1'b0;
      pb_q       <= '0;
      a_base_q   <= '0;
      d_base_q   <= '0;
      dv_waddr_q <= '0;
      fix_q      <= '0;
      dv_q       <= 1'b0;
      dv_first_q <= 1'b0;
      dv_stage_q <= StElem;
      max_q      <= '0;
      sum_q      <= '0;
      sq_q       <= '0;
      recip_q    <= '0;
      nn_q       <= '0;
      inv_q      <= '0;
      zsh_q      <= '0;
    end else begin
      // Reads of the previous cycle: parameter rows into the buffer, row-op data to accumulate.
      rd_acc_q  <= rd_on_acc;
      pq_dv_q   <= active && (stage_q == StParam);
      pq_slot_q <= pq_k_q;
      if (pq_dv_q) begin
        pb_q[32'(pq_slot_q)*QpBytes*8 +: QpBytes*8] <= qp_rdata_i;
      end
      dv_q       <= rd_row;
      dv_first_q <= seg_q == '0;
      dv_stage_q <= stage_q;
      dv_waddr_q <= d_base_q + CmdAddrW'(seg_q);
      if (dv_q && (dv_stage_q == StPassA)) begin
        max_q <= row_max;
        sum_q <= (dv_first_q ? 64'sd0 : sum_q) + row_sum;
        sq_q  <= (dv_first_q ? 64'sd0 : sq_q) + row_sq;
      end
      if (dv_q && (dv_stage_q == StPassB)) begin
        sum_q <= (dv_first_q ? 64'sd0 : sum_q) + row_sum;
      end
      if (active && (stage_q == StFixed) && (fix_q == 8'd0)) begin
        recip_q <= vec_softmax_recip(sum_q);
        inv_q   <= k_inv[63:0];
        zsh_q   <= 6'd46 - k_inv[69:64];
      end

      if (start_i) begin
        op_q      <= start_op;
        two_q     <= vec_has_b(start_op);
        dst_q     <= a_of(w0_i);
        a_q       <= w1_row_of(w1_i);
        b_q       <= src_b_of(w1_i);
        rows_q    <= rows_of(w0_i);
        len_q     <= vec_len_of(w1_i);
        imm_q     <= w0_i[55:48];
        qp_q      <= vec_qp_of(w1_i);
        r_q       <= '0;
        seg_q     <= '0;
        ph_q      <= '0;
        fix_q     <= '0;
        plast_q   <= vec_a_on_acc(start_op) ? 8'(PAcc - 1) : 8'(PSp - 1);
        left_q    <= vec_cycles(w0_i, w1_i, PAcc, PSp, QpBytes) - CycleW'(1);
        pq_left_q <= start_q;
        pq_k_q    <= '0;
        stage_q   <= (start_q != '0) ? StParam : (start_row_op ? StPassA : StElem);
        a_base_q  <= CmdAddrW'(w1_row_of(w1_i));
        d_base_q  <= CmdAddrW'(a_of(w0_i));
        nn_q      <= $signed(64'(vec_len_of(w1_i)) * 64'(SpBytes));
        wr_pend_q <= 1'b0;
        fwd_q     <= 1'b0;
      end else if (active) begin
        left_q     <= left_q - CycleW'(1);
        wr_pend_q  <= elem && (ph_q == 8'd1) && (r_q < rows_q);
        fwd_q      <= rd_a && wr_pend_q && (raddr_o == waddr_o);
        fwd_data_q <= wdata;
        unique case (stage_q)
          StParam: begin
            pq_k_q    <= pq_k_q + 16'd1;
            pq_left_q <= pq_left_q - 16'd1;
            if (pq_left_q == 16'd1) begin
              stage_q <= vec_is_row_op(op_q) ? StPassA : StElem;
            end
          end
          StElem: begin
            if (ph_q == 8'd1) begin
              opa_q  <= opa;
              wr_r_q <= r_q;
            end
            if (ph_q == plast_q) begin
              ph_q <= '0;
              r_q  <= r_q + 16'd1;
            end else begin
              ph_q <= ph_q + 8'd1;
            end
          end
          StPassA, StPassB, StPassC: begin
            ph_q <= (ph_q == plast_q) ? 8'd0 : ph_q + 8'd1;
            if (ph_q == plast_q) begin
              seg_q <= last_seg ? 16'd0 : seg_q + 16'd1;
            end
            if (pass_end) begin
              if (stage_q == StPassA) begin
                stage_q <= (op_q == VecSoftmax) ? StPassB : StFixed;
              end else if (stage_q == StPassB) begin
                stage_q <= StFixed;
              end else begin
                stage_q  <= StPassA;
                r_q      <= r_q + 16'd1;
                a_base_q <= a_base_q + CmdAddrW'(len_q);
                d_base_q <= d_base_q + CmdAddrW'(len_q);
              end
            end
          end
          StFixed: begin
            fix_q <= fix_q + 8'd1;
            if (32'(fix_q) == ((op_q == VecSoftmax) ? VecSoftmaxFixedCycles
                                                   : VecNormFixedCycles) - 1) begin
              fix_q   <= '0;
              stage_q <= StPassC;
            end
          end
          default: begin
            stage_q <= StElem;
          end
        endcase
      end else begin
        wr_pend_q <= 1'b0;
      end
    end
  end

  logic hold, uses_sp, uses_acc;
  assign uses_sp    = vec_uses_sp(start_i ? start_op : op_q);
  assign uses_acc   = vec_uses_acc(start_i ? start_op : op_q);
  assign hold       = active || (start_i && started_waiting_i);
  assign hold_acc_o = hold && uses_acc;
  assign hold_sp_o  = hold && uses_sp;
  assign busy_o     = active;

endmodule
