// SPDX-License-Identifier: Apache-2.0
//
// The chip's queue controller (docs/chip-timing.md, "Start", "Units", "End"): when each queue's
// head starts, the four dependency-token counters, and completion in order per queue.
//
// Start. The load head starts when its pops find tokens and fewer than DmaInFlight loads or
// syncs of the queue are still incomplete; the store head likewise, once the store DMA has read
// the previous store's rows; the compute head is presented (takes its tokens) once the vector
// unit is done, then issues to the matrix unit when that accepts it, or starts a vec once the
// matrix unit is idle; a sync starts as soon as it has its tokens.
//
// Tokens. A push is visible in its instruction's completion cycle, so a pop in that cycle may
// take it. A sync completes in its start cycle (when everything before it in its queue has
// completed), so one cycle may chain sync pushes and pops across queues. Each queue starts at
// most one instruction a cycle and such a chain visits each queue once, so three rounds of the
// start decision, each seeing the sync pushes of the round before, reach the fixed point.
//
// Completion. In order per queue: c = max(own completion, previous c). Load and store queues keep
// up to DmaInFlight started instructions; an entry completes when its load's rows are all
// written (load DMA), its store's DRAM write is done (dram_wr_done_i) or at once (sync). The
// compute queue knows each instruction's own completion when it starts (matrix unit: the issue
// cycle plus the drain of docs/array-timing.md; vec: t + 2 + Q + rows x T_row, vec_cycles of
// serrano_chip_pkg; sync: s) and keeps one entry per distinct completion cycle, with the
// instructions and pushes that complete then.

module serrano_chip_ctrl
  import serrano_pkg::*;
  import serrano_chip_pkg::*;
#(
  parameter int Rows    = 4,
  parameter int Cols    = 4,
  parameter int QpBytes = 48,  // bytes of a parameter row (12 Cols)
  parameter int VecPAcc = 2,  // vector cycles per accumulator row
  parameter int VecPSp  = 2,  // vector cycles per scratchpad row
  parameter int CpDepth = 64,  // distinct compute completion cycles in flight
  parameter int Dataflow = DataflowWs  // the matrix unit's: sets when a matmul completes
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   run_i,

  input  logic [2:0]             head_valid_i,
  input  entry_t [2:0]           head_i,
  output logic [2:0]             pop_o,

  // Load DMA.
  output logic                   ld_start_o,
  output logic [DmaTagW-1:0]     ld_tag_o,
  input  logic [3:0]             ld_jobs_done_i,
  input  logic                   ld_busy_i,

  // Store DMA and the DRAM write completions.
  output logic                   st_start_o,
  output logic [DmaTagW-1:0]     st_tag_o,
  input  logic                   st_busy_i,
  input  logic                   st_req_i,
  input  logic [DmaTagW-1:0]     st_req_tag_i,
  input  logic [DmaInFlight-1:0] dram_wr_done_i,

  // Matrix unit and vector unit.
  output logic                   mx_valid_o,
  input  logic                   mx_ready_i,
  input  logic                   mx_idle_i,
  output logic                   vu_start_o,
  output logic                   vu_waited_o,
  input  logic                   vu_busy_i,

  // Events for the harness: starts and completions (counts, in order per queue).
  output logic [CycleW-1:0]      now_o,
  output logic [2:0]             ev_start_o,
  output logic [2:0][IdxW-1:0]   ev_start_idx_o,
  output logic [2:0][15:0]       ev_retire_o,
  output logic                   quiet_o,       // nothing started is incomplete
  output logic [2:0]             blocked_o,     // the head waits for a token only
  output channel_e [2:0]         blocked_ch_o,  // ... on this channel
  output logic                   overflow_o     // compute completion buffer full (a sticky error)
);

  localparam int FifoW = $clog2(DmaInFlight);
  localparam int CpW   = $clog2(CpDepth);
  // A matmul of M rows completes M + MmDrain cycles after it issues (ws), or, output-stationary,
  // ceil(M / Rows) * Rows + MmDrain (docs/array-timing.md sections 2 and 5).
  localparam int MmDrainI = (Dataflow == DataflowOs) ? 2 * Rows + Cols : Rows + Cols + 1;
  localparam int RqDrainI = 1 + SramReadLatency + RequantStages;
  localparam logic [CycleW-1:0] MmDrain = CycleW'(MmDrainI);
  localparam logic [CycleW-1:0] RqDrain = CycleW'(RqDrainI);

  logic [CycleW-1:0] now_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      now_q <= '0;
    end else if (run_i) begin
      now_q <= now_q + 1'b1;
    end
  end
  assign now_o = now_q;

  // ---------------------------------------------------------------- completion state
  // Load and store queues: started, not yet complete, in order.
  logic             ld_sync_q [DmaInFlight];
  logic             ld_push_q [DmaInFlight];
  logic [FifoW-1:0] ld_head_q;
  logic [FifoW:0]   ld_cnt_q;
  logic [7:0]       ld_credit_q;  // loads whose rows are all written, not yet completed
  logic [DmaTagW-1:0] ld_tag_q, st_tag_q;

  logic               st_sync_q [DmaInFlight];
  logic               st_push_q [DmaInFlight];
  logic [DmaTagW-1:0] st_etag_q [DmaInFlight];
  logic [FifoW-1:0]   st_head_q;
  logic [FifoW:0]     st_cnt_q;
  logic [DmaInFlight-1:0] st_requested_q;

  // Compute queue: one entry per completion cycle.
  logic [CycleW-1:0] cp_c_q  [CpDepth];
  logic [15:0]       cp_n_q  [CpDepth];
  logic [15:0]       cp_pp_q [CpDepth];
  logic [15:0]       cp_pn_q [CpDepth];
  logic [CpW-1:0]    cp_head_q;
  logic [CpW:0]      cp_cnt_q;
  logic              cp_presented_q;
  logic              overflow_q;

  logic [3:0][TokW-1:0] tok_q;

  // ---------------------------------------------------------------- completions known now
  logic [FifoW:0] ld_ret, st_ret;
  logic [7:0]     ld_credit_used;
  logic           ld_all_ret, st_all_ret, cp_head_ret, cp_all_ret;
  logic [3:0][TokW-1:0] base;
  logic [CpW-1:0] cp_last;

  assign cp_last = cp_head_q + CpW'(cp_cnt_q) - CpW'(1);

  always_comb begin
    logic chain, d;
    logic [FifoW-1:0] e;
    logic [7:0] credit;
    base           = '0;
    // Load queue: a load entry is done once the load DMA has written all its rows.
    credit         = ld_credit_q + 8'(ld_jobs_done_i);
    ld_credit_used = '0;
    ld_ret         = '0;
    chain          = 1'b1;
    for (int k = 0; k < DmaInFlight; k++) begin
      e = ld_head_q + FifoW'(k);
      d = ld_sync_q[e] || (ld_credit_used < credit);
      if (chain && ((FifoW+1)'(k) < ld_cnt_q) && d) begin
        ld_ret = ld_ret + 1'b1;
        if (!ld_sync_q[e]) begin
          ld_credit_used = ld_credit_used + 8'd1;
        end
        base[ChLoadToCompute] = base[ChLoadToCompute] + TokW'(ld_push_q[e]);
      end else begin
        chain = 1'b0;
      end
    end
    ld_all_ret = ld_ret == ld_cnt_q;
`ifdef SERRANO_BUG_TOKEN_DROP
    // Injected bug (chip variant bug-token-drop, docs/chip-rtl.md): when several loads complete
    // in one cycle, one of their load->compute tokens is lost.
    if (base[ChLoadToCompute] > TokW'(1)) begin
      base[ChLoadToCompute] = base[ChLoadToCompute] - TokW'(1);
    end
`endif
    // Store queue: a store entry is done once its DRAM write is.
    st_ret = '0;
    chain  = 1'b1;
    for (int k = 0; k < DmaInFlight; k++) begin
      e = st_head_q + FifoW'(k);
      d = st_sync_q[e] || (st_requested_q[st_etag_q[e]] && dram_wr_done_i[st_etag_q[e]]);
      if (chain && ((FifoW+1)'(k) < st_cnt_q) && d) begin
        st_ret = st_ret + 1'b1;
        base[ChStoreToCompute] = base[ChStoreToCompute] + TokW'(st_push_q[e]);
      end else begin
        chain = 1'b0;
      end
    end
    st_all_ret = st_ret == st_cnt_q;
    // Compute queue: only the head can complete now.
    cp_head_ret = (cp_cnt_q != '0) && (cp_c_q[cp_head_q] == now_q);
    cp_all_ret  = (cp_cnt_q == '0) || (cp_c_q[cp_last] == now_q);
    if (cp_head_ret) begin
      base[ChComputeToLoad]  = base[ChComputeToLoad] + TokW'(cp_pp_q[cp_head_q]);
      base[ChComputeToStore] = base[ChComputeToStore] + TokW'(cp_pn_q[cp_head_q]);
    end
  end

  // ---------------------------------------------------------------- start decisions
  logic [63:0] lw0, cw0, sw0;
  logic        l_sync, c_sync, c_vec, c_mx, s_sync;
  logic        l_can, c_can, s_can;
  logic        l_go, c_present, s_go;
  logic [3:0][TokW-1:0] extra;

  assign lw0    = head_i[0].w0;
  assign cw0    = head_i[1].w0;
  assign sw0    = head_i[2].w0;
  assign l_sync = op_of(lw0) == OpSync;
  assign c_sync = op_of(cw0) == OpSync;
  assign c_vec  = op_of(cw0) == OpVec;
  assign c_mx   = !c_sync && !c_vec;
  assign s_sync = op_of(sw0) == OpSync;

  assign l_can = run_i && head_valid_i[0] && ((ld_cnt_q - ld_ret) < (FifoW+1)'(DmaInFlight));
  assign c_can = run_i && head_valid_i[1] && !cp_presented_q && !vu_busy_i;
  assign s_can = run_i && head_valid_i[2] && !st_busy_i &&
                 ((st_cnt_q - st_ret) < (FifoW+1)'(DmaInFlight));

  always_comb begin
    logic [3:0][TokW-1:0] avail;
    extra     = '0;
    l_go      = 1'b0;
    c_present = 1'b0;
    s_go      = 1'b0;
    for (int round = 0; round < 3; round++) begin
      for (int ch = 0; ch < 4; ch++) begin
        avail[ch] = tok_q[ch] + base[ch] + extra[ch];
      end
      l_go      = l_can && (!pop_next_of(lw0) || (avail[ChComputeToLoad] != '0));
      c_present = c_can && (!pop_prev_of(cw0) || (avail[ChLoadToCompute] != '0)) &&
                           (!pop_next_of(cw0) || (avail[ChStoreToCompute] != '0));
      s_go      = s_can && (!pop_prev_of(sw0) || (avail[ChComputeToStore] != '0));
      extra = '0;
      if (l_go && l_sync && ld_all_ret) begin
        extra[ChLoadToCompute] = TokW'(push_next_of(lw0));
      end
      if (c_present && c_sync && cp_all_ret) begin
        extra[ChComputeToLoad]  = TokW'(push_prev_of(cw0));
        extra[ChComputeToStore] = TokW'(push_next_of(cw0));
      end
      if (s_go && s_sync && st_all_ret) begin
        extra[ChStoreToCompute] = TokW'(push_prev_of(sw0));
      end
    end
  end

  // A matmul does not read scratchpad rows that requants before it are still writing
  // ([rq_lo_q, rq_hi_q), all written by rq_done_q): it waits for them (docs/chip-timing.md).
  logic [RowAddrW:0]  rq_lo_q, rq_hi_q, c_lo, c_hi;
  logic [CycleW-1:0]  rq_done_q;
  logic               rq_block, rq_issue, rq_pending;
  assign c_lo       = (RowAddrW+1)'(a_of(cw0));
  assign c_hi       = c_lo + (RowAddrW+1)'(rows_of(cw0));
  assign rq_pending = now_q < rq_done_q;
  assign rq_block   = (op_of(cw0) == OpMatmul) && rq_pending && (c_lo < rq_hi_q) &&
                      (rq_lo_q < c_hi);

  // The compute head: presented (tokens taken) now or earlier; it starts when its unit takes it.
  logic c_active, c_start;
  assign c_active    = c_present || cp_presented_q;
  assign mx_valid_o  = c_active && c_mx && !rq_block;
  assign rq_issue    = mx_valid_o && mx_ready_i && (op_of(cw0) == OpRequant);
  assign vu_start_o  = c_active && c_vec && mx_idle_i;
  assign vu_waited_o = cp_presented_q;
  assign c_start     = (c_active && c_sync) || (mx_valid_o && mx_ready_i) || vu_start_o;

  assign pop_o      = {s_go, c_start, l_go};
  assign ld_start_o = l_go && !l_sync;
  assign ld_tag_o   = ld_tag_q;
  assign st_start_o = s_go && !s_sync;
  assign st_tag_o   = st_tag_q;

  // Blocked on tokens alone (for the deadlock report).
  assign blocked_o[0]    = l_can && !l_go;
  assign blocked_ch_o[0] = ChComputeToLoad;
  assign blocked_o[1]    = c_can && !c_present;
  assign blocked_ch_o[1] = (pop_prev_of(cw0) &&
                            ((tok_q[ChLoadToCompute] + base[ChLoadToCompute] +
                              extra[ChLoadToCompute]) == '0)) ? ChLoadToCompute : ChStoreToCompute;
  assign blocked_o[2]    = s_can && !s_go;
  assign blocked_ch_o[2] = ChComputeToStore;

  // ---------------------------------------------------------------- compute completion
  logic [CycleW-1:0] c_own;
  logic [15:0]       c_rows;
  logic [CycleW-1:0] mm_rows;  // the rows a matmul holds the array for
  assign c_rows = rows_of(cw0);
  if (Dataflow == DataflowOs) begin : g_os_rows
    localparam logic [CycleW-1:0] RowsC = CycleW'(Rows);
    assign mm_rows = ((CycleW'(c_rows) + RowsC - CycleW'(1)) / RowsC) * RowsC;
  end else begin : g_ws_rows
    assign mm_rows = CycleW'(c_rows);
  end

  always_comb begin
    unique case (op_of(cw0))
      OpPreload: c_own = now_q + CycleW'(c_rows) + CycleW'(2);
      OpMatmul:  c_own = now_q + mm_rows + MmDrain;
      OpRequant: c_own = now_q + CycleW'(c_rows) + RqDrain;
      OpVec:     c_own = now_q + vec_cycles(cw0, head_i[1].w1, VecPAcc, VecPSp, QpBytes);
      default:   c_own = now_q;
    endcase
  end

  // Destination rows of a requant: [sp, sp + rows).
  logic [RowAddrW:0] rq_dlo, rq_dhi;
  assign rq_dlo = (RowAddrW+1)'(w1_row_of(head_i[1].w1));
  assign rq_dhi = rq_dlo + (RowAddrW+1)'(rows_of(cw0));

  logic c_direct;  // a compute sync that completes in its start cycle
  assign c_direct = c_start && c_sync && cp_all_ret;

  // ---------------------------------------------------------------- events
  assign ev_start_o        = {s_go, c_start, l_go};
  assign ev_start_idx_o[0] = head_i[0].idx;
  assign ev_start_idx_o[1] = head_i[1].idx;
  assign ev_start_idx_o[2] = head_i[2].idx;
  assign ev_retire_o[0]    = 16'(ld_ret) + 16'(l_go && l_sync && ld_all_ret);
  assign ev_retire_o[1]    = (cp_head_ret ? cp_n_q[cp_head_q] : 16'd0) + 16'(c_direct);
  assign ev_retire_o[2]    = 16'(st_ret) + 16'(s_go && s_sync && st_all_ret);

  assign quiet_o = (ld_cnt_q == '0) && (st_cnt_q == '0) && (cp_cnt_q == '0) && !ld_busy_i &&
                   !st_busy_i && !cp_presented_q && !vu_busy_i && mx_idle_i;
  assign overflow_o = overflow_q;

  // ---------------------------------------------------------------- state update
  logic l_append, s_append;
  assign l_append = l_go && !(l_sync && ld_all_ret);
  assign s_append = s_go && !(s_sync && st_all_ret);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ld_head_q      <= '0;
      ld_cnt_q       <= '0;
      ld_credit_q    <= '0;
      ld_tag_q       <= '0;
      st_head_q      <= '0;
      st_cnt_q       <= '0;
      st_tag_q       <= '0;
      st_requested_q <= '0;
      cp_head_q      <= '0;
      cp_cnt_q       <= '0;
      cp_presented_q <= 1'b0;
      overflow_q     <= 1'b0;
      rq_lo_q        <= '0;
      rq_hi_q        <= '0;
      rq_done_q      <= '0;
      tok_q          <= '0;
    end else begin
      // Tokens: pushes of completions, minus pops of starts.
      for (int ch = 0; ch < 4; ch++) begin
        tok_q[ch] <= tok_q[ch] + base[ch] + extra[ch];
      end
      if (l_go && pop_next_of(lw0)) begin
        tok_q[ChComputeToLoad] <= tok_q[ChComputeToLoad] + base[ChComputeToLoad] +
                                  extra[ChComputeToLoad] - TokW'(1);
      end
      if (c_present && pop_prev_of(cw0)) begin
        tok_q[ChLoadToCompute] <= tok_q[ChLoadToCompute] + base[ChLoadToCompute] +
                                  extra[ChLoadToCompute] - TokW'(1);
      end
      if (c_present && pop_next_of(cw0)) begin
        tok_q[ChStoreToCompute] <= tok_q[ChStoreToCompute] + base[ChStoreToCompute] +
                                   extra[ChStoreToCompute] - TokW'(1);
      end
      if (s_go && pop_prev_of(sw0)) begin
        tok_q[ChComputeToStore] <= tok_q[ChComputeToStore] + base[ChComputeToStore] +
                                   extra[ChComputeToStore] - TokW'(1);
      end

      // Load queue.
      ld_head_q   <= ld_head_q + FifoW'(ld_ret);
      ld_cnt_q    <= ld_cnt_q - ld_ret + (FifoW+1)'(l_append);
      ld_credit_q <= ld_credit_q + 8'(ld_jobs_done_i) - ld_credit_used;
      if (ld_start_o) begin
        ld_tag_q <= ld_tag_q + 1'b1;
      end

      // Store queue.
      st_head_q <= st_head_q + FifoW'(st_ret);
      st_cnt_q  <= st_cnt_q - st_ret + (FifoW+1)'(s_append);
      if (st_start_o) begin
        st_tag_q <= st_tag_q + 1'b1;
        st_requested_q[st_tag_q] <= 1'b0;
      end
      if (st_req_i) begin
        st_requested_q[st_req_tag_i] <= 1'b1;
      end

      // Compute queue.
      cp_presented_q <= c_active && !c_start;
      if (rq_issue) begin
        rq_lo_q   <= (rq_pending && (rq_lo_q < rq_dlo)) ? rq_lo_q : rq_dlo;
        rq_hi_q   <= (rq_pending && (rq_hi_q > rq_dhi)) ? rq_hi_q : rq_dhi;
        rq_done_q <= c_own;
      end
      if (c_start && !c_direct && (cp_cnt_q == (CpW+1)'(CpDepth)) && !cp_head_ret) begin
        overflow_q <= 1'b1;
      end
      cp_head_q <= cp_head_q + CpW'(cp_head_ret);
      if (c_start && !c_direct && (cp_cnt_q != '0) && (c_own <= cp_c_q[cp_last])) begin
        cp_cnt_q <= cp_cnt_q - (CpW+1)'(cp_head_ret);
      end else begin
        cp_cnt_q <= cp_cnt_q - (CpW+1)'(cp_head_ret) + (CpW+1)'(c_start && !c_direct);
      end
    end
  end

  logic [FifoW-1:0] ld_tail, st_tail;
  logic [CpW-1:0]   cp_tail;
  assign ld_tail = ld_head_q + FifoW'(ld_cnt_q);
  assign st_tail = st_head_q + FifoW'(st_cnt_q);
  assign cp_tail = cp_head_q + CpW'(cp_cnt_q);

  always_ff @(posedge clk_i) begin
    if (l_append) begin
      ld_sync_q[ld_tail] <= l_sync;
      ld_push_q[ld_tail] <= push_next_of(lw0);
    end
    if (s_append) begin
      st_sync_q[st_tail] <= s_sync;
      st_push_q[st_tail] <= push_prev_of(sw0);
      st_etag_q[st_tail] <= st_tag_q;
    end
    if (c_start && !c_direct) begin
      if ((cp_cnt_q != '0) && (c_own <= cp_c_q[cp_last])) begin
        cp_n_q[cp_last]  <= cp_n_q[cp_last] + 16'd1;
        cp_pp_q[cp_last] <= cp_pp_q[cp_last] + 16'(push_prev_of(cw0));
        cp_pn_q[cp_last] <= cp_pn_q[cp_last] + 16'(push_next_of(cw0));
      end else begin
        cp_c_q[cp_tail]  <= c_own;
        cp_n_q[cp_tail]  <= 16'd1;
        cp_pp_q[cp_tail] <= 16'(push_prev_of(cw0));
        cp_pn_q[cp_tail] <= 16'(push_next_of(cw0));
      end
    end
  end

  logic unused;
  assign unused = ^{head_i[0].w1, head_i[1].w1[63:20], head_i[2].w1, cw0[63:48], cw0[31:11], cw0[3:0],
                    lw0[63:8], lw0[4], lw0[3:0], sw0[63:8], sw0[5:0]};

endmodule
