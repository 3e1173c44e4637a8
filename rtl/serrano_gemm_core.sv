// SPDX-License-Identifier: Apache-2.0
//
// The matrix unit: controller, activation scratchpad, weight buffer, Rows x Cols weight-stationary
// array, int32 accumulator memory and per-channel requantization. It executes preload / stream /
// requant commands (isa/array_cmd.h); the memories are filled through their write ports before a
// run, and requantized rows leave through the out_* port.
//
// Datapath timing for a command issued in cycle t (docs/array-timing.md):
//   stream row m:  activation read t+1+m, data t+2+m, skewed so lane k meets PE (k, c) at
//                  t+2+m+k+c, bottom of column c at t+m+Rows+c+2, de-skewed to t+m+Rows+Cols+1,
//                  written to the accumulators at the end of that cycle.
//   requant row m: accumulator read t+1+m, data t+2+m, three requant stages, out_valid_o at t+m+5.

module serrano_gemm_core
  import serrano_pkg::*;
#(
  parameter int Rows     = 4,
  parameter int Cols     = 4,
  parameter int SpDepth  = 1024,  // activation rows of Rows bytes
  parameter int WbDepth  = 1024,  // weight rows of Cols bytes
  parameter int AccDepth = 256,   // accumulator rows of Cols int32
  localparam int SpAddrW  = (SpDepth > 1) ? $clog2(SpDepth) : 1,
  localparam int WbAddrW  = (WbDepth > 1) ? $clog2(WbDepth) : 1,
  localparam int AccAddrW = (AccDepth > 1) ? $clog2(AccDepth) : 1,
  localparam int QpAddrW  = $clog2(QParamDepth),
  localparam int LaneW    = (Cols > 1) ? $clog2(Cols) : 1
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,

  // Commands.
  input  logic                        cmd_valid_i,
  output logic                        cmd_ready_o,
  input  logic [1:0]                  cmd_op_i,
  input  logic [CmdRowsW-1:0]         cmd_rows_i,
  input  logic [CmdAddrW-1:0]         cmd_src_i,
  input  logic [CmdAddrW-1:0]         cmd_dst_i,
  input  logic [CmdAddrW-1:0]         cmd_qp_i,
  input  logic                        cmd_accumulate_i,
  input  logic [DataW-1:0]            cmd_zero_point_i,
  input  logic [DataW-1:0]            cmd_act_min_i,
  input  logic [DataW-1:0]            cmd_act_max_i,
  output logic                        idle_o,

  // Memory fill ports.
  input  logic                        sp_we_i,
  input  logic [SpAddrW-1:0]          sp_waddr_i,
  input  logic [Rows-1:0][DataW-1:0]  sp_wdata_i,
  input  logic                        wb_we_i,
  input  logic [WbAddrW-1:0]          wb_waddr_i,
  input  logic [Cols-1:0][DataW-1:0]  wb_wdata_i,
  input  logic                        qp_we_i,
  input  logic [QpAddrW-1:0]          qp_waddr_i,
  input  logic [LaneW-1:0]            qp_wlane_i,
  input  logic [AccW-1:0]             qp_wbias_i,
  input  logic [AccW-1:0]             qp_wmult_i,
  input  logic [ShiftW-1:0]           qp_wshift_i,

  // Requantized result rows.
  output logic                        out_valid_o,
  output logic [CmdAddrW-1:0]         out_addr_o,
  output logic [Cols-1:0][DataW-1:0]  out_data_o
);

  // ---------------------------------------------------------------- controller
  logic                wb_re, pre_buf;
  logic [CmdAddrW-1:0] wb_raddr;
  logic                sp_re, st_buf, st_accumulate;
  logic [CmdAddrW-1:0] sp_raddr, st_acc_addr;
  logic [CmdRowsW-1:0] st_k;
  logic                acc_re, qp_re;
  logic [CmdAddrW-1:0] acc_raddr, qp_raddr, rq_out_addr;
  logic [DataW-1:0]    rq_zero_point, rq_act_min, rq_act_max;

  serrano_array_ctrl #(
    .Rows (Rows),
    .Cols (Cols)
  ) u_ctrl (
    .clk_i,
    .rst_ni,
    .cmd_valid_i,
    .cmd_ready_o,
    .cmd_op_i         (cmd_op_e'(cmd_op_i)),
    .cmd_rows_i,
    .cmd_src_i,
    .cmd_dst_i,
    .cmd_qp_i,
    .cmd_accumulate_i,
    .cmd_zero_point_i,
    .cmd_act_min_i,
    .cmd_act_max_i,
    .idle_o,
    .wb_re_o          (wb_re),
    .wb_raddr_o       (wb_raddr),
    .pre_buf_o        (pre_buf),
    .sp_re_o          (sp_re),
    .sp_raddr_o       (sp_raddr),
    .st_buf_o         (st_buf),
    .st_k_o           (st_k),
    .st_acc_addr_o    (st_acc_addr),
    .st_accumulate_o  (st_accumulate),
    .acc_re_o         (acc_re),
    .acc_raddr_o      (acc_raddr),
    .qp_re_o          (qp_re),
    .qp_raddr_o       (qp_raddr),
    .rq_out_addr_o    (rq_out_addr),
    .rq_zero_point_o  (rq_zero_point),
    .rq_act_min_o     (rq_act_min),
    .rq_act_max_o     (rq_act_max)
  );

  // Commands address memories with the low bits only; the harness checks ranges beforehand.
  logic unused_addr_bits;
  assign unused_addr_bits = ^{wb_raddr[CmdAddrW-1:WbAddrW], sp_raddr[CmdAddrW-1:SpAddrW],
                              st_acc_addr[CmdAddrW-1:AccAddrW], acc_raddr[CmdAddrW-1:AccAddrW],
                              qp_raddr[CmdAddrW-1:QpAddrW]};

  // ---------------------------------------------------------------- weight preload path
  logic [Cols-1:0][DataW-1:0] wb_rdata;
  logic                       wgt_shift_q, wgt_buf_q;

  serrano_sram #(
    .Width (Cols * DataW),
    .Depth (WbDepth)
  ) u_weight_buf (
    .clk_i,
    .we_i    (wb_we_i),
    .waddr_i (wb_waddr_i),
    .wdata_i (wb_wdata_i),
    .re_i    (wb_re),
    .raddr_i (wb_raddr[WbAddrW-1:0]),
    .rdata_o (wb_rdata)
  );

  // The weight row arrives one cycle after its read: shift it in then.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wgt_shift_q <= 1'b0;
      wgt_buf_q   <= 1'b0;
    end else begin
      wgt_shift_q <= wb_re;
      wgt_buf_q   <= pre_buf;
    end
  end

  // ---------------------------------------------------------------- activation stream path
  logic [Rows-1:0][DataW-1:0] sp_rdata, act_row, act_skewed;
  logic [Rows-1:0]            act_buf_row, act_buf_skewed;

  serrano_sram #(
    .Width (Rows * DataW),
    .Depth (SpDepth)
  ) u_scratchpad (
    .clk_i,
    .we_i    (sp_we_i),
    .waddr_i (sp_waddr_i),
    .wdata_i (sp_wdata_i),
    .re_i    (sp_re),
    .raddr_i (sp_raddr[SpAddrW-1:0]),
    .rdata_o (sp_rdata)
  );

  // Row tags, delayed one cycle to line up with the scratchpad data.
  typedef struct packed {
    logic                valid;
    logic                accumulate;
    logic [CmdAddrW-1:0] acc_addr;
  } row_tag_t;

  row_tag_t            st_tag_q;
  logic                st_buf_q;
  logic [CmdRowsW-1:0] st_k_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_tag_q <= '0;
      st_buf_q <= 1'b0;
      st_k_q   <= '0;
    end else begin
      st_tag_q <= '{valid: sp_re, accumulate: st_accumulate, acc_addr: st_acc_addr};
      st_buf_q <= st_buf;
      st_k_q   <= st_k;
    end
  end

  // Lanes at or beyond the tile's K carry zero (the weights there are stale), as do idle cycles.
  for (genvar k = 0; k < Rows; k++) begin : g_act_mask
    assign act_row[k]     = (st_tag_q.valid && (CmdRowsW'(k) < st_k_q)) ? sp_rdata[k] : '0;
    assign act_buf_row[k] = st_buf_q;
  end

  serrano_skew #(
    .Lanes   (Rows),
    .Width   (DataW),
    .Reverse (1'b0)
  ) u_act_skew (
    .clk_i,
    .rst_ni,
    .data_i (act_row),
    .data_o (act_skewed)
  );

  serrano_skew #(
    .Lanes   (Rows),
    .Width   (1),
    .Reverse (1'b0)
  ) u_act_buf_skew (
    .clk_i,
    .rst_ni,
    .data_i (act_buf_row),
    .data_o (act_buf_skewed)
  );

  // ---------------------------------------------------------------- systolic array
  logic [Cols-1:0][AccW-1:0] psum_bottom, psum_row;

  serrano_systolic_array #(
    .Rows (Rows),
    .Cols (Cols)
  ) u_array (
    .clk_i,
    .rst_ni,
    .act_i       (act_skewed),
    .act_buf_i   (act_buf_skewed),
    .wgt_shift_i (wgt_shift_q),
    .wgt_buf_i   (wgt_buf_q),
    .wgt_i       (wb_rdata),
    .psum_o      (psum_bottom)
  );

  serrano_skew #(
    .Lanes   (Cols),
    .Width   (AccW),
    .Reverse (1'b1)
  ) u_psum_deskew (
    .clk_i,
    .rst_ni,
    .data_i (psum_bottom),
    .data_o (psum_row)
  );

  // Row tags travel alongside: Rows + Cols - 1 more cycles from the scratchpad data to the
  // de-skewed array output.
  row_tag_t acc_wtag;

  serrano_delay #(
    .Width ($bits(row_tag_t)),
    .Depth (Rows + Cols - 1)
  ) u_tag_delay (
    .clk_i,
    .rst_ni,
    .data_i (st_tag_q),
    .data_o (acc_wtag)
  );

  // ---------------------------------------------------------------- accumulators
  logic [Cols-1:0][AccW-1:0] acc_rdata;

  serrano_acc_mem #(
    .Lanes (Cols),
    .Depth (AccDepth)
  ) u_acc_mem (
    .clk_i,
    .we_i         (acc_wtag.valid),
    .accumulate_i (acc_wtag.accumulate),
    .waddr_i      (acc_wtag.acc_addr[AccAddrW-1:0]),
    .wdata_i      (psum_row),
    .re_i         (acc_re),
    .raddr_i      (acc_raddr[AccAddrW-1:0]),
    .rdata_o      (acc_rdata)
  );

  logic unused_tag_bits;
  assign unused_tag_bits = ^acc_wtag.acc_addr[CmdAddrW-1:AccAddrW];

  // ---------------------------------------------------------------- requantization
  logic [Cols-1:0][AccW-1:0]   qp_bias, qp_mult;
  logic [Cols-1:0][ShiftW-1:0] qp_shift;

  serrano_qparam_mem #(
    .Lanes (Cols),
    .Depth (QParamDepth)
  ) u_qparams (
    .clk_i,
    .we_i     (qp_we_i),
    .waddr_i  (qp_waddr_i),
    .wlane_i  (qp_wlane_i),
    .wbias_i  (qp_wbias_i),
    .wmult_i  (qp_wmult_i),
    .wshift_i (qp_wshift_i),
    .re_i     (qp_re),
    .raddr_i  (qp_raddr[QpAddrW-1:0]),
    .bias_o   (qp_bias),
    .mult_o   (qp_mult),
    .shift_o  (qp_shift)
  );

  typedef struct packed {
    logic                valid;
    logic [CmdAddrW-1:0] out_addr;
    logic [DataW-1:0]    zero_point;
    logic [DataW-1:0]    act_min;
    logic [DataW-1:0]    act_max;
  } rq_tag_t;

  // Tag of the accumulator row being read, aligned with acc_rdata one cycle later, then carried
  // through the RequantStages lane stages.
  rq_tag_t rq_tag_q;
  // Only the row's valid bit and address travel past the lanes (they carry the rest themselves).
  logic                rq_out_valid;
  logic [CmdAddrW-1:0] rq_out_addr_d;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rq_tag_q <= '0;
    end else begin
      rq_tag_q <= '{valid: acc_re, out_addr: rq_out_addr, zero_point: rq_zero_point,
                    act_min: rq_act_min, act_max: rq_act_max};
    end
  end

  serrano_delay #(
    .Width (1 + CmdAddrW),
    .Depth (RequantStages)
  ) u_rq_tag_delay (
    .clk_i,
    .rst_ni,
    .data_i ({rq_tag_q.valid, rq_tag_q.out_addr}),
    .data_o ({rq_out_valid, rq_out_addr_d})
  );

  for (genvar c = 0; c < Cols; c++) begin : g_requant
    serrano_requant_lane u_lane (
      .clk_i,
      .rst_ni,
      .acc_i        (acc_rdata[c]),
      .bias_i       (qp_bias[c]),
      .mult_i       (qp_mult[c]),
      .shift_i      (qp_shift[c]),
      .zero_point_i (rq_tag_q.zero_point),
      .act_min_i    (rq_tag_q.act_min),
      .act_max_i    (rq_tag_q.act_max),
      .data_o       (out_data_o[c])
    );
  end

  assign out_valid_o = rq_out_valid;
  assign out_addr_o  = rq_out_addr_d;

endmodule
