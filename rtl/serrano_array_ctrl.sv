// SPDX-License-Identifier: Apache-2.0
//
// Command issue and sequencing for the matrix unit (array + accumulators + requant).
//
// Commands are accepted in order, at most one per cycle. A command issues in the first cycle in
// which all of its interlocks are clear; each interlock is a down-counter holding "cycles until
// this resource is free". A command issued in cycle t that frees a resource at t + D loads the
// counter with D - 1, so the counter reads zero from cycle t + D on. docs/array-timing.md derives
// every D below from the datapath in serrano_gemm_core.sv; the SystemC model uses the same table.
//
//   preload (K rows, issue t)      reads weight rows t+1 .. t+K, shifts them in t+2 .. t+K+1
//   stream  (M rows, issue t)      reads activation row m at t+1+m; row m meets PE (r, c) at
//                                  t+2+m+r+c; accumulator row m is written at the end of
//                                  cycle t+m+Rows+Cols+1
//   requant (M rows, issue t)      reads accumulator row m at t+1+m, emits it at t+m+5
//
//   interlock                      set by            D                     checked by
//   preload port                   preload           K                     preload
//   buffer b loaded                preload into b    K                     stream using b
//   buffer b no longer read        stream using b    M + Rows + Cols - 3   preload into b
//   activation port                stream            M                     stream
//   accumulators written           stream            M + Rows + Cols       requant
//   accumulator read port          requant           M                     requant, and a stream
//                                                                          whose rows overlap it
//   drain (idle)                   preload           K + 2
//                                  stream            M + Rows + Cols + 1
//                                  requant           M + 5
//
// With Dataflow = DataflowOs (output-stationary, serrano_os_datapath.sv) a stream of M rows is
// n = ceil(M / Rows) chunks of Rows rows, each holding the array for Rows cycles; its rows are read
// as above, but the sums leave the array chunk by chunk, bottom row first. Only the stream's
// delays change (docs/array-timing.md, section 5):
//   activation port                stream            n * Rows
//   buffer b no longer read        stream using b    n * Rows - 1
//   accumulators written           stream            n * Rows + 2 * Rows + Cols - 1
//   drain (idle)                   stream            n * Rows + 2 * Rows + Cols

module serrano_array_ctrl
  import serrano_pkg::*;
#(
  parameter int Rows     = 4,
  parameter int Cols     = 4,
  parameter int Dataflow = DataflowWs,
  localparam int RowIdxW = (Rows > 1) ? $clog2(Rows) : 1
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // Command interface (valid/ready).
  input  logic                cmd_valid_i,
  output logic                cmd_ready_o,
  input  cmd_op_e             cmd_op_i,
  input  logic [CmdRowsW-1:0] cmd_rows_i,
  input  logic [CmdAddrW-1:0] cmd_src_i,
  input  logic [CmdAddrW-1:0] cmd_dst_i,
  input  logic [CmdAddrW-1:0] cmd_qp_i,
  input  logic                cmd_accumulate_i,
  input  logic [DataW-1:0]    cmd_zero_point_i,
  input  logic [DataW-1:0]    cmd_act_min_i,
  input  logic [DataW-1:0]    cmd_act_max_i,
  output logic                idle_o,

  // Preload engine: one weight-buffer read per cycle, into buffer pre_buf_o.
  output logic                wb_re_o,
  output logic [CmdAddrW-1:0] wb_raddr_o,
  output logic                pre_buf_o,
  output logic [RowIdxW-1:0]  pre_row_o,    // tile row of the weight row being read

  // Stream engine: one activation read per cycle, with the tags of that row.
  output logic                sp_re_o,
  output logic [CmdAddrW-1:0] sp_raddr_o,
  output logic                st_buf_o,
  output logic [CmdRowsW-1:0] st_k_o,
  output logic [CmdAddrW-1:0] st_acc_addr_o,
  output logic                st_accumulate_o,
  output logic [RowIdxW-1:0]  st_chunk_row_o,   // row within its chunk of Rows rows (os)
  output logic [CmdRowsW-1:0] st_chunk_rows_o,  // rows of that chunk, read with chunk row 0

  // Requant engine: one accumulator read per cycle; the parameter row is read once per command.
  output logic                acc_re_o,
  output logic [CmdAddrW-1:0] acc_raddr_o,
  output logic                qp_re_o,
  output logic [CmdAddrW-1:0] qp_raddr_o,
  output logic [CmdAddrW-1:0] rq_out_addr_o,
  output logic [DataW-1:0]    rq_zero_point_o,
  output logic [DataW-1:0]    rq_act_min_o,
  output logic [DataW-1:0]    rq_act_max_o
);

  localparam int CntW = 32;
  typedef logic [CntW-1:0] cnt_t;

  // Counter after one cycle passes: decrement, saturating at zero.
  function automatic cnt_t tick(cnt_t cnt);
    return (cnt == '0) ? '0 : cnt - cnt_t'(1);
  endfunction

  // Counter after a command that frees the resource D cycles after its issue cycle.
  function automatic cnt_t hold(cnt_t ticked, cnt_t d);
    cnt_t dm1;
    dm1 = (d == '0) ? '0 : d - cnt_t'(1);
    return (ticked > dm1) ? ticked : dm1;
  endfunction

  // ---- interlock counters ----
  cnt_t pre_port_cnt_q, sp_port_cnt_q, acc_rd_cnt_q, acc_ready_cnt_q, drain_cnt_q;
  cnt_t buf_ready_cnt_q [2];
  cnt_t buf_free_cnt_q  [2];
  cnt_t pre_port_cnt_d, sp_port_cnt_d, acc_rd_cnt_d, acc_ready_cnt_d, drain_cnt_d;
  cnt_t buf_ready_cnt_d [2];
  cnt_t buf_free_cnt_d  [2];

  // Which weight buffer the next stream uses (the one most recently preloaded) and the K of each.
  logic                cur_buf_q, cur_buf_d;
  logic [CmdRowsW-1:0] buf_k_q [2];
  logic [CmdRowsW-1:0] buf_k_d [2];

  // Accumulator rows being read by the current requant (for the stream overlap interlock).
  logic [CmdAddrW-1:0] rq_lo_q, rq_lo_d;
  logic [CmdRowsW-1:0] rq_rows_q, rq_rows_d;

  // ---- issue decision ----
  cnt_t rows, d_pre_drain, d_st_port, d_st_buf_free, d_st_acc_ready, d_st_drain, d_rq_drain;
  logic overlap;
  logic issue, issue_pre, issue_st, issue_rq;

  assign rows           = cnt_t'(cmd_rows_i);
  assign d_pre_drain    = rows + cnt_t'(2);
  if (Dataflow == DataflowOs) begin : g_os_delays
    cnt_t chunk_cycles;  // n * Rows: the cycles the stream's chunks hold the array
    assign chunk_cycles   = ((rows + cnt_t'(Rows - 1)) / cnt_t'(Rows)) * cnt_t'(Rows);
    assign d_st_port      = chunk_cycles;
    assign d_st_buf_free  = (chunk_cycles == '0) ? '0 : chunk_cycles - cnt_t'(1);
    assign d_st_acc_ready = chunk_cycles + cnt_t'(2 * Rows + Cols - 1);
    assign d_st_drain     = chunk_cycles + cnt_t'(2 * Rows + Cols);
  end else begin : g_ws_delays
    assign d_st_port      = rows;
`ifdef SERRANO_BUG_TIMING
    // Injected bug (tests/crosscheck): one cycle more conservative than needed. Data stay
    // right, only the cycle counts change, and only where this interlock binds.
    assign d_st_buf_free  = rows + cnt_t'(Rows + Cols) - cnt_t'(2);
`else
    assign d_st_buf_free  = rows + cnt_t'(Rows + Cols) - cnt_t'(3);
`endif
    assign d_st_acc_ready = rows + cnt_t'(Rows + Cols);
    assign d_st_drain     = rows + cnt_t'(Rows + Cols + 1);
  end
  assign d_rq_drain     = rows + cnt_t'(1 + SramReadLatency + RequantStages);

  // Rows [dst, dst + M) of the stream against rows [lo, lo + rows) of the requant.
  assign overlap = ({1'b0, cmd_dst_i} < ({1'b0, rq_lo_q} + (CmdAddrW+1)'(rq_rows_q))) &&
                   ({1'b0, rq_lo_q} < ({1'b0, cmd_dst_i} + (CmdAddrW+1)'(cmd_rows_i)));

  always_comb begin
    unique case (cmd_op_i)
      CmdPreload: cmd_ready_o = (pre_port_cnt_q == '0) && (buf_free_cnt_q[!cur_buf_q] == '0);
      CmdStream:  cmd_ready_o = (sp_port_cnt_q == '0) && (buf_ready_cnt_q[cur_buf_q] == '0) &&
                                !((acc_rd_cnt_q != '0) && overlap);
      CmdRequant: cmd_ready_o = (acc_rd_cnt_q == '0) && (acc_ready_cnt_q == '0);
      default:    cmd_ready_o = 1'b0;  // invalid opcode: never accepted
    endcase
  end

  assign issue     = cmd_valid_i && cmd_ready_o;
  assign issue_pre = issue && (cmd_op_i == CmdPreload);
  assign issue_st  = issue && (cmd_op_i == CmdStream);
  assign issue_rq  = issue && (cmd_op_i == CmdRequant);

  always_comb begin
    pre_port_cnt_d     = tick(pre_port_cnt_q);
    sp_port_cnt_d      = tick(sp_port_cnt_q);
    acc_rd_cnt_d       = tick(acc_rd_cnt_q);
    acc_ready_cnt_d    = tick(acc_ready_cnt_q);
    drain_cnt_d        = tick(drain_cnt_q);
    buf_ready_cnt_d[0] = tick(buf_ready_cnt_q[0]);
    buf_ready_cnt_d[1] = tick(buf_ready_cnt_q[1]);
    buf_free_cnt_d[0]  = tick(buf_free_cnt_q[0]);
    buf_free_cnt_d[1]  = tick(buf_free_cnt_q[1]);
    cur_buf_d          = cur_buf_q;
    buf_k_d            = buf_k_q;
    rq_lo_d            = rq_lo_q;
    rq_rows_d          = rq_rows_q;

    if (issue_pre) begin
      cur_buf_d                   = !cur_buf_q;
      buf_k_d[!cur_buf_q]         = cmd_rows_i;
      pre_port_cnt_d              = hold(pre_port_cnt_d, rows);
      buf_ready_cnt_d[!cur_buf_q] = hold(buf_ready_cnt_d[!cur_buf_q], rows);
      drain_cnt_d                 = hold(drain_cnt_d, d_pre_drain);
    end
    if (issue_st) begin
      sp_port_cnt_d             = hold(sp_port_cnt_d, d_st_port);
      buf_free_cnt_d[cur_buf_q] = hold(buf_free_cnt_d[cur_buf_q], d_st_buf_free);
      acc_ready_cnt_d           = hold(acc_ready_cnt_d, d_st_acc_ready);
      drain_cnt_d               = hold(drain_cnt_d, d_st_drain);
    end
    if (issue_rq) begin
      acc_rd_cnt_d = hold(acc_rd_cnt_d, rows);
      drain_cnt_d  = hold(drain_cnt_d, d_rq_drain);
      rq_lo_d      = cmd_src_i;
      rq_rows_d    = cmd_rows_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pre_port_cnt_q     <= '0;
      sp_port_cnt_q      <= '0;
      acc_rd_cnt_q       <= '0;
      acc_ready_cnt_q    <= '0;
      drain_cnt_q        <= '0;
      buf_ready_cnt_q[0] <= '0;
      buf_ready_cnt_q[1] <= '0;
      buf_free_cnt_q[0]  <= '0;
      buf_free_cnt_q[1]  <= '0;
      cur_buf_q          <= 1'b1;  // the first preload fills buffer 0
      buf_k_q[0]         <= '0;
      buf_k_q[1]         <= '0;
      rq_lo_q            <= '0;
      rq_rows_q          <= '0;
    end else begin
      pre_port_cnt_q     <= pre_port_cnt_d;
      sp_port_cnt_q      <= sp_port_cnt_d;
      acc_rd_cnt_q       <= acc_rd_cnt_d;
      acc_ready_cnt_q    <= acc_ready_cnt_d;
      drain_cnt_q        <= drain_cnt_d;
      buf_ready_cnt_q    <= buf_ready_cnt_d;
      buf_free_cnt_q     <= buf_free_cnt_d;
      cur_buf_q          <= cur_buf_d;
      buf_k_q            <= buf_k_d;
      rq_lo_q            <= rq_lo_d;
      rq_rows_q          <= rq_rows_d;
    end
  end

  assign idle_o = (drain_cnt_q == '0);

  // ---- preload engine ----
  logic [CmdRowsW-1:0] pre_left_q;
  logic [CmdAddrW-1:0] pre_addr_q;
  logic                pre_buf_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pre_left_q <= '0;
      pre_addr_q <= '0;
      pre_buf_q  <= 1'b0;
    end else if (issue_pre) begin
      // Rows are read last-first so that, shifting down, weight row k ends in PE row k.
      pre_left_q <= cmd_rows_i;
      pre_addr_q <= cmd_src_i + CmdAddrW'(cmd_rows_i) - CmdAddrW'(1);
      pre_buf_q  <= !cur_buf_q;
    end else if (pre_left_q != '0) begin
      pre_left_q <= pre_left_q - CmdRowsW'(1);
      pre_addr_q <= pre_addr_q - CmdAddrW'(1);
    end
  end

  assign wb_re_o    = (pre_left_q != '0);
  assign wb_raddr_o = pre_addr_q;
  assign pre_buf_o  = pre_buf_q;
  assign pre_row_o  = RowIdxW'(pre_left_q - CmdRowsW'(1));

  // ---- stream engine ----
  logic [CmdRowsW-1:0] st_left_q;
  logic [CmdAddrW-1:0] st_sp_addr_q, st_acc_addr_q;
  logic                st_buf_q, st_accumulate_q;
  logic [CmdRowsW-1:0] st_k_q;
  logic [RowIdxW-1:0]  st_row_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_left_q       <= '0;
      st_sp_addr_q    <= '0;
      st_acc_addr_q   <= '0;
      st_buf_q        <= 1'b0;
      st_accumulate_q <= 1'b0;
      st_k_q          <= '0;
      st_row_q        <= '0;
    end else if (issue_st) begin
      st_left_q       <= cmd_rows_i;
      st_sp_addr_q    <= cmd_src_i;
      st_acc_addr_q   <= cmd_dst_i;
      st_buf_q        <= cur_buf_q;
      st_accumulate_q <= cmd_accumulate_i;
      st_k_q          <= buf_k_q[cur_buf_q];
      st_row_q        <= '0;
    end else if (st_left_q != '0) begin
      st_left_q     <= st_left_q - CmdRowsW'(1);
      st_row_q      <= (st_row_q == RowIdxW'(Rows - 1)) ? '0 : st_row_q + RowIdxW'(1);
      st_sp_addr_q  <= st_sp_addr_q + CmdAddrW'(1);
      st_acc_addr_q <= st_acc_addr_q + CmdAddrW'(1);
    end
  end

  assign sp_re_o         = (st_left_q != '0);
  assign sp_raddr_o      = st_sp_addr_q;
  assign st_buf_o        = st_buf_q;
  assign st_k_o          = st_k_q;
  assign st_acc_addr_o   = st_acc_addr_q;
  assign st_accumulate_o = st_accumulate_q;
  assign st_chunk_row_o  = st_row_q;
  assign st_chunk_rows_o = (st_left_q < CmdRowsW'(Rows)) ? st_left_q : CmdRowsW'(Rows);

  // ---- requant engine ----
  logic [CmdRowsW-1:0] rq_left_q;
  logic [CmdAddrW-1:0] rq_acc_addr_q, rq_out_addr_q, rq_qp_q;
  logic                rq_first_q;
  logic [DataW-1:0]    rq_zp_q, rq_min_q, rq_max_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rq_left_q     <= '0;
      rq_acc_addr_q <= '0;
      rq_out_addr_q <= '0;
      rq_qp_q       <= '0;
      rq_first_q    <= 1'b0;
      rq_zp_q       <= '0;
      rq_min_q      <= '0;
      rq_max_q      <= '0;
    end else if (issue_rq) begin
      rq_left_q     <= cmd_rows_i;
      rq_acc_addr_q <= cmd_src_i;
      rq_out_addr_q <= cmd_dst_i;
      rq_qp_q       <= cmd_qp_i;
      rq_first_q    <= 1'b1;
      rq_zp_q       <= cmd_zero_point_i;
      rq_min_q      <= cmd_act_min_i;
      rq_max_q      <= cmd_act_max_i;
    end else begin
      rq_first_q <= 1'b0;
      if (rq_left_q != '0) begin
        rq_left_q     <= rq_left_q - CmdRowsW'(1);
        rq_acc_addr_q <= rq_acc_addr_q + CmdAddrW'(1);
        rq_out_addr_q <= rq_out_addr_q + CmdAddrW'(1);
      end
    end
  end

  assign acc_re_o        = (rq_left_q != '0);
  assign acc_raddr_o     = rq_acc_addr_q;
  assign qp_re_o         = rq_first_q;
  assign qp_raddr_o      = rq_qp_q;
  assign rq_out_addr_o   = rq_out_addr_q;
  assign rq_zero_point_o = rq_zp_q;
  assign rq_act_min_o    = rq_min_q;
  assign rq_act_max_o    = rq_max_q;

endmodule
