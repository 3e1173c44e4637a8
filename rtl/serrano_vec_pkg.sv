// SPDX-License-Identifier: Apache-2.0
//
// The integer numerics of the vector unit's transformer ops (docs/isa.md, "Transformer vector
// ops"): each function mirrors its C++ counterpart in golden/golden.cpp, golden/nonlinear.cpp or
// golden/norms.cpp operation for operation, so that the vector unit, which calls them per element,
// is bit-exact with golden::execute_vector_op (golden/vector_ops.cpp). Arguments are raw words
// of the parameter block; a block outside the golden parameter ranges is a program error, for
// which the result here is unspecified (but deterministic).
//
// Arguments and locals carry a prefix per function: the area flow's rewrite for Yosys
// (scripts/area/sv_for_yosys.py) needs every name declared in a package to have one shape.

package serrano_vec_pkg;

  // ---------------------------------------------------------------- shared steps

  // round(v / 2^n), ties away from zero, computed on the magnitude (golden round_shift and
  // round_shift_right); n = 0 gives v.
  function automatic logic signed [63:0] vec_round_shift(logic signed [63:0] rs_v,
                                                        logic [5:0] rs_n);
    logic [63:0]        rs_mag, rs_half, rs_res;
    logic signed [63:0] rs_out;
    rs_half = (rs_n == 6'd0) ? 64'd0 : (64'd1 << (rs_n - 6'd1));
    rs_mag  = rs_v[63] ? 64'(-rs_v) : 64'(rs_v);
    rs_res  = (rs_mag + rs_half) >> rs_n;
    rs_out  = rs_v[63] ? -$signed(rs_res) : $signed(rs_res);
    return rs_out;
  endfunction

  // multiply_by_quantized_multiplier (golden/golden.cpp, TFLite rounding): saturating left
  // shift, saturating rounding doubling high multiply, rounding divide by a power of two, as
  // serrano_requant_lane does in three stages. shift: the low byte of the shift word, [-31, 31].
  function automatic logic signed [31:0] vec_mbqm(logic signed [31:0] mq_x,
                                                 logic signed [31:0] mq_mult,
                                                 logic signed [7:0]  mq_shift);
    logic [4:0]         mq_left, mq_right;
    logic signed [63:0] mq_shifted, mq_prod, mq_nudged;
    logic signed [31:0] mq_sat, mq_hi, mq_res;
    logic [31:0]        mq_mask, mq_rem, mq_thr;
    mq_left  = (mq_shift > 8'sd0) ? mq_shift[4:0] : 5'd0;
    mq_right = (mq_shift < 8'sd0) ? 5'(-mq_shift) : 5'd0;
    // |x| * 2^31 <= 2^62: exact in 64 bits, then saturated.
    mq_shifted = $signed({{32{mq_x[31]}}, mq_x}) <<< mq_left;
    if (mq_shifted > 64'sd2147483647) begin
      mq_sat = 32'sh7fffffff;
    end else if (mq_shifted < -64'sd2147483648) begin
      mq_sat = 32'sh80000000;
    end else begin
      mq_sat = mq_shifted[31:0];
    end
    mq_prod   = $signed({{32{mq_sat[31]}}, mq_sat}) * $signed({{32{mq_mult[31]}}, mq_mult});
    mq_nudged = mq_prod + ((mq_prod >= 64'sd0) ? 64'sd1073741824 : -64'sd1073741823);
    // Division by 2^31 truncating toward zero, as C++ integer division does; the quotient fits
    // 32 bits except for (-2^31) x (-2^31), which saturates.
    if ((mq_sat == 32'sh80000000) && (mq_mult == 32'sh80000000)) begin
      mq_hi = 32'sh7fffffff;
    end else if (mq_nudged >= 64'sd0) begin
      mq_hi = 32'(mq_nudged >>> 31);
    end else begin
      mq_hi = 32'((mq_nudged + 64'sd2147483647) >>> 31);
    end
    mq_mask = (32'd1 << mq_right) - 32'd1;
    mq_rem  = mq_hi & mq_mask;
    mq_thr  = (mq_mask >> 1) + {31'd0, mq_hi[31]};
    mq_res  = (mq_hi >>> mq_right) + ((mq_rem > mq_thr) ? 32'sd1 : 32'sd0);
    return mq_res;
  endfunction

  // clamp(v, -128, 127).
  function automatic logic [7:0] vec_sat8(logic signed [63:0] st_v);
    logic [7:0] st_out;
    if (st_v > 64'sd127) begin
      st_out = 8'h7f;
    end else if (st_v < -64'sd128) begin
      st_out = 8'h80;
    end else begin
      st_out = st_v[7:0];
    end
    return st_out;
  endfunction

  // Sign extension of an int32 / int8 to 64 bits.
  function automatic logic signed [63:0] vec_sx32(logic [31:0] sa_v);
    return $signed({{32{sa_v[31]}}, sa_v});
  endfunction
  function automatic logic signed [63:0] vec_sx8(logic [7:0] sb_v);
    return $signed({{56{sb_v[7]}}, sb_v});
  endfunction

  // ---------------------------------------------------------------- softmax_i32

  // exp_q30: exp(x) for x = x_q20 / 2^20 in [-30 ln2, 0], in Q30. x = -z ln2 + p, z in [0, 30],
  // exp(p) ~ a (p + b)^2 + c, then / 2^z (all rounded half away from zero); z >= 30 (only the
  // clamp value -30 ln2 itself) gives exactly 0, so a masked or padded logit adds nothing.
  function automatic logic signed [63:0] vec_exp_q30(logic signed [31:0] ex_x);
    logic [31:0]        ex_z;
    logic signed [31:0] ex_p;
    logic signed [63:0] ex_pb, ex_poly, ex_out;
    ex_z    = 32'(-ex_x) / 32'd726817;                // floor(-x / ln2), ln2 = 726817 (Q20)
    ex_p    = ex_x + $signed(ex_z * 32'd726817);      // in (-ln2, 0]
    ex_pb   = vec_sx32(ex_p) + 64'sd1418723;          // p + b, b = 1.353 (Q20)
    ex_poly = vec_round_shift(64'sd11747 * ex_pb * ex_pb, 6'd25) +  // a = 0.3585 (Q15)
              64'sd369367187;                                       // c = 0.344 (Q30)
    if (ex_z >= 32'd30) begin                          // kSoftmaxMaxZ: at the clamp, 0
      ex_out = 64'sd0;
    end else if (ex_z == 32'd0) begin
      ex_out = ex_poly;
    end else begin
      ex_out = vec_round_shift(ex_poly, ex_z[5:0]);
    end
    return ex_out;
  endfunction

  // x_i in Q20: MBQM(max(q - max, INT32_MIN), scale_q20), clamped to >= -30 ln2.
  function automatic logic signed [31:0] vec_softmax_x(logic [31:0] sx_q, logic [31:0] sx_max,
                                                      logic [31:0] sx_mult,
                                                      logic [7:0]  sx_shift);
    logic signed [63:0] sx_d;
    logic signed [31:0] sx_dc, sx_xs, sx_out;
    sx_d   = vec_sx32(sx_q) - vec_sx32(sx_max);
    sx_dc  = (sx_d < -64'sd2147483648) ? 32'sh80000000 : sx_d[31:0];
    sx_xs  = vec_mbqm(sx_dc, sx_mult, sx_shift);
    sx_out = (sx_xs < -32'sd21804510) ? -32'sd21804510 : sx_xs;  // -30 ln2 (Q20)
    return sx_out;
  endfunction

  // recip = round(2^60 / sum) (sum >= 2^30 for a valid block; 0 gives 0).
  function automatic logic signed [63:0] vec_softmax_recip(logic signed [63:0] sr_sum);
    logic [63:0] sr_s, sr_out;
    sr_s   = 64'(sr_sum);
    sr_out = (sr_s == 64'd0) ? 64'd0 : ((64'd1 << 60) + (sr_s >> 1)) / sr_s;
    return $signed(sr_out);
  endfunction

  // One output: min(round(e * recip / 2^52), 255) - 128.
  function automatic logic [7:0] vec_softmax_out(logic signed [63:0] so_e,
                                                 logic signed [63:0] so_recip);
    logic signed [63:0] so_q;
    logic [7:0]         so_out;
    so_q   = vec_round_shift(so_e * so_recip, 6'd52);
    so_out = (so_q > 64'sd255) ? 8'h7f : 8'(so_q - 64'sd128);
    return so_out;
  endfunction

  // ---------------------------------------------------------------- gelu_erf_i8, swiglu_i8

  // v = q - zp; t = min(|v| x_scale, b); L = a (t - b)^2 + 1 (Q16); g = v (1 + sgn(v) L);
  // requantized by the output multiplier, zero point added, clamped.
  function automatic logic [7:0] vec_gelu(logic [7:0]  ge_q, logic [31:0] ge_zp_in,
                                          logic [31:0] ge_x_scale, logic [31:0] ge_mult,
                                          logic [7:0]  ge_shift, logic [31:0] ge_zp_out);
    logic signed [63:0] ge_v, ge_abs, ge_t, ge_m, ge_l, ge_one_plus;
    logic signed [31:0] ge_g, ge_y;
    ge_v   = vec_sx8(ge_q) - vec_sx32(ge_zp_in);
    ge_abs = ge_v[63] ? -ge_v : ge_v;
    ge_t   = ge_abs * vec_sx32(ge_x_scale);
    ge_t   = (ge_t < 64'sd115933) ? ge_t : 64'sd115933;  // b = 1.769 (Q16)
    ge_m   = ge_t - 64'sd115933;
    ge_l   = vec_round_shift(-64'sd18927 * ge_m * ge_m, 6'd32) + 64'sd65536;  // a = -0.2888
    if (ge_v > 64'sd0) begin
      ge_one_plus = 64'sd65536 + ge_l;
    end else if (ge_v < 64'sd0) begin
      ge_one_plus = 64'sd65536 - ge_l;
    end else begin
      ge_one_plus = 64'sd0;
    end
    ge_g = 32'(ge_v * ge_one_plus);
    ge_y = vec_mbqm(ge_g, ge_mult, ge_shift);
    return vec_sat8(vec_sx32(ge_y) + vec_sx32(ge_zp_out));
  endfunction

  // silu(gate) (int16 from the table) x (up - zp), requantized, zero point added, clamped.
  function automatic logic [7:0] vec_swiglu(logic [15:0] sw_silu, logic [7:0] sw_up,
                                            logic [31:0] sw_zp_up, logic [31:0] sw_mult,
                                            logic [7:0]  sw_shift, logic [31:0] sw_zp_out);
    logic signed [31:0] sw_s, sw_u, sw_y;
    sw_s = $signed({{16{sw_silu[15]}}, sw_silu});
    sw_u = $signed({{24{sw_up[7]}}, sw_up}) - $signed(sw_zp_up);
    sw_y = vec_mbqm(sw_s * sw_u, sw_mult, sw_shift);
    return vec_sat8(vec_sx32(sw_y) + vec_sx32(sw_zp_out));
  endfunction

  // ---------------------------------------------------------------- add_i8, mul_i8, rope_i8

  function automatic logic [7:0] vec_qadd(logic [7:0]  qa_a, logic [7:0] qa_b,
                                          logic [31:0] qa_zp_a, logic [31:0] qa_zp_b,
                                          logic [31:0] qa_zp_out,
                                          logic [31:0] qa_mult_a, logic [7:0] qa_shift_a,
                                          logic [31:0] qa_mult_b, logic [7:0] qa_shift_b,
                                          logic [31:0] qa_mult_out, logic [7:0] qa_shift_out);
    logic signed [31:0] qa_a_in, qa_b_in, qa_a_scaled, qa_b_scaled, qa_out;
    qa_a_in     = ($signed({{24{qa_a[7]}}, qa_a}) - $signed(qa_zp_a)) <<< 20;
    qa_b_in     = ($signed({{24{qa_b[7]}}, qa_b}) - $signed(qa_zp_b)) <<< 20;
    qa_a_scaled = vec_mbqm(qa_a_in, qa_mult_a, qa_shift_a);
    qa_b_scaled = vec_mbqm(qa_b_in, qa_mult_b, qa_shift_b);
    qa_out      = vec_mbqm(qa_a_scaled + qa_b_scaled, qa_mult_out, qa_shift_out);
    return vec_sat8(vec_sx32(qa_out) + vec_sx32(qa_zp_out));
  endfunction

  function automatic logic [7:0] vec_qmul(logic [7:0]  qm_a, logic [7:0] qm_b,
                                          logic [31:0] qm_zp_a, logic [31:0] qm_zp_b,
                                          logic [31:0] qm_zp_out,
                                          logic [31:0] qm_mult, logic [7:0] qm_shift);
    logic signed [31:0] qm_a_in, qm_b_in, qm_out;
    qm_a_in = $signed({{24{qm_a[7]}}, qm_a}) - $signed(qm_zp_a);
    qm_b_in = $signed({{24{qm_b[7]}}, qm_b}) - $signed(qm_zp_b);
    qm_out  = vec_mbqm(qm_a_in * qm_b_in, qm_mult, qm_shift);
    return vec_sat8(vec_sx32(qm_out) + vec_sx32(qm_zp_out));
  endfunction

  // One output of a RoPE pair (x0, x1) with Q14 cos c and sin s: the first element
  // (second = 0) is x0 c - x1 s, the second x0 s + x1 c (zero point removed); rounded by 2^14,
  // zero point added back, saturated.
  function automatic logic [7:0] vec_rope(logic [7:0]  ro_x0, logic [7:0] ro_x1,
                                          logic [15:0] ro_c, logic [15:0] ro_s,
                                          logic [7:0]  ro_zp, logic ro_second);
    logic signed [63:0] ro_v0, ro_v1, ro_cc, ro_ss, ro_y;
    ro_v0 = vec_sx8(ro_x0) - vec_sx8(ro_zp);
    ro_v1 = vec_sx8(ro_x1) - vec_sx8(ro_zp);
    ro_cc = $signed({{48{ro_c[15]}}, ro_c});
    ro_ss = $signed({{48{ro_s[15]}}, ro_s});
    ro_y  = ro_second ? (ro_v0 * ro_ss + ro_v1 * ro_cc) : (ro_v0 * ro_cc - ro_v1 * ro_ss);
    return vec_sat8(vec_round_shift(ro_y, 6'd14) + vec_sx8(ro_zp));
  endfunction

  // ---------------------------------------------------------------- norms: normalize_row

  // isqrt: floor(sqrt(n)), one result bit per iteration (the golden loop; its leading skip of
  // the bits above n is the same as iterating them with root = 0).
  function automatic logic [63:0] vec_isqrt(logic [63:0] iq_n);
    logic [63:0] iq_rem, iq_root, iq_bit;
    iq_rem  = iq_n;
    iq_root = '0;
    for (int i = 31; i >= 0; i--) begin
      iq_bit = 64'd1 << (2 * i);
      if (iq_rem >= iq_root + iq_bit) begin
        iq_rem  = iq_rem - (iq_root + iq_bit);
        iq_root = (iq_root >> 1) + iq_bit;
      end else begin
        iq_root = iq_root >> 1;
      end
    end
    return iq_root;
  endfunction

  // Steps 1 .. 3 for T = t: k, the largest integer <= 30 with T 4^k < 2^62, and
  // inv = round(2^62 / floor(sqrt(T 4^k))). Returns {k, inv}: k in [69:64], inv in [63:0].
  function automatic logic [69:0] vec_norm_inv(logic [63:0] ni_t);
    logic [5:0]  ni_k;
    logic        ni_done;
    logic [63:0] ni_r, ni_inv;
    ni_k    = 6'd0;
    ni_done = 1'b0;
    for (int i = 0; i < 30; i++) begin
      if (!ni_done && (ni_t < (64'd1 << (60 - 2 * i)))) begin
        ni_k = 6'(i + 1);
      end else begin
        ni_done = 1'b1;
      end
    end
    ni_r   = vec_isqrt(ni_t << (2 * ni_k));
    ni_inv = (ni_r == 64'd0) ? 64'd0 : ((64'd1 << 62) + (ni_r >> 1)) / ni_r;
    return {ni_k, ni_inv};
  endfunction

  // Steps 4 .. 5 for one channel: z = round(d inv / 2^(46 - k)) (d = n (x - mean) in input
  // units), negated if gamma < 0, scaled by the channel's multiplier, bias added, rounded by 2^8
  // and saturated. shift_word: shift in [7:0], negate in bit 8.
  function automatic logic [7:0] vec_norm_out(logic signed [63:0] no_d, logic [63:0] no_inv,
                                              logic [5:0]  no_z_shift, logic [31:0] no_bias,
                                              logic [31:0] no_mult, logic [8:0] no_shift_word);
    logic signed [63:0] no_z;
    logic signed [31:0] no_scaled;
    no_z      = vec_round_shift(no_d * $signed(no_inv), no_z_shift);
    no_z      = no_shift_word[8] ? -no_z : no_z;
    no_scaled = vec_mbqm(no_z[31:0], no_mult, no_shift_word[7:0]);
    return vec_sat8(vec_round_shift(vec_sx32(no_scaled) + vec_sx32(no_bias), 6'd8));
  endfunction

endpackage
