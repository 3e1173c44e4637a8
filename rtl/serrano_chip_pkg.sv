// SPDX-License-Identifier: Apache-2.0
//
// Whole-chip constants and the ISA v1 field layout (docs/isa.md): one 128-bit instruction is
// two 64-bit words, w0 then w1. The chip keeps instructions encoded in its queues and reads the
// fields where it needs them with the functions below. The harness checks every instruction
// (isa::validate and the chip's range checks) before a run, so nothing here re-validates.

package serrano_chip_pkg;

  parameter int QueueDepth  = 16;  // instructions per queue (docs/chip-timing.md, "Dispatch")
  parameter int DmaInFlight = 8;   // loads / stores in flight (docs/chip-timing.md, "Units")
  parameter int DmaTagW     = 3;   // $clog2(DmaInFlight)
  parameter int IdxW        = 24;  // instruction index: at most 2^24 instructions (docs/isa.md)
  parameter int CycleW      = 48;  // cycle counter
  parameter int TokW        = 32;  // token counters
  parameter int DramAddrW   = 40;
  parameter int DramStrideW = 24;
  parameter int RowAddrW    = 20;

  // Cycles the vector unit spends per logical row on the reciprocal of the softmax sum and on
  // the norms' square root and reciprocal, beyond the passes over the rows: an explicit
  // assumption (a multi-cycle unit of that latency), the same numbers as
  // isa::kVecSoftmaxFixedCycles / isa::kVecNormFixedCycles (docs/isa.md, "Timing").
  parameter int VecSoftmaxFixedCycles = 8;
  parameter int VecNormFixedCycles    = 16;
  // The largest parameter block the vector unit buffers (vswiglu's, docs/isa.md).
  parameter int VecMaxBlockBytes = 528;

  typedef enum logic [3:0] {
    OpSync    = 4'd0,
    OpLoad    = 4'd1,
    OpStore   = 4'd2,
    OpPreload = 4'd3,
    OpMatmul  = 4'd4,
    OpRequant = 4'd5,
    OpVec     = 4'd6,
    OpHalt    = 4'd15
  } opcode_e;

  typedef enum logic [1:0] {
    MemSp  = 2'd0,
    MemWb  = 2'd1,
    MemAcc = 2'd2,
    MemQp  = 2'd3
  } mem_e;

  // The vector ops (`func` of a vec, docs/isa.md).
  typedef enum logic [3:0] {
    VecAddAcc    = 4'd0,
    VecMaxAcc    = 4'd1,
    VecReluAcc   = 4'd2,
    VecAddSp     = 4'd3,
    VecMaxSp     = 4'd4,
    VecReluSp    = 4'd5,
    VecSoftmax   = 4'd6,
    VecLayerNorm = 4'd7,
    VecRmsNorm   = 4'd8,
    VecGelu      = 4'd9,
    VecLut       = 4'd10,
    VecSwiglu    = 4'd11,
    VecQAdd      = 4'd12,
    VecQMul      = 4'd13,
    VecRope      = 4'd14
  } vec_op_e;

  // Token channels between neighbouring queues.
  typedef enum logic [1:0] {
    ChLoadToCompute  = 2'd0,
    ChComputeToLoad  = 2'd1,
    ChComputeToStore = 2'd2,
    ChStoreToCompute = 2'd3
  } channel_e;

  // An instruction as it waits in a queue: its index in the program and its two words.
  typedef struct packed {
    logic [IdxW-1:0] idx;
    logic [63:0]     w1;
    logic [63:0]     w0;
  } entry_t;

  // ---- w0 fields common to every instruction
  function automatic opcode_e op_of(logic [63:0] w0);
    return opcode_e'(w0[3:0]);
  endfunction
  function automatic logic pop_prev_of(logic [63:0] w0);
    return w0[4];
  endfunction
  function automatic logic pop_next_of(logic [63:0] w0);
    return w0[5];
  endfunction
  function automatic logic push_prev_of(logic [63:0] w0);
    return w0[6];
  endfunction
  function automatic logic push_next_of(logic [63:0] w0);
    return w0[7];
  endfunction
  function automatic logic [3:0] func_of(logic [63:0] w0);
    return w0[11:8];
  endfunction
  function automatic logic [RowAddrW-1:0] a_of(logic [63:0] w0);
    return w0[31:12];
  endfunction
  function automatic logic [15:0] rows_of(logic [63:0] w0);
    return w0[47:32];
  endfunction
  function automatic logic [15:0] b_of(logic [63:0] w0);
    return w0[63:48];
  endfunction

  // The queue an instruction runs in: 0 load, 1 compute, 2 store (sync: its func field).
  function automatic logic [1:0] queue_of(logic [63:0] w0);
    unique case (op_of(w0))
      OpSync:  return w0[9:8];
      OpLoad:  return 2'd0;
      OpStore: return 2'd2;
      default: return 2'd1;
    endcase
  endfunction

  // ---- w1 fields
  function automatic logic [DramAddrW-1:0] dram_addr_of(logic [63:0] w1);
    return w1[39:0];
  endfunction
  function automatic logic [DramStrideW-1:0] dram_stride_of(logic [63:0] w1);
    return w1[63:40];
  endfunction
  function automatic logic [RowAddrW-1:0] w1_row_of(logic [63:0] w1);  // matmul acc, requant sp
    return w1[19:0];
  endfunction
  function automatic logic [RowAddrW-1:0] src_b_of(logic [63:0] w1);  // vec operand b
    return w1[39:20];
  endfunction

  function automatic logic [7:0] vec_qp_of(logic [63:0] w1);  // vec parameter row
    return w1[47:40];
  endfunction
  function automatic logic [15:0] vec_len_of(logic [63:0] w1);  // vec row ops: rows per row
    return w1[63:48];
  endfunction

  // ---- what a vector op reads and writes (docs/isa.md)
  function automatic vec_op_e vec_op_of(logic [63:0] w0);
    return vec_op_e'(w0[11:8]);
  endfunction
  function automatic logic vec_is_row_op(vec_op_e op);  // vsoftmax, vlayernorm, vrmsnorm
    return (op == VecSoftmax) || (op == VecLayerNorm) || (op == VecRmsNorm);
  endfunction
  function automatic logic vec_is_norm(vec_op_e op);
    return (op == VecLayerNorm) || (op == VecRmsNorm);
  endfunction
  function automatic logic vec_a_on_acc(vec_op_e op);
    return (op == VecAddAcc) || (op == VecMaxAcc) || (op == VecReluAcc) || (op == VecSoftmax);
  endfunction
  function automatic logic vec_b_on_acc(vec_op_e op);
    return (op == VecAddAcc) || (op == VecMaxAcc) || (op == VecRope);
  endfunction
  function automatic logic vec_dst_on_acc(vec_op_e op);
    return (op == VecAddAcc) || (op == VecMaxAcc) || (op == VecReluAcc);
  endfunction
  function automatic logic vec_has_b(vec_op_e op);
    return (op == VecAddAcc) || (op == VecMaxAcc) || (op == VecAddSp) || (op == VecMaxSp) ||
           (op == VecSwiglu) || (op == VecQAdd) || (op == VecQMul) || (op == VecRope);
  endfunction
  function automatic logic vec_uses_acc(vec_op_e op);  // the unit holds the accumulators
    return vec_a_on_acc(op) || vec_b_on_acc(op);
  endfunction
  function automatic logic vec_uses_sp(vec_op_e op);  // the unit holds the scratchpad
    return !vec_dst_on_acc(op);
  endfunction

  // Q: the parameter rows a vec reads before its rows, the block's ceil(B / 12C) rows (12C =
  // qp_bytes); the norms read only their header row then, and each channel row with the
  // normalize pass.
  function automatic logic [15:0] vec_param_rows(vec_op_e op, int qp_bytes);
    int bytes;
    logic [15:0] q;
    unique case (op)
      VecSoftmax: bytes = 8;
      VecGelu:    bytes = 20;
      VecLut:     bytes = 256;
      VecSwiglu:  bytes = VecMaxBlockBytes;
      VecQAdd:    bytes = 36;
      VecQMul:    bytes = 20;
      default:    bytes = 0;
    endcase
    q = vec_is_norm(op) ? 16'd1 : 16'((bytes + qp_bytes - 1) / qp_bytes);
    return q;
  endfunction

  // c - t of a vec started in cycle t (docs/isa.md, "Timing"): 2 + Q + rows x T_row, with
  // P = p_acc (source in the accumulators) or p_sp cycles a memory row and T_row = P
  // (element-wise), 3 len P + 8 (vsoftmax), 2 len P + 16 (norms).
  function automatic logic [CycleW-1:0] vec_cycles(logic [63:0] w0, logic [63:0] w1, int p_acc,
                                                   int p_sp, int qp_bytes);
    vec_op_e           op;
    logic [CycleW-1:0] p, len, row;
    op  = vec_op_of(w0);
    p   = vec_a_on_acc(op) ? CycleW'(p_acc) : CycleW'(p_sp);
    len = CycleW'(vec_len_of(w1));
    if (op == VecSoftmax) begin
      row = CycleW'(3) * len * p + CycleW'(VecSoftmaxFixedCycles);
    end else if (vec_is_norm(op)) begin
      row = CycleW'(2) * len * p + CycleW'(VecNormFixedCycles);
    end else begin
      row = p;
    end
    return CycleW'(2) + CycleW'(vec_param_rows(op, qp_bytes)) + CycleW'(rows_of(w0)) * row;
  endfunction

endpackage
