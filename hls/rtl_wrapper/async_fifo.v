`timescale 1 ns / 1 ps
// A word FIFO between two unrelated clocks (write side wclk, read side rclk): gray-coded pointers, each crossing into
// the other domain through two flip-flops (Cummings, "Simulation and Synthesis Techniques for Asynchronous FIFO
// Design", SNUG 2002). First word falls through: dout is the oldest word while !empty. full and empty are
// pessimistic (they see the other side's pointer two or three clocks late), never wrong. Each side has its own
// synchronous active-low reset; reset both before use (the scan side's reset is synchronised into its clock by the
// caller, scan_clock_bridge.v).
module async_fifo #(
    parameter WIDTH = 16,
    parameter DEPTH_LOG2 = 4
) (
    input wclk,
    input wrstn,
    input push,
    input [WIDTH-1:0] din,
    output full,
    input rclk,
    input rrstn,
    input pop,
    output [WIDTH-1:0] dout,
    output empty
);
    localparam A = DEPTH_LOG2;
    reg [WIDTH-1:0] mem [0:(1 << A) - 1];
    reg [A:0] wbin, wgray, rbin, rgray;              // pointers with one wrap bit, binary and gray
    (* ASYNC_REG = "TRUE" *) reg [A:0] rgray_w1, rgray_w2;  // the read pointer, synchronised into wclk
    (* ASYNC_REG = "TRUE" *) reg [A:0] wgray_r1, wgray_r2;  // the write pointer, synchronised into rclk

    wire [A:0] wbin_next = wbin + (push && !full);
    wire [A:0] rbin_next = rbin + (pop && !empty);
    // full: the write pointer one lap ahead of the read pointer (gray: the two top bits inverted, the rest equal)
    assign full = wgray == {~rgray_w2[A:A-1], rgray_w2[A-2:0]};
    assign empty = rgray == wgray_r2;
    assign dout = mem[rbin[A-1:0]];

    always @(posedge wclk) begin
        if (!wrstn) begin
            wbin <= 0;
            wgray <= 0;
            rgray_w1 <= 0;
            rgray_w2 <= 0;
        end else begin
            if (push && !full) mem[wbin[A-1:0]] <= din;
            wbin <= wbin_next;
            wgray <= wbin_next ^ (wbin_next >> 1);
            rgray_w1 <= rgray;
            rgray_w2 <= rgray_w1;
        end
    end
    always @(posedge rclk) begin
        if (!rrstn) begin
            rbin <= 0;
            rgray <= 0;
            wgray_r1 <= 0;
            wgray_r2 <= 0;
        end else begin
            rbin <= rbin_next;
            rgray <= rbin_next ^ (rbin_next >> 1);
            wgray_r1 <= wgray;
            wgray_r2 <= wgray_r1;
        end
    end
endmodule
