`timescale 1 ns / 1 ps
// A segment start on the position grid -> one position feature of the observation (hls.sequencer_model.position_features,
// bit for bit): the contract's rounding (half up, saturated) of (x - N/2) / (N/2), computed exactly in integers as
//     m = floor((2 (x - N/2) 2**FEATURE_FRAC + N/2) / 1)  on the 2**-POS_FRAC grid, then q = floor(m / N)
// where the division by the image size N is a multiply and shift (exact on the clamped range, checked by
// hls.sequencer_model.exact_position_division; clamping m only cuts values that saturate anyway).
// Five registers: out_valid follows in_valid five clock edges later (the multiply over two: four partial products, each
// one multiplier block, then their sum; product and sum in one stage routed at 94.2 MHz on the ECP5 stand-in).
module position_feature #(
    parameter IMAGE_SIZE = 96,
    parameter POS_BITS = 31,
    parameter POS_FRAC = 20,
    parameter FEATURE_BITS = 10,
    parameter FEATURE_FRAC = 8,
    parameter DIV_CLAMP = 49248,
    parameter DIV_OFFSET = 98304,
    parameter DIV_MULTIPLIER = 349526,
    parameter DIV_SHIFT = 25
) (
    input clk,
    input rstn,
    input in_valid,
    input signed [POS_BITS-1:0] start,
    output out_valid,
    output reg signed [FEATURE_BITS-1:0] feature
);
    localparam MB = POS_BITS + FEATURE_FRAC + 3;                // 2 (x - N/2) 2**FEATURE_FRAC on the position grid
    localparam DB = DIV_SHIFT - $clog2(IMAGE_SIZE) + 2;          // m + offset (non-negative) and the quotient, signed
    localparam PB = DB + $clog2(DIV_MULTIPLIER + 1) + 1;          // (m + offset) * multiplier
    localparam signed [MB-1:0] CENTRE = IMAGE_SIZE <<< (POS_FRAC - 1);
    localparam signed [MB-1:0] HALF = IMAGE_SIZE <<< (POS_FRAC - 1);
    localparam signed [MB-1:0] CLAMP = DIV_CLAMP;
    localparam signed [DB-1:0] OFFSET = DIV_OFFSET;
    localparam signed [PB-1:0] MULTIPLIER = DIV_MULTIPLIER;
    localparam signed [DB-1:0] BIAS = DIV_OFFSET / IMAGE_SIZE;
    localparam signed [DB-1:0] QMAX = (1 <<< (FEATURE_BITS - 1)) - 1;
    localparam signed [DB-1:0] QMIN = -(1 <<< (FEATURE_BITS - 1));

    reg [4:0] valid;
    always @(posedge clk) valid <= rstn ? {valid[3:0], in_valid} : 5'b0;
    assign out_valid = valid[4];

    // 1: m = (2 (x - N/2) 2**FEATURE_FRAC + N/2 on the grid) >> POS_FRAC
    wire signed [MB-1:0] d = $signed(start) - CENTRE;
    reg signed [MB-1:0] m;
    always @(posedge clk) m <= ((d <<< (FEATURE_FRAC + 1)) + HALF) >>> POS_FRAC;
    // 2: clamp to the range where the division is exact (beyond it the feature saturates anyway), add the offset
    reg signed [DB-1:0] shifted;
    always @(posedge clk) shifted <= (m > CLAMP ? CLAMP[DB-1:0] : m < -CLAMP ? -CLAMP[DB-1:0] : m[DB-1:0]) + OFFSET;
    // 3: multiply by ceil(2**DIV_SHIFT / N): shifted (non-negative: OFFSET >= CLAMP) and the multiplier split at bit K
    // into four unsigned partial products, each within one 18 x 18 multiplier block, registered ...
    localparam K = DB > 18 ? 17 : DB - 1;                         // s_hi: at least the (zero) sign bit
    localparam [K-1:0] M_LO = DIV_MULTIPLIER % (1 << K);
    localparam M_HI = DIV_MULTIPLIER >> K;
    wire [K-1:0] s_lo = shifted[K-1:0];
    wire [DB-K-1:0] s_hi = shifted[DB-1:K];
    reg [PB-1:0] p_ll, p_lh, p_hl, p_hh;
    always @(posedge clk) begin
        p_ll <= s_lo * M_LO;
        p_lh <= s_lo * M_HI;
        p_hl <= s_hi * M_LO;
        p_hh <= s_hi * M_HI;
    end
    // ... 4: and summed
    reg signed [PB-1:0] product;
    always @(posedge clk) product <= p_ll + ((p_lh + p_hl) << K) + (p_hh << (2 * K));
    // 5: shift, remove the offset's quotient, saturate onto the feature grid
    wire signed [DB-1:0] q = (product >>> DIV_SHIFT) - BIAS;
    always @(posedge clk) feature <= q > QMAX ? QMAX[FEATURE_BITS-1:0] : q < QMIN ? QMIN[FEATURE_BITS-1:0] : q[FEATURE_BITS-1:0];
endmodule
