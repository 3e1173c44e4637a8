// SPDX-License-Identifier: Apache-2.0
//
// The matrix unit without its memories: controller, the array datapath and per-channel
// requantization. The datapath is the weight-stationary one (activation skew, Rows x Cols
// serrano_systolic_array, de-skew) or, with Dataflow = DataflowOs, the output-stationary one
// (serrano_os_datapath); both execute the same commands with the same results. The memories sit
// outside (serrano_gemm_core has its own; serrano_chip has banked ones), reached through
// synchronous read ports (data one cycle after the address) and one accumulator write port.
// Timing for a command issued in cycle t (docs/array-timing.md):
//   preload:       weight row reads t+1 .. t+K (last row first)
//   stream row m:  activation read t+1+m, accumulator write at the end of t+m+Rows+Cols+1
//                  (os: chunk j = m / Rows, row r = m % Rows of it, at the end of
//                  t+j*Rows+2*Rows+Cols+Rows-1-r)
//   requant row m: parameter read t+1 (once), accumulator read t+1+m, out_valid_o at t+m+5

module serrano_matrix_unit
  import serrano_pkg::*;
#(
  parameter int Rows     = 4,
  parameter int Cols     = 4,
  parameter int Dataflow = DataflowWs,
  localparam int RowIdxW = (Rows > 1) ? $clog2(Rows) : 1
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,

  // Commands.
  input  logic                         cmd_valid_i,
  output logic                         cmd_ready_o,
  input  logic [1:0]                   cmd_op_i,
  input  logic [CmdRowsW-1:0]          cmd_rows_i,
  input  logic [CmdAddrW-1:0]          cmd_src_i,
  input  logic [CmdAddrW-1:0]          cmd_dst_i,
  input  logic [CmdAddrW-1:0]          cmd_qp_i,
  input  logic                         cmd_accumulate_i,
  input  logic [DataW-1:0]             cmd_zero_point_i,
  input  logic [DataW-1:0]             cmd_act_min_i,
  input  logic [DataW-1:0]             cmd_act_max_i,
  output logic                         idle_o,

  // Weight buffer read port.
  output logic                         wb_re_o,
  output logic [CmdAddrW-1:0]          wb_raddr_o,
  input  logic [Cols-1:0][DataW-1:0]   wb_rdata_i,

  // Scratchpad read port (activations).
  output logic                         sp_re_o,
  output logic [CmdAddrW-1:0]          sp_raddr_o,
  input  logic [Rows-1:0][DataW-1:0]   sp_rdata_i,

  // Accumulator write port (add or overwrite) and read port (requant).
  output logic                         acc_we_o,
  output logic                         acc_accumulate_o,
  output logic [CmdAddrW-1:0]          acc_waddr_o,
  output logic [Cols-1:0][AccW-1:0]    acc_wdata_o,
  output logic                         acc_re_o,
  output logic [CmdAddrW-1:0]          acc_raddr_o,
  input  logic [Cols-1:0][AccW-1:0]    acc_rdata_i,

  // Requant parameter read port.
  output logic                         qp_re_o,
  output logic [CmdAddrW-1:0]          qp_raddr_o,
  input  logic [Cols-1:0][AccW-1:0]    qp_bias_i,
  input  logic [Cols-1:0][AccW-1:0]    qp_mult_i,
  input  logic [Cols-1:0][ShiftW-1:0]  qp_shift_i,

  // Requantized result rows.
  output logic                         out_valid_o,
  output logic [CmdAddrW-1:0]          out_addr_o,
  output logic [Cols-1:0][DataW-1:0]   out_data_o
);

  // ---------------------------------------------------------------- controller
  logic                pre_buf;
  logic                st_buf, st_accumulate;
  logic [CmdAddrW-1:0] st_acc_addr;
  logic [CmdRowsW-1:0] st_k;
  logic [RowIdxW-1:0]  pre_row, st_chunk_row;
  logic [CmdRowsW-1:0] st_chunk_rows;
  logic [CmdAddrW-1:0] rq_out_addr;
  logic [DataW-1:0]    rq_zero_point, rq_act_min, rq_act_max;

  serrano_array_ctrl #(
    .Rows     (Rows),
    .Cols     (Cols),
    .Dataflow (Dataflow)
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
    .wb_re_o,
    .wb_raddr_o,
    .pre_buf_o        (pre_buf),
    .pre_row_o        (pre_row),
    .sp_re_o,
    .sp_raddr_o,
    .st_buf_o         (st_buf),
    .st_k_o           (st_k),
    .st_acc_addr_o    (st_acc_addr),
    .st_accumulate_o  (st_accumulate),
    .st_chunk_row_o   (st_chunk_row),
    .st_chunk_rows_o  (st_chunk_rows),
    .acc_re_o,
    .acc_raddr_o,
    .qp_re_o,
    .qp_raddr_o,
    .rq_out_addr_o    (rq_out_addr),
    .rq_zero_point_o  (rq_zero_point),
    .rq_act_min_o     (rq_act_min),
    .rq_act_max_o     (rq_act_max)
  );

  // ---------------------------------------------------------------- stream rows
  logic [Rows-1:0][DataW-1:0] act_row;

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
      st_tag_q <= '{valid: sp_re_o, accumulate: st_accumulate, acc_addr: st_acc_addr};
      st_buf_q <= st_buf;
      st_k_q   <= st_k;
    end
  end

  // Lanes at or beyond the tile's K carry zero (the weights there are stale), as do idle cycles.
  for (genvar k = 0; k < Rows; k++) begin : g_act_mask
    assign act_row[k] = (st_tag_q.valid && (CmdRowsW'(k) < st_k_q)) ? sp_rdata_i[k] : '0;
  end

  if (Dataflow == DataflowOs) begin : g_os
    // ---------------------------------------------------------------- output-stationary path
    // Weight rows arrive one cycle after their read, with the tile row read then; so do the
    // chunk tags of the activation rows.
    logic               pre_valid_q, pre_buf_q;
    logic [RowIdxW-1:0] pre_row_q, st_chunk_row_q;
    logic [CmdRowsW-1:0] st_chunk_rows_q;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        pre_valid_q     <= 1'b0;
        pre_buf_q       <= 1'b0;
        pre_row_q       <= '0;
        st_chunk_row_q  <= '0;
        st_chunk_rows_q <= '0;
      end else begin
        pre_valid_q     <= wb_re_o;
        pre_buf_q       <= pre_buf;
        pre_row_q       <= pre_row;
        st_chunk_row_q  <= st_chunk_row;
        st_chunk_rows_q <= st_chunk_rows;
      end
    end

    serrano_os_datapath #(
      .Rows (Rows),
      .Cols (Cols)
    ) u_os (
      .clk_i,
      .rst_ni,
      .pre_valid_i      (pre_valid_q),
      .pre_buf_i        (pre_buf_q),
      .pre_row_i        (pre_row_q),
      .pre_data_i       (wb_rdata_i),
      .row_valid_i      (st_tag_q.valid),
      .row_data_i       (act_row),
      .row_idx_i        (st_chunk_row_q),
      .row_buf_i        (st_buf_q),
      .row_acc_addr_i   (st_tag_q.acc_addr),
      .row_accumulate_i (st_tag_q.accumulate),
      .row_chunk_rows_i (st_chunk_rows_q),
      .acc_we_o,
      .acc_accumulate_o,
      .acc_waddr_o,
      .acc_wdata_o
    );
  end else begin : g_ws
    // ---------------------------------------------------------------- weight-stationary path
    logic wgt_shift_q, wgt_buf_q;

    // The weight row arrives one cycle after its read: shift it in then.
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        wgt_shift_q <= 1'b0;
        wgt_buf_q   <= 1'b0;
      end else begin
        wgt_shift_q <= wb_re_o;
        wgt_buf_q   <= pre_buf;
      end
    end

    // The chunk tags are for the output-stationary path.
    logic unused_os_tags;
    assign unused_os_tags = ^{pre_row, st_chunk_row, st_chunk_rows};

    logic [Rows-1:0][DataW-1:0] act_skewed;
    logic [Rows-1:0]            act_buf_row, act_buf_skewed;

    for (genvar k = 0; k < Rows; k++) begin : g_act_buf
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

    logic [Cols-1:0][AccW-1:0] psum_bottom;

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
      .wgt_i       (wb_rdata_i),
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
      .data_o (acc_wdata_o)
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

    assign acc_we_o         = acc_wtag.valid;
    assign acc_accumulate_o = acc_wtag.accumulate;
    assign acc_waddr_o      = acc_wtag.acc_addr;
  end

  // ---------------------------------------------------------------- requantization
  typedef struct packed {
    logic                valid;
    logic [CmdAddrW-1:0] out_addr;
    logic [DataW-1:0]    zero_point;
    logic [DataW-1:0]    act_min;
    logic [DataW-1:0]    act_max;
  } rq_tag_t;

  // Tag of the accumulator row being read, aligned with the read data one cycle later, then
  // carried through the RequantStages lane stages (only valid and address go past the lanes).
  rq_tag_t rq_tag_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rq_tag_q <= '0;
    end else begin
      rq_tag_q <= '{valid: acc_re_o, out_addr: rq_out_addr, zero_point: rq_zero_point,
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
    .data_o ({out_valid_o, out_addr_o})
  );

  for (genvar c = 0; c < Cols; c++) begin : g_requant
    serrano_requant_lane u_lane (
      .clk_i,
      .rst_ni,
      .acc_i        (acc_rdata_i[c]),
      .bias_i       (qp_bias_i[c]),
      .mult_i       (qp_mult_i[c]),
      .shift_i      (qp_shift_i[c]),
      .zero_point_i (rq_tag_q.zero_point),
      .act_min_i    (rq_tag_q.act_min),
      .act_max_i    (rq_tag_q.act_max),
      .data_o       (out_data_o[c])
    );
  end

endmodule
