// SPDX-License-Identifier: Apache-2.0
//
// The matrix unit (serrano_matrix_unit: controller, Rows x Cols weight- or output-stationary
// array, per-channel requantization) with its own memories: activation scratchpad, weight
// buffer, int32 accumulator memory and requant parameters. It executes preload / stream /
// requant commands (isa/array_cmd.h); the memories are filled through their write ports before a
// run, and requantized rows leave through the out_* port.
//
// Datapath timing for a command issued in cycle t (docs/array-timing.md):
//   stream row m:  activation read t+1+m, data t+2+m, skewed so lane k meets PE (k, c) at
//                  t+2+m+k+c, bottom of column c at t+m+Rows+c+2, de-skewed to t+m+Rows+Cols+1,
//                  written to the accumulators at the end of that cycle (Dataflow = DataflowOs:
//                  see serrano_os_datapath.sv).
//   requant row m: accumulator read t+1+m, data t+2+m, three requant stages, out_valid_o at t+m+5.

module serrano_gemm_core
  import serrano_pkg::*;
#(
  parameter int Rows     = 4,
  parameter int Cols     = 4,
  parameter int SpDepth  = 1024,  // activation rows of Rows bytes
  parameter int WbDepth  = 1024,  // weight rows of Cols bytes
  parameter int AccDepth = 256,   // accumulator rows of Cols int32
  parameter int Dataflow = DataflowWs,  // DataflowWs or DataflowOs (array.dataflow)
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

  // ---------------------------------------------------------------- matrix unit
  logic                       wb_re, sp_re, acc_we, acc_accumulate, acc_re, qp_re;
  logic [CmdAddrW-1:0]        wb_raddr, sp_raddr, acc_waddr, acc_raddr, qp_raddr;
  logic [Cols-1:0][DataW-1:0] wb_rdata;
  logic [Rows-1:0][DataW-1:0] sp_rdata;
  logic [Cols-1:0][AccW-1:0]  acc_wdata, acc_rdata, qp_bias, qp_mult;
  logic [Cols-1:0][ShiftW-1:0] qp_shift;

  serrano_matrix_unit #(
    .Rows     (Rows),
    .Cols     (Cols),
    .Dataflow (Dataflow)
  ) u_matrix (
    .clk_i,
    .rst_ni,
    .cmd_valid_i,
    .cmd_ready_o,
    .cmd_op_i,
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
    .wb_rdata_i       (wb_rdata),
    .sp_re_o          (sp_re),
    .sp_raddr_o       (sp_raddr),
    .sp_rdata_i       (sp_rdata),
    .acc_we_o         (acc_we),
    .acc_accumulate_o (acc_accumulate),
    .acc_waddr_o      (acc_waddr),
    .acc_wdata_o      (acc_wdata),
    .acc_re_o         (acc_re),
    .acc_raddr_o      (acc_raddr),
    .acc_rdata_i      (acc_rdata),
    .qp_re_o          (qp_re),
    .qp_raddr_o       (qp_raddr),
    .qp_bias_i        (qp_bias),
    .qp_mult_i        (qp_mult),
    .qp_shift_i       (qp_shift),
    .out_valid_o,
    .out_addr_o,
    .out_data_o
  );

  // Commands address memories with the low bits only; the harness checks ranges beforehand.
  logic unused_addr_bits;
  assign unused_addr_bits = ^{wb_raddr[CmdAddrW-1:WbAddrW], sp_raddr[CmdAddrW-1:SpAddrW],
                              acc_waddr[CmdAddrW-1:AccAddrW], acc_raddr[CmdAddrW-1:AccAddrW],
                              qp_raddr[CmdAddrW-1:QpAddrW]};

  // ---------------------------------------------------------------- memories
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

  serrano_acc_mem #(
    .Lanes (Cols),
    .Depth (AccDepth)
  ) u_acc_mem (
    .clk_i,
    .we_i         (acc_we),
    .accumulate_i (acc_accumulate),
    .waddr_i      (acc_waddr[AccAddrW-1:0]),
    .wdata_i      (acc_wdata),
    .re_i         (acc_re),
    .raddr_i      (acc_raddr[AccAddrW-1:0]),
    .rdata_o      (acc_rdata)
  );

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

endmodule
