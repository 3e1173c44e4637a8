// SPDX-License-Identifier: Apache-2.0
//
// The whole chip (docs/chip-rtl.md): it runs an ISA v1 program (docs/isa.md) with the timing of
// docs/chip-timing.md, cycle for cycle as the SystemC chip model does.
//
//   imem -> fetch -> dispatch -> load / compute / store queues (serrano_chip_frontend)
//   queue heads, tokens, completion (serrano_chip_ctrl)
//     load queue    -> serrano_load_dma   : DRAM read requests, rows into the banks
//     compute queue -> serrano_matrix_unit: preload / matmul / requant
//                   -> serrano_vector_unit: vec ops
//     store queue   -> serrano_store_dma  : rows out of the banks, DRAM write requests
//   scratchpad, weight buffer, accumulators, parameters (serrano_banked_mem)
//
// The DRAM is outside: the harness answers the dram_* ports with the DRAM timing model
// (model/dram). Parameters come from the architecture config (testbench/chip/CMakeLists.txt reads
// them from configs/<name>.yaml); scratchpad rows are Rows bytes, so Rows == Cols.

module serrano_chip
  import serrano_pkg::*;
  import serrano_chip_pkg::*;
#(
  parameter int Rows      = 4,
  parameter int Cols      = 4,
  parameter int SpDepth   = 1024,  // rows of max(Rows, Cols) int8
  parameter int WbDepth   = 256,   // rows of Cols int8
  parameter int AccDepth  = 128,   // rows of Cols int32
  parameter int SpBanks   = 4,
  parameter int WbBanks   = 2,
  parameter int AccBanks  = 2,
  parameter int VecLanes  = 2,
  parameter int ImemDepth = 16384,
  parameter int Dataflow  = DataflowWs,  // array.dataflow: DataflowWs or DataflowOs
  localparam int SpBytes   = Rows,
  localparam int WbBytes   = Cols,
  localparam int AccBytes  = 4 * Cols,
  localparam int QpBytes   = 12 * Cols,
  localparam int LdLanes   = SpBanks + WbBanks + AccBanks + 1,
  localparam int StLanes   = (SpBanks > AccBanks) ? SpBanks : AccBanks,
  localparam int ImemAddrW = $clog2(ImemDepth)
) (
  input  logic                                  clk_i,
  input  logic                                  rst_ni,

  // Program: instruction memory fill (backdoor, before the run), length, run.
  input  logic                                  imem_we_i,
  input  logic [ImemAddrW-1:0]                  imem_waddr_i,
  input  logic [127:0]                          imem_wdata_i,
  input  logic [IdxW:0]                         prog_len_i,
  input  logic                                  run_i,

  // DRAM reads: the request, then per row whether its data has arrived, and the data.
  output logic                                  dram_rd_req_o,
  output logic [DramAddrW-1:0]                  dram_rd_addr_o,
  output logic [15:0]                           dram_rd_rows_o,
  output logic [15:0]                           dram_rd_bytes_o,
  output logic [DramStrideW-1:0]                dram_rd_stride_o,
  output logic [DmaTagW-1:0]                    dram_rd_tag_o,
  output logic [LdLanes-1:0]                    dram_rd_lane_valid_o,
  output logic [LdLanes-1:0][DmaTagW-1:0]       dram_rd_lane_tag_o,
  output logic [LdLanes-1:0][15:0]              dram_rd_lane_row_o,
  input  logic [LdLanes-1:0]                    dram_rd_lane_arrived_i,
  input  logic [LdLanes-1:0][QpBytes*8-1:0]     dram_rd_lane_data_i,

  // DRAM writes: row data beats, then the request; done per tag.
  output logic [StLanes-1:0]                    dram_wr_beat_valid_o,
  output logic [StLanes-1:0][15:0]              dram_wr_beat_row_o,
  output logic [StLanes-1:0][AccBytes*8-1:0]    dram_wr_beat_data_o,
  output logic [DmaTagW-1:0]                    dram_wr_beat_tag_o,
  output logic                                  dram_wr_req_o,
  output logic [DramAddrW-1:0]                  dram_wr_addr_o,
  output logic [15:0]                           dram_wr_rows_o,
  output logic [15:0]                           dram_wr_bytes_o,
  output logic [DramStrideW-1:0]                dram_wr_stride_o,
  output logic [DmaTagW-1:0]                    dram_wr_tag_o,
  input  logic [DmaInFlight-1:0]                dram_wr_done_i,

  // Events: dispatch, start and completion of instructions; state for deadlock reports.
  output logic [CycleW-1:0]                     now_o,
  output logic                                  ev_dispatch_o,
  output logic [IdxW-1:0]                       ev_dispatch_idx_o,
  output logic                                  dispatch_done_o,
  output logic [2:0]                            ev_start_o,
  output logic [2:0][IdxW-1:0]                  ev_start_idx_o,
  output logic [2:0][15:0]                      ev_retire_o,
  output logic                                  quiet_o,
  output logic [2:0]                            blocked_o,
  output logic [2:0][1:0]                       blocked_ch_o,
  output logic [2:0][IdxW-1:0]                  head_idx_o,
  output logic                                  overflow_o
);

  // ---------------------------------------------------------------- front end
  logic [2:0]   head_valid, pop;
  entry_t [2:0] head;

  serrano_chip_frontend #(
    .ImemDepth (ImemDepth)
  ) u_frontend (
    .clk_i,
    .rst_ni,
    .imem_we_i,
    .imem_waddr_i,
    .imem_wdata_i,
    .prog_len_i,
    .run_i,
    .head_valid_o      (head_valid),
    .head_o            (head),
    .pop_i             (pop),
    .ev_dispatch_o,
    .ev_dispatch_idx_o,
    .dispatch_done_o
  );

  for (genvar q = 0; q < 3; q++) begin : g_head_idx
    assign head_idx_o[q] = head[q].idx;
  end

  // ---------------------------------------------------------------- controller
  logic               ld_start, st_start, st_busy, ld_busy;
  logic [DmaTagW-1:0] ld_tag, st_tag;
  logic [3:0]         ld_jobs_done;
  logic               mx_valid, mx_ready, mx_idle, vu_start, vu_waited, vu_busy;
  channel_e [2:0]     blocked_ch;

  serrano_chip_ctrl #(
    .Rows     (Rows),
    .Cols     (Cols),
    .QpBytes  (QpBytes),
    .VecPAcc  ((Cols + VecLanes - 1) / VecLanes),
    .VecPSp   ((SpBytes + VecLanes - 1) / VecLanes),
    .Dataflow (Dataflow)
  ) u_ctrl (
    .clk_i,
    .rst_ni,
    .run_i,
    .head_valid_i   (head_valid),
    .head_i         (head),
    .pop_o          (pop),
    .ld_start_o     (ld_start),
    .ld_tag_o       (ld_tag),
    .ld_jobs_done_i (ld_jobs_done),
    .ld_busy_i      (ld_busy),
    .st_start_o     (st_start),
    .st_tag_o       (st_tag),
    .st_busy_i      (st_busy),
    .st_req_i       (dram_wr_req_o),
    .st_req_tag_i   (dram_wr_tag_o),
    .dram_wr_done_i,
    .mx_valid_o     (mx_valid),
    .mx_ready_i     (mx_ready),
    .mx_idle_i      (mx_idle),
    .vu_start_o     (vu_start),
    .vu_waited_o    (vu_waited),
    .vu_busy_i      (vu_busy),
    .now_o,
    .ev_start_o,
    .ev_start_idx_o,
    .ev_retire_o,
    .quiet_o,
    .blocked_o,
    .blocked_ch_o   (blocked_ch),
    .overflow_o
  );

  for (genvar q = 0; q < 3; q++) begin : g_blocked_ch
    assign blocked_ch_o[q] = blocked_ch[q];
  end

  // ---------------------------------------------------------------- matrix unit
  logic [63:0]                cw0, cw1;
  logic [1:0]                 mx_op;
  logic                       mx_wb_re, mx_sp_re, mx_acc_we, mx_acc_accumulate, mx_acc_re;
  logic                       mx_qp_re, mx_out_valid;
  logic [CmdAddrW-1:0]        mx_wb_raddr, mx_sp_raddr, mx_acc_waddr, mx_acc_raddr, mx_qp_raddr;
  logic [CmdAddrW-1:0]        mx_out_addr;
  logic [Cols-1:0][DataW-1:0] mx_wb_rdata, mx_out_data;
  logic [Rows-1:0][DataW-1:0] mx_sp_rdata;
  logic [Cols-1:0][AccW-1:0]  mx_acc_wdata, mx_acc_rdata, qp_bias, qp_mult;
  logic [Cols-1:0][ShiftW-1:0] qp_shift;
  logic [QpBytes*8-1:0]       qp_row;

  assign cw0 = head[1].w0;
  assign cw1 = head[1].w1;

  always_comb begin
    unique case (op_of(cw0))
      OpPreload: mx_op = CmdPreload;
      OpMatmul:  mx_op = CmdStream;
      OpRequant: mx_op = CmdRequant;
      default:   mx_op = 2'd3;  // not a matrix command: never accepted
    endcase
  end

  serrano_matrix_unit #(
    .Rows     (Rows),
    .Cols     (Cols),
    .Dataflow (Dataflow)
  ) u_matrix (
    .clk_i,
    .rst_ni,
    .cmd_valid_i      (mx_valid),
    .cmd_ready_o      (mx_ready),
    .cmd_op_i         (mx_op),
    .cmd_rows_i       (rows_of(cw0)),
    .cmd_src_i        (CmdAddrW'(a_of(cw0))),
    .cmd_dst_i        (CmdAddrW'(w1_row_of(cw1))),
    .cmd_qp_i         (CmdAddrW'(cw1[27:20])),
    .cmd_accumulate_i (cw0[48]),
    .cmd_zero_point_i (cw1[35:28]),
    .cmd_act_min_i    (cw1[43:36]),
    .cmd_act_max_i    (cw1[51:44]),
    .idle_o           (mx_idle),
    .wb_re_o          (mx_wb_re),
    .wb_raddr_o       (mx_wb_raddr),
    .wb_rdata_i       (mx_wb_rdata),
    .sp_re_o          (mx_sp_re),
    .sp_raddr_o       (mx_sp_raddr),
    .sp_rdata_i       (mx_sp_rdata),
    .acc_we_o         (mx_acc_we),
    .acc_accumulate_o (mx_acc_accumulate),
    .acc_waddr_o      (mx_acc_waddr),
    .acc_wdata_o      (mx_acc_wdata),
    .acc_re_o         (mx_acc_re),
    .acc_raddr_o      (mx_acc_raddr),
    .acc_rdata_i      (mx_acc_rdata),
    .qp_re_o          (mx_qp_re),
    .qp_raddr_o       (mx_qp_raddr),
    .qp_bias_i        (qp_bias),
    .qp_mult_i        (qp_mult),
    .qp_shift_i       (qp_shift),
    .out_valid_o      (mx_out_valid),
    .out_addr_o       (mx_out_addr),
    .out_data_o       (mx_out_data)
  );

  // A parameter row holds, per channel, int32 bias, int32 multiplier, int32 shift (docs/isa.md).
  for (genvar c = 0; c < Cols; c++) begin : g_qp
    assign qp_bias[c]  = qp_row[(12*c)*8 +: 32];
    assign qp_mult[c]  = qp_row[(12*c+4)*8 +: 32];
    assign qp_shift[c] = qp_row[(12*c+8)*8 +: ShiftW];
  end

  // ---------------------------------------------------------------- vector unit
  logic                  vu_sp_re, vu_sp_we, vu_acc_re, vu_acc_we, hold_sp, hold_acc;
  logic [CmdAddrW-1:0]   vu_raddr, vu_waddr;
  logic [SpBytes*8-1:0]  vu_sp_rdata, vu_sp_wdata;
  logic [AccBytes*8-1:0] vu_acc_rdata, vu_acc_wdata;
  logic                  vu_qp_re;
  logic [CmdAddrW-1:0]   vu_qp_raddr;
  logic [QpBytes*8-1:0]  vu_qp_rdata;

  serrano_vector_unit #(
    .Cols    (Cols),
    .SpBytes (SpBytes),
    .Lanes   (VecLanes)
  ) u_vector (
    .clk_i,
    .rst_ni,
    .start_i           (vu_start),
    .started_waiting_i (vu_waited),
    .w0_i              (cw0),
    .w1_i              (cw1),
    .busy_o            (vu_busy),
    .hold_sp_o         (hold_sp),
    .hold_acc_o        (hold_acc),
    .sp_re_o           (vu_sp_re),
    .sp_we_o           (vu_sp_we),
    .acc_re_o          (vu_acc_re),
    .acc_we_o          (vu_acc_we),
    .raddr_o           (vu_raddr),
    .waddr_o           (vu_waddr),
    .sp_rdata_i        (vu_sp_rdata),
    .acc_rdata_i       (vu_acc_rdata),
    .sp_wdata_o        (vu_sp_wdata),
    .acc_wdata_o       (vu_acc_wdata),
    .qp_re_o           (vu_qp_re),
    .qp_raddr_o        (vu_qp_raddr),
    .qp_rdata_i        (vu_qp_rdata)
  );

  // ---------------------------------------------------------------- DMA engines
  logic [SpBanks-1:0]                  sp_rd_busy, sp_wr_busy;
  logic [WbBanks-1:0]                  wb_rd_busy, wb_wr_busy;
  logic [AccBanks-1:0]                 acc_rd_busy, acc_wr_busy;
  logic                                qp_rd_busy, qp_wr_busy;
  logic [3:0][LdLanes-1:0]             ld_we;
  logic [LdLanes-1:0][CmdAddrW-1:0]    ld_waddr;
  logic [LdLanes-1:0][QpBytes*8-1:0]   ld_wdata;
  logic [LdLanes-1:0][15:0]            ld_wbytes;
  logic [StLanes-1:0]                  st_sp_re, st_acc_re;
  logic [StLanes-1:0][CmdAddrW-1:0]    st_raddr;
  logic [StLanes-1:0][SpBytes*8-1:0]   st_sp_rdata;
  logic [StLanes-1:0][AccBytes*8-1:0]  st_acc_rdata;

  serrano_load_dma #(
    .SpBanks   (SpBanks),
    .WbBanks   (WbBanks),
    .AccBanks  (AccBanks),
    .LaneBytes (QpBytes)
  ) u_load_dma (
    .clk_i,
    .rst_ni,
    .start_i          (ld_start),
    .start_w0_i       (head[0].w0),
    .start_w1_i       (head[0].w1),
    .start_tag_i      (ld_tag),
    .dram_rd_req_o,
    .dram_rd_addr_o,
    .dram_rd_rows_o,
    .dram_rd_bytes_o,
    .dram_rd_stride_o,
    .dram_rd_tag_o,
    .lane_valid_o     (dram_rd_lane_valid_o),
    .lane_tag_o       (dram_rd_lane_tag_o),
    .lane_row_o       (dram_rd_lane_row_o),
    .lane_arrived_i   (dram_rd_lane_arrived_i),
    .lane_data_i      (dram_rd_lane_data_i),
    .sp_busy_i        (sp_wr_busy),
    .wb_busy_i        (wb_wr_busy),
    .acc_busy_i       (acc_wr_busy),
    .we_o             (ld_we),
    .waddr_o          (ld_waddr),
    .wdata_o          (ld_wdata),
    .wbytes_o         (ld_wbytes),
    .jobs_done_o      (ld_jobs_done),
    .busy_o           (ld_busy)
  );

  serrano_store_dma #(
    .SpBanks  (SpBanks),
    .AccBanks (AccBanks),
    .SpBytes  (SpBytes),
    .AccBytes (AccBytes)
  ) u_store_dma (
    .clk_i,
    .rst_ni,
    .start_i          (st_start),
    .start_w0_i       (head[2].w0),
    .start_w1_i       (head[2].w1),
    .start_tag_i      (st_tag),
    .busy_o           (st_busy),
    .sp_busy_i        (sp_rd_busy),
    .acc_busy_i       (acc_rd_busy),
    .sp_re_o          (st_sp_re),
    .acc_re_o         (st_acc_re),
    .raddr_o          (st_raddr),
    .sp_rdata_i       (st_sp_rdata),
    .acc_rdata_i      (st_acc_rdata),
    .beat_valid_o     (dram_wr_beat_valid_o),
    .beat_row_o       (dram_wr_beat_row_o),
    .beat_data_o      (dram_wr_beat_data_o),
    .beat_tag_o       (dram_wr_beat_tag_o),
    .dram_wr_req_o,
    .dram_wr_addr_o,
    .dram_wr_rows_o,
    .dram_wr_bytes_o,
    .dram_wr_stride_o,
    .dram_wr_tag_o
  );

  // ---------------------------------------------------------------- memories
  logic [StLanes-1:0][WbBytes*8-1:0] wb_st_unused;
  logic [StLanes-1:0][QpBytes*8-1:0] qp_st_unused;
  logic [WbBytes*8-1:0]              wb_vu_unused;

  serrano_banked_mem #(
    .Banks     (SpBanks),
    .Depth     (SpDepth),
    .Width     (SpBytes),
    .AccLanes  (0),
    .LdLanes   (LdLanes),
    .LaneBytes (QpBytes),
    .StLanes   (StLanes)
  ) u_scratchpad (
    .clk_i,
    .rst_ni,
    .hold_i          (hold_sp),
    .mx_re_i         (mx_sp_re),
    .mx_raddr_i      (mx_sp_raddr),
    .mx_rdata_o      (mx_sp_rdata),
    .mx_we_i         (mx_out_valid),
    .mx_accumulate_i (1'b0),
    .mx_waddr_i      (mx_out_addr),
    .mx_wdata_i      (mx_out_data),
    .vu_re_i         (vu_sp_re),
    .vu_raddr_i      (vu_raddr),
    .vu_rdata_o      (vu_sp_rdata),
    .vu_we_i         (vu_sp_we),
    .vu_waddr_i      (vu_waddr),
    .vu_wdata_i      (vu_sp_wdata),
    .ld_we_i         (ld_we[MemSp]),
    .ld_waddr_i      (ld_waddr),
    .ld_wdata_i      (ld_wdata),
    .ld_wbytes_i     (ld_wbytes),
    .st_re_i         (st_sp_re),
    .st_raddr_i      (st_raddr),
    .st_rdata_o      (st_sp_rdata),
    .rd_busy_o       (sp_rd_busy),
    .wr_busy_o       (sp_wr_busy)
  );

  serrano_banked_mem #(
    .Banks     (WbBanks),
    .Depth     (WbDepth),
    .Width     (WbBytes),
    .AccLanes  (0),
    .LdLanes   (LdLanes),
    .LaneBytes (QpBytes),
    .StLanes   (StLanes)
  ) u_weight_buf (
    .clk_i,
    .rst_ni,
    .hold_i          (1'b0),
    .mx_re_i         (mx_wb_re),
    .mx_raddr_i      (mx_wb_raddr),
    .mx_rdata_o      (mx_wb_rdata),
    .mx_we_i         (1'b0),
    .mx_accumulate_i (1'b0),
    .mx_waddr_i      ('0),
    .mx_wdata_i      ('0),
    .vu_re_i         (1'b0),
    .vu_raddr_i      ('0),
    .vu_rdata_o      (wb_vu_unused),
    .vu_we_i         (1'b0),
    .vu_waddr_i      ('0),
    .vu_wdata_i      ('0),
    .ld_we_i         (ld_we[MemWb]),
    .ld_waddr_i      (ld_waddr),
    .ld_wdata_i      (ld_wdata),
    .ld_wbytes_i     (ld_wbytes),
    .st_re_i         ('0),
    .st_raddr_i      ('0),
    .st_rdata_o      (wb_st_unused),
    .rd_busy_o       (wb_rd_busy),
    .wr_busy_o       (wb_wr_busy)
  );

  serrano_banked_mem #(
    .Banks     (AccBanks),
    .Depth     (AccDepth),
    .Width     (AccBytes),
    .AccLanes  (Cols),
    .LdLanes   (LdLanes),
    .LaneBytes (QpBytes),
    .StLanes   (StLanes)
  ) u_accumulators (
    .clk_i,
    .rst_ni,
    .hold_i          (hold_acc),
    .mx_re_i         (mx_acc_re),
    .mx_raddr_i      (mx_acc_raddr),
    .mx_rdata_o      (mx_acc_rdata),
    .mx_we_i         (mx_acc_we),
    .mx_accumulate_i (mx_acc_accumulate),
    .mx_waddr_i      (mx_acc_waddr),
    .mx_wdata_i      (mx_acc_wdata),
    .vu_re_i         (vu_acc_re),
    .vu_raddr_i      (vu_raddr),
    .vu_rdata_o      (vu_acc_rdata),
    .vu_we_i         (vu_acc_we),
    .vu_waddr_i      (vu_waddr),
    .vu_wdata_i      (vu_acc_wdata),
    .ld_we_i         (ld_we[MemAcc]),
    .ld_waddr_i      (ld_waddr),
    .ld_wdata_i      (ld_wdata),
    .ld_wbytes_i     (ld_wbytes),
    .st_re_i         (st_acc_re),
    .st_raddr_i      (st_raddr),
    .st_rdata_o      (st_acc_rdata),
    .rd_busy_o       (acc_rd_busy),
    .wr_busy_o       (acc_wr_busy)
  );

  serrano_banked_mem #(
    .Banks     (1),
    .Depth     (QParamDepth),
    .Width     (QpBytes),
    .AccLanes  (0),
    .LdLanes   (LdLanes),
    .LaneBytes (QpBytes),
    .StLanes   (StLanes)
  ) u_qparams (
    .clk_i,
    .rst_ni,
    .hold_i          (1'b0),
    .mx_re_i         (mx_qp_re),
    .mx_raddr_i      (mx_qp_raddr),
    .mx_rdata_o      (qp_row),
    .mx_we_i         (1'b0),
    .mx_accumulate_i (1'b0),
    .mx_waddr_i      ('0),
    .mx_wdata_i      ('0),
    .vu_re_i         (vu_qp_re),
    .vu_raddr_i      (vu_qp_raddr),
    .vu_rdata_o      (vu_qp_rdata),
    .vu_we_i         (1'b0),
    .vu_waddr_i      ('0),
    .vu_wdata_i      ('0),
    .ld_we_i         (ld_we[MemQp]),
    .ld_waddr_i      (ld_waddr),
    .ld_wdata_i      (ld_wdata),
    .ld_wbytes_i     (ld_wbytes),
    .st_re_i         ('0),
    .st_raddr_i      ('0),
    .st_rdata_o      (qp_st_unused),
    .rd_busy_o       (qp_rd_busy),
    .wr_busy_o       (qp_wr_busy)
  );

  logic unused;
  assign unused = ^{wb_st_unused, qp_st_unused, wb_vu_unused, wb_rd_busy,
                    qp_rd_busy, qp_wr_busy, qp_row, cw1[63:52]};

endmodule
