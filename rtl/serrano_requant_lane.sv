// SPDX-License-Identifier: Apache-2.0
//
// One lane of the requantization unit: int32 accumulator -> int8, bit-exact with
// golden::requantize (TFLite's default double-rounding path; docs/numerics.md).
//
//   stage 1: x   = sat32((acc + bias) << max(shift, 0))            (acc + bias wraps)
//   stage 2: hi  = SaturatingRoundingDoublingHighMul(x, multiplier)
//   stage 3: out = clamp(RoundingDivideByPOT(hi, max(-shift, 0)) + zero_point, act_min, act_max)
//
// Each stage is registered; the output appears RequantStages (3) cycles after the inputs.

module serrano_requant_lane
  import serrano_pkg::*;
(
  input  logic                     clk_i,
  input  logic                     rst_ni,

  input  logic signed [AccW-1:0]   acc_i,
  input  logic signed [AccW-1:0]   bias_i,
  input  logic signed [AccW-1:0]   mult_i,
  input  logic signed [ShiftW-1:0] shift_i,
  input  logic signed [DataW-1:0]  zero_point_i,
  input  logic signed [DataW-1:0]  act_min_i,
  input  logic signed [DataW-1:0]  act_max_i,

  output logic signed [DataW-1:0]  data_o
);

  localparam logic signed [63:0] Int32Max = 64'sd2147483647;
  localparam logic signed [63:0] Int32Min = -64'sd2147483648;

  // ---- stage 1: bias add, saturating left shift ----
  logic signed [AccW-1:0]  sum;
  logic [4:0]              left_amt, right_amt;
  logic signed [63:0]      shifted;
  logic signed [AccW-1:0]  x_d;

  assign sum       = acc_i + bias_i;
  assign left_amt  = (shift_i > 0) ? shift_i[4:0] : 5'd0;
  assign right_amt = (shift_i < 0) ? 5'(-shift_i) : 5'd0;
  assign shifted   = 64'(sum) <<< left_amt;

  always_comb begin
    if (shifted > Int32Max) begin
      x_d = AccW'(Int32Max);
    end else if (shifted < Int32Min) begin
      x_d = AccW'(Int32Min);
    end else begin
      x_d = shifted[AccW-1:0];
    end
  end

  logic signed [AccW-1:0]  x_q, mult_q;
  logic [4:0]              right1_q;
  logic signed [DataW-1:0] zp1_q, min1_q, max1_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      x_q      <= '0;
      mult_q   <= '0;
      right1_q <= '0;
      zp1_q    <= '0;
      min1_q   <= '0;
      max1_q   <= '0;
    end else begin
      x_q      <= x_d;
      mult_q   <= mult_i;
      right1_q <= right_amt;
      zp1_q    <= zero_point_i;
      min1_q   <= act_min_i;
      max1_q   <= act_max_i;
    end
  end

  // ---- stage 2: saturating rounding doubling high multiply ----
  logic signed [63:0]     prod, nudged, quot;
  logic                   both_min;
  logic signed [AccW-1:0] hi_d;

  assign prod     = 64'(x_q) * 64'(mult_q);
  assign nudged   = prod + ((prod >= 0) ? 64'sd1073741824 : -64'sd1073741823);
  // Division by 2^31 truncating toward zero, as C++ integer division does.
  assign quot     = (nudged >= 0) ? (nudged >>> 31) : ((nudged + 64'sd2147483647) >>> 31);
  assign both_min = (x_q == AccW'(Int32Min)) && (mult_q == AccW'(Int32Min));
  assign hi_d     = both_min ? AccW'(Int32Max) : quot[AccW-1:0];

  // |quot| < 2^31 except in the saturated corner case, so its upper half carries no information.
  logic unused_quot_bits;
  assign unused_quot_bits = ^quot[63:AccW];

  logic signed [AccW-1:0]  hi_q;
  logic [4:0]              right2_q;
  logic signed [DataW-1:0] zp2_q, min2_q, max2_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      hi_q     <= '0;
      right2_q <= '0;
      zp2_q    <= '0;
      min2_q   <= '0;
      max2_q   <= '0;
    end else begin
      hi_q     <= hi_d;
      right2_q <= right1_q;
      zp2_q    <= zp1_q;
      min2_q   <= min1_q;
      max2_q   <= max1_q;
    end
  end

  // ---- stage 3: rounding divide by power of two, zero point, clamp ----
  logic [AccW-1:0]        mask, rem, thr;
  logic signed [AccW-1:0] rounded;
  logic signed [AccW+1:0] with_zp;
  logic signed [DataW-1:0] out_d;

  assign mask    = (AccW'(1) << right2_q) - AccW'(1);
  assign rem     = hi_q & mask;
  assign thr     = (mask >> 1) + AccW'(hi_q[AccW-1]);
`ifdef SERRANO_BUG_REQUANT_ROUND
  // Injected bug (chip variant bug-requant-round, docs/chip-rtl.md): a remainder equal to the
  // threshold rounds up (just below one half for positive values, exactly one half for negative).
  assign rounded = (hi_q >>> right2_q) +
                   (((rem > thr) || ((rem == thr) && (right2_q != 5'd0))) ? AccW'(1) : AccW'(0));
`else
  assign rounded = (hi_q >>> right2_q) + ((rem > thr) ? AccW'(1) : AccW'(0));
`endif
  assign with_zp = (AccW+2)'(rounded) + (AccW+2)'(zp2_q);

  always_comb begin
    if (with_zp < (AccW+2)'(min2_q)) begin
      out_d = min2_q;
    end else if (with_zp > (AccW+2)'(max2_q)) begin
      out_d = max2_q;
    end else begin
      out_d = with_zp[DataW-1:0];
    end
  end

  logic signed [DataW-1:0] out_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_q <= '0;
    end else begin
      out_q <= out_d;
    end
  end

  assign data_o = out_q;

endmodule
