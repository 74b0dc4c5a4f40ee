`timescale 1 ns / 1 ps
// One raw detector sample -> the probe feature the actor sees: (raw - offset) * gain, rounded half up and saturated onto
// the contract's input grid (hls.contract.DetectorCalibration.feature_q, bit for bit).
// raw and offset: signed 16 bits; gain: unsigned, GAIN_FRAC fractional bits; feature: signed FEATURE_BITS bits with
// FEATURE_FRAC fractional bits. The product is registered (one DSP48 with its pre-adder: 17 x 25 bits); the rounding
// and saturation after it are combinational, so `feature` is valid (out_valid) one clock edge after in_valid.
module probe_calibration #(
    parameter FEATURE_BITS = 10,
    parameter FEATURE_FRAC = 8,
    parameter GAIN_FRAC = 24,
    parameter TAG_BITS = 8
) (
    input clk,
    input rstn,
    input in_valid,
    input [TAG_BITS-1:0] in_tag,
    input signed [15:0] raw,
    input signed [15:0] offset,
    input [GAIN_FRAC-1:0] gain,
    output reg out_valid,
    output reg [TAG_BITS-1:0] out_tag,
    output signed [FEATURE_BITS-1:0] feature
);
    localparam PB = 17 + GAIN_FRAC + 1;
    localparam SHIFT = GAIN_FRAC - FEATURE_FRAC;
    localparam signed [PB-1:0] QMAX = (1 <<< (FEATURE_BITS - 1)) - 1;
    localparam signed [PB-1:0] QMIN = -(1 <<< (FEATURE_BITS - 1));

    wire signed [16:0] diff = raw - offset;
    reg signed [PB-1:0] product;
    always @(posedge clk) begin
        product <= diff * $signed({1'b0, gain});
        out_valid <= rstn & in_valid;
        out_tag <= in_tag;
    end

    wire signed [PB-1:0] rounded = (product + (1 <<< (SHIFT - 1))) >>> SHIFT;
    assign feature = rounded > QMAX ? QMAX[FEATURE_BITS-1:0] : rounded < QMIN ? QMIN[FEATURE_BITS-1:0] : rounded[FEATURE_BITS-1:0];
endmodule
