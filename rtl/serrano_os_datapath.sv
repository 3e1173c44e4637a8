// SPDX-License-Identifier: Apache-2.0
//
// The output-stationary datapath of the matrix unit (docs/array-timing.md, section 5): weight
// staging buffers, activation feeders, weight sequencer, the Rows x Cols output-stationary array,
// de-skew and the accumulator write-back sequencer. It takes the rows the controller reads and
// produces accumulator writes, as the weight-stationary path does, with different timing.
//
// A stream is cut into chunks of Rows activation rows (the last chunk may be shorter). Row r of a
// chunk goes to PE row r: chunk row r arrives in cycle b+r (b: the chunk's first row), and its
// feeder presents lane k to PE (r, 0) in cycle b+r+k. The weight sequencer presents staging row
// k in cycle b+k, delayed c cycles for column c, so weight (k, c) meets activation (r, k) in PE
// (r, c) in cycle b+r+c+k. Each chunk takes Rows k steps (lanes at or above the tile's K are
// zero); PE (r, c) finishes in cycle b+r+c+Rows-1. A drain token leaves the sequencer in cycle
// b+2*Rows-1 and drains the column, bottom row first: column c presents row Rows-1-i at its
// bottom in cycle b+c+2*Rows-1+i, and after the de-skew the whole row is written at the end of
// cycle b+2*Rows+Cols-2+i (i = 0 .. Rows-1). Chunks start at least Rows cycles apart (the
// controller's interlocks), so chunks never meet in a PE, the drain chain or the write port.

module serrano_os_datapath
  import serrano_pkg::*;
#(
  parameter int Rows = 4,
  parameter int Cols = 4,
  localparam int RowIdxW = (Rows > 1) ? $clog2(Rows) : 1
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,

  // Preload: weight row `pre_row_i` of the tile, into staging buffer `pre_buf_i`.
  input  logic                        pre_valid_i,
  input  logic                        pre_buf_i,
  input  logic [RowIdxW-1:0]          pre_row_i,
  input  logic [Cols-1:0][DataW-1:0]  pre_data_i,

  // Stream: one activation row (lanes at or above K already zero) and its tags. The chunk
  // fields are read with chunk row 0: the accumulator row of chunk row 0 and the chunk's rows.
  input  logic                        row_valid_i,
  input  logic [Rows-1:0][DataW-1:0]  row_data_i,
  input  logic [RowIdxW-1:0]          row_idx_i,
  input  logic                        row_buf_i,
  input  logic [CmdAddrW-1:0]         row_acc_addr_i,
  input  logic                        row_accumulate_i,
  input  logic [CmdRowsW-1:0]         row_chunk_rows_i,

  // Accumulator writes.
  output logic                        acc_we_o,
  output logic                        acc_accumulate_o,
  output logic [CmdAddrW-1:0]         acc_waddr_o,
  output logic [Cols-1:0][AccW-1:0]   acc_wdata_o
);

  localparam int CntW = RowIdxW + 1;

  logic chunk_start;
  assign chunk_start = row_valid_i && (row_idx_i == '0);

  // ---------------------------------------------------------------- weight staging buffers
  // Data storage without reset, like the weight buffer it copies: rows a stream reads past the
  // tile's K meet activations forced to zero.
  logic [Cols-1:0][DataW-1:0] stage_q [2][Rows];

  always_ff @(posedge clk_i) begin
    if (pre_valid_i) begin
      stage_q[pre_buf_i][pre_row_i] <= pre_data_i;
    end
  end

  // ---------------------------------------------------------------- weight sequencer
  // Staging row k in cycle b+k (k = 0 .. Rows-1) of each chunk, from the stream's buffer.
  logic               seq_buf_q;
  logic [RowIdxW-1:0] seq_k_q;
  logic [CntW-1:0]    seq_left_q;
  logic               seq_on;
  logic               seq_buf;
  logic [RowIdxW-1:0] seq_k;
  logic [Cols-1:0][DataW-1:0] seq_row;

  assign seq_on  = chunk_start || (seq_left_q != '0);
  assign seq_buf = chunk_start ? row_buf_i : seq_buf_q;
  assign seq_k   = chunk_start ? '0 : seq_k_q;

  assign seq_row = seq_on ? stage_q[seq_buf][seq_k] : '0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      seq_buf_q  <= 1'b0;
      seq_k_q    <= '0;
      seq_left_q <= '0;
    end else if (chunk_start) begin
      seq_buf_q  <= row_buf_i;
      seq_k_q    <= RowIdxW'(1 % Rows);
      seq_left_q <= CntW'(Rows - 1);
    end else if (seq_left_q != '0) begin
      seq_k_q    <= seq_k_q + RowIdxW'(1);
      seq_left_q <= seq_left_q - CntW'(1);
    end
  end

  // The drain token 2*Rows-1 cycles after the chunk starts, announced one cycle earlier.
  logic start, tok_q;

  serrano_delay #(
    .Width (1),
    .Depth (2 * Rows - 2)
  ) u_start_delay (
    .clk_i,
    .rst_ni,
    .data_i (chunk_start),
    .data_o (start)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tok_q <= 1'b0;
    end else begin
      tok_q <= start;
    end
  end

  // Column c delayed c cycles: weight, token and announcement together.
  logic [Cols-1:0][DataW+1:0] top_row, top_skewed;
  logic [Cols-1:0][DataW-1:0] wgt_top;
  logic [Cols-1:0]            tok_top, start_top;

  for (genvar c = 0; c < Cols; c++) begin : g_top
    assign top_row[c]   = {start, tok_q, seq_row[c]};
    assign start_top[c] = top_skewed[c][DataW+1];
    assign tok_top[c]   = top_skewed[c][DataW];
    assign wgt_top[c]   = top_skewed[c][DataW-1:0];
  end

  serrano_skew #(
    .Lanes   (Cols),
    .Width   (DataW + 2),
    .Reverse (1'b0)
  ) u_top_skew (
    .clk_i,
    .rst_ni,
    .data_i (top_row),
    .data_o (top_skewed)
  );

  // ---------------------------------------------------------------- activation feeders
  // Feeder r takes chunk row r and presents one lane a cycle, lane 0 in the cycle it arrives.
  logic [Rows-1:0][DataW-1:0] act_left;
  logic [Rows-1:0]            first_left, last_left;

  for (genvar r = 0; r < Rows; r++) begin : g_feed
    // Lanes 1 .. Rows-1 of the row wait in lanes 0 .. Rows-2 of feed_q.
    logic [Rows-1:0][DataW-1:0] feed_q;
    logic [CntW-1:0]            feed_left_q;
    logic                       load;
    assign load = row_valid_i && (row_idx_i == RowIdxW'(r));

    always_comb begin
      if (load) begin
        act_left[r]   = row_data_i[0];
        first_left[r] = 1'b1;
        last_left[r]  = (Rows == 1);
      end else if (feed_left_q != '0) begin
        act_left[r]   = feed_q[0];
        first_left[r] = 1'b0;
        last_left[r]  = (feed_left_q == CntW'(1));
      end else begin
        act_left[r]   = '0;
        first_left[r] = 1'b0;
        last_left[r]  = 1'b0;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        feed_q      <= '0;
        feed_left_q <= '0;
      end else if (load) begin
        feed_q      <= row_data_i >> DataW;
        feed_left_q <= CntW'(Rows - 1);
      end else if (feed_left_q != '0) begin
        feed_q      <= feed_q >> DataW;
        feed_left_q <= feed_left_q - CntW'(1);
      end
    end
  end

  // ---------------------------------------------------------------- array and de-skew
  logic [Cols-1:0][AccW-1:0] out_bottom;

  serrano_systolic_array_os #(
    .Rows (Rows),
    .Cols (Cols)
  ) u_array (
    .clk_i,
    .rst_ni,
    .act_i   (act_left),
    .first_i (first_left),
    .last_i  (last_left),
    .wgt_i   (wgt_top),
    .tok_i   (tok_top),
    .start_i (start_top),
    .out_o   (out_bottom)
  );

  serrano_skew #(
    .Lanes   (Cols),
    .Width   (AccW),
    .Reverse (1'b1)
  ) u_out_deskew (
    .clk_i,
    .rst_ni,
    .data_i (out_bottom),
    .data_o (acc_wdata_o)
  );

  // ---------------------------------------------------------------- write-back sequencer
  // The chunk's tag reaches the sequencer in cycle b+2*Rows+Cols-3; slot i (row Rows-1-i of the
  // chunk) is written at the end of cycle b+2*Rows+Cols-2+i, if that row exists.
  typedef struct packed {
    logic                valid;
    logic                accumulate;
    logic [CmdAddrW-1:0] base;
    logic [CmdRowsW-1:0] rows;
  } chunk_tag_t;

  chunk_tag_t chunk_tag, wb_tag;

  assign chunk_tag = '{valid: chunk_start, accumulate: row_accumulate_i, base: row_acc_addr_i,
                       rows: row_chunk_rows_i};

  serrano_delay #(
    .Width ($bits(chunk_tag_t)),
    .Depth (2 * Rows + Cols - 3)
  ) u_chunk_delay (
    .clk_i,
    .rst_ni,
    .data_i (chunk_tag),
    .data_o (wb_tag)
  );

  logic                wbs_active_q, wbs_accumulate_q;
  logic [CmdAddrW-1:0] wbs_base_q;
  logic [CmdRowsW-1:0] wbs_rows_q;
  logic [RowIdxW-1:0]  wbs_row_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wbs_active_q     <= 1'b0;
      wbs_accumulate_q <= 1'b0;
      wbs_base_q       <= '0;
      wbs_rows_q       <= '0;
      wbs_row_q        <= '0;
    end else if (wb_tag.valid) begin
      wbs_active_q     <= 1'b1;
      wbs_accumulate_q <= wb_tag.accumulate;
      wbs_base_q       <= wb_tag.base;
      wbs_rows_q       <= wb_tag.rows;
      wbs_row_q        <= RowIdxW'(Rows - 1);
    end else if (wbs_active_q) begin
      wbs_active_q <= (wbs_row_q != '0);
      wbs_row_q    <= wbs_row_q - RowIdxW'(1);
    end
  end

  assign acc_we_o         = wbs_active_q && (CmdRowsW'(wbs_row_q) < wbs_rows_q);
  assign acc_accumulate_o = wbs_accumulate_q;
  assign acc_waddr_o      = wbs_base_q + CmdAddrW'(wbs_row_q);

endmodule
