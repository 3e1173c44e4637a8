// SPDX-License-Identifier: Apache-2.0
//
// The store DMA (docs/chip-timing.md, "Units" and "SRAM banks"). A store started in cycle s reads
// its rows from s + 1, in order, at most one per bank per cycle, each in the first cycle its
// bank's read port is free (the matrix and vector units always win). Each row's data leaves on
// a beat lane the cycle after its read; in the cycle after the last read (e) the DRAM write is
// requested (dram_wr_req_o) and the engine takes the next store. The DRAM side says when the
// write is done (the store's completion).

module serrano_store_dma
  import serrano_pkg::*;
  import serrano_chip_pkg::*;
#(
  parameter int SpBanks  = 4,
  parameter int AccBanks = 2,
  parameter int SpBytes  = 4,   // scratchpad row
  parameter int AccBytes = 16,  // accumulator row
  localparam int Lanes    = (SpBanks > AccBanks) ? SpBanks : AccBanks,
  localparam int SpBankW  = (SpBanks > 1) ? $clog2(SpBanks) : 1,
  localparam int AccBankW = (AccBanks > 1) ? $clog2(AccBanks) : 1
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,

  input  logic                              start_i,
  input  logic [63:0]                       start_w0_i,
  input  logic [63:0]                       start_w1_i,
  input  logic [DmaTagW-1:0]                start_tag_i,
  output logic                              busy_o,  // reading a store: no new one may start

  input  logic [SpBanks-1:0]                sp_busy_i,
  input  logic [AccBanks-1:0]               acc_busy_i,
  output logic [Lanes-1:0]                  sp_re_o,
  output logic [Lanes-1:0]                  acc_re_o,
  output logic [Lanes-1:0][CmdAddrW-1:0]    raddr_o,
  input  logic [Lanes-1:0][SpBytes*8-1:0]   sp_rdata_i,
  input  logic [Lanes-1:0][AccBytes*8-1:0]  acc_rdata_i,

  output logic [Lanes-1:0]                  beat_valid_o,
  output logic [Lanes-1:0][15:0]            beat_row_o,
  output logic [Lanes-1:0][AccBytes*8-1:0]  beat_data_o,
  output logic [DmaTagW-1:0]                beat_tag_o,

  output logic                              dram_wr_req_o,
  output logic [DramAddrW-1:0]              dram_wr_addr_o,
  output logic [15:0]                       dram_wr_rows_o,
  output logic [15:0]                       dram_wr_bytes_o,
  output logic [DramStrideW-1:0]            dram_wr_stride_o,
  output logic [DmaTagW-1:0]                dram_wr_tag_o
);

  logic                   reading_q, acc_q;
  logic [RowAddrW-1:0]    row_q;
  logic [15:0]            rows_q, bytes_q, ptr_q;
  logic [DmaTagW-1:0]     tag_q;
  logic [DramAddrW-1:0]   addr_q;
  logic [DramStrideW-1:0] stride_q;

  // ---------------------------------------------------------------- reads
  logic [Lanes-1:0]       ok, last;
  logic [Lanes-1:0][15:0] lane_row;

  always_comb begin
    logic                go, free;
    logic [15:0]         j;
    logic [SpBanks-1:0]  used_sp;
    logic [AccBanks-1:0] used_acc;
    go       = reading_q;
    used_sp  = '0;
    used_acc = '0;
    sp_re_o  = '0;
    acc_re_o = '0;
    for (int l = 0; l < Lanes; l++) begin
      j           = ptr_q + 16'(l);
      lane_row[l] = j;
      last[l]     = (j + 16'd1) == rows_q;
      raddr_o[l]  = CmdAddrW'(row_q) + CmdAddrW'(j);
      if (acc_q) begin
        free = !acc_busy_i[raddr_o[l][AccBankW-1:0]] && !used_acc[raddr_o[l][AccBankW-1:0]];
      end else begin
        free = !sp_busy_i[raddr_o[l][SpBankW-1:0]] && !used_sp[raddr_o[l][SpBankW-1:0]];
      end
      ok[l] = go && (j < rows_q) && free;
      go    = ok[l];
      if (ok[l]) begin
        if (acc_q) begin
          used_acc[raddr_o[l][AccBankW-1:0]] = 1'b1;
          acc_re_o[l] = 1'b1;
        end else begin
          used_sp[raddr_o[l][SpBankW-1:0]] = 1'b1;
          sp_re_o[l] = 1'b1;
        end
      end
    end
  end

  logic             done_reading;
  logic [15:0]      ptr_d;
  always_comb begin
    done_reading = 1'b0;
    ptr_d        = ptr_q;
    for (int l = 0; l < Lanes; l++) begin
      if (ok[l]) begin
        ptr_d = lane_row[l] + 16'd1;
        if (last[l]) begin
          done_reading = 1'b1;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      reading_q <= 1'b0;
      acc_q     <= 1'b0;
      row_q     <= '0;
      rows_q    <= '0;
      bytes_q   <= '0;
      ptr_q     <= '0;
      tag_q     <= '0;
      addr_q    <= '0;
      stride_q  <= '0;
    end else if (start_i) begin
      reading_q <= 1'b1;
      acc_q     <= start_w0_i[9:8] == MemAcc;
      row_q     <= a_of(start_w0_i);
      rows_q    <= rows_of(start_w0_i);
      bytes_q   <= b_of(start_w0_i);
      ptr_q     <= '0;
      tag_q     <= start_tag_i;
      addr_q    <= dram_addr_of(start_w1_i);
      stride_q  <= dram_stride_of(start_w1_i);
    end else begin
      ptr_q <= ptr_d;
      if (done_reading) begin
        reading_q <= 1'b0;
      end
    end
  end

  assign busy_o = reading_q;

  // ---------------------------------------------------------------- beats and the DRAM request
  logic [Lanes-1:0]       beat_q;
  logic [Lanes-1:0][15:0] beat_row_q;
  logic                   beat_acc_q;
  logic [DmaTagW-1:0]     beat_tag_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      beat_q           <= '0;
      beat_row_q       <= '0;
      beat_acc_q       <= 1'b0;
      beat_tag_q       <= '0;
      dram_wr_req_o    <= 1'b0;
      dram_wr_addr_o   <= '0;
      dram_wr_rows_o   <= '0;
      dram_wr_bytes_o  <= '0;
      dram_wr_stride_o <= '0;
      dram_wr_tag_o    <= '0;
    end else begin
      beat_q           <= ok;
      beat_row_q       <= lane_row;
      beat_acc_q       <= acc_q;
      beat_tag_q       <= tag_q;
      dram_wr_req_o    <= reading_q && done_reading;
      dram_wr_addr_o   <= addr_q;
      dram_wr_rows_o   <= rows_q;
      dram_wr_bytes_o  <= bytes_q;
      dram_wr_stride_o <= stride_q;
      dram_wr_tag_o    <= tag_q;
    end
  end

  for (genvar l = 0; l < Lanes; l++) begin : g_beat
    assign beat_valid_o[l] = beat_q[l];
    assign beat_row_o[l]   = beat_row_q[l];
    assign beat_data_o[l]  = beat_acc_q ? acc_rdata_i[l] : (AccBytes*8)'(sp_rdata_i[l]);
  end
  assign beat_tag_o = beat_tag_q;

endmodule
