`timescale 1 ns / 1 ps
// One raw detector sample -> the probe feature the actor sees: (raw - offset) * gain, rounded half up and saturated onto
// the contract's input grid (hls.contract.DetectorCalibration.feature_q, bit for bit).
// raw and offset: signed 16 bits; gain: unsigned, GAIN_FRAC fractional bits; feature: signed FEATURE_BITS bits with
// FEATURE_FRAC fractional bits. Pipelined for 100 MHz after place and route (the sample FIFO's read in front of the
// multiply was the scan IP's critical path), LATENCY = 5 registers, out_valid five clock edges after in_valid:
//   1  raw - offset                       (the FIFO's read and one 17-bit subtraction)
//   2  (raw - offset) * the gain's low and high halves, two 17 x GAIN_FRAC/2 products (one multiplier block each)
//   3  their sum, the whole product
//   4  rounded half up (an add and a shift)
//   5  saturated (two compares)
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
    output out_valid,
    output [TAG_BITS-1:0] out_tag,
    output reg signed [FEATURE_BITS-1:0] feature
);
    localparam LATENCY = 5;
    localparam PB = 17 + GAIN_FRAC + 1;
    localparam LO = GAIN_FRAC / 2;                   // the gain's low half: bits [LO-1:0]
    localparam SHIFT = GAIN_FRAC - FEATURE_FRAC;
    localparam signed [PB-1:0] QMAX = (1 <<< (FEATURE_BITS - 1)) - 1;
    localparam signed [PB-1:0] QMIN = -(1 <<< (FEATURE_BITS - 1));

    reg [LATENCY-1:0] valid;
    reg [TAG_BITS-1:0] tag [0:LATENCY-1];
    integer k;
    always @(posedge clk) begin
        valid <= rstn ? {valid[LATENCY-2:0], in_valid} : {LATENCY{1'b0}};
        tag[0] <= in_tag;
        for (k = 1; k < LATENCY; k = k + 1) tag[k] <= tag[k-1];
    end
    assign out_valid = valid[LATENCY-1];
    assign out_tag = tag[LATENCY-1];

    reg signed [16:0] diff;
    reg signed [PB-1:0] low, high, product, rounded;
    always @(posedge clk) begin
        diff <= raw - offset;
        low <= diff * $signed({1'b0, gain[LO-1:0]});
        high <= diff * $signed({1'b0, gain[GAIN_FRAC-1:LO]});
        product <= low + (high <<< LO);
        rounded <= (product + (1 <<< (SHIFT - 1))) >>> SHIFT;
        feature <= rounded > QMAX ? QMAX[FEATURE_BITS-1:0] : rounded < QMIN ? QMIN[FEATURE_BITS-1:0] : rounded[FEATURE_BITS-1:0];
    end
endmodule
