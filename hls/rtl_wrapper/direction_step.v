`timescale 1 ns / 1 ps
// The actor's action vector v = (v_row, v_col) -> the step spacing * v / |v| on the position grid, by CORDIC.
// Bit-exact with hls.sequencer_model.step_vectors (read its docstring for the arithmetic):
//   step 0         the zero vector becomes (0, 1); a vector with v_col < 0 is negated (its angle is then within
//                  +-90 degrees, where the CORDIC converges); v is scaled by 2**CORDIC_GUARD
//   steps 1 .. N   micro-rotation i-1: (x, y) turns by -+atan(2**-(i-1)) towards the x axis (the sign of y chooses),
//                  (wx, wy), started at (W0, 0) = (spacing / K, 0), turns the opposite way
//   step N + 1     undo the negation and round (wx, wy) half up onto the position grid
// A register follows every STEPS_PER_STAGE steps (each step is one add/subtract whose control is the sign of the
// previous one's result), so the result appears LATENCY = ceil((N + 2) / STEPS_PER_STAGE) clock edges after in_valid.
// No backpressure: one action in, one step out, LATENCY cycles later.
module direction_step #(
    parameter ACTION_BITS = 10,
    parameter VECTOR_BITS = 26,
    parameter STEP_BITS = 27,
    parameter STEP_GUARD = 4,
    parameter POS_BITS = 31,
    parameter CORDIC_ITERATIONS = 22,
    parameter CORDIC_GUARD = 14,
    parameter W0 = 0,
    parameter STEPS_PER_STAGE = 1  // after place and route on the ECP5 stand-in (grade 6), two micro-rotations per clock
                                   // reached 96.5 MHz, three 69 MHz: one per clock
) (
    input clk,
    input rstn,
    input in_valid,
    input signed [ACTION_BITS-1:0] v_row,
    input signed [ACTION_BITS-1:0] v_col,
    output out_valid,
    output signed [POS_BITS-1:0] step_row,
    output signed [POS_BITS-1:0] step_col
);
    localparam N = CORDIC_ITERATIONS;
    localparam STEPS = N + 2;
    localparam LATENCY = (STEPS + STEPS_PER_STAGE - 1) / STEPS_PER_STAGE;
    localparam VB = VECTOR_BITS, SB = STEP_BITS;
    localparam LANE = 2 * VB + 2 * SB + 1;  // {neg, x, y, wx, wy} between steps

    // each step's lane holds the values leaving it; step 1 reads lane0, the preprocessed action

    // step 0: negate when v_col < 0, scale; the zero vector becomes (0, 1). The zero test runs beside the negation
    // (one carry chain), not before it.
    wire zero = (v_row == 0) && (v_col == 0);
    wire neg0 = v_col[ACTION_BITS-1];
    wire signed [VB-1:0] col0 = neg0 ? -v_col : v_col;
    wire signed [VB-1:0] row0 = neg0 ? -v_row : v_row;
    wire signed [VB-1:0] one = 1;
    wire signed [VB-1:0] x0 = (zero ? one : col0) <<< CORDIC_GUARD;
    wire signed [VB-1:0] y0 = (zero ? 0 : row0) <<< CORDIC_GUARD;
    wire signed [SB-1:0] w0 = W0;
    wire signed [SB-1:0] zero_sb = 0;
    wire [LANE-1:0] lane0 = {neg0, x0, y0, w0, zero_sb};

    genvar s;
    generate
        for (s = 1; s <= STEPS; s = s + 1) begin : step
            wire [LANE-1:0] in_lane;
            wire [LANE-1:0] lane;  // what leaves this step: out_lane, registered every STEPS_PER_STAGE steps
            if (s == 1) begin : first
                assign in_lane = lane0;
            end else begin : next
                assign in_lane = step[s-1].lane;
            end
            wire neg = in_lane[LANE-1];
            wire signed [VB-1:0] x = in_lane[2*SB+2*VB-1:2*SB+VB];
            wire signed [VB-1:0] y = in_lane[2*SB+VB-1:2*SB];
            wire signed [SB-1:0] wx = in_lane[2*SB-1:SB];
            wire signed [SB-1:0] wy = in_lane[SB-1:0];
            wire [LANE-1:0] out_lane;
            if (s == 1) begin : pass  // step 0 is the combinational preprocessing above
                assign out_lane = in_lane;
            end else if (s <= N + 1) begin : rotate  // micro-rotation i = s - 2
                wire down = ~y[VB-1];
                wire signed [VB-1:0] x_n = down ? x + (y >>> (s - 2)) : x - (y >>> (s - 2));
                wire signed [VB-1:0] y_n = down ? y - (x >>> (s - 2)) : y + (x >>> (s - 2));
                wire signed [SB-1:0] wx_n = down ? wx - (wy >>> (s - 2)) : wx + (wy >>> (s - 2));
                wire signed [SB-1:0] wy_n = down ? wy + (wx >>> (s - 2)) : wy - (wx >>> (s - 2));
                assign out_lane = {neg, x_n, y_n, wx_n, wy_n};
            end else begin : finish  // undo the negation and add half a grid step (one add each): round half up below
                wire signed [SB-1:0] half = 1 <<< (STEP_GUARD - 1);
                wire signed [SB-1:0] wx_f = neg ? half - wx : half + wx;
                wire signed [SB-1:0] wy_f = neg ? half - wy : half + wy;
                assign out_lane = {neg, x, y, wx_f, wy_f};
            end
            if (s % STEPS_PER_STAGE == 0 || s == STEPS) begin : stage
                reg [LANE-1:0] r;
                always @(posedge clk) r <= out_lane;
                assign lane = r;
            end else begin : wire_through
                assign lane = out_lane;
            end
        end
    endgenerate

    // valid travels beside the data
    reg [LATENCY-1:0] valid;
    always @(posedge clk) valid <= rstn ? {valid[LATENCY-2:0], in_valid} : {LATENCY{1'b0}};
    assign out_valid = valid[LATENCY-1];

    wire [LANE-1:0] lane_out = step[STEPS].lane;
    wire signed [SB-1:0] wx_out = lane_out[2*SB-1:SB];
    wire signed [SB-1:0] wy_out = lane_out[SB-1:0];
    wire signed [SB-1:0] col_r = wx_out >>> STEP_GUARD;  // floor((w + half) / 2**STEP_GUARD): rounded half up
    wire signed [SB-1:0] row_r = wy_out >>> STEP_GUARD;
    assign step_col = col_r;  // sign-extended to POS_BITS
    assign step_row = row_r;
endmodule
