// SPDX-License-Identifier: Apache-2.0
//
// The load DMA (docs/chip-timing.md, "Units" and "SRAM banks"). A load started in cycle s
// requests its DRAM read in cycle s (dram_rd_req_o) and becomes a job; at most DmaInFlight jobs
// are pending, each named by its tag. The DRAM side (the harness's DRAM timing model) says for
// each row whether its data has arrived yet; rows are then written to their banks in program
// order, at most one per bank per cycle, each in the first cycle its bank's write port is free
// (the matrix and vector units always win). Each cycle the writer looks at the next Lanes rows
// (across jobs): it writes the longest run of them that have arrived and find a free port, at
// most one row per bank; Lanes = every bank of every memory plus one (the parameter memory takes
// one row a cycle), so the window never limits it. A job whose last row is written in cycle x
// completes in x + 1 (jobs_done_o).

module serrano_load_dma
  import serrano_pkg::*;
  import serrano_chip_pkg::*;
#(
  parameter int SpBanks   = 4,
  parameter int WbBanks   = 2,
  parameter int AccBanks  = 2,
  parameter int LaneBytes = 48,  // widest row: a parameter row, 12 bytes a channel
  localparam int Lanes    = SpBanks + WbBanks + AccBanks + 1,
  localparam int SpBankW  = (SpBanks > 1) ? $clog2(SpBanks) : 1,
  localparam int WbBankW  = (WbBanks > 1) ? $clog2(WbBanks) : 1,
  localparam int AccBankW = (AccBanks > 1) ? $clog2(AccBanks) : 1
) (
  input  logic                                 clk_i,
  input  logic                                 rst_ni,

  input  logic                                 start_i,
  input  logic [63:0]                          start_w0_i,
  input  logic [63:0]                          start_w1_i,
  input  logic [DmaTagW-1:0]                   start_tag_i,

  output logic                                 dram_rd_req_o,
  output logic [DramAddrW-1:0]                 dram_rd_addr_o,
  output logic [15:0]                          dram_rd_rows_o,
  output logic [15:0]                          dram_rd_bytes_o,
  output logic [DramStrideW-1:0]               dram_rd_stride_o,
  output logic [DmaTagW-1:0]                   dram_rd_tag_o,

  output logic [Lanes-1:0]                     lane_valid_o,
  output logic [Lanes-1:0][DmaTagW-1:0]        lane_tag_o,
  output logic [Lanes-1:0][15:0]               lane_row_o,
  input  logic [Lanes-1:0]                     lane_arrived_i,
  input  logic [Lanes-1:0][LaneBytes*8-1:0]    lane_data_i,

  input  logic [SpBanks-1:0]                   sp_busy_i,
  input  logic [WbBanks-1:0]                   wb_busy_i,
  input  logic [AccBanks-1:0]                  acc_busy_i,

  output logic [3:0][Lanes-1:0]                we_o,  // per memory (mem_e)
  output logic [Lanes-1:0][CmdAddrW-1:0]       waddr_o,
  output logic [Lanes-1:0][LaneBytes*8-1:0]    wdata_o,
  output logic [Lanes-1:0][15:0]               wbytes_o,

  output logic [3:0]                           jobs_done_o,
  output logic                                 busy_o
);

  localparam int JobW = $clog2(DmaInFlight);

  // ---------------------------------------------------------------- DRAM request
  logic [15:0]            req_rows, req_bytes;
  logic [DramStrideW-1:0] req_stride;

  assign req_rows   = rows_of(start_w0_i);
  assign req_bytes  = b_of(start_w0_i);
  assign req_stride = dram_stride_of(start_w1_i);

  assign dram_rd_req_o  = start_i;
  assign dram_rd_addr_o = dram_addr_of(start_w1_i);
  assign dram_rd_rows_o = req_rows;
  assign dram_rd_bytes_o = req_bytes;
  assign dram_rd_tag_o  = start_tag_i;
`ifdef SERRANO_BUG_DMA_STRIDE
  // Injected bug (chip variant bug-dma-stride, docs/chip-rtl.md): rows that are not back to back
  // are fetched one byte closer together than the program asks.
  assign dram_rd_stride_o = ((req_rows > 16'd1) && (32'(req_stride) > 32'(req_bytes))) ?
                            req_stride - DramStrideW'(1) : req_stride;
`else
  assign dram_rd_stride_o = req_stride;
`endif

  // ---------------------------------------------------------------- jobs
  logic [DmaTagW-1:0]  job_tag_q   [DmaInFlight];
  mem_e                job_mem_q   [DmaInFlight];
  logic [RowAddrW-1:0] job_row_q   [DmaInFlight];
  logic [15:0]         job_rows_q  [DmaInFlight];
  logic [15:0]         job_bytes_q [DmaInFlight];
  logic [JobW-1:0]     jhead_q, jhead_d;
  logic [JobW:0]       jcnt_q, jcnt_d;
  logic [15:0]         hptr_q, hptr_d;  // rows of the head job already written
  logic [3:0]          done_d;

  // ---------------------------------------------------------------- the writer's window
  logic [Lanes-1:0]                lane_last, ok;
  logic [Lanes-1:0][JobW-1:0]      lane_job;
  logic [Lanes-1:0][CmdAddrW-1:0]  lane_addr;

  always_comb begin
    logic [JobW:0]        k;
    logic [15:0]          j;
    logic [JobW-1:0]      e;
    logic                 go, free;
    logic [SpBanks-1:0]   used_sp;
    logic [WbBanks-1:0]   used_wb;
    logic [AccBanks-1:0]  used_acc;
    logic                 used_qp;
    k        = '0;
    j        = hptr_q;
    go       = 1'b1;
    used_sp  = '0;
    used_wb  = '0;
    used_acc = '0;
    used_qp  = 1'b0;
    we_o     = '0;
    for (int l = 0; l < Lanes; l++) begin
      e               = jhead_q + k[JobW-1:0];
      lane_valid_o[l] = k < jcnt_q;
      lane_job[l]     = e;
      lane_tag_o[l]   = job_tag_q[e];
      lane_row_o[l]   = j;
      lane_last[l]    = (j + 16'd1) == job_rows_q[e];
      lane_addr[l]    = CmdAddrW'(job_row_q[e]) + CmdAddrW'(j);
      waddr_o[l]      = lane_addr[l];
      wdata_o[l]      = lane_data_i[l];
      wbytes_o[l]     = job_bytes_q[e];
      if (lane_valid_o[l]) begin
        if (lane_last[l]) begin
          k = k + 1'b1;
          j = '0;
        end else begin
          j = j + 16'd1;
        end
      end
      // Row order: a row goes only if every row before it has gone.
      unique case (job_mem_q[e])
        MemSp:  free = !sp_busy_i[lane_addr[l][SpBankW-1:0]] &&
                       !used_sp[lane_addr[l][SpBankW-1:0]];
        MemWb:  free = !wb_busy_i[lane_addr[l][WbBankW-1:0]] &&
                       !used_wb[lane_addr[l][WbBankW-1:0]];
        MemAcc: free = !acc_busy_i[lane_addr[l][AccBankW-1:0]] &&
                       !used_acc[lane_addr[l][AccBankW-1:0]];
        default: free = !used_qp;
      endcase
      ok[l] = go && lane_valid_o[l] && lane_arrived_i[l] && free;
      go    = ok[l];
      if (ok[l]) begin
        unique case (job_mem_q[e])
          MemSp:   used_sp[lane_addr[l][SpBankW-1:0]] = 1'b1;
          MemWb:   used_wb[lane_addr[l][WbBankW-1:0]] = 1'b1;
          MemAcc:  used_acc[lane_addr[l][AccBankW-1:0]] = 1'b1;
          default: used_qp = 1'b1;
        endcase
        we_o[job_mem_q[e]][l] = 1'b1;
      end
    end
  end

  // Progress: the head pointer moves past the rows written; finished jobs leave.
  always_comb begin
    hptr_d  = hptr_q;
    jhead_d = jhead_q;
    jcnt_d  = jcnt_q;
    done_d  = '0;
    for (int l = 0; l < Lanes; l++) begin
      if (ok[l]) begin
        if (lane_last[l]) begin
          hptr_d  = '0;
          jhead_d = jhead_d + 1'b1;
          done_d  = done_d + 4'd1;
        end else begin
          hptr_d = lane_row_o[l] + 16'd1;
        end
      end
    end
    jcnt_d = jcnt_q - (JobW+1)'(done_d) + (JobW+1)'(start_i);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      jhead_q     <= '0;
      jcnt_q      <= '0;
      hptr_q      <= '0;
      jobs_done_o <= '0;
    end else begin
      jhead_q     <= jhead_d;
      jcnt_q      <= jcnt_d;
      hptr_q      <= hptr_d;
      jobs_done_o <= done_d;
    end
  end

  // A new job goes behind the pending ones.
  logic [JobW-1:0] tail;
  assign tail = jhead_q + jcnt_q[JobW-1:0];

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      job_tag_q[tail]   <= start_tag_i;
      job_mem_q[tail]   <= mem_e'(start_w0_i[9:8]);
      job_row_q[tail]   <= a_of(start_w0_i);
      job_rows_q[tail]  <= req_rows;
      job_bytes_q[tail] <= req_bytes;
    end
  end

  assign busy_o = jcnt_q != '0;

  logic unused;
  assign unused = ^{lane_job, start_w0_i[11:10]};

endmodule
