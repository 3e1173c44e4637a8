// SPDX-License-Identifier: Apache-2.0
//
// One on-chip memory of the chip (scratchpad, weight buffer, accumulators or requant
// parameters): Depth rows of Width bytes in Banks banks, row r in bank r mod Banks
// (docs/chip-timing.md, "SRAM banks"). Each bank has one read port and one write port, each
// moving one whole row per cycle; reads are synchronous (data the cycle after the address).
//
// The agents: the matrix unit (mx_*) and the vector unit (vu_*) use a port whenever they need
// it; the load DMA (ld_*, LdLanes rows a cycle, byte count per row) and the store DMA (st_*,
// StLanes rows a cycle) take only ports that rd_busy_o / wr_busy_o show free, and never two rows
// of one bank in one cycle. hold_i (the vector unit holding the memory) marks every port busy.
// With AccLanes > 0 the matrix write may add its AccLanes int32 lanes to the row (accumulate).

module serrano_banked_mem
  import serrano_pkg::*;
#(
  parameter int Banks     = 2,
  parameter int Depth     = 64,   // rows, a multiple of Banks
  parameter int Width     = 4,    // bytes per row
  parameter int AccLanes  = 0,    // > 0: the matrix write port can accumulate int32 lanes
  parameter int LdLanes   = 1,
  parameter int LaneBytes = 4,    // bytes of each load-lane data word (>= Width)
  parameter int StLanes   = 1,
  localparam int BankW    = (Banks > 1) ? $clog2(Banks) : 1,
  localparam int BankDepth = Depth / Banks,
  localparam int IdxW     = (BankDepth > 1) ? $clog2(BankDepth) : 1
) (
  input  logic                                  clk_i,
  input  logic                                  rst_ni,
  input  logic                                  hold_i,

  input  logic                                  mx_re_i,
  input  logic [CmdAddrW-1:0]                   mx_raddr_i,
  output logic [Width*8-1:0]                    mx_rdata_o,
  input  logic                                  mx_we_i,
  input  logic                                  mx_accumulate_i,
  input  logic [CmdAddrW-1:0]                   mx_waddr_i,
  input  logic [Width*8-1:0]                    mx_wdata_i,

  input  logic                                  vu_re_i,
  input  logic [CmdAddrW-1:0]                   vu_raddr_i,
  output logic [Width*8-1:0]                    vu_rdata_o,
  input  logic                                  vu_we_i,
  input  logic [CmdAddrW-1:0]                   vu_waddr_i,
  input  logic [Width*8-1:0]                    vu_wdata_i,

  input  logic [LdLanes-1:0]                    ld_we_i,
  input  logic [LdLanes-1:0][CmdAddrW-1:0]      ld_waddr_i,
  input  logic [LdLanes-1:0][LaneBytes*8-1:0]   ld_wdata_i,
  input  logic [LdLanes-1:0][15:0]              ld_wbytes_i,

  input  logic [StLanes-1:0]                    st_re_i,
  input  logic [StLanes-1:0][CmdAddrW-1:0]      st_raddr_i,
  output logic [StLanes-1:0][Width*8-1:0]       st_rdata_o,

  output logic [Banks-1:0]                      rd_busy_o,
  output logic [Banks-1:0]                      wr_busy_o
);

  // Rows beyond Depth never reach here (the harness checks ranges), so high address bits go unused.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [BankW-1:0] bank_of(logic [CmdAddrW-1:0] addr);
    return (Banks > 1) ? addr[BankW-1:0] : '0;
  endfunction
  function automatic logic [IdxW-1:0] index_of(logic [CmdAddrW-1:0] addr);
    return (Banks > 1) ? IdxW'(addr >> BankW) : IdxW'(addr);
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  logic [Banks-1:0][Width*8-1:0] rdata;

  for (genvar b = 0; b < Banks; b++) begin : g_bank
    logic [Width*8-1:0] mem_q [BankDepth];
    logic [Width*8-1:0] rdata_q;
    logic               re, we;
    logic [IdxW-1:0]    ridx, widx;
    logic [Width*8-1:0] wdata, wmask;

    // Read port: the matrix unit, else the vector unit, else a store lane.
    always_comb begin
      re   = 1'b0;
      ridx = '0;
      if (mx_re_i && (bank_of(mx_raddr_i) == BankW'(b))) begin
        re   = 1'b1;
        ridx = index_of(mx_raddr_i);
      end else if (vu_re_i && (bank_of(vu_raddr_i) == BankW'(b))) begin
        re   = 1'b1;
        ridx = index_of(vu_raddr_i);
      end else begin
        for (int l = 0; l < StLanes; l++) begin
          if (st_re_i[l] && (bank_of(st_raddr_i[l]) == BankW'(b))) begin
            re   = 1'b1;
            ridx = index_of(st_raddr_i[l]);
          end
        end
      end
    end

    // Write port: the matrix unit (overwrite or add), else the vector unit, else a load lane
    // (its first ld_wbytes_i bytes).
    always_comb begin
      we    = 1'b0;
      widx  = '0;
      wdata = '0;
      wmask = '0;
      if (mx_we_i && (bank_of(mx_waddr_i) == BankW'(b))) begin
        we    = 1'b1;
        widx  = index_of(mx_waddr_i);
        wmask = '1;
        wdata = mx_wdata_i;
        if (AccLanes > 0 && mx_accumulate_i) begin
          for (int l = 0; l < AccLanes; l++) begin
            wdata[l*32 +: 32] = mem_q[widx][l*32 +: 32] + mx_wdata_i[l*32 +: 32];
          end
        end
      end else if (vu_we_i && (bank_of(vu_waddr_i) == BankW'(b))) begin
        we    = 1'b1;
        widx  = index_of(vu_waddr_i);
        wmask = '1;
        wdata = vu_wdata_i;
      end else begin
        for (int l = 0; l < LdLanes; l++) begin
          if (ld_we_i[l] && (bank_of(ld_waddr_i[l]) == BankW'(b))) begin
            we    = 1'b1;
            widx  = index_of(ld_waddr_i[l]);
            wdata = ld_wdata_i[l][Width*8-1:0];
            for (int i = 0; i < Width; i++) begin
              wmask[i*8 +: 8] = (16'(i) < ld_wbytes_i[l]) ? 8'hff : 8'h00;
            end
          end
        end
      end
    end

    always_ff @(posedge clk_i) begin
      if (we) begin
        mem_q[widx] <= (mem_q[widx] & ~wmask) | (wdata & wmask);
      end
      if (re) begin
        rdata_q <= mem_q[ridx];
      end
    end

    assign rdata[b]     = rdata_q;
    assign rd_busy_o[b] = hold_i || (mx_re_i && (bank_of(mx_raddr_i) == BankW'(b)));
    assign wr_busy_o[b] = hold_i || (mx_we_i && (bank_of(mx_waddr_i) == BankW'(b)));
  end

  // Each agent takes the data of the bank it read in the previous cycle.
  logic [BankW-1:0]              mx_bank_q, vu_bank_q;
  logic [StLanes-1:0][BankW-1:0] st_bank_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mx_bank_q <= '0;
      vu_bank_q <= '0;
      st_bank_q <= '0;
    end else begin
      mx_bank_q <= bank_of(mx_raddr_i);
      vu_bank_q <= bank_of(vu_raddr_i);
      for (int l = 0; l < StLanes; l++) begin
        st_bank_q[l] <= bank_of(st_raddr_i[l]);
      end
    end
  end

  assign mx_rdata_o = rdata[mx_bank_q];
  assign vu_rdata_o = rdata[vu_bank_q];
  for (genvar l = 0; l < StLanes; l++) begin : g_st_rdata
    assign st_rdata_o[l] = rdata[st_bank_q[l]];
  end

  if (LaneBytes > Width) begin : g_unused_lane_bytes
    logic unused;
    assign unused = ^ld_wdata_i;
  end

endmodule
